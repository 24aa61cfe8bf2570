"""The milestone targets and the objectives: what the plan achieves, and how it is held.

`add_targets` builds the `target` rows (and, for soft targets, the `shortfall` columns, the
`obj_shortfall` objective and the `shortfall_total` row), a build step listed after the
families of `constraints.py` and the objectives (`objectives.add_objectives`), before
`robust.py`'s rows (`build.STEPS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allocator.errors import InfeasibleError
from allocator.model.declare import (
    BY_KIND,
    WEIGHTED_SHORTFALL,
    Labels,
    Source,
    Term,
    family,
    variable,
)
from allocator.model.levels import level_blocks
from allocator.model.linear import Blocks, LinearModel, Row, runs
from allocator.model.measures import exports_blocks, jobs_blocks
from allocator.model.shares import share_blocks, share_weight

if TYPE_CHECKING:
    from allocator.data.schema import Inputs, Target
    from allocator.data.schema import Row as InputRow
    from allocator.model.build import Sets


def _target_row(inp: Inputs, labels: Labels) -> InputRow | None:
    """The targets.csv row of a target; the total's member is `all` in the row name, empty in
    the file."""
    member = None if labels["member"] == "all" else labels["member"]
    key = {"kind": labels["kind"], "dimension": labels["dimension"], "member": member}
    key["year"] = labels["year"]
    return next((t for t in inp.targets if all(getattr(t, k) == v for k, v in key.items())), None)


def _group_programs(s: Sets, dimension: str, member: str | None) -> list[str]:
    if dimension == "total":
        return list(s.programs)
    return [p for p, prog in s.programs.items() if getattr(prog, dimension) == member]


def target_weight(value: float, weight: float | None) -> float:
    """Weight of a unit of shortfall: as given, else 1/target (shortfall counted as a share)."""
    if weight is not None:
        return weight
    return 1.0 / value if value > 0 else 0.0


def shortfall_unit(inp: Inputs) -> str:
    """The unit of the least weighted shortfall, one name on every surface (the CSV tables'
    unit columns, the workbook's headers, the terminal, report.html, run.json): `weighted
    shortfall`, whether the weights are 1/target (no `weight` given: the sum counts the share
    of each target missed) or targets.csv's and shares.csv's `weight` (`shortfall_words` says
    which)."""
    del inp  # the name is the same whichever weights the dataset gives
    return WEIGHTED_SHORTFALL


def shortfall_words(inp: Inputs) -> str:
    """The least weighted shortfall's unit (`shortfall_unit`) and how the sum is made, for the
    sentence that quotes it: `10.99 weighted shortfall: each target's shortfall as a share of
    its target, summed`."""
    given = [t.weight for t in inp.targets] + [r.weight for r in inp.shares]
    if all(w is None or w == 0 for w in given):  # weight 0: reported only, not in the sum
        how = "each target's shortfall as a share of its target, summed"
    else:
        how = (
            "each target's shortfall times its weight (targets.csv, shares.csv `weight`; "
            "1/target where none is given), summed"
        )
    return f"{shortfall_unit(inp)}: {how}"


def _target_terms(inp: Inputs, index: tuple[Any, ...]) -> list[Term]:
    """A jobs target's programs (its group: all of them for the total) at the target's year; an
    exports target holds exports columns, no program's rate."""
    kind, dimension, member, year = index
    if kind != "jobs":
        return []
    return [
        Term(p.program, year, "jobs")
        for p in inp.programs
        if ("all" if dimension == "total" else getattr(p, dimension)) == member
    ]


@variable(
    "shortfall",
    ("kind", "dimension", "member", "year"),
    BY_KIND,
    "shortfall of the {kind} target of {dimension} {member} in {year}",
)
@variable(
    "share_shortfall",
    ("mineral", "year"),
    "percent",
    "shortfall of the processing share of {mineral} in {year} (percentage points)",
)
@family(
    "target",
    ("kind", "dimension", "member", "year"),
    BY_KIND,
    "{kind} target of {dimension} {member} in {year}",
    Source("targets", "value", find=_target_row),
    relaxable=True,
    coefficients=("programs.jobs_per_musd", "programs.lag_years"),
    terms=_target_terms,
)
@family(
    "processing_share",
    ("mineral", "year"),
    "percent",
    "processing share of {mineral} in {year} (+ shortfall) at least its target",
    Source("shares", "target_pct", ("mineral", "year")),
    relaxable=True,
    coefficients=("shares.today_pct", "shares.full_pct", "shares.investment_musd"),
)
@family(
    "shortfall_total",
    (),
    WEIGHTED_SHORTFALL,
    "least weighted shortfall of the targets",
    Source("targets", "value"),
)
def add_targets(m: LinearModel, s: Sets) -> None:
    """target[k,d,m,y]: jobs or exports of group m at milestone y (+ shortfall) >= target.

    jobs = sum_p jobs_per_musd[p] * capital[p, y]; exports = sum_p exports[p, y]; both as levels,
    with the group's base and tranche terms (`levels.level_blocks`). With `soft`,
    shortfall[k,d,m,y] >= 0 absorbs what cannot be met; obj_shortfall = -sum w * shortfall is
    solved first, and shortfall_total (sum w * shortfall <= least found) then holds it while the
    real objective is maximised. `hard` has no shortfall: an unmet target makes the LP infeasible.
    The mode is `s.targets`; `off` adds nothing.
    """
    mode = s.targets
    targets = [t for t in s.inputs.targets if t.value > 0]
    if mode == "off" or not (targets or any(r.weight != 0 for r in s.inputs.shares)):
        return
    rows: dict[tuple[Any, ...], Row] = {}
    weights, unreachable = {}, []
    keys = [(t.kind, t.dimension, t.member or "all", t.year) for t in targets]
    shortfall = m.add_columns("shortfall", keys, (0.0, None)) if mode == "soft" else {}
    for t, key in zip(targets, keys, strict=True):
        blocks = _achieved(s, t, _group_programs(s, t.dimension, t.member))
        if mode == "soft":
            blocks.append((1.0, [shortfall[key]]))
            weights[shortfall[key]] = (target_weight(t.value, t.weight), t.value)
        elif not any(len(cols) for _, cols in blocks):
            unreachable.append(_unreachable(s, t))
        rows[key] = (t.value, blocks, None)
    if unreachable:
        raise InfeasibleError(
            f"{len(unreachable)} hard target(s) cannot be met whatever the budgets. "
            "Fix: use --targets soft, or change the targets, windows or programs below",
            details=unreachable,
        )
    if rows:
        m.add_rows("target", rows)
    weights.update(_add_shares(m, s, mode == "soft"))
    if mode == "soft":
        cols = list(weights)
        m.add_objective("shortfall", runs(cols, [-w for w, _ in weights.values()]))
        most = sum(w * value for w, value in weights.values())
        hold: Row = (None, runs(cols, [w for w, _ in weights.values()]), most)
        m.add_rows("shortfall_total", {(): hold}, scalar=True)


def _add_shares(m: LinearModel, s: Sets, soft: bool) -> dict[int, tuple[float, float]]:
    """The processing_share rows (`model/shares.py`); soft: with share_shortfall columns,
    returned as column -> (weight, most shortfall in percentage points). A row with weight 0 is
    reported only (shares.csv of the run), in every target mode: it adds nothing to the LP."""
    shares = [r for r in s.inputs.shares if r.target_pct > r.today_pct and r.weight != 0]
    if not shares:
        return {}
    keys = [(r.mineral, r.year) for r in shares]
    short = m.add_columns("share_shortfall", keys, (0.0, None)) if soft else {}
    rows: dict[tuple[Any, ...], Row] = {}
    weights = {}
    for r, key in zip(shares, keys, strict=True):
        blocks = share_blocks(s, r)
        if soft:
            blocks.append((1.0, [short[key]]))
            weights[short[key]] = (share_weight(r), r.target_pct - r.today_pct)
        rows[key] = (r.target_pct - r.today_pct, blocks, None)
    m.add_rows("processing_share", rows)
    return weights


def _unreachable(s: Sets, t: Target) -> str:
    """Why no investment can count towards a target by its year."""
    where = f"targets.csv row {t.line}"
    what = f"  - {t.kind} target of {t.dimension} {t.member or 'all'} in {t.year} ({where})"
    serving = _group_programs(s, t.dimension, t.member)
    if t.kind == "exports":
        serving = [p for p in serving if s.programs[p].exports_per_musd > 0]
    if not serving:
        return f"{what}: no program serves it"
    when = "; ".join(_first_productive(s, p) for p in serving)
    return f"{what}: nothing can count by {t.year}: {when}"


def _first_productive(s: Sets, p: str) -> str:
    prog = s.programs[p]
    spend = sorted(
        {k[2] for k in s.by_program.get(p, []) if prog.first_year <= k[2] <= prog.last_year}
    )
    if not spend:
        window = f"{prog.first_year}-{prog.last_year}"
        return f"{p} has no eligible pool with a budget in its window {window}"
    pools = sorted({k[1] for k in s.by_program[p] if k[2] == spend[0]})
    return (
        f"{p} can first get money in {spend[0]} (window {prog.first_year}-{prog.last_year}, "
        f"pools {', '.join(pools)}) and it counts from {spend[0] + prog.lag_years} "
        f"(lag {prog.lag_years} years)"
    )


def _achieved(s: Sets, t: Target, programs: list[str]) -> Blocks:
    """Blocks of the jobs or exports of `programs` at the target's year, as a level: with the
    group's base and tranches (`levels.level_blocks`)."""
    at = {t.year: 1.0}
    levels = level_blocks(s, t.kind, t.dimension, t.member, at)
    if t.kind == "jobs":
        return jobs_blocks(s, programs, at) + levels
    return exports_blocks(s, programs, at) + levels
