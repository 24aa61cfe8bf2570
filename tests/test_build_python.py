"""The build's Python made cheaper at 1e6 (issue 30) gives the same records, names and sets.

`tests/build_python_reference.json` holds one sha256 per (build, family) of the model's records
as the families made them before (keys, bounds, and the entries row by row, in order: what the
Pyomo view and the hand-off read), of the names `build_lp` hands on, and of the index groupings
of `Sets` (`by_program`, `by_pool_phase`, `by_phase`). It was computed with the code before
this change (/work/main at 6dade9c):

    PYTHONPATH=<old checkout>/src python tests/test_build_python.py > \
        tests/build_python_reference.json

tests/test_build_numpy.py pins the compressed matrix, bounds and costs of every build; this file
pins what that digest does not see (the order of entries inside a row, the names as handed on).
No timing here: /work/notes/exp_build.py measures the speed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.model.build import build_model
from allocator.model.families import name_of
from allocator.model.measures import Measure
from allocator.model.robust import Robust
from allocator.solver import compile as comp
from allocator.solver.compile import build_lp

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
REFERENCE = Path(__file__).resolve().parent / "build_python_reference.json"
DATASETS = ("enable", "exports", "ramp", "risk", "robust", "shares", "targets", "tranches")
GENERATED = (60, 6, 13, 5, 3, 3)
"""A bench/generate.py dataset (programs, pools, years, groups, risks, seed) with targets, links,
markets and exposures: every core family at a few thousand nonzeros."""


def _robust(inp: Any) -> Robust:
    scenarios = tuple(
        {
            p.program: (p.jobs_per_musd * f, p.lag_years + (i % 2))
            for i, p in enumerate(inp.programs)
        }
        for f in (0.5, 1.75)
    )
    return Robust("cvar", scenarios, 0.5, 100.0, 10.0)


CASES = {
    "off": {"targets": "off"},
    "soft": {"targets": "soft"},
    "cumulative": {"targets": "soft", "measure": Measure("cumulative")},
    "every_link_year": {"targets": "soft", "every_link_year": True},
}


def _sha(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str(part.dtype).encode() + np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def digests_of(inp: Any, options: dict[str, Any]) -> dict[str, str]:
    """sha256 of each row family's and column family's record, of each objective, and of the
    `Sets` groupings of one build."""
    model, sets = build_model(inp, **options)
    out = {}
    for c in model.columns:
        out[f"col {c.family}"] = _sha(c.keys, c.lower, c.upper, c.start, c.scalar)
    for r in model.rows:
        out[f"row {r.family}"] = _sha(r.keys, r.lower, r.upper, r.row, r.col, r.val, r.scalar)
    for o in model.objectives:
        out[f"objective {o.name}"] = _sha(o.col, o.val)
    for grouping in ("by_program", "by_pool_phase", "by_phase"):
        found = getattr(sets, grouping)
        out[f"sets {grouping}"] = _sha(list(found.items()))
    out["sets cols"] = _sha([(f, list(at.items())) for f, at in sets.cols.items()])
    return out


def names_of(inp: Any, options: dict[str, Any]) -> str:
    """sha256 of the column and row names `build_lp` hands on."""
    lp, _ = build_lp(inp, **options)
    return _sha(lp.col_names, lp.row_names)


def _datasets(tmp: Path) -> list[tuple[str, Path]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    programs, pools, years, groups, risks, seed = GENERATED
    generate(tmp / "generated", programs, pools, years, groups, risks, targets=5, seed=seed)
    named = [("peru2040", ROOT / "inputs" / "peru2040")]
    return [*named, *((d, DATA / d) for d in DATASETS), ("generated", tmp / "generated")]


def digests() -> dict[str, str]:
    """Every build's digests, keyed `dataset/case/part`; a refused build, its error's class."""
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="build-python-") as tmp:
        for name, folder in _datasets(Path(tmp)):
            inp = load_inputs(folder)
            cases = dict(CASES)
            if name in ("robust", "generated"):
                cases["robust"] = {"targets": "off", "robust": _robust(inp)}
            for case, options in cases.items():
                try:
                    found = digests_of(inp, options)
                    found["names"] = names_of(inp, options)
                except Exception as err:  # noqa: BLE001 - a refusal is part of the reference
                    found = {"refused": type(err).__name__}
                out.update({f"{name}/{case}/{part}": v for part, v in found.items()})
    return out


@pytest.fixture(scope="module")
def now() -> dict[str, str]:
    return digests()


def test_records_names_and_sets_are_the_reference(now: dict[str, str]) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert set(now) == set(reference)
    assert sorted(k for k in now if now[k] != reference[k]) == []
    assert sum("refused" in k for k in reference) < len(reference) // 20


def test_names_are_name_of_for_any_index() -> None:
    """Runs of one family with indices of every length (mixed lengths in one run too), and
    labels that are not plain text: each name is `name_of`'s."""
    families = ["a"] * 3 + ["b"] + ["c"] * 5 + ["d"] * 2 + ["b"] * 2
    indices = [
        (1, "x%s", 2.5),
        (None, (1, 2), "{}"),
        (True, "", -0.0),
        (),
        (1,),
        (2, np.int64(3)),
        (),
        tuple(range(9)),
        ("%", "%%", "{0}", "}"),
        tuple(range(6)),
        tuple(range(5)),
        ("z",),
        (),
    ]
    assert comp._names(families, indices) == list(map(name_of, families, indices))
    assert comp._names([], []) == []


def test_names_handed_on_are_name_of() -> None:
    lp, _ = build_lp(load_inputs(DATA / "targets"))
    assert lp.col_names == list(map(name_of, lp.col_family, lp.col_index))
    assert lp.row_names == list(map(name_of, lp.row_family, lp.row_index))
    assert "invest" in lp.col_family
    assert "budget" in lp.row_family


def test_invest_arrays_are_the_keys_looked_up_one_by_one() -> None:
    """`Sets.arrays` (made from the invest runs) is each invest key's program, pool, year and
    phase looked up one key at a time."""
    _, s = build_model(load_inputs(ROOT / "inputs" / "peru2040"))
    a, programs = s.arrays, list(s.programs)
    assert len({q for _, q, _ in s.invest}) > 1
    assert len({s.phase_of[t] for _, _, t in s.invest}) > 1
    assert a.program.tolist() == [programs.index(p) for p, _, _ in s.invest]
    assert [a.pools[i] for i in a.pool.tolist()] == [q for _, q, _ in s.invest]
    assert a.year.tolist() == [t for _, _, t in s.invest]
    assert a.phase.tolist() == [s.phases.index(s.phase_of[t]) for _, _, t in s.invest]


if __name__ == "__main__":
    print(json.dumps(digests(), indent=1, sort_keys=True))


def test_compressed_columns_of_entries_row_by_row() -> None:
    """Entries given row by row (a row's columns in any order, duplicates too) compress as an
    independent stable sort by column (`np.lexsort` with the position as tie-break) and the
    former summation of duplicates (`np.add.reduceat` over each run) give them."""
    from allocator.model.sparse import CscMatrix

    rng = np.random.default_rng(7)
    rows = np.sort(rng.integers(0, 40, 3000))
    cols = rng.integers(0, 70_000, 3000)
    cols[:600] = rng.integers(0, 30, 600)  # many entries on few columns: duplicates
    vals = rng.normal(size=3000)
    a = CscMatrix.from_triplets(rows, cols, vals, (40, 70_000))
    order = np.lexsort((np.arange(cols.size), cols))
    r, c, v = rows[order], cols[order], vals[order]
    first = np.flatnonzero(np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])])
    assert first.size < cols.size  # there were duplicates to sum
    assert np.array_equal(a.indptr[1:], np.cumsum(np.bincount(c[first], minlength=70_000)))
    assert np.array_equal(a.indices, r[first])
    assert np.array_equal(a.data, np.add.reduceat(v, first))
