"""once: a run reads its model file once, and what it solves and what it records (run.json's
`model_file_sha256`, a sweep's fingerprint) come from those bytes; the core index loads its
dataset once."""

from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
from collections import Counter
from pathlib import Path

import pytest

import allocator
from conftest import DATA, run_cli

CORE = DATA / "core"
SWEEP = DATA / "sweep"
FIRST = "dataset: ../data\nobjective: jobs\noverrides:\n  - exclude_program: {}\n"


def _project(tmp_path: Path, data: Path = CORE, excluded: str = "d") -> Path:
    """A project: a copy of `data` and models/m.yaml on it, excluding program `excluded`."""
    shutil.copytree(data, tmp_path / "data")
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.yaml"
    model.write_text(FIRST.format(excluded), encoding="utf-8")
    return model


def _counting(monkeypatch: pytest.MonkeyPatch, model: Path, edit: str | None = None) -> Counter:
    """Counts of the reads of `model` (by the model file reader, or its bytes by any caller)
    and of the dataset loads (programs.csv read); with `edit`, the model file is rewritten to
    `edit` right after its first read (a planner saving it in an editor as the run starts)."""
    from allocator.data import inputs, modelfile

    seen: Counter = Counter()
    real_read, real_table = modelfile.read_file, inputs.read_file
    real_bytes = pathlib.Path.read_bytes
    target = model.resolve()

    def mine(path: object) -> bool:
        return Path(str(path)).resolve() == target

    def after_read() -> None:
        seen["model"] += 1
        if edit is not None and seen["model"] == 1:
            model.write_text(edit, encoding="utf-8")

    def model_read(path: Path, limit: int) -> bytes:
        data = real_read(path, limit)
        if mine(path):
            after_read()
        return data

    def table_read(path: Path, limit: int) -> bytes:
        seen["programs.csv"] += Path(path).name == "programs.csv"
        return real_table(path, limit)

    def read_bytes(self: pathlib.Path) -> bytes:
        data = real_bytes(self)
        if mine(self):
            after_read()
        return data

    monkeypatch.setattr(modelfile, "read_file", model_read)
    monkeypatch.setattr(inputs, "read_file", table_read)
    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    return seen


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- one read a run -----------------------------------------------------------------------------


def test_solve_reads_its_model_file_once(tmp_path, monkeypatch):
    model = _project(tmp_path)
    seen = _counting(monkeypatch, model)
    res = run_cli("solve", model, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.stderr
    assert seen["model"] == 1
    assert seen["programs.csv"] == 1


def test_the_python_api_reads_the_model_file_once(tmp_path, monkeypatch):
    model = _project(tmp_path)
    seen = _counting(monkeypatch, model)
    allocator.solve(str(model), out=tmp_path / "run")
    assert seen["model"] == 1
    spec = allocator.layered(model)  # a spec made first, then solved: read when made
    seen.clear()
    allocator.solve(spec, out=tmp_path / "again")
    assert seen["model"] == 0


def test_check_against_reads_the_model_file_once(tmp_path):
    model = _project(tmp_path)
    assert run_cli("solve", model, "--out", tmp_path / "run").exit_code == 0
    with pytest.MonkeyPatch.context() as monkeypatch:
        seen = _counting(monkeypatch, model)
        res = run_cli("solve", "--check-against", tmp_path / "run", "--json")
        assert res.exit_code == 0, res.stderr
        assert json.loads(res.stdout)["status"] == "identical"
        assert seen["model"] == 1


def test_sweep_reads_its_model_file_once(tmp_path, monkeypatch):
    model = _project(tmp_path, SWEEP, "y")
    seen = _counting(monkeypatch, model)
    res = run_cli("sweep", model, "--samples", "3", "--serial", "--out", tmp_path / "s")
    assert res.exit_code == 0, res.stderr
    assert seen["model"] == 1


def test_core_reads_its_model_file_and_its_dataset_once(tmp_path, monkeypatch):
    model = _project(tmp_path)
    seen = _counting(monkeypatch, model)
    res = run_cli("core", model, "--samples", "4", "--seed", "3", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.stderr
    assert seen["model"] == 1
    assert seen["programs.csv"] == 1


# --- what is solved is what is recorded ------------------------------------------------------


def test_solve_records_the_bytes_it_solved_when_the_file_is_saved_mid_run(tmp_path, monkeypatch):
    model = _project(tmp_path)
    _counting(monkeypatch, model, edit=FIRST.format("c"))
    res = run_cli("solve", model, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.stderr
    info = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert info["options"]["model_file_sha256"] == _sha(FIRST.format("d"))
    assert [o["exclude_program"] for o in info["options"]["overrides"]] == ["d"]


def test_the_api_records_the_bytes_it_solved_when_the_file_is_saved_mid_run(tmp_path, monkeypatch):
    model = _project(tmp_path)
    _counting(monkeypatch, model, edit=FIRST.format("c"))
    run = allocator.solve(str(model), out=tmp_path / "run")
    assert run.info["options"]["model_file_sha256"] == _sha(FIRST.format("d"))
    assert [o.exclude_program for o in allocator.layered(model).overrides] == ["c"]  # now
    allocated = run.tables["allocation"]
    assert "d" not in set(allocated.loc[allocated["invest_musd"] > 0, "program"])


def test_check_against_records_the_bytes_it_replayed(tmp_path):
    model = _project(tmp_path)
    assert run_cli("solve", model, "--out", tmp_path / "run").exit_code == 0
    with pytest.MonkeyPatch.context() as monkeypatch:
        _counting(monkeypatch, model, edit=FIRST.format("c"))
        res = run_cli("solve", "--check-against", tmp_path / "run", "--json")
    # the file as it was when the re-run read it: unchanged, so the run is identical
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["status"] == "identical"


def test_sweep_fingerprints_the_bytes_it_swept_when_the_file_is_saved_mid_run(
    tmp_path, monkeypatch
):
    model = _project(tmp_path, SWEEP, "y")
    _counting(monkeypatch, model, edit=FIRST.format("x"))
    res = run_cli("sweep", model, "--samples", "3", "--serial", "--out", tmp_path / "s")
    assert res.exit_code == 0, res.stderr
    record = json.loads((tmp_path / "s" / "sweep.json").read_text(encoding="utf-8"))
    assert record["fingerprint"]["inputs"]["model_file"] == _sha(FIRST.format("y"))
    plans = (tmp_path / "s" / "sweep.csv").read_text(encoding="utf-8")
    assert "infeasible" not in plans


# --- a refused set of a caller is named by its place, passed down with it ----------------------

GREEDY = DATA / "greedy"
SET = "pools.public/p1.budget_musd=60"
NOPE = "pools.nope/p1.budget_musd=1"


def _refusal(call) -> str:
    from allocator.errors import UsageError

    with pytest.raises(UsageError) as caught:
        call()
    return str(caught.value)


def test_compare_names_a_refused_set_by_its_place(tmp_path):
    said = _refusal(
        lambda: allocator.compare(
            ["jobs", "exports"], inputs=GREEDY, sets=[SET, NOPE], out=tmp_path / "c"
        )
    )
    assert said.startswith(f"overrides[1]: --set '{NOPE}': the key 'nope/p1'"), said
    assert not (tmp_path / "c").exists()


def test_a_set_is_named_by_its_own_place_not_by_an_earlier_one_of_the_same_text():
    """Two sets of the same cell that break its row's rule: the row is refused as the last
    set of it leaves it, named as the second set, not as the first one whose text it shares."""
    floor = "programs.x.floor_musd=200"
    said = _refusal(lambda: allocator.plan(inputs=SWEEP, overrides=[floor, floor]))
    assert said.startswith(f"overrides[1]: --set '{floor}': programs.csv row 2"), said
