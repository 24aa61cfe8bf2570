"""The same inputs, in any row order, give the same bytes: for every command that writes files.

`test_row_order.py` holds `solve`'s tables to that. Here each command runs twice on one dataset
folder, at the same paths (so a path a file prints is the same): once as written, once with every
table's rows shuffled and its columns permuted (uncertainty.csv and actuals included). The two
output folders must be the same file for file, byte for byte, except:

- run.json / sweep.json: the times (`timings_s`) and the SHA-256 of the input files (the files'
  bytes differ, by design: `--check-against` and `--resume` compare them);
- report.html: the row numbers of `FILE row N`, which cite the user's own file.

The same dataset as a workbook (`export-inputs`) gives the bytes of the CSV folder but for the
dataset's name (`ds` or `ds.xlsx`) and where the number style is read from (`settings.csv` or
`the settings sheet`). A model file's keys may come in any order, and serve's Save writes the same
model file and run folder whatever the order the cells were set in.
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import BASELINE, DATA, Ran, run_cli

Command = Callable[[Path, Path], Ran]
HASHES = {"timings_s", "sha256", "inputs_sha256", "files", "model_file_sha256"}
"""Keys of run.json and sweep.json whose values must differ: times and the input files' hashes."""


def shuffle(folder: Path, seed: int) -> list[str]:
    """Shuffle the rows and permute the columns of every CSV table in `folder`, in place; the
    names of the tables whose bytes changed."""
    rng = random.Random(seed)
    changed = []
    for path in sorted(folder.glob("*.csv")):
        before = path.read_bytes()
        with path.open(encoding="utf-8-sig", newline="") as f:
            header, *body = list(csv.reader(f))
        rng.shuffle(body)
        order = list(range(len(header)))
        rng.shuffle(order)
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerows([[record[j] for j in order] for record in [header, *body]])
        if path.read_bytes() != before:
            changed.append(path.name)
    return changed


def _without_hashes(value: Any) -> Any:
    """A run.json or sweep.json document without the keys in `HASHES`."""
    if isinstance(value, dict):
        return {k: _without_hashes(v) for k, v in value.items() if k not in HASHES}
    if isinstance(value, list):
        return [_without_hashes(v) for v in value]
    return value


def _comparable(path: Path) -> object:
    """What of an output file must be the same: the bytes, but for the fields that cite the
    input files' bytes or rows."""
    if path.suffix == ".json":
        return _without_hashes(json.loads(path.read_text(encoding="utf-8")))
    if path.suffix == ".html":
        return re.sub(r"\.csv row \d+", ".csv row #", path.read_text(encoding="utf-8"))
    return path.read_bytes()


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def differing(one: Path, two: Path) -> list[str]:
    """The files of two output folders that are not the same (or are in only one of them)."""
    names = files_of(one)
    assert names == files_of(two)
    assert names, "the command must write something"
    return [n for n in names if _comparable(one / n) != _comparable(two / n)]


def twice(tmp_path: Path, src: Path, command: Command, seed: int = 1) -> tuple[Path, Path]:
    """Run `command(dataset, out)` on a copy of `src`, then again at the same paths with the
    copy's rows shuffled: (first output folder, second); what each printed must be the same."""
    ds = tmp_path / "ds"
    shutil.copytree(src, ds)
    first = command(ds, tmp_path / "out")
    assert first.exit_code == 0, first.stderr
    (tmp_path / "out").rename(tmp_path / "first")
    assert shuffle(ds, seed), "the copy must list some table differently"
    second = command(ds, tmp_path / "out")
    assert second.exit_code == 0, second.stderr
    assert second.stdout == first.stdout
    return tmp_path / "first", tmp_path / "out"


def _cli(*args: object) -> Command:
    """`allocator ARGS --inputs DATASET --out OUT`."""
    return lambda ds, out: run_cli(*args, "--inputs", ds, "--out", out)


def _solve_then_rebuild(ds: Path, out: Path) -> Ran:
    """`solve`, then `report` rebuilding report.html from the run folder (the solve's own page
    kept beside it)."""
    assert run_cli("solve", "--inputs", ds, "--out", out).exit_code == 0
    (out / "report.html").rename(out / "solve-report.html")
    return run_cli("report", out)


def _replan(ds: Path, out: Path) -> Ran:
    """`solve` (the approved plan, inside OUT), then `replan` from actuals.csv (shuffled too)."""
    assert run_cli("solve", "--inputs", ds, "--out", out / "approved").exit_code == 0
    actuals = ["--actuals", ds / "actuals.csv", "--as-of", 2026]
    return run_cli("replan", out / "approved", *actuals, "--out", out / "replan")


def _export(ds: Path, out: Path) -> Ran:
    out.mkdir()
    return run_cli("export-inputs", out / "dataset.xlsx", "--inputs", ds)


COMMANDS = [
    pytest.param(BASELINE, _solve_then_rebuild, id="solve-and-report-baseline"),
    pytest.param(DATA / "tranches", _cli("solve", "--write-model"), id="solve-write-model"),
    pytest.param(
        DATA / "robust", _cli("solve", "--risk", "cvar", "--scenarios", 6, "--seed", 3), id="risk"
    ),
    pytest.param(
        DATA / "two_stage", _cli("solve", "--decide-now", "p1", "--scenarios", 4), id="two-stage"
    ),
    pytest.param(DATA / "exports", _cli("frontier", "--points", 3), id="frontier"),
    pytest.param(DATA / "mga", _cli("alternatives", "--alternatives", 2), id="alternatives"),
    pytest.param(DATA / "sweep", _cli("sweep", "--samples", 5, "--seed", 7, "--serial"), id="sweep"),
    pytest.param(DATA / "core", _cli("core", "--samples", 3), id="core"),
    pytest.param(DATA / "exports", _cli("compare", "jobs", "exports"), id="compare"),
    pytest.param(DATA / "replan", _replan, id="replan"),
]


@pytest.mark.parametrize(("dataset", "command"), COMMANDS)
def test_every_command_writes_the_same_folder_for_shuffled_rows(tmp_path, dataset, command):
    first, second = twice(tmp_path, dataset, command)
    assert differing(first, second) == []


def test_export_inputs_ignores_the_order_of_columns(tmp_path):
    """The exported workbook keeps each row at its CSV line (so "row N" cites the same row in
    both) but writes the schema's columns in the schema's order, whatever the CSV's."""
    ds = shutil.copytree(DATA / "tranches", tmp_path / "ds")
    assert _export(ds, tmp_path / "first").exit_code == 0
    for path in ds.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            rows = [r[::-1] for r in csv.reader(f)]
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    assert _export(ds, tmp_path / "second").exit_code == 0
    assert differing(tmp_path / "first", tmp_path / "second") == []
