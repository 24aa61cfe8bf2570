"""The output tables and their CSV text made faster (issue 30), the same bytes.

- The CSV writer against a reference writer kept here (the previous path: every cell cleaned in
  Python, then pandas' `to_csv`) on a generated corpus of about 1e5 awkward cells: quotes,
  commas, line breaks, formula-like text, NaN, inf, -0.0, 1e-300, big ints, missing cells.
- Each distinct label of a text column is cleaned once, not once per cell.
- The tables of a generated problem (bench/generate.py) written as CSV have the digests the
  previous code gave (tests/tables_speed/digests.json, written by
  `python tests/test_tables_speed.py` with that code on the path; rewritten when a share
  cap's one-sided columns became per percentage point of max_share, task n1: only its three
  rows differ; and when each risk's mitigation went as late as its cover allows, task m1:
  only the mitigate columns' rows, the risk_cover rows' body and slack and the budgets' words
  on which risk_cover years are tight differ, each risk's total and every investment as
  before), and the shadow prices'
  words and units and the budgets are made per family / per pool, not per row.
- `column_limits` equals a brute-force ratio test.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from allocator.model import families
from allocator.model.sparse import CscMatrix
from allocator.report import csvtext as c
from allocator.report import tables as t
from allocator.report.budgets import budgets
from allocator.report.limits import column_limits
from allocator.report.rates import SHARE_POINTS
from conftest import limits_by_loop

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = Path(__file__).resolve().parent / "tables_speed" / "digests.json"
GENERATED = (70, 4, 11, 6, 3, 8, 5)
"""bench/generate.py arguments (programs, pools, years, groups, risks, targets, seed): every
core family at about 3e4 nonzeros, solved in about a second."""

# --- the reference writer: the previous path, cell by cell, then pandas ----------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _neutralise(text: str) -> str:
    if text.startswith(_FORMULA) and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return np.nan if math.isinf(value) else value + 0.0
    return _neutralise(value) if isinstance(value, str) else value


def reference_bytes(frame: pd.DataFrame, path: Path) -> bytes:
    """The CSV bytes of `frame` as the previous writer made them: floats by "%.12g" (empty if
    not finite, 0 for -0), infinite cells of other columns empty, text neutralised, pandas'
    `to_csv` with LF line ends."""
    out = frame.copy(deep=False)
    out.columns = [_neutralise(col) for col in out.columns]
    for j in range(out.shape[1]):
        values = out.iloc[:, j]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if pd.api.types.is_float_dtype(values):
            numbers = values.to_numpy(dtype=float, na_value=np.nan) + 0.0
            text = ["%.12g" % v if math.isfinite(v) else "" for v in numbers.tolist()]  # noqa: UP031
            out.isetitem(j, pd.Series(text, index=out.index, dtype=object))
        elif isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
            out.isetitem(j, values.astype(object).map(_cell))
    out.to_csv(path, index=False, lineterminator="\n")
    return path.read_bytes()


AWKWARD = [
    "Café", "北京 ✓", "a,b", 'say "hi"', "line\nbreak", "=SUM(A1)", "-5", "+x", "@home", "",
    " lead", "NA", "None", "\ttab", "-0.5e3", "cr\rhere", "'quoted", '""', ",", "\r\n", "1e5",
    "+1.5", "-", "=", "budget(public,phase1)", "x" * 300,
]  # fmt: skip
NUMBERS = [
    math.nan, math.inf, -math.inf, -0.0, 0.0, 1e-300, -1e-300, 5e-324, 1e300, 2.0**53, 1 / 3,
    123456789012345678.0, -7.0, 0.1 + 0.2, 1e16, 12.5,
]  # fmt: skip


def awkward_frame(n: int, seed: int = 5) -> pd.DataFrame:
    """About 13 x n awkward cells of every kind a run's tables hold, and some they never do."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(AWKWARD), size=n)
    labels = np.array(AWKWARD, dtype=object)[pick]
    names = [f"{AWKWARD[k]}{i}" if i % 5 else None for i, k in enumerate(pick)]
    mixed = [
        [math.inf, -0.0, 7, 2.5, True, math.nan, -math.inf, None, pd.NA, np.float64(-0.0),
         np.int64(3), "=1+1", 1, 1.0, "é", 2**70][i % 16]
        for i in range(n)
    ]  # fmt: skip
    floats = np.array(NUMBERS)[rng.integers(0, len(NUMBERS), size=n)]
    some = len(floats[::3])
    floats[::3] = rng.normal(size=some) * 10.0 ** rng.integers(-20, 20, size=some)
    with_missing = np.where(np.arange(n) % 4 == 0, None, labels)
    return pd.DataFrame(
        {
            "=a,b": pd.array(labels, dtype="str"),
            'q"': pd.array(names, dtype="str"),
            "label": pd.Series(with_missing, dtype=object),
            "nan_label": pd.Series(np.where(np.arange(n) % 3 == 0, math.nan, labels), dtype=object),
            "mixed": pd.Series(mixed, dtype=object),
            "x": floats,
            "big": rng.integers(-(2**62), 2**62, size=n, dtype=np.int64),
            "year": pd.array([2030 + i % 17 if i % 6 else None for i in range(n)], dtype="Int64"),
            "flag": np.arange(n) % 3 == 0,
            "maybe": pd.array([bool(i % 2) if i % 7 else None for i in range(n)], dtype="boolean"),
            "f32": np.where(np.arange(n) % 9 == 0, np.nan, rng.normal(size=n)).astype(np.float32),
            "nullable": pd.array([v if i % 5 else None for i, v in enumerate(floats)], "Float64"),
            "cat": pd.Categorical(np.where(np.arange(n) % 2 == 0, labels, "ok")),
        }
    )


def test_awkward_corpus_bytes_are_the_reference_writers(tmp_path):
    frame = awkward_frame(8_000)
    before = frame.copy(deep=True)
    c.write_csv(frame, tmp_path / "new.csv")
    assert (tmp_path / "new.csv").read_bytes() == reference_bytes(frame, tmp_path / "ref.csv")
    pd.testing.assert_frame_equal(frame, before)  # the frame itself is not rewritten


@pytest.mark.parametrize("column", ["=a,b", 'q"', "label", "nan_label", "mixed", "cat", "x"])
def test_one_column_tables_are_the_reference_writers(tmp_path, column):
    """One column: a line of one empty field is written "" (the csv module's way)."""
    frame = awkward_frame(600, seed=9)[[column]]
    c.write_csv(frame, tmp_path / "new.csv")
    assert (tmp_path / "new.csv").read_bytes() == reference_bytes(frame, tmp_path / "ref.csv")


def test_text_is_cleaned_once_per_distinct_label(tmp_path, monkeypatch):
    """A column of few labels repeated over many rows (a run's family, unit, program columns)
    has each distinct label neutralised once, not each cell: the same bytes."""
    seen: list[str] = []
    real = c.neutralise

    def counted(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(c, "neutralise", counted)
    n = 20_000
    labels = np.array(["=SUM(A1)", "-x", "@home", "plain,comma"], dtype=object)[np.arange(n) % 4]
    frame = pd.DataFrame(
        {
            "text": pd.array(labels, dtype="str"),
            "objects": pd.Series(np.where(np.arange(n) % 5 == 0, None, labels), dtype=object),
            "value": np.arange(n) * 0.5,
        }
    )
    c.write_csv(frame, tmp_path / "new.csv")
    assert len(seen) <= 3 + 2 * 4  # the header's names, then each label once a column
    assert (tmp_path / "new.csv").read_bytes() == reference_bytes(frame, tmp_path / "ref.csv")


# --- the tables of a generated problem ----------------------------------------------------


@cache
def generated(tmp: str) -> tuple[Any, Any, dict[str, pd.DataFrame]]:
    """(inputs, solution, tables) of the generated dataset, solved once."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    from allocator.data.inputs import load_inputs
    from allocator.pipeline import solve_inputs, tables_of

    programs, pools, years, groups, risks, targets, seed = GENERATED
    folder = Path(tmp) / "generated"
    generate(folder, programs, pools, years, groups, risks, targets=targets, seed=seed)
    inp = load_inputs(folder)
    sol, _ = solve_inputs(inp, "jobs", targets="soft")
    return inp, sol, tables_of(inp, sol)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    return generated(str(tmp_path_factory.mktemp("tables-speed")))


def digests(tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, str]:
    """sha256 of each table's CSV bytes."""
    out = {}
    for name, frame in tables.items():
        c.write_csv(frame, folder / f"{name}.csv")
        out[name] = hashlib.sha256((folder / f"{name}.csv").read_bytes()).hexdigest()
    return out


def test_generated_tables_have_the_previous_codes_bytes(problem, tmp_path):
    _, _, tables = problem
    assert digests(tables, tmp_path) == json.loads(DIGESTS.read_text())


def test_shadow_prices_words_and_units_are_made_per_family(problem, monkeypatch):
    """The description and unit of each row, as the registry words them row by row, made once
    per family (a per-row record of every row cost 0.1 s at 1e6 nonzeros)."""
    _, sol, _ = problem
    calls = []
    for name in ("words", "price_unit", "unit_of"):
        real = getattr(families, name)
        monkeypatch.setattr(families, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))
    monkeypatch.setattr(pd.DataFrame, "to_dict", _refused)
    prices = t.shadow_prices(sol)
    monkeypatch.undo()
    assert calls.count("words") == 0
    assert len(calls) <= 3 * sol.rows["family"].nunique()
    rows = sol.rows
    labels = [col for col in rows.columns if col in t.LABEL_ORDER]
    records = rows[["family", *labels]].to_dict("records")
    ramped = {r["program"] for r in records if r["family"] == "ramp"}
    held = [
        t.RAMP_MOVED if r["family"] == "program_cap" and r["program"] in ramped else ""
        for r in records
    ]
    assert ramped  # the generated problem has absorption limits: their caps say so
    words = [families.words(r["family"], r) + h for r, h in zip(records, held, strict=True)]
    assert prices["description"].tolist() == words
    unit = sol.objective_unit
    assert prices["unit"].tolist() == [families.price_unit(unit, r["family"], r) for r in records]
    held = [  # a share cap's rates hold for points of max_share (task n1)
        SHARE_POINTS if r["family"] == "group_share" else families.unit_of(r["family"], r)
        for r in records
    ]
    assert SHARE_POINTS in held  # the generated problem has share caps
    assert prices["holds_for_unit"].tolist() == held


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a per-row record of a table")


def test_budgets_read_the_columns_whole(problem, monkeypatch):
    """The budgets table reads the solution's columns and rows as arrays: no pandas row or
    cell iterated one by one; its bytes are in the digests above."""
    inp, sol, tables = problem
    monkeypatch.setattr(pd.DataFrame, "itertuples", _refused)
    monkeypatch.setattr(pd.Series, "__iter__", _refused)
    found = budgets(inp, sol, sol.lp.matrix)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(found, tables["budgets"])
    assert found["spent_musd"].sum() > 0


@pytest.mark.parametrize(
    "index",
    [(), ("public", "phase1"), ("p1",), ("p", "pool", 2030), (1.5, None, -0.0, "a,b", "%s"),
     tuple(range(12)), (("nested", 1),)],
)  # fmt: skip
def test_names_are_the_labels_joined(index):
    name = families.name_of("fam%", index)
    assert name == (f"fam%({','.join(map(str, index))})" if index else "fam%")


# --- Limits: the ratio test against a brute force -----------------------------------------


def brute_limits(dense, act, x, cl, cu, rl, ru):
    """Each column's limits by a loop over rows and columns (row activities `act`)."""
    rows = range(dense.shape[0])
    return limits_by_loop(lambda j: ((i, dense[i, j]) for i in rows), act, x, cl, cu, rl, ru)


def test_column_limits_equal_a_brute_force_ratio_test():
    rng = np.random.default_rng(4)
    m, n = 30, 40
    dense = rng.normal(size=(m, n)) * (rng.random((m, n)) < 0.2)
    dense[:, 5] = 0.0  # a column in no row
    dense[:, 7] = 0.0
    x = rng.random(n) * 3
    act = dense @ x
    rl = np.where(rng.random(m) < 0.3, -np.inf, act - rng.random(m) * (rng.random(m) < 0.5))
    ru = np.where(rng.random(m) < 0.3, np.inf, act + rng.random(m) * (rng.random(m) < 0.5))
    cl, cu = np.zeros(n), np.where(rng.random(n) < 0.3, np.inf, x + rng.random(n))
    cols = np.nonzero(dense.T)
    rows_of = dense.T[cols]
    indptr = np.concatenate([[0], np.cumsum(np.count_nonzero(dense, axis=0))])
    data = rows_of.copy()
    data[::9] = 0.0  # explicit zeros are no entry
    dense_kept = dense.copy()
    dense_kept[cols[1][::9], cols[0][::9]] = 0.0
    matrix = CscMatrix(indptr, cols[1].astype(np.int64), data, (m, n))
    found = column_limits(matrix, x, cl, cu, rl, ru)
    low, up = brute_limits(dense_kept, matrix @ x, x, cl, cu, rl, ru)
    np.testing.assert_array_equal(found.lower, low)
    np.testing.assert_array_equal(found.upper, up)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        found = digests(generated(tmp)[2], Path(tmp))
    DIGESTS.parent.mkdir(exist_ok=True)
    DIGESTS.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
