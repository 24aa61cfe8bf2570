"""Ranges on estimated numbers (`uncertainty.csv`), and Latin hypercube samples inside them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic.fields import FieldInfo

from allocator.data.cellrefs import resolve_rows
from allocator.data.evidence import Uncertainty
from allocator.data.numbers import number_style, parse_count, parse_money, parse_number
from allocator.data.schema import TABLES, Inputs, Row
from allocator.errors import InputError, raise_all

# The numbers a range may be put on: (table, column).
UNCERTAIN = {
    ("programs", "jobs_per_musd"),
    ("programs", "exports_per_musd"),
    ("programs", "lag_years"),
    ("markets", "market_musd"),
    ("pools", "budget_musd"),
    ("links", "ratio"),
}


@dataclass(frozen=True)
class Param:
    """One uncertain number of one row: where it is, its value, its range."""

    table: str
    row: Row
    column: str
    nominal: float
    low: float
    high: float
    distribution: str
    source: Uncertainty

    @property
    def label(self) -> str:
        """e.g. programs:copper_processing:jobs_per_musd."""
        from allocator.data.cellrefs import KEYS

        key = "/".join(
            "" if getattr(self.row, k) is None else str(getattr(self.row, k))
            for k in KEYS[self.table]
        )
        return f"{self.table}:{key}:{self.column}"

    @property
    def integer(self) -> bool:
        """Lags are whole years."""
        return self.column == "lag_years"


def _bound(
    text: str, nominal: float, where: Uncertainty, side: str, cell: tuple[str, str]
) -> float:
    """A bound (`side`: low or high) of the cell (table, column): a relative change (`-20%`) of
    its value, or a number in the cell's own unit (`1.5K` jobs, `3.5B` US$ million), held to the
    cell's upper limit."""
    t = text.strip()
    try:
        if relative(t):
            value = nominal * (1.0 + parse_number(t[:-1], {"": 1.0}, "change%") / 100.0)
        else:
            value = _READERS.get(_unit(*cell) or "", _plain)(t)
    except ValueError as exc:
        fix = getattr(exc, "fix", None)  # a number the rule refuses says why (numbers.py)
        raise InputError(
            f"'{text}' is not a value or a relative change such as -20%"
            + (f" ({exc})" if fix else ""),
            file="uncertainty.csv",
            row=where.line,
            column=side,
            fix=fix or "write a number in the cell's unit, or -20% / +20%",
        ) from None
    top = _upper_limit(*cell)
    if top is not None and value > top:
        raise InputError(
            f"'{text}' is above the maximum {top:g} of {cell[1]}",
            file="uncertainty.csv",
            row=where.line,
            column=side,
            fix=f"keep the range within {top:g} (limits: inputs/README.md)",
        )
    return value


def relative(text: str) -> bool:
    """Whether a bound is a relative change of the cell's value (`-20%`), not a value."""
    t = text.strip()
    return t.endswith("%") and t[:1] in "+-"


def _plain(text: str) -> float:
    """A number without a unit (a lag in years, a link's ratio)."""
    return parse_number(text, {"": 1.0})


_READERS = {"musd": parse_money, "count": parse_count}


def _field(table: str, column: str) -> FieldInfo:
    return TABLES[table][1].model_fields[column]


def _unit(table: str, column: str) -> str | None:
    """The unit the loader reads the cell in (`rows.unit_field`), None for a plain number."""
    extra = _field(table, column).json_schema_extra
    return str(extra.get("unit")) if isinstance(extra, dict) and "unit" in extra else None


def _upper_limit(table: str, column: str) -> float | None:
    """The most the cell may hold (its `le` or `lt`), as the row model refuses past it."""
    for rule in _field(table, column).metadata:
        top = getattr(rule, "le", None)
        top = getattr(rule, "lt", None) if top is None else top
        if top is not None:
            return float(top)
    return None


def check_uncertainty(inp: Inputs) -> None:
    """Validate uncertainty.csv as `allocator sweep` and `--risk` read it, so that `allocator
    check` refuses every dataset they refuse.

    Raises:
        InputError: naming the uncertainty.csv row and column (InputErrors: every broken row).
    """
    params_of(inp)


def uncertainty_problems(inp: Inputs) -> list[InputError]:
    """Every broken row of uncertainty.csv, one error per row."""
    found = []
    ranged: dict[str, Uncertainty] = {}  # a cell's label -> the row that gave it a range
    with number_style(inp.number_style):  # the bounds are cells of the dataset
        for u in sorted(inp.uncertainty, key=lambda u: u.line):
            try:
                params = _params_of_row(inp, u)
            except InputError as exc:
                found.append(exc)
                continue
            twice = next((p for p in params if ranged.setdefault(p.label, u) is not u), None)
            if twice is not None:
                found.append(_ranged_twice(twice, ranged[twice.label], u))
    return found


def _ranged_twice(param: Param, first: Uncertainty, again: Uncertainty) -> InputError:
    """A cell that two rows give a range (a `*` row and its own): a sample would draw it twice
    and keep one draw."""
    return InputError(
        f"{param.label} has a range on row {first.line} already ({first.ref})",
        file="uncertainty.csv",
        row=again.line,
        column="ref",
        fix="give each cell one range: drop one of the rows, or name the other cells instead of *",
    )


REFUSED = "sweep and --risk refuse"
"""How a note on a broken uncertainty.csv row begins (solve does not read the file)."""


def _csv_note(problem: InputError, why: str) -> str:
    return f"{problem} ({why})"


WHY = "solve does not read uncertainty.csv: solving goes on"
"""Why a command that does not read uncertainty.csv goes on past a broken row of it."""


def uncertainty_notes(inp: Inputs, note: Callable[[InputError, str], str] = _csv_note) -> list[str]:
    """A warning per broken uncertainty.csv row, for commands that do not read the file
    (solve goes on), as facts.csv gets them; each begins with REFUSED. `note(problem, why)`
    words one (a workbook names its sheet and cell)."""
    return [f"{REFUSED} {note(e, WHY)}" for e in uncertainty_problems(inp)]


Placed = Callable[[list[InputError]], list[InputError]]


def renoted(inp: Inputs, place: Placed = list) -> Inputs:
    """`inp` after overrides and --sets, its warnings on broken uncertainty.csv rows made anew:
    a set may break a row (a value below a range's low given as a value) or mend one, and the
    warnings made as the dataset was read are of the data before it. `place` names a problem
    as the dataset names its tables (a workbook: sheet and cell)."""
    old = [n for n in inp.notes if n.startswith(REFUSED)]
    why = str(place([InputError(WHY)])[0])  # uncertainty.csv as the dataset names it
    new = [f"{REFUSED} {e} ({why})" for e in place(uncertainty_problems(inp))]
    if new == old:
        return inp
    kept = [n for n in inp.notes if not n.startswith(REFUSED)]
    return inp.model_copy(update={"notes": (*kept, *new)})


def params_of(inp: Inputs) -> list[Param]:
    """Every uncertain number, checked: a known cell, low <= value <= high.

    Raises:
        InputError: the one broken row, or InputErrors listing every one.
    """
    raise_all(uncertainty_problems(inp))
    with number_style(inp.number_style):  # the bounds are cells of the dataset
        return [p for u in inp.uncertainty for p in _params_of_row(inp, u)]


def _params_of_row(inp: Inputs, u: Uncertainty) -> list[Param]:
    table, rows, column = resolve_rows(inp, u.ref, u.line)
    if (table, column) not in UNCERTAIN:
        raise InputError(
            f"{table}.{column} cannot be given a range",
            file="uncertainty.csv",
            row=u.line,
            column="ref",
            fix="use jobs_per_musd, exports_per_musd, lag_years, market_musd, budget_musd "
            "or a link's ratio",
        )
    found = []
    for row in rows:
        nominal = float(getattr(row, column))
        cell = (table, column)
        low, high = (
            _bound(u.low, nominal, u, "low", cell),
            _bound(u.high, nominal, u, "high", cell),
        )
        _check_range(u, table, row, column, (low, nominal, high), _set_by(inp, table, row, column))
        found.append(Param(table, row, column, nominal, low, high, u.distribution, u))
    return found


def _set_by(inp: Inputs, table: str, row: Row, column: str) -> str:
    """The `--set` (or model file `set:`) that gave `row`'s `column` its value, as typed, or ""
    (the value is the file's)."""
    from allocator.data.keytext import key_text

    cell = f"{table}.{key_text(row, table)}.{column}"
    for c in inp.cells_set:
        if c.get("cell") == cell:
            return f"{c.get('origin', '--set')} {cell}={c.get('value', '')}"
    return ""


def _check_range(
    u: Uncertainty,
    table: str,
    row: Row,
    column: str,
    bounds: tuple[float, float, float],
    set_by: str = "",
) -> None:
    low, nominal, high = bounds

    def bad(why: str, col: str, fix: str) -> InputError:
        return InputError(why, file="uncertainty.csv", row=u.line, column=col, fix=fix)

    # one bound a value, the other a change of the value: the value empties the range
    moved = relative(u.low) != relative(u.high)
    if low > high and not moved:
        raise bad(f"low {low:g} is above high {high:g}", "low", "swap low and high")
    if not low - 1e-12 <= nominal <= high + 1e-12:
        where = f"{table}.csv row {row.line}" + (f", given by {set_by}" if set_by else "")
        raise bad(
            f"the range {low:g} to {high:g} does not contain the value {nominal:g} ({where})",
            "low",
            f"give the {set_by.split()[0]} a value {_span(u, low, high)}, or widen the range"
            if set_by and _outside(u, bounds)
            else "make low <= value <= high",
        )
    if low < 0:
        raise bad(f"low {low:g} is negative", "low", "use a range of values >= 0")
    if column == "ratio" and low <= 0:
        raise bad(f"low {low:g} is not above 0", "low", "a link's ratio stays above 0")
    if column in ("exports_per_musd", "jobs_per_musd") and nominal == 0 and high > 0:
        raise bad(
            f"{row.program} has {column} 0 in the data, so a range on it cannot "  # type: ignore[attr-defined]
            "take effect",
            "ref",
            f"give it a positive {column}, or drop the range",
        )


def _outside(u: Uncertainty, bounds: tuple[float, float, float]) -> bool:
    """Whether the value is past a bound of `u` that is a value, so another value mends it (a
    relative bound that excludes the value, +10% as low, excludes every value)."""
    low, nominal, high = bounds
    return (low > nominal and not relative(u.low)) or (high < nominal and not relative(u.high))


def _span(u: Uncertainty, low: float, high: float) -> str:
    """The values a --set may give a cell whose range is `u`: between its bounds that are
    values (a relative bound moves with the value)."""
    if relative(u.low):
        return f"of at most {high:g}"
    if relative(u.high):
        return f"of at least {low:g}"
    return f"from {low:g} to {high:g}"


MAX_SEED = 2**32 - 1
"""Seeds run from 0 to this, as numpy's legacy generators and most tools take them."""


def check_seed(seed: int) -> None:
    """Refuse a seed outside 0 to MAX_SEED (numpy refuses a negative one in a traceback and
    takes any larger one, which no other tool would reproduce).

    Raises:
        UsageError: naming --seed and its range.
    """
    from allocator.errors import UsageError

    if not 0 <= seed <= MAX_SEED:
        raise UsageError(
            f"--seed {seed} is not a whole number from 0 to {MAX_SEED}. "
            "Fix: e.g. --seed 7 (the same seed draws the same samples)"
        )


def latin_hypercube(params: list[Param], samples: int, seed: int) -> np.ndarray:
    """samples x len(params) values: each parameter's range cut in `samples` equal-probability
    strata, one draw per stratum, strata shuffled independently per parameter (seeded).

    Raises:
        UsageError: a seed outside 0 to MAX_SEED.
    """
    check_seed(seed)
    rng = np.random.default_rng(seed)
    u = (
        rng.permuted(np.tile(np.arange(samples), (len(params), 1)), axis=1).T
        + rng.random((samples, len(params)))
    ) / samples
    values = np.empty_like(u)
    for j, p in enumerate(params):
        values[:, j] = _quantile(p, u[:, j])
    return values


def _quantile(p: Param, u: np.ndarray) -> np.ndarray:
    lo, hi, mode = p.low, p.high, p.nominal
    if hi - lo <= 0:
        x = np.full_like(u, lo)
    elif p.distribution == "triangular":
        c = (mode - lo) / (hi - lo)
        x = np.where(
            u < c,
            lo + np.sqrt(u * (hi - lo) * (mode - lo)),
            hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)),
        )
    else:
        x = lo + u * (hi - lo)
    return np.rint(x) if p.integer else x


def with_values(inp: Inputs, params: list[Param], values: np.ndarray) -> Inputs:
    """The dataset with each uncertain number replaced by a sampled value (for checks)."""
    from allocator.data.cellrefs import KEYS

    changes: dict[tuple[str, tuple[object, ...]], dict[str, float]] = {}
    for p, v in zip(params, values, strict=True):
        key = tuple(getattr(p.row, k) for k in KEYS[p.table])
        changes.setdefault((p.table, key), {})[p.column] = int(v) if p.integer else float(v)
    update = {}
    for table in {t for t, _ in changes}:
        rows = []
        for row in getattr(inp, table):
            key = tuple(getattr(row, k) for k in KEYS[table])
            rows.append(row.model_copy(update=changes.get((table, key), {})))
        update[table] = tuple(rows)
    return inp.model_copy(update=update)
