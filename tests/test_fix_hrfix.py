"""Fixes of hunt20's findings (tests/test_hunt20_found.py): the small parts of a workbook are read
within their own limits, keeping only the tags asked for; --risk's scenarios and every command's
--workers are bounded, refused in one line before any work."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from allocator.data import xlsxparts
from allocator.data.bookwriter import write_inputs_workbook
from allocator.data.inputs import load_inputs
from allocator.data.xlsx import open_book, read_formats
from allocator.data.xlsxparts import BookError, start_events
from conftest import BASELINE, DATA, run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """The bundled dataset as one workbook, written once; never edited (`_stuffed` copies)."""
    path = tmp_path_factory.mktemp("book") / "plan.xlsx"
    write_inputs_workbook(load_inputs(BASELINE), path)
    return path


def _stuffed(book: Path, out: Path, part: str, after: str, xml: str) -> Path:
    """`book` with `xml` put right after the first start tag `<after` of `part`."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                text = data.decode("utf-8")
                at = text.index(">", text.index(f"<{after}")) + 1
                data = (text[:at] + xml + text[at:]).encode()
            dst.writestr(info, data)
    return out


def _one_line_refusal(path: Path) -> str:
    ran = run_cli("check", "--inputs", path)
    line = ANSI.sub("", ran.stderr).strip()
    assert (ran.exit_code, ran.stdout) == (2, ""), (ran.exit_code, line)
    assert "\n" not in line, line
    assert "Traceback" not in line, line
    return line


# 1: the small parts (relationships, the sheet list, the styles)


def test_only_the_tags_asked_for_are_kept_of_a_small_part(book, tmp_path):
    """Tags the reader does not use are read past, not kept: the sheet list of a workbook
    stuffed with unknown tags is the plain workbook's, and the styles' formats are the same."""
    extra = '<a b="1"/><x:c xmlns:x="urn:x"><d/></x:c>' * 500
    stuffed = _stuffed(book, tmp_path / "s.xlsx", "xl/workbook.xml", "sheets", extra)
    stuffed = _stuffed(stuffed, tmp_path / "t.xlsx", "xl/styles.xml", "cellXfs", extra)
    plain, other = open_book(book.read_bytes()), open_book(stuffed.read_bytes())
    assert [s.name for s in other.sheets] == [s.name for s in plain.sheets]
    assert len(plain.sheets) == 18
    assert read_formats(other) == read_formats(plain)
    with zipfile.ZipFile(stuffed) as archive:
        kept = start_events(archive, "xl/workbook.xml", "wb", frozenset({"sheet", "a"}))
    assert [n for n, _ in kept].count("a") == 500
    assert [n for n, _ in kept].count("sheet") == 18
    assert kept[0] == ("a", {"b": "1"})  # in order: the stuffing comes before the sheets


def test_a_small_part_over_its_tag_limit_is_one_line_naming_file_and_part(
    book, tmp_path, monkeypatch
):
    """A small part is held to MAX_SMALL_TAGS, far below a sheet's MAX_TAGS (lowered here to
    keep the test small; the hunt's test holds 2 million tags to 300 MB)."""
    monkeypatch.setattr(xlsxparts, "MAX_SMALL_TAGS", 2_000)
    bomb = _stuffed(book, tmp_path / "bomb.xlsx", "xl/styles.xml", "styleSheet", "<a/>" * 2_001)
    line = _one_line_refusal(bomb)
    assert line.startswith("error: bomb.xlsx, xl/styles.xml: holds more than 2,000 XML tags"), line
    assert "Fix: " in line
    assert xlsxparts.MAX_SMALL_TAGS < xlsxparts.MAX_TAGS


def test_more_kept_tags_than_the_limit_is_one_line_naming_the_tag(book, tmp_path, monkeypatch):
    """Tags asked for are kept within MAX_KEPT_TAGS: a sheet list of 201 sheets (of 200 here)
    is refused naming the part and the tag; 200 are read."""
    monkeypatch.setattr(xlsxparts, "MAX_KEPT_TAGS", 200)
    sheet = '<sheet name="README" sheetId="1" r:id="rId1"/>'
    for count, refused in ((200 - 18, False), (201 - 18, True)):
        path = _stuffed(book, tmp_path / f"b{count}.xlsx", "xl/workbook.xml", "sheets",
                        sheet * count)  # fmt: skip
        if not refused:
            assert len(open_book(path.read_bytes()).sheets) == 200
            continue
        with pytest.raises(BookError) as info:
            open_book(path.read_bytes())
        assert (info.value.where, info.value.reason) == (
            "xl/workbook.xml",
            "holds more than 200 sheet tags",
        )
        line = _one_line_refusal(path)
        assert line.startswith(f"error: {path.name}, xl/workbook.xml: holds more than 200 sheet")


# 2: --risk's scenarios


@pytest.mark.parametrize("risk", ["cvar", "worst-case"])
def test_risk_scenarios_are_bounded_at_the_limit_not_before(risk):
    """MAX_RISK_SCENARIOS is taken, one more is refused naming the option and the limit; a
    two-stage plan keeps its own lower limit and words (`twostage.MAX_SCENARIOS`)."""
    from allocator.errors import UsageError
    from allocator.runs.arguments import MAX_RISK_SCENARIOS, check_scenarios
    from allocator.runs.spec import RunSpec
    from allocator.runs.twostage import MAX_SCENARIOS

    assert MAX_RISK_SCENARIOS == 10_000
    check_scenarios(RunSpec(risk=risk, scenarios=MAX_RISK_SCENARIOS))
    with pytest.raises(UsageError) as info:
        check_scenarios(RunSpec(risk=risk, scenarios=MAX_RISK_SCENARIOS + 1))
    assert str(info.value) == (
        f"--scenarios 10001 with --risk {risk}: at most 10,000 (each scenario is a row of the "
        "LP over the whole plan, drawn, solved and reported). Fix: --scenarios 10000 or fewer, "
        "e.g. --scenarios 50"
    )
    check_scenarios(RunSpec(decide_now="phase1", scenarios=MAX_RISK_SCENARIOS + 1))  # its own
    assert MAX_SCENARIOS < MAX_RISK_SCENARIOS


def test_a_python_caller_of_too_many_risk_scenarios_is_refused_before_any_work(tmp_path):
    """allocator.solve(risk=..., scenarios=10**12): a UsageError naming --scenarios, nothing
    written (it was numpy's MemoryError)."""
    import allocator
    from allocator.errors import UsageError

    out = tmp_path / "run"
    with pytest.raises(UsageError, match=r"^--scenarios 1000000000000 with --risk cvar: at most"):
        allocator.solve(inputs=BASELINE, risk="cvar", scenarios=10**12, out=out)
    assert not out.exists()


# 3, 4: --workers of a LocalCluster


def _no_cluster(monkeypatch) -> list[int]:
    """Clusters asked for (their workers), each refused: a LocalCluster is never started."""
    asked: list[int] = []

    class Asked(Exception):
        pass

    def no_cluster(workers, dashboard):
        asked.append(workers)
        raise Asked(workers)

    monkeypatch.setattr("allocator.studies.daskclient.local_cluster", no_cluster)
    return asked


def test_the_workers_bound_is_four_per_core_and_only_for_a_local_cluster():
    from allocator.errors import UsageError
    from allocator.studies.daskclient import CORES, MAX_WORKERS, check_workers

    assert MAX_WORKERS == 4 * CORES
    assert CORES >= 1
    check_workers(MAX_WORKERS)
    check_workers(10**12, "tcp://10.0.0.1:8786")  # a scheduler's workers are its own
    check_workers(10**12, None, serial=True)  # --serial starts no process
    for scheduler in (None, "local"):
        with pytest.raises(UsageError) as info:
            check_workers(MAX_WORKERS + 1, scheduler)
        assert str(info.value) == (
            f"--workers {MAX_WORKERS + 1}: at most {MAX_WORKERS} worker processes on this "
            f"machine (4 per core of its {CORES}; each solves one LP at a time, so more only "
            f"wait their turn). Fix: --workers {CORES}, or --scheduler ADDRESS of a Dask "
            "cluster with more machines"
        )


@pytest.mark.parametrize(
    "command",
    [
        ("sweep", "--samples", 2),
        ("core",),
        ("core", "--scheduler", "local"),
        ("alternatives",),
        ("alternatives", "--scheduler", "local"),
        ("solve", "--decide-now", "phase1"),
    ],
)
def test_too_many_workers_are_one_line_before_a_cluster_or_a_folder(command, tmp_path, monkeypatch):
    """Each command that starts a LocalCluster refuses one worker past MAX_WORKERS in one line,
    exit 2, nothing written, no cluster asked for (--decide-now's by `dask_client`)."""
    from allocator.studies.daskclient import MAX_WORKERS

    asked = _no_cluster(monkeypatch)
    out = tmp_path / "out"
    ran = run_cli(command[0], "--inputs", BASELINE, *command[1:], "--workers", MAX_WORKERS + 1,
                  "--out", out)  # fmt: skip
    line = ANSI.sub("", ran.stderr).strip()
    assert (ran.exit_code, asked, ran.stdout) == (2, [], ""), line
    assert line.startswith(f"error: --workers {MAX_WORKERS + 1}: at most {MAX_WORKERS} "), line
    assert "\n" not in line, line
    assert not out.exists()


def test_a_python_caller_of_too_many_workers_is_refused_before_a_folder(tmp_path, monkeypatch):
    import allocator
    from allocator.errors import UsageError
    from allocator.studies.daskclient import MAX_WORKERS, dask_client

    asked = _no_cluster(monkeypatch)
    many = MAX_WORKERS + 1
    with pytest.raises(UsageError, match=rf"^--workers {many}: at most {MAX_WORKERS} worker"):
        allocator.sweep(samples=2, where=(None, many, False, None), out=tmp_path / "s")
    with pytest.raises(UsageError, match=rf"^--workers {many}: at most"):
        allocator.alternatives(where=(None, many, False), out=tmp_path / "a")
    with pytest.raises(UsageError, match=rf"^--workers {many}: at most"), dask_client(None, many):
        pass
    assert asked == []
    assert not (tmp_path / "s").exists()
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    ("args", "cluster"),
    [((), None), (("--workers", 1), None), (("--workers", 3), 3), (("--scheduler", "local"), 2)],
)
def test_core_workers_alone_ask_for_a_local_cluster_of_that_many(
    args, cluster, tmp_path, monkeypatch
):
    """`core --workers 3` spreads the LPs over a LocalCluster of 3 (it was ignored in silence,
    the LPs solved in this process); without --workers, or with 1, they are solved here; with
    --scheduler local and no --workers, on 2 (as before). The cluster is refused here once
    asked for: test_core_index shows a cluster writes the serial bytes."""
    asked = _no_cluster(monkeypatch)
    core = DATA / "core"
    out = tmp_path / "out"
    fast = ("--samples", 2, "--seed", 3, "--threshold", 5)
    ran = run_cli("core", "--inputs", core, *fast, *args, "--out", out)
    if cluster is None:
        assert (ran.exit_code, asked) == (0, []), ran.stderr[-800:]
        assert (out / "core.csv").is_file()
    else:
        assert asked == [cluster], ran.stderr[-800:]
        assert ran.exit_code != 0
