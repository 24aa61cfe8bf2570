"""A model file's overrides applied to a dataset, each checked against the data and refused in
one line naming the model file (or the sheet and cell it changes): `apply_overrides`. Reading
the model file itself is `data/modelfile.py`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.data.carry import carry_exclusions
from allocator.data.cellset import after_problems, apply_set
from allocator.data.checks import reference_problems
from allocator.data.inputs import BOOK_SUFFIXES, explain_value
from allocator.data.numbers import NumberError, number_style
from allocator.data.ordering import canonical

# The overrides live in `overrides.py`: a run spec holds them, and a run without a model file
# does without this reader. Their classes stay importable from here.
from allocator.data.overrides import (
    WHOLE_COLUMNS,
    GroupLimit,
    Override,
    ScaleBudget,
    SetCoefficient,
    SetLinkRatio,
    after_words,
    told_by,
)
from allocator.data.records import read_cell
from allocator.data.rows import closest_fix
from allocator.data.schema import Group, Inputs, Link, Pool, Program, Row
from allocator.data.uncertainty import renoted
from allocator.errors import InputError, UsageError, quoted, raise_all


def apply_overrides(inp: Inputs, overrides: list[Override], source: str) -> Inputs:
    """The dataset with each override applied in order, each checked against the data; ranges
    and facts on rows an override removed are left out with a note (`carry.py`)."""
    before = inp
    for i, ov in enumerate(overrides):
        if ov.set_cell is not None:
            inp = apply_set(inp, ov.set_cell)
            continue
        where = f"{told_by(source)}overrides[{i}]"
        field, apply = next((f, a) for f, a in _APPLY.items() if getattr(ov, f) is not None)
        inp = apply(inp, getattr(ov, field), where)
    sets = [o.set_cell for o in overrides if o.set_cell is not None]
    after = after_words(source, overrides)
    found = [*reference_problems(inp), *after_problems(inp, sets)]
    problems = _in_place(inp, found)  # once, after overrides and sets
    if len(problems) == 1:  # the CSV is fine: an override made the data inconsistent
        raise UsageError(f"{after}, {problems[0]}")
    raise_all(problems, after)
    carried = carry_exclusions(before, inp, source)
    # the warnings on uncertainty.csv rows of the data now: the sets may break or mend a range
    noted = renoted(carried, lambda found: _in_place(carried, found))
    return canonical(noted)  # an added group row takes its place


def _in_place(inp: Inputs, problems: list[InputError]) -> list[InputError]:
    """The problems as the dataset's files are named: CSV files, or a workbook's sheets."""
    path = Path(inp.folder)
    if path.suffix.lower() not in BOOK_SUFFIXES or not path.is_file():
        return problems
    from allocator.data.workbook import in_book  # the workbook reader only for a workbook

    return [_with_cell(path, in_book(path.name, e)) for e in problems]


def _with_cell(book: Path, exc: InputError) -> InputError:
    """The problem with its cell named as the loader names it: `sheet base, cell D2`."""
    from allocator.data.cellset import cell_of

    head, _, sheet = (exc.file or "").rpartition(", sheet ")
    if not head or exc.row is None or not exc.column:
        return exc
    cell = cell_of(book, sheet, exc.column, exc.row)
    if not cell:
        return exc
    return InputError(
        exc.reason, file=f"{exc.file}{cell}", row=exc.row, column=exc.column, fix=exc.fix
    )


def _known(where: str, kind: str, value: str, known: set[str]) -> None:
    if value not in known:
        fix = closest_fix(value, known, f"the {kind}s of the dataset", drop="the override")
        raise UsageError(f"{where}: unknown {kind} {quoted(value)}. Fix: {fix}")


def _refused(
    where: str, column: str, value: float | str, model: type[Row], exc: ValidationError
) -> str:
    """One line: which override, which value, why it is refused and how to fix it."""
    shown = f"{value:g}" if isinstance(value, float) else value
    reason, fix = explain_value(exc.errors()[0], column, shown, model)
    return f"{where}: {column} = {shown} is not allowed ({reason}). Fix: {fix}"


def _cell_value(
    inp: Inputs, row: Row | type[Row], column: str, value: float | str | None, where: str
) -> Any:
    """An override's value for `column` of `row` (a row, or a new row's table): a number as
    given, text read by the rule of that cell in the dataset's number style (`3.5B`, `50%`,
    `3,500`), as a `set:` entry is.

    Raises:
        UsageError: the number rule refuses the text, naming the override and the fix.
    """
    if not isinstance(value, str):
        return value
    model = row if isinstance(row, type) else type(row)
    cells = (
        {}
        if isinstance(row, type)
        else {k: "" if v is None else str(v) for k, v in row.model_dump().items()}
    )
    try:
        with number_style(inp.number_style):
            return read_cell(model, column, value, cells)
    except NumberError as exc:
        raise UsageError(f"{where}: {column}: {exc}. Fix: {exc.fix}") from None


def _scale_budget(inp: Inputs, ov: ScaleBudget, where: str) -> Inputs:
    where += ".scale_budget"
    _known(where, "pool", ov.pool, {p.pool for p in inp.pools})
    phases = {p.phase for p in inp.pools if p.pool == ov.pool}
    if ov.phase is not None:
        _known(where, f"phase of pool {ov.pool}", ov.phase, phases)
    pools = []
    for p in inp.pools:
        if p.pool == ov.pool and ov.phase in (None, p.phase):
            budget = p.budget_musd * ov.factor
            try:  # the scaled budget is held to the limits of a budget cell
                p = Pool.model_validate(p.model_dump() | {"line": p.line, "budget_musd": budget})
            except ValidationError as exc:
                raise UsageError(_refused(where, "budget_musd", budget, Pool, exc)) from None
        pools.append(p)
    return inp.model_copy(update={"pools": tuple(pools)})


def _exclude_pool(inp: Inputs, pool: str, where: str) -> Inputs:
    _known(where + ".exclude_pool", "pool", pool, {p.pool for p in inp.pools})
    return inp.model_copy(
        update={
            "pools": tuple(p for p in inp.pools if p.pool != pool),
            "eligibility": tuple(e for e in inp.eligibility if e.pool != pool),
            "groups": tuple(
                g for g in inp.groups if not (g.dimension == "pool" and g.member == pool)
            ),
        }
    )


def _exclude_program(inp: Inputs, program: str, where: str) -> Inputs:
    _known(where + ".exclude_program", "program", program, {p.program for p in inp.programs})
    return inp.model_copy(
        update={
            "programs": tuple(p for p in inp.programs if p.program != program),
            "eligibility": tuple(e for e in inp.eligibility if e.program != program),
            "exposures": tuple(x for x in inp.exposures if x.program != program),
            "markets": tuple(m for m in inp.markets if m.program != program),
            "groups": tuple(
                g for g in inp.groups if not (g.dimension == "program" and g.member == program)
            ),
        }
    )


def _set_coefficient(inp: Inputs, ov: SetCoefficient, where: str) -> Inputs:
    where += ".set_coefficient"
    _known(where, "program", ov.program, {p.program for p in inp.programs})
    programs = []
    for p in inp.programs:
        if p.program == ov.program:
            value = _cell_value(inp, p, ov.column, ov.value, where)
            if isinstance(value, float) and ov.column in WHOLE_COLUMNS:
                value = int(value)  # SetCoefficient has checked that it is a whole number
            data = p.model_dump() | {"line": p.line, ov.column: value}
            try:
                p = Program.model_validate(data)
            except ValidationError as exc:
                raise UsageError(_refused(where, ov.column, ov.value, Program, exc)) from None
        programs.append(p)
    return inp.model_copy(update={"programs": tuple(programs)})


def _group_limit(inp: Inputs, ov: GroupLimit, where: str) -> Inputs:
    if ov.dimension == "pool":
        members = {p.pool for p in inp.pools}
    else:
        members = {
            str(getattr(p, ov.dimension))
            for p in inp.programs
            if getattr(p, ov.dimension) is not None
        }
    _known(where + ".group_limit", ov.dimension, ov.member, members)
    if ov.phase != "all":
        _known(where + ".group_limit", "phase", ov.phase, {p.phase for p in inp.phases})
    data = ov.model_dump() | {"source": f"model file override ({where})"}
    for column in ("min_musd", "max_musd", "max_share"):
        data[column] = _cell_value(inp, Group, column, data[column], where + ".group_limit")
    try:
        row = Group.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        column = str(err["loc"][0]) if err["loc"] else "min_musd"
        value = data.get(column)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        reason, fix = explain_value(err, column, shown, Group)
        raise UsageError(f"{where}.group_limit: {column}: {reason}. Fix: {fix}") from None
    key = (ov.dimension, ov.member, ov.phase)
    kept = tuple(g for g in inp.groups if (g.dimension, g.member, g.phase) != key)
    return inp.model_copy(update={"groups": (*kept, row)})


def _set_link_ratio(inp: Inputs, ov: SetLinkRatio, where: str) -> Inputs:
    where += ".set_link_ratio"
    _known(where, "link", ov.link, {link.link for link in inp.links})
    links = []
    for link in inp.links:
        if link.link == ov.link:
            try:  # held to the rule of a ratio cell: above 0, at most MAX_RATIO
                ratio = _cell_value(inp, link, "ratio", ov.ratio, where)
                link = Link.model_validate(link.model_dump() | {"line": link.line, "ratio": ratio})
            except ValidationError as exc:
                raise UsageError(_refused(where, "ratio", ov.ratio, Link, exc)) from None
        links.append(link)
    return inp.model_copy(update={"links": tuple(links)})


_APPLY: dict[str, Callable[[Inputs, Any, str], Inputs]] = {
    "scale_budget": _scale_budget,
    "exclude_pool": _exclude_pool,
    "exclude_program": _exclude_program,
    "set_coefficient": _set_coefficient,
    "group_limit": _group_limit,
    "set_link_ratio": _set_link_ratio,
}
"""How each kind of override (its one field set) is applied, but a cell set (`apply_set`)."""
