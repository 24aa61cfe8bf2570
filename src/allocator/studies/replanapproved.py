"""The approved plan of `allocator replan`: the money of a solve run folder's allocation.csv by
(program, pool, year), read cell by cell, so a folder edited by hand is read as allocator wrote
it or refused by row and column, never misread.

A money cell is taken as allocator writes it (`report.csvtext.FLOAT_FORMAT`, `%.12g`: `80`,
`1.125`, `1e-05`); any other text is read as a cell of the run's dataset would be (the number
rule in the dataset's declared number style, which run.json records), so `80.000` and `80,000`
are refused where the style is undeclared, and `1_000` always. A year is a whole number. After
the dataset is loaded, every program, pool and year must be the dataset's: money of a program
the dataset no longer has would count as moved.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allocator.data.numbers import NumberError, number_style, parse_money
from allocator.errors import UsageError, quoted
from allocator.report.csvtext import FLOAT_FORMAT

COLUMNS = ("program", "pool", "year", "invest_musd")
"""The columns of allocation.csv a re-plan reads."""

MITIGATION_COLUMNS = ("family", "risk", "year", "value")
"""The columns of reduced_costs.csv a re-plan reads (its `mitigate` rows)."""

FIX = "Fix: pass a run folder written by allocator solve, unedited"
EDITED = (
    "replan does not take it as the approved plan (allocator's optimum, whose objective "
    "run.json records)"
)
EDITED_FIX = (
    "put the change into the dataset (a floor or cap, or --set) and solve again, then re-plan "
    "that run; what was really spent goes in --actuals"
)
"""What replan says of a run folder's table changed since allocator wrote it, and the fix."""

Key = tuple[str, str, int]
RiskYear = tuple[str, int]


@dataclass(frozen=True)
class ApprovedMoney:
    """The approved plan's money by (program, pool, year), with the first row of each key."""

    money: dict[Key, float]
    rows: dict[Key, int]


def read_money(path: Path, style: str | None) -> ApprovedMoney:
    """allocation.csv's money by (program, pool, year), one row each.

    Raises:
        UsageError: the file cannot be read, lacks a column, or a cell is not as allocator
            writes it nor a number the dataset's own cells could hold: naming row and column.
    """
    money: dict[Key, float] = {}
    rows: dict[Key, int] = {}
    for n, (program, pool, year, cell) in enumerate(_records(path, COLUMNS), start=2):
        key = (program, pool, _year(year, path, n))
        if key in rows:  # allocator writes one row a key: a row pasted twice would add up
            raise UsageError(
                f"{path}, row {n}: ({program}, {pool}, {key[2]}) is already on row {rows[key]}, "
                f"and allocator writes one row for each program, pool and year. {FIX}"
            )
        money[key] = _money(cell, style, f"{path}, row {n}, column 'invest_musd'")
        rows[key] = n
    return ApprovedMoney(dict(sorted(money.items())), rows)


def read_mitigation(
    path: Path, style: str | None
) -> tuple[dict[RiskYear, float], dict[RiskYear, int]]:
    """reduced_costs.csv's `mitigate` rows: the approved plan's risk mitigation by (risk, year),
    read by the rules of `read_money`, and the row of each (risk, year).

    Raises:
        UsageError: the file cannot be read, lacks a column, has a (risk, year) twice, or a cell
            is not as allocator writes it nor a number the dataset's cells could hold.
    """
    money: dict[RiskYear, float] = {}
    rows: dict[RiskYear, int] = {}
    for n, (fam, risk, year, cell) in enumerate(_records(path, MITIGATION_COLUMNS), start=2):
        if fam != "mitigate":
            continue
        key = (risk, _year(year, path, n))
        if key in rows:
            raise UsageError(
                f"{path}, row {n}: mitigate({risk},{key[1]}) is already on row {rows[key]}, "
                f"and allocator writes one row for each risk and year. {FIX}"
            )
        money[key] = _money(cell, style, f"{path}, row {n}, column 'value'")
        rows[key] = n
    return dict(sorted(money.items())), rows


def _records(path: Path, columns: tuple[str, ...]) -> list[list[str]]:
    """The cells of `columns` of each row as texts, a missing cell as empty."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        records = list(csv.reader(io.StringIO(text, newline="")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError(f"{path} cannot be read as a table ({why}). {FIX}") from None
    header = [h.strip() for h in records[0]] if records else []
    missing = [c for c in columns if c not in header]
    if missing:
        has = ", ".join(columns[:-1]) + " and " + columns[-1]
        raise UsageError(
            f"{path} has no column {quoted(missing[0])} ({path.name} has {has}). {FIX}"
        )
    at = [header.index(c) for c in columns]
    return [[r[j] if j < len(r) else "" for j in at] for r in records[1:]]


def _year(text: str, path: Path, n: int) -> int:
    t = text.strip()
    if not (t.isascii() and t.isdigit()):
        raise UsageError(f"{path}, row {n}, column 'year': {quoted(text)} is not a year. {FIX}")
    return int(t)


def _money(text: str, style: str | None, where: str) -> float:
    """A money cell (`where`: file, row and column): as allocator writes it, else by the
    dataset's number rule; never below 0."""
    try:
        value = float(text)
        ours = math.isfinite(value) and FLOAT_FORMAT % value == text
    except ValueError:
        ours = False
    if not ours:
        value = _by_number_rule(text, style, where)
    if value < 0:
        raise UsageError(f"{where}: {quoted(text)} is below 0: money is never negative. {FIX}")
    return value


def _by_number_rule(text: str, style: str | None, where: str) -> float:
    """`text` read as a money cell of the dataset would be (its declared style)."""
    try:
        with number_style(style):
            return parse_money(text)
    except NumberError as exc:
        raise UsageError(
            f"{where}: {exc}. Fix: {exc.fix}, or pass the run folder unedited"
        ) from None
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}. {FIX}") from None


def check_against(rows: dict[Key, int], path: Path, inp: Any) -> None:
    """Every program, pool and year of the approved plan is one of the dataset's.

    Raises:
        UsageError: naming the first row of allocation.csv that has one it does not.
    """
    programs = {p.program for p in inp.programs}
    pools = {p.pool for p in inp.pools}
    years = inp.phase_of_year
    for key, n in sorted(rows.items(), key=lambda kv: kv[1]):
        program, pool, year = key
        for column, value, known, table in (
            ("program", program, programs, "programs.csv"),
            ("pool", pool, pools, "pools.csv"),
        ):
            if value not in known:
                raise UsageError(
                    f"{path}, row {n}, column {quoted(column)}: {column} {quoted(value)} is not "
                    f"in the dataset ({table}). Fix: re-plan a run of the dataset as it is, or "
                    "pass the run folder unedited"
                )
        if year not in years:
            raise UsageError(
                f"{path}, row {n}, column 'year': {year} is outside the plan's years "
                f"({inp.years[0]}-{inp.years[-1]}). {FIX}"
            )


def mitigation_of(folder: Path, info: dict[str, Any], inp: Any) -> dict[RiskYear, float]:
    """The approved plan's risk mitigation by (risk, year), from the run `folder`'s
    reduced_costs.csv (read in the number style its run.json `info` records), every (risk,
    year) one of the dataset `inp`'s; empty where the dataset has no risks.

    Raises:
        UsageError: the folder has no reduced_costs.csv, it cannot be read, or a row names a
            risk or year the dataset does not have.
    """
    if not inp.risks:
        return {}
    path = folder / "reduced_costs.csv"
    if not path.is_file():
        raise UsageError(
            f"{folder} has no reduced_costs.csv, whose mitigate rows say what the approved plan "
            f"spent on risk mitigation, which a re-plan holds up to the as-of year. {FIX}"
        )
    money, rows = read_mitigation(path, recorded_style(info))
    years = {(r.risk, t) for r in inp.risks for t in range(r.first_year, r.last_year + 1)}
    for key, n in sorted(rows.items(), key=lambda kv: kv[1]):
        if key not in years:
            raise UsageError(
                f"{path}, row {n}: mitigate({key[0]},{key[1]}) is no risk and year of the "
                "dataset (risks.csv). Fix: re-plan a run of the dataset as it is, or pass the run "
                "folder unedited"
            )
    return money


def recorded_style(info: dict[str, Any]) -> str | None:
    """The number style of the run's dataset that its run.json `info` records (None: none)."""
    recorded = info.get("inputs")
    style = recorded.get("number_style") if isinstance(recorded, dict) else None
    return style if style in ("point", "comma") else None
