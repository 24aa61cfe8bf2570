"""Rules across rows and tables of `Inputs`: duplicate keys, references that must resolve,
windows inside the horizon, floors that cannot fit, and the weights of the weighted objective.
Each refusal is one `InputError` naming file, row, column and the fix; the cross-table rules
report every broken reference of a dataset at once, so one run shows all that an edit broke."""

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from allocator.data.links import link_problems
from allocator.data.rows import closest_fix
from allocator.data.schema import MAX_WEIGHT, TABLES, Inputs, Row, Window, eligible_pools
from allocator.data.sizes import size_problems
from allocator.errors import InputError, quoted, raise_all

Problems = Iterator[InputError]

OBJECTIVES = ("jobs", "exports")


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The weights of the weighted objective, for the command line and model files alike.

    A weight is finite, from 0 to MAX_WEIGHT, and not every weight is 0: all 0 would make every
    plan score the same, and HiGHS would return an arbitrary one as "optimal".

    Raises:
        ValueError: the first weight that breaks the rule, in words.
    """
    for name, w in weights.items():
        if name not in OBJECTIVES:
            raise ValueError(f"unknown weight '{name}' (the objectives are jobs and exports)")
        if not math.isfinite(w):
            raise ValueError(f"weight {name} = {w} is not a finite number")
        if w < 0:
            raise ValueError(f"weight {name} = {w:g} is not at least 0")
        if w > MAX_WEIGHT:
            raise ValueError(f"weight {name} = {w:g} is not at most {MAX_WEIGHT:g}")
    if not any(w > 0 for w in weights.values()):
        raise ValueError("the weights are all 0, so every plan would score the same")
    return dict(weights)


def check_duplicates(table: str, rows: tuple[Row, ...]) -> None:
    """Raise on the first row whose key repeats an earlier row's."""
    file, _, key, _ = TABLES[table]
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        k = tuple(getattr(row, c) for c in key)
        if k in seen:
            shown = ", ".join(f"{c}={v}" for c, v in zip(key, k, strict=True) if v is not None)
            raise InputError(
                f"duplicate key ({shown}), already on row {seen[k]}",
                file=file,
                row=row.line,
                column=key[0],
                fix="merge the two rows or remove one",
            )
        seen[k] = row.line


def _ref_error(
    file: str, row: Row, column: str, value: object, known: set[str], table: str
) -> InputError:
    return InputError(
        f"unknown {column} {quoted(value)}",
        file=file,
        row=row.line,
        column=column,
        fix=closest_fix(value, known, table),
    )


def check_references(inp: Inputs) -> None:
    """Cross-table rules.

    Raises:
        InputError: the one broken rule, or `InputErrors` listing every one.
    """
    raise_all(reference_problems(inp))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a name may not start with: a spreadsheet runs such a cell of allocation.csv as a
formula (CSV injection)."""
FREE_TEXT = frozenset({"source", "derivation", "assumption", "note", "low", "high"})
"""Text columns that are not names (uncertainty's low and high are numbers such as -20%)."""


def formula_problems(inp: Inputs) -> list[InputError]:
    """Every identifier or name (program, pool, sector, group, mineral, a key, a display name)
    that starts with a character a spreadsheet reads as the start of a formula."""
    found = []
    for field, (file, *_rest) in TABLES.items():
        for row in getattr(inp, field):
            for column, value in row:
                if column in FREE_TEXT or not isinstance(value, str):
                    continue
                if value.startswith(FORMULA_STARTS):
                    found.append(formula_error(file, row.line, column, value))
    return found


def formula_error(file: str, row: int | None, column: str, value: str) -> InputError:
    """The refusal of a name that starts like a formula (=, +, -, @, tab, CR)."""
    return InputError(
        f"{quoted(value)} starts with {value[0]!r}, which a spreadsheet runs as a formula",
        file=file,
        row=row,
        column=column,
        fix="start the name with a letter or a digit",
    )


NAMES = (
    ("programs", ("program", "sector", "export_category", "capital_group", "mineral")),
    ("pools", ("pool",)),
    ("phases", ("phase",)),
    ("risks", ("risk",)),
)
"""The columns that give things their names (the others refer to these names, exactly)."""


def case_problems(inp: Inputs) -> list[InputError]:
    """Every name written in two ways that differ only in case (`S1` and `s1`): they are two
    names to the model, but one to a spreadsheet's filters and lookups and to a reader."""
    found = []
    for table, columns in NAMES:
        file = TABLES[table][0]
        rows = sorted(getattr(inp, table), key=lambda r: r.line)
        for column in columns:
            found += _case_twins(file, column, [(getattr(r, column), r.line) for r in rows])
    return found


def _case_twins(file: str, column: str, cells: list[tuple[str | None, int]]) -> list[InputError]:
    """One problem for each spelling of a name other than its first in `cells` (value, row)."""
    first: dict[str, tuple[str, int]] = {}
    found: dict[str, InputError] = {}
    for value, row in cells:
        if value is None:
            continue
        name, line = first.setdefault(value.casefold(), (value, row))
        if name != value and value not in found:
            found[value] = _case_error(file, row, column, value, name, line)
    return list(found.values())


def _case_error(file: str, row: int, column: str, value: str, name: str, line: int) -> InputError:
    return InputError(
        f"{quoted(value)} differs from {quoted(name)} (row {line}) only in case",
        file=file,
        row=row,
        column=column,
        fix=f"write {name} as on row {line} if it is the same, else a name that differs in "
        "more than case",
    )


def reference_problems(inp: Inputs) -> list[InputError]:
    """Every name that starts like a formula (`formula_problems`) or differs from another only in
    case (`case_problems`), and every broken cross-table rule, in the order of the checks; with
    none, a plan past the size limit (`size_problems`)."""
    found = [*formula_problems(inp), *case_problems(inp), *_cross_table_problems(inp)]
    return found or size_problems(inp)


def _cross_table_problems(inp: Inputs) -> list[InputError]:
    """Every broken cross-table rule, in the order of the checks (phases first: without
    consecutive phases there is no horizon to check the rest against)."""
    found = list(_check_phases(inp))
    if found:
        return found
    phases = {p.phase for p in inp.phases}
    programs = {p.program for p in inp.programs}
    pools = {p.pool for p in inp.pools}
    risks = {r.risk for r in inp.risks}
    first, last = inp.years[0], inp.years[-1]
    for m in inp.milestones:
        if not first <= m.year <= last:
            found.append(
                InputError(
                    f"milestone {m.year} is outside the horizon {first}-{last}",
                    file="milestones.csv",
                    row=m.line,
                    column="year",
                    fix="use a year covered by phases.csv",
                )
            )
    for p in inp.programs:
        found += _check_window("programs.csv", p, first, last)
    for r in inp.risks:
        found += _check_window("risks.csv", r, first, last)
    for pool in inp.pools:
        if pool.phase not in phases:
            found.append(_ref_error("pools.csv", pool, "phase", pool.phase, phases, "phases.csv"))
    found += _check_carry(inp)
    found += _check_eligibility(inp, programs, pools)
    found += _check_groups(inp, phases, pools)
    found += _check_markets(inp, programs)
    found += _check_exposures(inp, programs, risks)
    found += _check_targets(inp)
    found += link_problems(inp)
    if not found:  # the floors are checked against eligibility that is known to be sound
        found += _check_floors_fit(inp)
    return found


def _check_eligibility(inp: Inputs, programs: set[str], pools: set[str]) -> Problems:
    sectors = {p.sector for p in inp.programs}
    for e in inp.eligibility:
        if e.pool not in pools:
            yield _ref_error("eligibility.csv", e, "pool", e.pool, pools, "pools.csv")
        if e.program not in (None, "*") and e.program not in programs:
            yield _ref_error("eligibility.csv", e, "program", e.program, programs, "programs.csv")
        if e.sector is not None and e.sector not in sectors:
            yield _ref_error("eligibility.csv", e, "sector", e.sector, sectors, "programs.csv")


def _check_exposures(inp: Inputs, programs: set[str], risks: set[str]) -> Problems:
    for x in inp.exposures:
        if x.program not in programs:
            yield _ref_error("exposures.csv", x, "program", x.program, programs, "programs.csv")
        if x.risk not in risks:
            yield _ref_error("exposures.csv", x, "risk", x.risk, risks, "risks.csv")


def _check_phases(inp: Inputs) -> Problems:
    for prev, cur in zip(inp.phases, inp.phases[1:], strict=False):
        if cur.first_year != prev.last_year + 1:
            yield InputError(
                f"phase {cur.phase} starts in {cur.first_year} but phase {prev.phase} "
                f"ends in {prev.last_year}",
                file="phases.csv",
                row=cur.line,
                column="first_year",
                fix="make phases consecutive, without gaps or overlaps, in year order",
            )


def _check_window(file: str, row: Window, first: int, last: int) -> Problems:
    for column in ("first_year", "last_year"):
        year = getattr(row, column)
        if not first <= year <= last:
            yield InputError(
                f"{column} {year} is outside the horizon {first}-{last}",
                file=file,
                row=row.line,
                column=column,
                fix="use a year covered by phases.csv",
            )


def _check_carry(inp: Inputs) -> Problems:
    order = [p.phase for p in inp.phases]
    have = {(p.pool, p.phase) for p in inp.pools}
    for p in inp.pools:
        if not p.carry_over or p.phase not in order:  # an unknown phase is reported apart
            continue
        idx = order.index(p.phase)
        if idx + 1 < len(order) and (p.pool, order[idx + 1]) not in have:
            yield InputError(
                f"carry_over is yes but pool {p.pool} has no row for phase {order[idx + 1]}",
                file="pools.csv",
                row=p.line,
                column="carry_over",
                fix=f"add a row for ({p.pool}, {order[idx + 1]}) with budget_musd 0, or set no",
            )


def _check_groups(inp: Inputs, phases: set[str], pools: set[str]) -> Problems:
    members: dict[str, set[str]] = {
        dim: {str(getattr(p, dim)) for p in inp.programs if getattr(p, dim) is not None}
        for dim in ("sector", "capital_group", "mineral", "export_category", "program")
    }
    members["pool"] = pools
    for g in inp.groups:
        if g.phase != "all" and g.phase not in phases:
            yield _ref_error("groups.csv", g, "phase", g.phase, phases | {"all"}, "phases.csv")
        if g.member not in members[g.dimension]:
            yield _ref_error(
                "groups.csv",
                g,
                "member",
                g.member,
                members[g.dimension],
                f"the {g.dimension}s of the dataset",
            )


def _check_markets(inp: Inputs, programs: set[str]) -> Problems:
    categories = {p.export_category for p in inp.programs if p.export_category}
    for mk in inp.markets:
        kind, name = mk.key
        known = programs if kind == "program" else categories
        if name not in known:
            yield _ref_error("markets.csv", mk, kind, name, known, "programs.csv")
        first, last = inp.years[0], inp.years[-1]
        if not first <= mk.year <= last:
            yield InputError(
                f"year {mk.year} is outside the horizon {first}-{last}",
                file="markets.csv",
                row=mk.line,
                column="year",
                fix="use a year covered by phases.csv",
            )


def _check_targets(inp: Inputs) -> Problems:
    """Targets must sit on milestones; a target for a group no program serves is kept (the
    outcomes show it as a full shortfall), since the strategy may set goals the data cannot fund."""
    milestones = {m.year for m in inp.milestones}
    for t in inp.targets:
        if t.year not in milestones:
            yield InputError(
                f"year {t.year} is not a milestone",
                file="targets.csv",
                row=t.line,
                column="year",
                fix=f"use one of {sorted(milestones)} or add it to milestones.csv",
            )
        if t.dimension == "total" and t.member is not None:
            yield InputError(
                f"a total target has member '{t.member}'",
                file="targets.csv",
                row=t.line,
                column="member",
                fix="leave member empty for a total, or set dimension to the group",
            )
        if t.dimension != "total" and t.member is None:
            yield InputError(
                f"a {t.dimension} target needs a member",
                file="targets.csv",
                row=t.line,
                column="member",
                fix="name the sector or category",
            )


def _check_floors_fit(inp: Inputs) -> Problems:
    """A floor must fit in what its eligible pools can give inside its window."""
    eligible = eligible_pools(inp)
    budget: dict[tuple[str, str], float] = defaultdict(float)
    carry = {p.pool for p in inp.pools if p.carry_over}
    for pool in inp.pools:
        budget[(pool.pool, pool.phase)] += pool.budget_musd
    phase_of = inp.phase_of_year
    for p in inp.programs:
        if p.floor_musd <= 0:
            continue
        if not eligible[p.program]:
            yield InputError(
                f"program {p.program} has a floor but no pool may fund it",
                file="programs.csv",
                row=p.line,
                column="floor_musd",
                fix="add a row for it to eligibility.csv or clear the floor",
            )
            continue
        window = {phase_of[t] for t in range(p.first_year, p.last_year + 1)}
        reach = sum(
            v
            for (pool, ph), v in budget.items()
            if pool in eligible[p.program] and (ph in window or pool in carry)
        )
        if p.floor_musd > reach + 1e-9:
            yield InputError(
                f"floor_musd {p.floor_musd:g} cannot fit: its eligible pools have only "
                f"{reach:g} musd in its window {p.first_year}-{p.last_year}",
                file="programs.csv",
                row=p.line,
                column="floor_musd",
                fix="lower the floor, widen the window or make more pools eligible",
            )
