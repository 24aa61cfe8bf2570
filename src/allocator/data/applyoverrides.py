"""A model file's overrides applied to a dataset, each checked against the data and refused in
one line naming the model file (or the sheet and cell it changes), in any order alike:
`apply_overrides`. Reading
the model file itself is `data/modelfile.py`."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.data.carry import carry_exclusions
from allocator.data.cellset import CellSet, apply_sets, row_named
from allocator.data.checks import reference_problems
from allocator.data.excludes import (
    DROPS,
    EXCLUDES,
    Exclude,
    exclude_named,
    excluding,
    files_own,
    names_of,
    not_excluded,
    set_not_excluded,
)
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
    place_of,
)
from allocator.data.records import read_cell
from allocator.data.rowedits import RowEdits, cell_checked
from allocator.data.rows import closest_fix
from allocator.data.schema import Group, Inputs, Link, Pool, Program, Row
from allocator.data.uncertainty import renoted
from allocator.errors import InputError, UsageError, quoted, raise_all

LEVEL_TABLES = frozenset({"base", "tranches", "shares", "markets"})
"""The tables whose rules across tables the loader checks apart (levels.py, shares.py; markets:
an exports base may not be above its reachable market)."""


def apply_overrides(inp: Inputs, overrides: list[Override], source: str) -> Inputs:
    """The dataset with the overrides applied, then the sets, then the excludes, whatever
    their order, each checked against the data as the dataset has it; the rules of a changed
    row and the rules across tables are checked once, after all (so the order never decides
    refused or solved: a cell set twice takes the later value). An override or a set that
    names a program or pool an exclude drops is refused, naming the exclude (`excludes.py`);
    one excluded again is a note naming both places. Each is named by where it was given
    (`place_of`: a caller's `overrides[1]`, the model file's `models/x.yaml: overrides[0]`).
    Ranges and facts on rows an exclude removed are left out with a note (`carry.py`).

    Raises:
        UsageError: an override or a set refused, or the data they leave breaks a rule.
    """
    before, edits = inp, RowEdits()
    excluded, twice = _excludes(inp, overrides, source)
    inp = _changed(inp, overrides, source, excluded, edits)
    sets = [o.set_cell for o in overrides if o.set_cell is not None]
    for cs in sets:
        set_not_excluded(row_named(inp, cs), cs, excluded, source)
    inp = edits.checked(apply_sets(inp, sets, edits))
    for dimension, name in excluded:
        inp = excluding(inp, dimension, name)
    after = after_words(source, overrides)
    found = [*reference_problems(inp), *_level_problems(inp, sets)]
    problems = _in_place(inp, found)  # once, after overrides and sets
    if len(problems) == 1:  # the CSV is fine: an override made the data inconsistent
        raise UsageError(f"{after}, {problems[0]}")
    raise_all(problems, after)
    inp = inp.model_copy(update={"notes": (*inp.notes, *twice)})
    carried = carry_exclusions(before, inp, source)
    # the warnings on uncertainty.csv rows of the data now: the sets may break or mend a range
    noted = renoted(carried, lambda found: _in_place(carried, found))
    return canonical(noted)  # an added group row takes its place


def _changed(
    inp: Inputs,
    overrides: list[Override],
    source: str,
    excluded: dict[tuple[str, str], Exclude],
    edits: RowEdits,
) -> Inputs:
    """`inp` with the overrides but the excludes and the sets applied in order (they change
    different cells but a cell given twice), the budgets' factors multiplied at once."""
    scales = []
    for i, ov in enumerate(overrides):
        where = place_of(ov, i, source)
        field = next(f for f, v in ov.__dict__.items() if v is not None)
        if field in ("set_cell", *EXCLUDES.values()):
            continue
        value = getattr(ov, field)
        mine = files_own(ov, source)
        not_excluded(f"{where}.{field}", names_of(value), excluded, source, mine)
        if isinstance(value, ScaleBudget):
            scales.append((where, value))
        elif isinstance(value, SetCoefficient):
            inp = _set_coefficient(inp, value, where, edits)
        else:
            inp = _APPLY[field](inp, value, where)
    return _scale_budgets(inp, scales)


def _excludes(
    inp: Inputs, overrides: list[Override], source: str
) -> tuple[dict[tuple[str, str], Exclude], list[str]]:
    """Each program and pool an override excludes, known to the dataset: (`program`, its id)
    -> where it is first excluded; and a note for each exclude of one excluded already (it
    changes nothing: said once, naming both places, as a cell set twice is listed twice)."""
    found: dict[tuple[str, str], Exclude] = {}
    twice = []
    for i, ov in enumerate(overrides):
        for dimension, field in EXCLUDES.items():
            name = getattr(ov, field)
            if name is None:
                continue
            have = {getattr(r, dimension) for r in getattr(inp, DROPS[dimension][0])}
            where = place_of(ov, i, source)
            _known(f"{where}.{field}", dimension, name, have)
            mine = files_own(ov, source)
            first = found.get((dimension, name))
            if first is None:
                found[(dimension, name)] = Exclude(ov.place or f"overrides[{i}]", mine)
                continue
            twice.append(
                f"{where}: {dimension} {quoted(name)} is excluded already by "
                f"{exclude_named(first, source, mine)}, so this exclude changes nothing. "
                "Fix: delete one of the two"
            )
    return found, twice


def _level_problems(inp: Inputs, sets: list[CellSet]) -> list[InputError]:
    """The rules across tables of base.csv, tranches.csv, shares.csv and markets.csv (levels.py,
    shares.py: a base after the first milestone or above its market, shares that rise with the
    level, a share's year that is no milestone), checked where a set changed one of these
    tables; the other tables' rules are `checks.reference_problems`."""
    if not any(cs.table in LEVEL_TABLES for cs in sets):
        return []
    from allocator.data.levels import level_problems
    from allocator.data.shares import share_problems

    return [*level_problems(inp), *share_problems(inp)]


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


def _scale_budgets(inp: Inputs, scales: list[tuple[str, ScaleBudget]]) -> Inputs:
    """`inp` with each budget times the factors of the scales that name it, multiplied at once
    in order of size (so any order of the scales gives the same bits), the result held to the
    limits of a budget cell; a refusal names the last scale of the budget."""
    for where, ov in scales:
        _known(where + ".scale_budget", "pool", ov.pool, {p.pool for p in inp.pools})
        if ov.phase is not None:
            phases = {p.phase for p in inp.pools if p.pool == ov.pool}
            _known(where + ".scale_budget", f"phase of pool {ov.pool}", ov.phase, phases)
    pools = []
    for p in inp.pools:
        mine = [(w, ov) for w, ov in scales if ov.pool == p.pool and ov.phase in (None, p.phase)]
        if mine:
            budget = p.budget_musd * math.prod(sorted(ov.factor for _, ov in mine))
            try:  # the scaled budget is held to the limits of a budget cell
                p = Pool.model_validate(p.model_dump() | {"line": p.line, "budget_musd": budget})
            except ValidationError as exc:
                where = mine[-1][0] + ".scale_budget"
                raise UsageError(_refused(where, "budget_musd", budget, Pool, exc)) from None
        pools.append(p)
    return inp.model_copy(update={"pools": tuple(pools)})


def _set_coefficient(inp: Inputs, ov: SetCoefficient, where: str, edits: RowEdits) -> Inputs:
    """`inp` with the program's cell set, held to its column's rule; the row's rules across
    columns are `edits`' to check once all are set."""
    where += ".set_coefficient"
    _known(where, "program", ov.program, {p.program for p in inp.programs})

    def say(exc: ValidationError) -> str:
        return _refused(where, ov.column, ov.value, Program, exc)

    programs = []
    for p in inp.programs:
        if p.program == ov.program:
            value = _cell_value(inp, p, ov.column, ov.value, where)
            if isinstance(value, float) and ov.column in WHOLE_COLUMNS:
                value = int(value)  # SetCoefficient has checked that it is a whole number
            data = p.model_dump() | {"line": p.line, ov.column: value}
            try:
                new = cell_checked(Program, data, ov.column)
            except ValidationError as exc:
                raise UsageError(say(exc)) from None
            edits.replaced("programs", p, new, say)
            p = new
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
    "group_limit": _group_limit,
    "set_link_ratio": _set_link_ratio,
}
"""How each kind of override that changes no program's cell and scales no budget is applied."""
