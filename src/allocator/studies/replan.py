"""The re-plan study (`allocator replan`, run by `allocator.runs.replan`): the approved plan,
the churn limit, the rows the re-plan adds and what run.json says of it.

The LP is the solve's, with rows added (`studies.replanlp`; the families are registered only
while a re-plan runs, `replan_families`):

- `replan_spent[program, pool, year]`: for every year up to the as-of year, the money of
  (program, pool) in that year equals what was spent in it (0 where the actuals say nothing):
  money spent in 2026 stays in 2026, which lags, milestones and job-years see. A phase that has
  ended is fixed year by year; a phase that straddles the as-of year keeps what was spent so far
  in the years it was spent, and its later years are free.
- `replan_mitigation[risk, year]`: for every year up to the as-of year, the risk mitigation
  equals what the approved plan spent on it (its reduced_costs.csv's `mitigate` rows): the
  actuals say what was invested, and mitigation spent is as past as investment spent.
- `replan_change[program]` (`--max-change`): a program's money after the as-of year stays within
  the limit of what the approved plan put there (a share of it, or US$ million).
- `--least-change`: columns `replan_move[program, pool, phase]` >= |re-planned - approved| money
  after the as-of year (rows `replan_above`, `replan_below`), the same of mitigation by risk and
  phase (`replan_mitigation_move`, rows `replan_mitigation_above`, `replan_mitigation_below`),
  and an objective `least_change` (minus their sum) maximised on the optimal face right after
  the objective, before the efficiency passes: at the same optimum, within the passes' own
  tolerance, the plan that moves the least money.

Every pass of a solve runs (`results.solve_lp`); the tables are the solve's, plus replan.csv.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from allocator.errors import UsageError
from allocator.model.declare import family, variable

if TYPE_CHECKING:
    from allocator.studies.actuals import Actuals

LEAST_CHANGE = "least_change"
"""The name of the least-change objective (minus the money moved)."""


@family(
    "replan_spent",
    ("program", "pool", "year"),
    "musd",
    "money of pool {pool} into {program} in {year}, fixed to actuals",
)
@family(
    "replan_change",
    ("program",),
    "musd",
    "change of {program}'s money after the as-of year against the approved plan",
)
@family(
    "replan_above",
    ("program", "pool", "phase"),
    "musd",
    "money moved up: {pool} into {program} in {phase}",
)
@family(
    "replan_below",
    ("program", "pool", "phase"),
    "musd",
    "money moved down: {pool} into {program} in {phase}",
)
@variable(
    "replan_move",
    ("program", "pool", "phase"),
    "musd",
    "money of pool {pool} into {program} in {phase} moved against the approved plan",
)
@family(
    "replan_mitigation",
    ("risk", "year"),
    "musd",
    "mitigation of {risk} risk in {year}, fixed to the approved plan",
)
@family(
    "replan_mitigation_above",
    ("risk", "phase"),
    "musd",
    "mitigation moved up: {risk} risk in {phase}",
)
@family(
    "replan_mitigation_below",
    ("risk", "phase"),
    "musd",
    "mitigation moved down: {risk} risk in {phase}",
)
@variable(
    "replan_mitigation_move",
    ("risk", "phase"),
    "musd",
    "mitigation of {risk} risk in {phase} moved against the approved plan",
)
def replan_rows(model: Any, sets: Any) -> None:
    """The re-plan's row and column families, declared for the registry. The step builds
    nothing: `replanlp.add_replan_rows` adds the rows with the re-plan's numbers (actuals, the
    approved plan) after the solve's own steps."""


@contextmanager
def replan_families() -> Iterator[None]:
    """The re-plan's families in the registry while a re-plan runs: the table of contents
    (`build.STEPS`) with `replan_rows` last; the solve's own table of contents otherwise."""
    from allocator.model import build

    before = build.STEPS
    build.STEPS = (*before, replan_rows)
    try:
        yield
    finally:
        build.STEPS = before


@dataclass(frozen=True)
class Churn:
    """`--max-change`: a share of a program's approved money after the as-of year, or musd."""

    text: str
    share: float | None = None
    musd: float | None = None

    def limit(self, approved: float) -> float:
        """The most a program with `approved` musd after the as-of year may move."""
        return self.musd if self.musd is not None else (self.share or 0.0) * approved


def churn_of(text: str | None) -> Churn | None:
    """`--max-change` read by the number rule: `10%` (a share) or `50musd` (US$ million).

    Raises:
        UsageError: anything else, with an example.
    """
    from allocator.data.ambiguity import option_fix
    from allocator.data.numbers import AmbiguousError, parse_money, parse_share

    if text is None:
        return None
    t = text.strip()
    fix = "Fix: write a share such as 10% or an amount such as 50musd"
    share = t.endswith("%")
    try:
        if share:
            churn = Churn(t, share=parse_share(t))
        elif t.lower().endswith(("musd", "m", "b", "bn", "k")):
            churn = Churn(t, musd=parse_money(t))
        else:
            raise UsageError(f"--max-change '{text}' has no unit (% or musd). {fix}")
    except AmbiguousError as exc:  # each reading as the option takes it: 10% or 10000%
        said = option_fix(exc.texts, "" if share else "musd")
        raise UsageError(f"--max-change '{text}': {exc}. Fix: {said}") from None
    except ValueError as exc:
        raise UsageError(f"--max-change '{text}': {exc}. {fix}") from None
    if min(churn.share or 0.0, churn.musd or 0.0) < 0:
        raise UsageError(f"--max-change '{text}' is negative. {fix}")
    return churn


@dataclass
class Approved:
    """The approved run: its options, money by (program, pool, year), objective and binding
    rows."""

    folder: Path
    info: dict[str, Any]
    opts: Any
    """The run's options (`runs.spec.RunSpec`)."""
    money: dict[tuple[str, str, int], float]
    binding: list[str]
    rows: dict[tuple[str, str, int], int] = field(default_factory=dict)
    """The first row of allocation.csv of each (program, pool, year), for its messages."""
    mitigation: dict[tuple[str, int], float] = field(default_factory=dict)
    """The risk mitigation by (risk, year) (reduced_costs.csv's `mitigate` rows), read once the
    dataset is loaded (`replanapproved.mitigation_of`)."""
    outcomes: pd.DataFrame | None = None
    """The run's outcomes.csv (None: a run folder without one): what existed before the plan and
    what the approved plan adds, as its headline says them."""


def _true(value: object) -> bool:
    return value is True or str(value).strip().lower() == "true"


HELD = (
    "replan_spent",
    "replan_above",
    "replan_below",
    "replan_mitigation",
    "replan_mitigation_above",
    "replan_mitigation_below",
)
"""The re-plan's rows that hold by construction: never listed as binding."""


def binding_rows(prices: pd.DataFrame, where: Path | str = "shadow_prices.csv") -> list[str]:
    """The rows that bind (shadow_prices.csv's `binding`), sorted; of the re-plan's own rows
    only a churn limit whose shadow price is not 0 (the actuals and the least-change rows hold
    by construction, and a limit of 0 on a program the plan leaves alone costs nothing).

    Raises:
        UsageError: a churn limit's shadow price is no number (a file `where` edited by hand).
    """
    found = []
    r: Any  # a row of the shadow prices table (its fields: the table's columns)
    for n, r in enumerate(prices.itertuples(index=False), start=2):
        if not _true(r.binding) or str(r.family) in HELD:
            continue
        if r.family == "replan_change" and not _price(r.shadow_price, where, n):
            continue
        found.append(str(r.constraint))
    return sorted(found)


def _price(value: str | float, where: Path | str, row: int) -> float:
    """A shadow price cell as a number; `row` is its row in the file `where`."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UsageError(
            f"{where}, row {row}, column shadow_price: '{value}' is not a number. Fix: pass a "
            "run folder written by allocator solve, unedited"
        ) from None


def approved_objective(approved: Approved) -> float:
    """The objective value the approved run's run.json records.

    Raises:
        UsageError: it records none (a run.json edited by hand, or not a solve's).
    """
    obj = approved.info.get("objective")
    value = obj.get("value") if isinstance(obj, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise UsageError(
            f"{approved.folder}/run.json records no objective value. Fix: pass a run folder "
            "written by allocator solve, unedited"
        )
    return float(value)


def cost_of(before: float, after: float) -> float:
    """What the deviations cost: the approved objective minus the re-planned optimum, 0 within
    the solver's relative tolerance (1e-9), so noise is not reported as a cost."""
    cost = before - after
    return 0.0 if abs(cost) <= 1e-9 * max(1.0, abs(before)) else cost


def facts(
    inp: Any,
    sol: Any,
    approved: Approved,
    actuals: Actuals,
    asked: tuple[int, Churn | None, bool],
    tables: dict[str, pd.DataFrame],
) -> dict[str, Any]:
    """run.json's `replan`: what was asked, what the deviations cost, what binds now."""
    from allocator.report.assumed import changed_files
    from allocator.studies import replanout

    as_of, churn, least_change = asked
    before = approved_objective(approved)
    prices = tables["shadow_prices"]
    now = binding_rows(prices)
    changed = changed_files(approved.info["inputs"]["sha256"], inp.file_hashes)
    return {
        "approved_run": str(approved.folder),
        "actuals": {
            "file": actuals.file,
            "sha256": actuals.sha256,
            "rows": actuals.rows,
            "spent_musd": math.fsum(actuals.by_year.values()) + 0.0,
            "added_up": actuals.added_up,
            "hidden": actuals.hidden,
        },
        "as_of": as_of,
        "max_change": None if churn is None else churn.text,
        "least_change": least_change,
        "approved_objective": before,
        "replanned_objective": sol.objective_value,
        "cost_of_deviations": cost_of(before, sol.objective_value),
        "unit": sol.objective_unit,
        "label": sol.label,
        "moved_musd": replanout.moved(approved.money, tables, inp, as_of, approved.mitigation),
        "binding_new": [c for c in now if c not in approved.binding],
        "binding_gone": [c for c in approved.binding if c not in now],
        "inputs_changed_since_approved": changed,
        **levels(approved, tables["outcomes"]),
    }


def levels(approved: Approved, outcomes: pd.DataFrame) -> dict[str, Any]:
    """What exists before the plan and what each plan adds, as solve says it: the re-plan's
    levels (`base_and_new`, solve's --json field) and the approved run's own (its outcomes.csv:
    the base it was solved with), and the headline's split of each (`headline_split`: kind,
    `replanned` and `approved` base and new); none without a base."""
    from allocator.report.existing import headline_parts, json_parts

    said: dict[str, Any] = {}
    now, before = json_parts(outcomes), _parts(json_parts, approved.outcomes)
    if now:
        said["base_and_new"] = now
    if before:
        said["approved_base_and_new"] = before
    split: dict[str, Any] = {}
    for which, table in (("replanned", outcomes), ("approved", approved.outcomes)):
        parts = _parts(lambda t: headline_parts(approved.info, t), table)
        if parts:
            split |= {"kind": parts[0], which: {"base": parts[1], "new": parts[2]}}
    if split:
        said["headline_split"] = split
    return said


def _parts(read: Callable[[Any], Any], table: pd.DataFrame | None) -> Any:
    """`read(table)`, or None where a table of an older run or of the user's edit holds a cell
    that is no number (the approved run's outcomes.csv is read only for its words)."""
    try:
        return read(table)
    except (TypeError, ValueError):
        return None
