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
`the settings sheet`). A model file's keys may come in any order; serve's Save writes the same
model file and run folder whatever the order the cells were set in or its model file's keys came
in; and a page rebuilt by `allocator report` is the page the run wrote.
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
HASHES = {"timings_s", "sha256", "inputs_sha256", "model_file_sha256"}
"""Keys of run.json and sweep.json whose values must differ: times and the input files' hashes."""


def _permuted(items: list[Any], rng: random.Random) -> list[Any]:
    """`items` in a random order that is not theirs (when there are two or more)."""
    out = rng.sample(items, len(items))
    return out[1:] + out[:1] if out == items else out


def shuffle(folder: Path, seed: int) -> list[str]:
    """Shuffle the rows and permute the columns of every CSV table in `folder` (each table of
    two or more rows or columns changes), in place; the names of the tables changed."""
    rng = random.Random(seed)
    changed = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            header, *body = list(csv.reader(f))
        rows, order = _permuted(body, rng), _permuted(list(range(len(header))), rng)
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerows([[record[j] for j in order] for record in [header, *rows]])
        if rows != body or order != sorted(order):
            changed.append(path.name)
    return changed


def _digest(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


def _is_hash(key: str, value: Any) -> bool:
    """A key in `HASHES`, or sweep.json's fingerprint of the input files and the model file."""
    if key == "files" and isinstance(value, dict):
        return all(map(_digest, value.values()))
    return key in HASHES or (key == "model_file" and _digest(value))


def _without_hashes(value: Any) -> Any:
    """A run.json or sweep.json document without the input files' hashes and the times."""
    if isinstance(value, dict):
        return {k: _without_hashes(v) for k, v in value.items() if not _is_hash(k, v)}
    if isinstance(value, list):
        return [_without_hashes(v) for v in value]
    return value


def _comparable(path: Path, words: Callable[[str], str] = str) -> object:
    """What of an output file must be the same: the bytes, but for the fields that cite the
    input files' bytes or rows; `words` rewrites the text of a JSON or HTML file first."""
    if path.suffix == ".json":
        return _without_hashes(json.loads(words(path.read_text(encoding="utf-8"))))
    if path.suffix == ".html":
        return re.sub(r"\.csv row \d+", ".csv row #", words(path.read_text(encoding="utf-8")))
    return path.read_bytes()


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def differing(one: Path, two: Path, words: Callable[[str], str] = str) -> list[str]:
    """The files of two output folders that are not the same (or are in only one of them), the
    second's texts read through `words`."""
    names = files_of(one)
    assert names == files_of(two)
    assert names, "the command must write something"
    return [n for n in names if _comparable(one / n) != _comparable(two / n, words)]


def twice(tmp_path: Path, src: Path, command: Command, seed: int = 1) -> tuple[Path, Path]:
    """Run `command(dataset, out)` on a copy of `src`, then again at the same paths with the
    copy's rows shuffled: (first output folder, second); what each printed must be the same."""
    ds = tmp_path / "ds"
    shutil.copytree(src, ds)
    first = command(ds, tmp_path / "out")
    assert first.exit_code == 0, first.stderr
    (tmp_path / "out").rename(tmp_path / "first")
    tables = sorted(p.name for p in ds.glob("*.csv"))
    assert shuffle(ds, seed) == tables, "every table must be listed differently"
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
    pytest.param(
        DATA / "tranches", _cli("solve", "--write-model", "--plots"), id="solve-write-model-plots"
    ),
    pytest.param(
        DATA / "robust", _cli("solve", "--risk", "cvar", "--scenarios", 6, "--seed", 3), id="risk"
    ),
    pytest.param(
        DATA / "two_stage", _cli("solve", "--decide-now", "p1", "--scenarios", 4), id="two-stage"
    ),
    pytest.param(DATA / "exports", _cli("frontier", "--points", 3), id="frontier"),
    pytest.param(DATA / "mga", _cli("alternatives", "--alternatives", 2), id="alternatives"),
    pytest.param(
        DATA / "sweep", _cli("sweep", "--samples", 5, "--seed", 7, "--serial"), id="sweep"
    ),
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


def _reversed_keys(value: Any) -> Any:
    """A YAML document with the keys of every mapping in reverse order (lists kept)."""
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


MODEL = {
    "name": "order",
    "description": "a scenario of the sweep dataset",
    "dataset": "ds",
    "objective": "jobs",
    "targets": "soft",
    "measure": "cumulative",
    "overrides": [
        {"scale_budget": {"pool": "public", "phase": "p1", "factor": 0.9}},
        {"group_limit": {"dimension": "program", "member": "x", "max_share": 0.6}},
    ],
    "set": ["programs.y.cap_musd=80"],
}


@pytest.mark.parametrize(
    "args",
    [("solve",), ("sweep", "--samples", 3, "--serial")],
    ids=["solve", "sweep"],
)
def test_model_file_keys_in_any_order_and_shuffled_rows_give_the_same_folder(tmp_path, args):
    """The model file written with every mapping's keys reversed, beside the dataset's rows
    shuffled: the same folder (run.json's model_file_sha256 aside)."""

    def command(ds: Path, out: Path) -> Ran:
        model = ds.parent / "model.yaml"
        document = _reversed_keys(MODEL) if model.exists() else MODEL
        model.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return run_cli(*args, model, "--out", out)

    first, second = twice(tmp_path, DATA / "sweep", command)
    assert differing(first, second) == []
    text = (tmp_path / "model.yaml").read_text(encoding="utf-8")
    assert text.index("set:") < text.index("name:"), "the keys must be reversed"


def _as_csv(text: str) -> str:
    """A workbook run's text as the CSV folder's run says it: the dataset's name, where the
    number style is read and the rows cited (`ds.xlsx, sheet pools, row 5`: `pools.csv row 5`),
    the only words that differ."""
    text = re.sub(r"ds\.xlsx, sheet ([a-z_]+), row", r"\1.csv row", text)
    return text.replace("ds.xlsx", "ds").replace("the settings sheet", "settings.csv")


@pytest.mark.parametrize(
    ("dataset", "args"),
    [(BASELINE, ("solve",)), (DATA / "sweep", ("sweep", "--samples", 3, "--serial"))],
    ids=["solve-baseline", "sweep"],
)
def test_the_dataset_as_a_workbook_gives_the_bytes_of_its_csv_folder(tmp_path, dataset, args):
    """`export-inputs` of the tables with their rows shuffled, solved as a workbook: the bytes
    of the CSV folder as written, but for the dataset's name (`ds.xlsx`, not `ds`) and the
    settings sheet named in place of settings.csv."""
    shutil.copytree(dataset, tmp_path / "ds")
    shuffled = shutil.copytree(dataset, tmp_path / "shuffled")
    assert shuffle(shuffled, 2)
    assert run_cli("export-inputs", tmp_path / "ds.xlsx", "--inputs", shuffled).exit_code == 0
    said = {}
    for name in ("ds", "ds.xlsx"):
        ran = run_cli(*args, "--inputs", tmp_path / name, "--out", tmp_path / "out")
        assert ran.exit_code == 0, ran.stderr
        (tmp_path / "out").rename(tmp_path / f"run-{name}")
        said[name] = " ".join(ran.stdout.split())  # the longer name may wrap a line elsewhere
    assert differing(tmp_path / "run-ds", tmp_path / "run-ds.xlsx", _as_csv) == []
    assert _as_csv(said["ds.xlsx"]) == said["ds"]


def test_export_inputs_keeps_the_list_check_of_a_markets_export_category(tmp_path):
    """A markets sheet by export_category gets its list check like any other column: xlsxwriter
    drops a check whose error title is over Excel's 32 characters (with a warning, which the
    test run makes an error: exit 1, a traceback), and `not a export_category of sheet
    programs` was 38."""
    import zipfile

    assert run_cli("export-inputs", tmp_path / "ds.xlsx", "--inputs", DATA / "sweep").exit_code == 0
    with zipfile.ZipFile(tmp_path / "ds.xlsx") as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
    titles = [t for s in sheets for t in re.findall(r'errorTitle="([^"]*)"', s)]
    assert any("export_category" in t for t in titles), titles
    assert max(map(len, titles)) <= 32


def _save(project: Path, sets: list[str]) -> None:
    """Serve's Save of the project's dataset after `sets`, one edit each, as the page sends."""
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    held = HeldModel(RunSpec(inputs=project / "inputs" / "ds"))
    for text in sets:
        held.edit([text])
    save(held, "scenario", project / "models", project / "results")


def test_serve_save_writes_the_same_files_whatever_the_order_of_rows_and_edits(tmp_path):
    """The same cells set in another order, on the dataset's rows shuffled: the same model file
    (its `set:` lines in one order) and the same run folder."""
    sets = ["programs.b.cap_musd=90", "pools.public/p1.budget_musd=150"]
    project = tmp_path / "project"
    shutil.copytree(DATA / "tranches", project / "inputs" / "ds")
    _save(project, sets)
    project.rename(tmp_path / "first")
    shutil.copytree(DATA / "tranches", project / "inputs" / "ds")
    assert shuffle(project / "inputs" / "ds", 3)
    _save(project, sets[::-1])
    model = (project / "models" / "scenario.yaml").read_text(encoding="utf-8")
    assert model.index(sets[1]) < model.index(sets[0])  # by table, key and column
    assert differing(tmp_path / "first" / "models", project / "models") == []
    assert differing(tmp_path / "first" / "results", project / "results") == []


def test_rebuilt_report_and_study_pages_list_the_assumptions_of_the_scenario(tmp_path):
    """A model file that excludes a pool whose row states an assumption: solve's page leaves that
    row out (it is not in the scenario); `report` rebuilding the page gives the same page, and
    frontier's page lists the same rows (both read the dataset again: they must apply the
    recorded overrides too)."""
    ds = shutil.copytree(DATA / "budgets", tmp_path / "ds")
    pools = (ds / "pools.csv").read_text(encoding="utf-8").splitlines()
    said = {"partner": "partner money assumed", "spare": "spare money assumed"}
    rows = [pools[0] + ",assumption"] + [f"{r},{said.get(r.split(',')[0], '')}" for r in pools[1:]]
    (ds / "pools.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = tmp_path / "model.yaml"
    model.write_text("dataset: ds\noverrides:\n  - exclude_pool: spare\n", encoding="utf-8")
    assert run_cli("solve", model, "--out", tmp_path / "run").exit_code == 0
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "partner money assumed" in page
    assert "spare money assumed" not in page
    assert run_cli("report", tmp_path / "run").exit_code == 0
    assert (tmp_path / "run" / "report.html").read_text(encoding="utf-8") == page
    assert run_cli("frontier", model, "--points", 2, "--out", tmp_path / "fr").exit_code == 0
    study = (tmp_path / "fr" / "report.html").read_text(encoding="utf-8")
    assert "partner money assumed" in study
    assert "spare money assumed" not in study


def test_report_rebuilt_from_a_run_with_an_empty_note_column_is_the_page_solve_wrote(tmp_path):
    """tests/data/targets: every note of the outcomes is empty, so its CSV column read back was
    numbers (all missing) and the rebuilt page right-aligned it as a number column."""
    assert run_cli("solve", "--inputs", DATA / "targets", "--out", tmp_path / "run").exit_code == 0
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert '<th scope="col">note</th>' in page
    assert run_cli("report", tmp_path / "run").exit_code == 0
    assert (tmp_path / "run" / "report.html").read_text(encoding="utf-8") == page


def test_serve_save_from_a_model_file_writes_its_keys_in_one_order(tmp_path):
    """Serve started from a model file whose keys (and its overrides' keys) come in another
    order: Save writes the same model file (the schema's order; inner keys by name)."""
    from allocator.runs.spec import layered
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    document = {
        "name": "base",
        "description": "a scenario",
        "dataset": "../inputs/ds",
        "objective": "jobs",
        "targets": "soft",
        "overrides": [{"scale_budget": {"pool": "public", "phase": "p1", "factor": 0.9}}],
        "set": ["programs.a.cap_musd=90"],
    }
    texts = []
    for i, doc in enumerate((document, _reversed_keys(document))):
        project = tmp_path / f"project{i}"
        shutil.copytree(DATA / "tranches", project / "inputs" / "ds")
        model = project / "models" / "base.yaml"
        model.parent.mkdir()
        model.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        held = HeldModel(layered(model))
        held.edit(["programs.b.cap_musd=80"])
        save(held, "saved", project / "models", project / "results")
        text = (project / "models" / "saved.yaml").read_text(encoding="utf-8")
        texts.append(text.replace(str(project), "PROJECT"))  # the model file it came from
    assert texts[1] == texts[0]
    lines = texts[0].splitlines()
    assert lines.index("dataset: ../inputs/ds") < lines.index("overrides:") < lines.index("set:")
