"""The LP built with numpy (issue 30) is the LP the block-by-block build made, bit for bit.

`tests/build_reference.json` holds one sha256 per build (dataset x targets x measure x robust x
every-link-year) of the standard form: row and column names, families and index tuples, the
compressed columns (indptr, indices, data, explicit zeros included), the bounds and every cost
vector, in order; and one of model.lp and model.mps as HiGHS writes them from the hand-off, for
four datasets. It was computed with the code before the numpy build (/work/main at 7c9caa4):

    PYTHONPATH=<old checkout>/src python tests/test_build_numpy.py > tests/build_reference.json

A build that changes one name, one entry, one bound or one bit of a coefficient changes its
digest. No timing here: bench/scale.py measures the speed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.errors import AllocatorError
from allocator.model.build import build_model
from allocator.model.families import name_of
from allocator.model.measures import Measure
from allocator.model.robust import Robust
from allocator.solver.compile import build_lp, standard_form, write_model

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "build_reference.json"
DATASETS = [ROOT / "inputs" / "peru2040", *sorted(p for p in (ROOT / "tests" / "data").iterdir())]
GENERATED = {"generated-a": (60, 6, 13, 5, 3, 3), "generated-b": (25, 1, 16, 8, 6, 4)}
"""bench/generate.py datasets (programs, pools, years, groups, risks, seed), with targets,
links, markets and exposures: every core family at a few thousand nonzeros."""
MEASURES = {"final": Measure(), "cumulative": Measure("cumulative"),
            "discounted": Measure("discounted", 0.05)}  # fmt: skip


def _robust(inp: Any, kind: str) -> Robust:
    """Three scenarios that scale every program's jobs per musd and lengthen some lags."""
    scenarios = tuple(
        {
            p.program: (p.jobs_per_musd * f, p.lag_years + (i % 2))
            for i, p in enumerate(inp.programs)
        }
        for f in (0.5, 1.0, 1.75)
    )
    return Robust(kind, scenarios, 0.5, 100.0 if kind == "cvar" else None, 10.0)


def datasets(tmp: Path) -> list[tuple[str, Path]]:
    """(name, folder) of every dataset compared; the generated ones are written under `tmp`."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    out = [(folder.name, folder) for folder in DATASETS]
    for name, (programs, pools, years, groups, risks, seed) in GENERATED.items():
        generate(tmp / name, programs, pools, years, groups, risks, targets=5, seed=seed)
        out.append((name, tmp / name))
    return out


def cases(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(case id, `standard_form` arguments) of every build of dataset `name` compared."""
    for targets in ("off", "soft", "hard"):
        yield f"{name}/{targets}", {"targets": targets}
    for measure in ("cumulative", "discounted"):
        yield f"{name}/soft/{measure}", {"measure": measure}
    yield f"{name}/soft/every_link_year", {"every_link_year": True}
    for kind in ("cvar", "worst-case"):
        yield f"{name}/off/{kind}", {"targets": "off", "robust": kind}
        yield f"{name}/soft/cumulative/{kind}", {"measure": "cumulative", "robust": kind}


def _form(inp: Any, options: dict[str, Any]) -> Any:
    """The standard form of one case (`every_link_year` through `build_lp`'s own build)."""
    kwargs = {"targets": options.get("targets", "soft"),
              "measure": MEASURES[options.get("measure", "final")]}  # fmt: skip
    if "robust" in options:
        kwargs["robust"] = _robust(inp, options["robust"])
    if options.get("every_link_year"):
        from allocator.model.linear import paused_gc
        from allocator.solver import compile as comp

        with paused_gc():
            model, _ = build_model(inp, every_link_year=True, **kwargs)
            return comp._record_form(model)
    return standard_form(inp, **kwargs)


def _update(h: Any, label: str, values: Any) -> None:
    h.update(label.encode() + b"\0" + repr(values).encode() + b"\0")


def digest(form: Any) -> str:
    """sha256 of everything a standard form hands to HiGHS, dtype-independent."""
    h = hashlib.sha256()
    for side in ("col", "row"):
        families, index = getattr(form, f"{side}_family"), getattr(form, f"{side}_index")
        _update(h, f"{side} names", list(map(name_of, families, index)))
        _update(h, f"{side} index", [tuple(map(repr, k)) for k in index])
        for bound in ("lower", "upper"):
            h.update(np.ascontiguousarray(getattr(form, f"{side}_{bound}"), float).tobytes())
    a = form.matrix
    _update(h, "shape", tuple(map(int, a.shape)))
    for arr, dtype in ((a.indptr, np.int64), (a.indices, np.int64), (a.data, float)):
        h.update(np.ascontiguousarray(arr, dtype).tobytes())
    for name, cost in form.costs.items():
        _update(h, "cost", name)
        h.update(np.ascontiguousarray(cost, float).tobytes())
    return h.hexdigest()


WRITTEN = ("peru2040", "targets", "robust", "risk")
"""Datasets whose model.lp and model.mps (as HiGHS writes them from the hand-off) are compared."""


def written(tmp: Path) -> dict[str, str]:
    """sha256 of model.lp and model.mps of each `WRITTEN` dataset (its jobs objective)."""
    out = {}
    for name in WRITTEN:
        folder = ROOT / "inputs" / name if name == "peru2040" else ROOT / "tests" / "data" / name
        lp, _ = build_lp(load_inputs(folder))
        (tmp / name).mkdir()
        for path in write_model(lp, lp.costs["jobs"], tmp / name):
            out[f"{name}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def digests() -> dict[str, str]:
    """Every case's digest (a refused build: the error's class and first line), and those of
    the model files HiGHS writes."""
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="build-numpy-") as tmp:
        out.update(written(Path(tmp)))
        for name, folder in datasets(Path(tmp)):
            inp = load_inputs(folder)
            for case, options in cases(name):
                try:
                    out[case] = digest(_form(inp, options))
                except AllocatorError as err:
                    out[case] = f"{type(err).__name__}: {str(err).splitlines()[0]}"
    return out


@pytest.fixture(scope="module")
def now() -> dict[str, str]:
    return digests()


@pytest.fixture(scope="module")
def reference() -> dict[str, str]:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def test_every_build_is_the_reference_lp(now: dict[str, str], reference: dict[str, str]) -> None:
    assert set(now) == set(reference)
    differ = sorted(case for case in now if now[case] != reference[case])
    assert differ == []


def test_the_reference_covers_refusals_and_families(reference: dict[str, str]) -> None:
    """The reference is not all refusals: most builds give an LP, and some are refused."""
    refused = [v for v in reference.values() if ":" in v]
    assert 0 < len(refused) < len(reference) // 4


def test_a_changed_coefficient_changes_the_digest() -> None:
    form = standard_form(load_inputs(ROOT / "tests" / "data" / "core"))
    before = digest(form)
    form.matrix.data[0] = np.nextafter(form.matrix.data[0], np.inf)
    assert digest(form) != before


def test_the_records_hold_coordinate_arrays() -> None:
    """Every row family's entries are int32 / float arrays, row by row: no per-entry lists."""
    model, _ = build_model(load_inputs(ROOT / "inputs" / "peru2040"))
    assert model.rows
    for rows in model.rows:
        assert (rows.row.dtype, rows.col.dtype, rows.val.dtype) == (np.int32, np.int32, float)
        assert rows.row.size == rows.col.size == rows.val.size
        assert (np.diff(rows.row) >= 0).all()


def test_highs_holds_the_compiled_matrix() -> None:
    """What passModel handed over is the compiled matrix and bounds (int32 indices), no names."""
    lp, _ = build_lp(load_inputs(ROOT / "inputs" / "peru2040"))
    assert lp.matrix.indptr.dtype == lp.matrix.indices.dtype == np.int32
    held = lp.highs.getLp()
    a = held.a_matrix_
    assert np.array_equal(np.asarray(a.start_), lp.matrix.indptr)
    assert np.array_equal(np.asarray(a.index_), lp.matrix.indices)
    assert np.array_equal(np.asarray(a.value_), lp.matrix.data)
    # no names in the plan's instance: nothing reads them there (model.lp and .mps are written
    # from an instance that has them, `write_model`), and 70,000 passColName calls cost ~80 ms
    assert list(held.row_names_) == []
    assert list(held.col_names_) == []
    assert np.array_equal(np.asarray(held.col_upper_), lp.col_upper)
    assert np.array_equal(np.asarray(held.row_lower_), lp.row_lower)


if __name__ == "__main__":
    json.dump(digests(), sys.stdout, indent=1, sort_keys=True)
    print()
