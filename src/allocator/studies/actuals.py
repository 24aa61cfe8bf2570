"""What was actually spent (`allocator replan --actuals`): a CSV table, or the `actuals` sheet of
a workbook, with the columns program, pool, year and spent_musd, read by the rules of every
input table (number rule, limits, one line naming file, row and column) and checked against the
dataset: known programs and pools (did you mean), a pool that may fund the program, a year of
the plan no later than the as-of year and inside the program's years, and no pool's phase
spending more than its budget plus what its earlier phases could carry in.

Amounts of the same program, pool and phase are added with `math.fsum` (exactly rounded), so
the order of the rows never changes a number.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from allocator.data.files import read_file
from allocator.data.inputs import BOOK_SUFFIXES, MAX_TABLE_BYTES, read_records, read_table_bytes
from allocator.data.numbers import number_style
from allocator.data.rows import Row, Year, closest_fix, unit_field
from allocator.data.schema import MAX_MUSD, Group, Inputs, Program, eligible_pools
from allocator.data.workbook import ACTUALS_SHEET as SHEET
from allocator.data.workbook import MAX_BOOK_BYTES
from allocator.errors import InputError

TOL = 1e-9
"""Relative slack of the budget check (money written to cents, added in floats)."""

Key = tuple[str, str, str]
"""(program, pool, phase)."""


class Actual(Row):
    """One amount spent: a program, the pool that paid, the year and the money."""

    source: str = ""
    """Where the figure comes from (optional here: accounts are their own source)."""
    program: str
    """A program of programs.csv."""
    pool: str
    """A pool of pools.csv."""
    year: Year
    """The year the money was spent; no later than --as-of."""
    spent_musd: float = unit_field("musd", ge=0, le=MAX_MUSD)
    """US$ million spent."""


@dataclass(frozen=True)
class Actuals:
    """The actuals read and checked: money by (program, pool, phase) up to the as-of year."""

    file: str
    spent: dict[Key, float]
    rows: int
    sha256: str
    """Of the bytes read (the CSV, or the whole workbook)."""
    by_year: dict[tuple[str, str, int], float] = field(default_factory=dict)
    """Money by (program, pool, year): what a re-plan fixes, year by year."""
    added_up: list[dict[str, object]] = field(default_factory=list)
    """Each (program, pool, year) given on more than one row: the rows and their sum."""
    hidden: str = ""
    """How the workbook's actuals sheet is hidden (`hidden` or `veryHidden`), if it is: said, as
    a dataset workbook's hidden table sheets are (nobody opening the book sees those amounts)."""


def load_actuals(path: Path, inp: Inputs, as_of: int) -> Actuals:
    """Read `path` (CSV, or a workbook's `actuals` sheet) and check it against `inp`.

    Raises:
        InputError: naming the file (sheet and cell), row and column, with the fix.
    """
    data = _bytes(path, MAX_BOOK_BYTES if path.suffix.lower() in BOOK_SUFFIXES else MAX_TABLE_BYTES)
    with number_style(inp.number_style):
        rows, name, hidden = _read(path, data)
    _check_ids(rows, name, inp)
    phase_of = inp.phase_of_year
    for r in rows:
        _check_year(r, name, inp, as_of, phase_of)
    _check_budgets(rows, name, inp, phase_of)
    _check_caps(rows, name, inp)
    _check_groups(rows, name, inp, phase_of)
    _check_floors(rows, name, inp, phase_of, as_of)
    parts: dict[Key, list[float]] = defaultdict(list)
    for r in rows:
        parts[(str(r.program), str(r.pool), phase_of[r.year])].append(r.spent_musd)
    spent = {k: math.fsum(v) for k, v in sorted(parts.items())}
    years: dict[tuple[str, str, int], list[Actual]] = defaultdict(list)
    for r in rows:
        years[(str(r.program), str(r.pool), int(r.year))].append(r)
    by_year = {k: math.fsum(r.spent_musd for r in v) for k, v in sorted(years.items())}
    added = [
        {"program": k[0], "pool": k[1], "year": k[2], "rows": sorted(r.line for r in v),
         "spent_musd": by_year[k]}
        for k, v in sorted(years.items()) if len(v) > 1
    ]  # fmt: skip
    sha = hashlib.sha256(data).hexdigest()
    return Actuals(str(path), spent, len(rows), sha, by_year=by_year, added_up=added, hidden=hidden)


def _read(path: Path, data: bytes) -> tuple[list[Actual], str, str]:
    """The rows of the file, the name messages give it, and how its sheet is hidden ("")."""
    if path.suffix.lower() in BOOK_SUFFIXES:
        rows, hidden = _read_sheet(path, data)
        return rows, f"{path}, sheet {SHEET}", hidden
    read = read_table_bytes(str(path), data, Actual)
    return [r for r in read if isinstance(r, Actual)], str(path), ""


def _bytes(path: Path, limit: int) -> bytes:
    try:
        return read_file(path, limit)
    except FileNotFoundError:
        raise InputError(
            "file not found", file=str(path), fix="pass --actuals with a CSV of what was spent"
        ) from None
    except InputError as exc:
        raise InputError(exc.reason, file=str(path), fix=exc.fix) from None


def _read_sheet(path: Path, data: bytes) -> tuple[list[Actual], str]:
    """The `actuals` sheet of a workbook, each error named by its cell, and how it is hidden
    ("" if it is not)."""
    from allocator.data.sheettext import book_error, read_sheet
    from allocator.data.xlsx import open_book
    from allocator.data.xlsxparts import BookError

    book = path.name
    try:
        opened = open_book(data)
    except BookError as exc:
        raise book_error(book, exc) from None
    named = [i for i in opened.sheets if i.name.strip().lower() == SHEET]
    if len(named) > 1:  # which one the money was spent as would be a guess
        raise InputError(
            f"sheets {' and '.join(repr(i.name) for i in named)} both read as '{SHEET}'",
            file=str(path),
            fix="keep one actuals sheet (rename or delete the other)",
        )
    info = named[0] if named else None
    if info is None:
        raise InputError(
            "sheet is missing", file=f"{path}, sheet {SHEET}",
            fix="add a sheet 'actuals' with columns program, pool, year, spent_musd",
        )  # fmt: skip
    records = read_sheet(book, info.name, opened, info)
    try:
        if not records or not any(c.strip() for c in records[0]):
            raise InputError("the header row is blank", row=1, fix="put the column names in row 1")
        rows = read_records(SHEET, records, Actual)
    except InputError as exc:
        raise _by_cell(exc, f"{path}, sheet {info.name}", records) from None
    hidden = info.state if info.state in ("hidden", "veryHidden") else ""
    return [r for r in rows if isinstance(r, Actual)], hidden


def _by_cell(exc: InputError, where: str, records: list[list[str]]) -> InputError:
    """`exc` naming the workbook, sheet and cell (row and column as the CSV rules found them)."""
    from allocator.data.sheettext import column_letter

    header = [h.strip().lower() for h in records[0]] if records else []
    if exc.row is not None and exc.column in header:
        where += f", cell {column_letter(header.index(exc.column))}{exc.row}"
    return InputError(exc.reason, file=where, row=exc.row, column=exc.column, fix=exc.fix)


def _check_ids(rows: list[Actual], name: str, inp: Inputs) -> None:
    """Known program and pool, and a pool that may fund the program (eligibility.csv)."""
    programs = {p.program for p in inp.programs}
    pools = {p.pool for p in inp.pools}
    eligible = eligible_pools(inp)
    for r in rows:
        for column, value, known, where in (
            ("program", r.program, programs, "programs.csv"),
            ("pool", r.pool, pools, "pools.csv"),
        ):
            if value not in known:
                raise InputError(
                    f"unknown {column} '{value}'", file=name, row=r.line, column=column,
                    fix=closest_fix(value, known, where),
                )  # fmt: skip
        if r.pool not in eligible[r.program]:
            raise InputError(
                f"pool {r.pool} may not fund program {r.program} (eligibility.csv)",
                file=name, row=r.line, column="pool",
                fix="name the pool that paid, or add the pair to eligibility.csv",
            )  # fmt: skip


def _check_year(r: Actual, name: str, inp: Inputs, as_of: int, phase_of: dict[int, str]) -> None:
    """A year of the plan, no later than the as-of year, inside the program's years."""
    if r.year not in phase_of:  # first: a year past the plan cannot be an as-of year
        raise InputError(
            f"year {r.year} is in no phase of phases.csv ({inp.years[0]}-{inp.years[-1]})",
            file=name, row=r.line, column="year", fix="write a year of the plan",
        )  # fmt: skip
    if r.year > as_of:
        raise InputError(
            f"year {r.year} is after the as-of year {as_of}", file=name, row=r.line,
            column="year", fix=f"drop the row or re-plan with --as-of {r.year}",
        )  # fmt: skip
    prog = next(p for p in inp.programs if p.program == r.program)
    if r.spent_musd > 0 and not prog.first_year <= r.year <= prog.last_year:
        raise InputError(
            f"program {r.program} runs {prog.first_year}-{prog.last_year} (programs.csv), "
            f"so nothing can be spent on it in {r.year}", file=name, row=r.line, column="year",
            fix="correct the year, or the program's window in programs.csv",
        )  # fmt: skip


def _check_budgets(rows: list[Actual], name: str, inp: Inputs, phase_of: dict[int, str]) -> None:
    """No pool spends more in a phase than its budget plus what its earlier phases left and
    could carry; the row named is the one at which the running total (file order) passes."""
    order = {p.phase: k for k, p in enumerate(inp.phases)}
    pools = sorted(inp.pools, key=lambda p: (p.pool, order[p.phase]))
    by_group: dict[tuple[str, str], list[Actual]] = defaultdict(list)
    for r in rows:
        by_group[(r.pool, phase_of[r.year])].append(r)
    carried: dict[str, float] = {}
    for p in pools:
        avail = p.budget_musd + carried.get(p.pool, 0.0)
        group = by_group.get((p.pool, p.phase), [])
        _over(group, avail, p.pool, p.phase, name, p.budget_musd)
        left = avail - math.fsum(r.spent_musd for r in group)
        carried[p.pool] = max(0.0, left) if p.carry_over else 0.0
    for (pool, phase), group in by_group.items():  # a phase without a budget row: nothing
        if not any(p.pool == pool and p.phase == phase for p in inp.pools):
            _over(group, 0.0, pool, phase, name, 0.0)


def _over(
    group: list[Actual], avail: float, pool: str, phase: str, name: str, budget: float
) -> None:
    running: list[float] = []
    for r in sorted(group, key=lambda r: r.line):
        running.append(r.spent_musd)
        total = math.fsum(running)
        if total > avail * (1 + TOL) + TOL:
            raise InputError(
                f"pool {pool} spends {total:,.6g} musd in {phase} up to this row, more than "
                f"its budget ({budget:,.6g} musd in pools.csv) plus what earlier phases carry "
                f"({avail - budget:,.6g} musd)", file=name, row=r.line, column="spent_musd",
                fix="correct the amount or the pool; a plan cannot re-plan spending past its "
                "budget (raise the budget in pools.csv first)",
            )  # fmt: skip


def _check_caps(rows: list[Actual], name: str, inp: Inputs) -> None:
    """No program gets more than its cap over the horizon (cap_musd), nor more in a year than
    its ramp lets it absorb (max_annual_share x cap_musd): the LP could not hold such actuals
    and would report an infeasible plan instead of the row. The row named is the one at which
    the running total (file order) passes."""
    caps = {p.program: p for p in inp.programs}
    totals: dict[str, list[float]] = defaultdict(list)
    years: dict[tuple[str, int], list[float]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r.line):
        prog = caps[str(r.program)]
        totals[prog.program].append(r.spent_musd)
        years[(prog.program, int(r.year))].append(r.spent_musd)
        where = f"programs.csv row {prog.line}"
        who = f"program {r.program}"
        _past(r, name, who, math.fsum(totals[prog.program]), prog.cap_musd,
              f"more than its cap_musd {prog.cap_musd:,.6g} ({where})")  # fmt: skip
        ramp = prog.max_annual_share * prog.cap_musd
        if prog.max_annual_share < 1:
            _past(r, name, who, math.fsum(years[(prog.program, int(r.year))]), ramp,
                  f"in {r.year}, more than its max_annual_share {prog.max_annual_share:g} of "
                  f"cap_musd {prog.cap_musd:,.6g} lets it absorb in a year ({where})")  # fmt: skip


def _past(r: Actual, name: str, who: str, total: float, limit: float, words: str) -> None:
    """Refuse row `r` if `who`'s running total passes `limit` there."""
    if total > limit * (1 + TOL) + TOL:
        raise InputError(
            f"{who} gets {total:,.12g} musd up to this row, {words}", file=name, row=r.line,
            column="spent_musd", fix="correct the amount or the program; a plan cannot re-plan "
            "spending past a limit of the data (raise it there first)",
        )  # fmt: skip


def _in_group(g: Group, r: Actual, programs: dict[str, Program], phase_of: dict[int, str]) -> bool:
    """Whether actual `r` is spending of group `g` (groups.csv): in its phase (or any, `all`),
    by its pool or its program's dimension."""
    if g.phase != "all" and phase_of[r.year] != g.phase:
        return False
    member = (
        r.pool if g.dimension == "pool" else getattr(programs[str(r.program)], g.dimension, None)
    )
    return bool(member == g.member)


def _check_groups(rows: list[Actual], name: str, inp: Inputs, phase_of: dict[int, str]) -> None:
    """No group gets more than its max_musd (groups.csv) in its phase or over the horizon; the
    row named is the one at which the running total (file order) passes."""
    programs = {p.program: p for p in inp.programs}
    in_order = sorted(rows, key=lambda r: r.line)
    for g in inp.groups:
        if g.max_musd is None:
            continue
        running: list[float] = []
        for r in (r for r in in_order if _in_group(g, r, programs, phase_of)):
            running.append(r.spent_musd)
            _past(r, name, f"{g.dimension} {g.member} ({g.phase})", math.fsum(running),
                  g.max_musd, f"more than its max_musd {g.max_musd:,.6g} (groups.csv row "
                  f"{g.line})")  # fmt: skip


def _check_floors(
    rows: list[Actual], name: str, inp: Inputs, phase_of: dict[int, str], as_of: int
) -> None:
    """No group's min_musd (groups.csv) of a phase that has ended by `as_of` is left unmet: what
    was spent there is fixed, so no re-plan could meet it, and the LP would report an infeasible
    plan instead of the actuals."""
    programs = {p.program: p for p in inp.programs}
    ended = {p.phase for p in inp.phases if p.last_year <= as_of}
    if inp.phases and max(p.last_year for p in inp.phases) <= as_of:
        ended.add("all")
    for g in inp.groups:
        if g.min_musd is None or g.phase not in ended:
            continue
        spent = math.fsum(r.spent_musd for r in rows if _in_group(g, r, programs, phase_of))
        if spent < g.min_musd * (1 - TOL) - TOL:
            raise InputError(
                f"the actuals give {g.dimension} {g.member} {spent:,.6g} musd in {g.phase}, "
                f"less than its min_musd {g.min_musd:,.6g} (groups.csv row {g.line}), and "
                f"{g.phase} has ended by --as-of {as_of}", file=name, column="spent_musd",
                fix=f"add the rest of what was spent in {g.phase} to the actuals, or lower "
                "min_musd in groups.csv first (spending that has happened cannot be re-planned)",
            )  # fmt: skip
