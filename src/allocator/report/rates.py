"""The one-sided rates of a run's rows as table columns and words, and the "largest shadow
prices" ranking every report shares: limits by what one unit more room buys, exactly.

The rates come from the solver (`allocator.solver.marginal`) in the `Solution`'s rows table; here
they become the columns of shadow_prices.csv and sensitivity.csv (`ONE_SIDED`), the list's order
(`top_shadow_prices`) and its words (`rate_words`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.model import families
from allocator.model.declare import WEIGHTED_SHORTFALL
from allocator.model.solution import Solution

ZERO_PRICE = 1e-9
"""A shadow price counts as non-zero from this magnitude on. Below it is solver noise, which the
tables already write as 0 (the solver's duals are cleaned at this same tolerance)."""

EXCEL_INFINITY = 1e30
"""Excel Solver's "no limit"."""

WEIGHTED_UNIT = "index"
"""The unit of `--objective weighted` (`model.solution.PLAIN_UNITS`): its rates at the margin
hold each measure's best as this run found it (the LP model.mps holds); its whole units are
`allocator solve` on the moved data, the bests found again."""

ONE_SIDED = [
    "gain_per_unit_up",
    "up_holds_for",
    "loss_per_unit_down",
    "down_holds_for",
    "holds_for_unit",
    "one_sided",
    "gain_of_one_unit_up",
    "loss_of_one_unit_down",
    "shortfall_change_up",
    "shortfall_change_down",
]
"""The one-sided columns of shadow_prices.csv and sensitivity.csv: what one more unit of the
right-hand side buys (v'+, objective per unit increase) and what each unit less costs (v'-), each
exact for the amount beside it (in `holds_for_unit`); 1E+30 = without limit, 0 = for no
amount (no move that way keeps a plan at today's least shortfall: the rate is the dual the
side starts at, and its end says what lies past); empty = not computed (the row's range is 0
that way and no report lists it; a share cap's side `not linear` in max_share). `one_sided`:
`re-solved` (a side was computed by re-solves, to where its rate changes; so is a listed row's
finite Excel range), `basis` (both are the simplex dual, over
Excel's allowable range: at least that far, since the range ends where the basis changes, not
the rate), empty (a side not computed). After `re-solved`, a side whose amount says less than
where the rate changes is named: `; up: at least` (that side kept Excel's range: the model is
too large to follow it by re-solves, `units.EXTEND_UP_TO`; or the re-solves allowed per side,
`marginal.MAX_PROBES`, ran out before its end), `; down: then no plan` (the rate
holds up to that amount and past it no plan is feasible), `; down: then at its minimum` (the
number in the data behind the row reaches the least value it takes there, as a tranche's
from_level at 0: no data moves it further; `; up: then at its maximum`, a share cap's
max_share at 1), `; up: then it acts` (a tranche's from_level below the sector's existing
jobs, raised to them: rate 0 that far, the row's past it), `; down: then shortfall rises` (soft
targets: past it no plan keeps today's least target shortfall; `allocator solve` finds a plan
at a larger one). An amount is exact where the data
fixes it (a budget cut to 0, a bound reached); elsewhere it is where the re-solves found the
rate to change, to the solver's tolerance; the words show 6 significant digits. A `basis` row
whose range ends at a wall of the row (its other bound, or the least or most activity its
columns' bounds allow) names that side too (`basis; down: then no plan`): exact, no re-solve.

Then the whole units, what `allocator solve` on the data moved by one unit reports (soft
targets: the least shortfall found again, then held): `gain_of_one_unit_up` (objective after
one unit more, less today's), `loss_of_one_unit_down` (today's less the objective after one unit
less), +-1E+30 where no plan is feasible; `shortfall_change_up` / `_down` (the least weighted
target shortfall after the move, less today's; empty without soft targets or without a plan);
all empty for rows no report lists."""

SHARE_POINTS = "percentage points"
"""`holds_for_unit` of a share cap (group_share): its one-sided columns are per percentage
point of groups.csv's max_share, the cell `allocator solve --set` moves (the shadow price stays
the row's dual, per musd of a right-hand side that no cell holds)."""

RATES = ONE_SIDED[:4]
UNITS = ONE_SIDED[6:8]
SHORTFALL = ONE_SIDED[8:]


def one_sided(sol: Solution) -> pd.DataFrame:
    """The one-sided columns (`ONE_SIDED`) of every constraint row, infinities as Excel's 1E+30;
    all empty for a plan with no duals (a near-optimal alternative)."""
    rows = sol.rows
    if "gain_per_unit_up" not in rows:
        frame = pd.DataFrame(np.nan, index=rows.index, columns=RATES)
        frame = frame.assign(holds_for_unit="", one_sided="")
        return frame.assign(**dict.fromkeys(UNITS + SHORTFALL, np.nan))
    frame = pd.DataFrame({c: _signed_excel_inf(rows[c]) for c in RATES})
    units = np.array(families.row_units(rows), dtype=object)
    units[(rows["family"] == "group_share").to_numpy()] = SHARE_POINTS  # max_share's points
    frame["holds_for_unit"] = units.tolist()
    known = frame[RATES].notna().all(axis=1).to_numpy()
    frame["one_sided"] = _how(rows, known)
    for c in UNITS + SHORTFALL:  # a solution of the first step has no whole units
        frame[c] = _signed_excel_inf(rows[c]) if c in rows else np.nan
    return frame


def _how(rows: pd.DataFrame, known: np.ndarray) -> pd.Series:
    """The `one_sided` column: `re-solved` or `basis`, then the sides that end otherwise than
    where the rate changes (`; up: at least`, `; down: then no plan`): every such side of a
    re-solved row, and both of a basis row one of whose sides ends at a wall (`basis; up: at
    least; down: then no plan`; a plain `basis` row holds at least its ranges both ways)."""
    re_solved = rows["re_solved"].to_numpy(dtype=bool)
    how = np.where(re_solved, "re-solved", np.where(known, "basis", "")).astype(object)
    if "up_end" not in rows:  # a solution without them (ranging failed)
        return pd.Series(how, index=rows.index, dtype=object)
    ends = {s: rows[f"{s}_end"].fillna("").astype(str).to_numpy(dtype=object) for s in _SIDE}
    walls = [(end != "") & (end != "at least") for end in ends.values()]
    walled = known & ~re_solved & (walls[0] | walls[1])
    for side, end in ends.items():
        named = (end != "") & (re_solved | walled)
        how[named] = how[named] + f"; {side}: " + end[named]
    return pd.Series(how, index=rows.index, dtype=object)


_SIDE = ("up", "down")


def side_ends(row: Any) -> tuple[str, str]:
    """What lies past each side's amount of a row (up, down), as its `one_sided` says: `at
    least` (the basis's range: the rate may hold further), `then no plan`, `then shortfall
    rises`, or empty (the rate
    changes there, or holds for any amount)."""
    said = str(getattr(row, "one_sided", "") or "")
    head, *parts = (part.strip() for part in said.split(";"))
    ends = dict.fromkeys(("up", "down"), "at least" if head == "basis" else "")
    for part in parts:
        side, _, end = part.partition(": ")
        ends[side] = end
    return ends["up"], ends["down"]


def top_shadow_prices(prices: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The n rows whose room buys the most (`room`), ties by constraint name.

    Args:
        prices: a `shadow_prices` table, as `shadow_prices` makes it or read back from
            shadow_prices.csv (one without the one-sided columns ranks by |shadow_price|).
        n: how many rows at most.

    Returns:
        Those rows, largest first, with a `magnitude` column (what one unit more room buys, as
        the CSV holds it: 12 digits); rows whose room buys less than `ZERO_PRICE` (or is not
        computed) are never listed, so no row shows a gain a re-solve does not give.
    """
    if "gain_per_unit_up" in prices:
        value = room(prices)
    else:
        value = prices["shadow_price"].astype(float).abs()
    keep = (value >= ZERO_PRICE).to_numpy()
    # the magnitudes of the kept rows only: on an empty frame, pandas would take a whole
    # column's index and bring every row back
    sizes = [float(f"{v:.12g}") for v in value[keep]]
    top = prices[keep].assign(magnitude=sizes)
    return top.sort_values(["magnitude", "constraint"], ascending=[False, True]).head(n)


def room(prices: pd.DataFrame) -> pd.Series:
    """What one unit more room buys: one more unit of a `<=` limit (`gain_of_one_unit_up`), one
    unit less of a `>=` limit (minus `loss_of_one_unit_down`), as a re-solve with the data moved
    gives it; missing where not computed. A table of the first step (no whole units) gives the
    rates at the margin (`gain_per_unit_up`, `loss_per_unit_down`)."""
    up, down = UNITS if UNITS[0] in prices else ("gain_per_unit_up", "loss_per_unit_down")
    gain = prices[up].astype(float)
    loss = prices[down].astype(float)
    return gain.where(prices["sense"] != ">=", -loss)


def rate_words(row: Any, unit: str) -> tuple[str, str]:
    """What one more unit of a limit buys and what one less costs, in words: the whole unit
    first (what a re-solve with the data moved gives), then the rate at the margin and how far
    it holds, e.g. (`one more musd: +1.25 jobs (+12.5 jobs per musd for the first 0.1 musd,
    then +0 on average)`, `one less musd: -40 jobs, and the least target shortfall rises by
    0.0002 weighted shortfall (at today's least shortfall: -40 jobs per musd for no amount: at
    once the least target shortfall rises)`: the
    shortfall's change in `WEIGHTED_SHORTFALL`, as every other surface names its unit). A row
    without whole units (a run folder of the first step) says the rates alone: `one more:
    +12.5 jobs per musd (for 0.1 musd)`.

    Args:
        row: a row of a `shadow_prices` table (or of `top_shadow_prices`), with the one-sided
            columns.
        unit: the rate's unit (the row's `unit`, e.g. `jobs per musd`).
    """
    holds_unit = str(getattr(row, "holds_for_unit", "") or "")
    whole = [_number(row, c) for c in UNITS]
    ends = side_ends(row)
    if whole[0] != whole[0] and whole[1] != whole[1]:
        up = _side_words(float(row.gain_per_unit_up), float(row.up_holds_for), holds_unit, ends[0])
        down = _side_words(
            -float(row.loss_per_unit_down), float(row.down_holds_for), holds_unit, ends[1]
        )
        return f"one more: {up.replace(' (', f' {unit} (', 1)}", f"one less: {down}"
    objective, _, per = unit.partition(" per ")
    per = per or holds_unit
    if holds_unit == SHARE_POINTS:
        per = "percentage point of max_share"
    said = []
    for sign, (rate, holds), change, shortfall, end in zip(
        (+1, -1), (RATES[:2], RATES[2:]), whole, SHORTFALL, ends, strict=True
    ):
        side = _Side(
            sign * _number(row, rate), _number(row, holds), sign * change, _number(row, shortfall)
        )
        side.end = end
        side.bests_held = objective == WEIGHTED_UNIT
        more = "more" if sign > 0 else "less"
        said.append(f"one {more} {per}: {side.words(objective, per, holds_unit)}")
    return said[0], said[1]


def _number(row: Any, column: str) -> float:
    value = getattr(row, column, np.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


class _Side:
    """One side of a row: the rate and its range (objective change per unit moved that way),
    the whole unit's change of the objective and of the least shortfall."""

    def __init__(self, rate: float, holds: float, change: float, shortfall: float) -> None:
        self.rate, self.holds, self.change, self.shortfall = rate, holds, change, shortfall
        self.end = ""
        """What lies past `holds` (`side_ends`)."""
        self.bests_held = False
        """A weighted index: the rate holds each measure's best (the whole unit finds them
        again), so it is said so, and no average over the rest of the unit is made of both."""

    def words(self, objective: str, per: str, holds_unit: str) -> str:
        """E.g. `-40 jobs, and the least target shortfall rises by 0.0002 weighted shortfall
        (...)`."""
        if self.change != self.change:
            return self._no_unit(objective, per, holds_unit)
        if abs(self.change) >= EXCEL_INFINITY:
            return "no plan is feasible"
        text = f"{self.change + 0.0:+,.4g} {objective}"
        moved = self.shortfall == self.shortfall and self.shortfall != 0
        if moved:
            how = "rises" if self.shortfall > 0 else "falls"
            change = f"{abs(self.shortfall):.4g} {WEIGHTED_SHORTFALL}"
            text += f", and the least target shortfall {how} by {change}"
        per = "percentage point" if holds_unit == SHARE_POINTS else per
        detail = self._detail(f"{objective} per {per}", holds_unit, moved)
        if detail and moved:
            detail = f"at today's least shortfall: {detail}"
        return f"{text} ({detail})" if detail else text

    def _no_unit(self, objective: str, per: str, holds_unit: str) -> str:
        """A side without a whole unit: where the number in the data is less than one unit from
        the least (most) value it takes (`then at its minimum`, `then at its maximum`), no
        whole unit is a value the data takes: `cannot be lowered: max_share is already 0`, or
        what is left and the rate over it; else `not computed`."""
        limits = {
            "then at its minimum": ("lowered", "0", "minimum"),
            "then at its maximum": ("raised", "1", "maximum"),
        }
        if self.end not in limits or not 0 <= self.holds < 1:
            return "not computed"
        if self.holds > 0:
            per = "percentage point" if holds_unit == SHARE_POINTS else per
            return f"less than one is left ({self._detail(f'{objective} per {per}', holds_unit)})"
        way, share, limit = limits[self.end]
        if holds_unit == SHARE_POINTS:
            return f"cannot be {way}: max_share is already {share}"
        return f"cannot be {way}: its number in the data is already at its {limit}"

    def _detail(self, unit: str, holds_unit: str, moved: bool = False) -> str:
        """The rate at the margin and how far it holds; for less than one unit, the average
        rate over the rest of the unit (unless the least shortfall `moved`: the rate is then of
        another problem, today's least shortfall held). A share cap's side with no rate, its
        value not linear in max_share (`not linear`), says so."""
        rate, holds = self.rate, self.holds
        if rate != rate:
            if self.end != "not linear":
                return ""
            objective = unit.partition(" per ")[0]
            return (
                f"no rate at the margin: the objective ({objective}) is not linear in max_share "
                "here, as all spending in the phase moves with it"
            )
        if abs(rate) >= EXCEL_INFINITY:
            return "no plan is feasible"
        said = f"{rate + 0.0:+,.4g} {unit}"
        if self.bests_held:
            said += " with each measure's best held"
        if holds >= EXCEL_INFINITY:
            return f"{said} for any amount"
        amount = _amount(holds, holds_unit, self.end)
        ends = (
            "then no plan",
            "then shortfall rises",
            "then at its minimum",
            "then at its maximum",
            "then it acts",
        )
        if holds >= 1 or moved or self.bests_held or self.end in ends:
            return f"{said} for {amount}"
        rest = (self.change - rate * holds) / (1 - holds)
        rest = 0.0 if abs(rest) < 1e-9 * max(1.0, abs(rate)) else rest
        first = amount.replace("at least ", "at least the first ", 1)
        first = first if first != amount else f"the first {amount}"
        return f"{said} for {first}, then {rest:+,.4g} {unit} on average"


def _amount(holds: float, holds_unit: str, end: str) -> str:
    """How far a rate holds, in words: `331 musd`, `at least 331 musd` (the basis's range
    only), `6,200 musd, then no plan is feasible`; 6 significant digits. A rate that holds for
    none (0, then no plan or a larger least shortfall) says so: `no amount: at once the least
    target shortfall rises`."""
    at_once = {
        "then no plan": "no plan is feasible",
        "then shortfall rises": "the least target shortfall rises",
    }
    if holds == 0 and end in at_once:
        return f"no amount: at once {at_once[end]}"
    amount = f"{holds:,.6g} {holds_unit}".strip()
    if end == "at least":
        return f"at least {amount}"
    if end == "then no plan":
        return f"{amount}, then no plan is feasible"
    if end == "then shortfall rises":
        return f"{amount}, then the least target shortfall rises"
    if end == "then at its minimum":  # the cell behind the row can fall no further
        return f"{amount}, where its number in the data reaches its minimum"
    if end == "then at its maximum":  # a share cap's max_share at 1
        return f"{amount}, where its number in the data reaches its maximum"
    if end == "then it acts":  # a tranche's from_level raised to the jobs that already exist
        return f"{amount}, where it reaches the jobs that exist before the plan (past it, it acts)"
    if end == "then at the existing level":  # a tranche cut to the jobs that already exist
        return (
            f"{amount}, where it reaches the jobs that exist before the plan (less changes nothing)"
        )
    return amount


def _side_words(change: float, holds: float, holds_unit: str, end: str = "") -> str:
    if change != change:
        return "not computed"
    change += 0.0  # no "-0"
    if abs(change) >= EXCEL_INFINITY:
        return "no plan is feasible"
    amount = "any amount" if holds >= EXCEL_INFINITY else _amount(holds, holds_unit, end)
    return f"{change:+,.4g} (for {amount})"


def _signed_excel_inf(values: pd.Series) -> pd.Series:
    """+-inf as +-1E+30, as Excel writes no limit; missing values stay missing."""
    v = values.to_numpy(dtype=float)
    return pd.Series(np.where(np.isinf(v), np.sign(v) * EXCEL_INFINITY, v), index=values.index)
