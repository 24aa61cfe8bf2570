"""The `shadow prices` section of `allocator compare` (`studies/compare.py`): each plan's limits
whose room buys the most, and in every plan what one unit more room of each buys, as a re-solve
with the data moved gives it. A cell no run computed is never left to read as "no value": a
limit its plan does not reach buys exactly 0 (more room changes no plan), and any other blank
says why in the row's unit, beside the plans it applies to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from allocator.report.rates import UNITS, room, top_shadow_prices
from allocator.report.tables import BINDING_TOLERANCE, RAMP_MOVED

if TYPE_CHECKING:
    from allocator.studies.compare import RunView

ROOM_COLUMNS = ("sense", *UNITS)
"""The columns of shadow_prices.csv from which compare shows what one unit more room buys
(`rates.room`); a table without them (an older allocator's) shows its shadow prices."""
REACHED_COLUMNS = ("slack", "rhs", "description")
"""The columns from which compare tells a limit its plan does not reach (its room buys 0)."""
TOP_PRICES = 5
NOT_RE_SOLVED = (
    "blank: its run did not re-solve this limit (it re-solves only those whose room buys the "
    "most, and this one is reached)"
)
"""Why a limit's cell is blank where its plan reaches the limit but did not re-solve it."""
NO_SUCH_LIMIT = "blank: no such limit in its plan"
"""Why a limit's cell is blank where the plan's LP has no such row (a pool it excludes)."""
NAN = float("nan")

Row = tuple[str, str, list[float]]


def price_rows(views: list[RunView], labels: list[str]) -> list[Row]:
    """The section's rows: each view's `TOP_PRICES` limits (the first view's in rank order,
    then the ones later views add), each with every view's value and the unit of each."""
    names: list[str] = []
    lookups = []
    for v in views:
        prices = v.tables["shadow_prices"]
        top = [str(c) for c in top_shadow_prices(prices, TOP_PRICES)["constraint"]]
        names += [c for c in top if c not in names]
        lookups.append(room_of(prices))
    rows = []
    for name in names:
        found = [lk.get(name, (NAN, NO_SUCH_LIMIT)) for lk in lookups]
        rows.append((name, units_by_view(labels, found), [f[0] for f in found]))
    return rows


def room_of(prices: pd.DataFrame) -> dict[str, tuple[float, str]]:
    """Each row's (value, unit) in the list: what one unit more room buys (`rates.room`), with
    its unit: as its run re-solved it, else 0 for a limit the plan does not reach, else blank
    with why (`NOT_RE_SOLVED`); a table without `ROOM_COLUMNS` (an older allocator's) its
    shadow prices."""
    names = prices["constraint"].astype(str)
    if not set(ROOM_COLUMNS) <= set(prices.columns):
        pairs = zip(prices["shadow_price"].astype(float), prices["unit"].astype(str), strict=True)
        return dict(zip(names, pairs, strict=True))
    said = (unit.rpartition(" per ") for unit in prices["unit"].astype(str))
    units = [f"{obj} from one more {per} of room" if obj else per for obj, _, per in said]
    values = room(prices).where(~unreached(prices), 0.0)  # + 0.0 below: -0.0 is 0
    return {
        name: (value + 0.0, unit) if value == value else (NAN, NOT_RE_SOLVED)
        for name, value, unit in zip(names, values.tolist(), units, strict=True)
    }


def unreached(prices: pd.DataFrame) -> pd.Series:
    """The rows whose whole unit no run computed and whose limit the plan does not reach (its
    slack beyond `BINDING_TOLERANCE`): one more unit of room of such a limit (one less of a
    `>=` one) leaves the plan optimal at every step of the solve (least shortfall, objective,
    tie rules), so it buys exactly 0. Not a program's cap that moves its yearly absorption
    limits with it (`RAMP_MOVED`: those may be reached), nor rows of a table without
    `REACHED_COLUMNS`."""
    if not set(REACHED_COLUMNS) <= set(prices.columns):
        return pd.Series(False, index=prices.index)
    slack = pd.to_numeric(prices["slack"], errors="coerce")
    scale = pd.to_numeric(prices["rhs"], errors="coerce").abs().clip(lower=1.0)
    ramps = prices["description"].astype(str).str.endswith(RAMP_MOVED)
    return room(prices).isna() & (slack > BINDING_TOLERANCE * scale) & ~ramps


def units_by_view(labels: list[str], found: list[tuple[float, str]]) -> str:
    """The common unit, else each unit with its views: `jobs per musd (A); musd per musd (B)`;
    a blank's why (`NOT_RE_SOLVED`, `NO_SUCH_LIMIT`, compare's `OTHER_OBJECTIVE`) is listed as a
    unit is."""
    by_unit: dict[str, list[str]] = {}
    for label, (_, unit) in zip(labels, found, strict=True):
        by_unit.setdefault(unit, []).append(label)
    if len(by_unit) == 1:
        return next(iter(by_unit))
    return "; ".join(f"{unit} ({', '.join(views)})" for unit, views in by_unit.items())
