"""Fixes of task fE: a run folder's JSON read in one line (hunt17 #1), a too-small number told a
fix its field accepts (hunt17 #2), a --set that empties an uncertainty range named (hunt19 #4)."""

from __future__ import annotations

import shutil

import pytest

from allocator.errors import UsageError
from conftest import BASELINE, DATA, copy_dataset, run_cli

DEEP = "[" * 5000 + "]" * 5000


def _one_line_refusal(done) -> str:
    assert done.exit_code == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr


# --- hunt17 #1: one reader of a run folder's JSON ------------------------------------------


@pytest.mark.parametrize("depth", [150, 5000])
def test_json_nested_past_the_limit_is_refused_naming_the_file(tmp_path, depth):
    """Past MAX_JSON_DEPTH levels a run.json is refused, whether Python's json would read it
    (150 levels) or raise RecursionError (5,000)."""
    from allocator.report.jsonfile import MAX_JSON_DEPTH, read_json

    path = tmp_path / "run.json"
    path.write_text('{"a": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    with pytest.raises(UsageError, match="nested more than") as raised:
        read_json(path, "Fix: do this")
    said = str(raised.value)
    assert str(path) in said
    assert f"{MAX_JSON_DEPTH} levels" in said
    assert said.endswith("Fix: do this")


def test_json_at_the_depth_limit_is_read(tmp_path):
    from allocator.report.jsonfile import MAX_JSON_DEPTH, read_json

    path = tmp_path / "run.json"
    n = MAX_JSON_DEPTH
    path.write_text("[" * n + "1" + "]" * n, encoding="utf-8")
    value = read_json(path, "")
    for _ in range(n):
        value = value[0]
    assert value == 1


def test_json_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    from allocator.report import jsonfile

    path = tmp_path / "sweep.json"
    path.write_text('{"a": "' + "x" * 100 + '"}', encoding="utf-8")
    monkeypatch.setattr(jsonfile, "MAX_JSON_BYTES", 50)
    with pytest.raises(UsageError, match="over 50 bytes"):
        jsonfile.read_json(path, "Fix: f")


@pytest.mark.parametrize("text", [b"\xff\xfe{}", b'{"a": 1', b""])
def test_json_that_is_not_json_is_one_line_naming_the_file(tmp_path, text):
    from allocator.report.jsonfile import read_json

    path = tmp_path / "run.json"
    path.write_bytes(text)
    with pytest.raises(UsageError, match="cannot be read as JSON") as raised:
        read_json(path, "Fix: f")
    assert str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.fixture(scope="module")
def greedy_run(tmp_path_factory):
    where = tmp_path_factory.mktemp("fe")
    done = run_cli("solve", "--inputs", DATA / "greedy", "--out", where / "run")
    assert done.exit_code == 0, done.stderr
    return where / "run"


def test_force_over_a_deeply_nested_run_json_is_one_line(tmp_path, greedy_run):
    """--force reads the --out folder's run.json to tell whose it is: one nested 5,000 deep is
    no run.json of allocator's, so the folder is not replaced, in one line."""
    out = shutil.copytree(greedy_run, tmp_path / "out")
    (out / "run.json").write_text(DEEP, encoding="utf-8")
    done = run_cli("solve", "--inputs", DATA / "greedy", "--out", out, "--force")
    _one_line_refusal(done)
    assert (out / "run.json").read_text(encoding="utf-8") == DEEP


# --- hunt17 #2: a too-small number's fix is one its field accepts --------------------------


def _greedy(tmp_path, column: str = "", value: str = ""):
    data = shutil.copytree(DATA / "greedy", tmp_path / "inputs" / "greedy")
    if column:
        table = data / "programs.csv"
        lines = table.read_text(encoding="utf-8").splitlines()
        lines[0] += f",{column}"
        lines[1:] = [f"{line},{value if i == 0 else ''}" for i, line in enumerate(lines[1:])]
        table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


def _model(tmp_path, body: str):
    model = tmp_path / "models" / "m.yaml"
    model.parent.mkdir(exist_ok=True)
    model.write_text(f"name: m\ndataset: ../inputs/greedy\n{body}\n", encoding="utf-8")
    return model


def test_a_too_small_cell_where_0_is_refused_is_not_told_to_write_0(tmp_path):
    data = _greedy(tmp_path, "max_annual_share", "1e-13")
    said = _one_line_refusal(run_cli("solve", "--inputs", data, "--out", tmp_path / "out"))
    assert "column 'max_annual_share': '1e-13' is too small to tell from 0" in said, said
    assert "write 0" not in said, said
    assert "Fix: write a number of at least 1e-08 in size (0 is refused here: " in said, said
    assert "absorb no money" in said, said


def test_a_too_small_cell_where_0_is_taken_is_still_offered_0(tmp_path):
    data = _greedy(tmp_path)
    table = data / "programs.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",60,", ",1e-13,"), "utf-8")
    said = _one_line_refusal(run_cli("solve", "--inputs", data, "--out", tmp_path / "out"))
    assert "Fix: write 0, or a number of at least 1e-08 in size" in said, said


@pytest.mark.parametrize(
    "body",
    [
        "overrides:\n  - set_coefficient: {program: a, column: max_annual_share, value: 1e-13}",
        "set: [programs.a.max_annual_share=1e-13]",
        "solver: {dual_feasibility_tolerance: 1e-13}",
        "solver: {time_limit_s: '1e-300'}",
    ],
)
def test_a_too_small_model_file_number_where_0_is_refused_gets_a_fix_it_takes(tmp_path, body):
    _greedy(tmp_path)
    said = _one_line_refusal(run_cli("solve", _model(tmp_path, body), "--out", tmp_path / "o"))
    assert "too small to tell from 0" in said, said
    assert "write 0" not in said, said
    assert "Fix: write a number of at least 1e-08 in size (0 is refused here: " in said, said
    assert "see models/baseline.yaml" not in said, said


@pytest.mark.parametrize(
    "body",
    [
        "weights: {jobs: 1e-13, exports: 1}",
        "discount_rate: 1e-13",
        "overrides:\n  - scale_budget: {pool: public, factor: 1e-13}",
    ],
)
def test_a_too_small_model_file_number_says_its_fix_not_see_baseline(tmp_path, body):
    """Where 0 is taken (a weight, a discount rate, a scale_budget factor) the fix is to write
    0 or a number large enough, said as the fix: not in brackets before 'see baseline.yaml'."""
    _greedy(tmp_path)
    said = _one_line_refusal(run_cli("solve", _model(tmp_path, body), "--out", tmp_path / "o"))
    assert said.rstrip().endswith(
        "is too small to tell from 0. Fix: write 0, or a number of at least 1e-08 in size"
    ), said


# --- hunt19 #4: a --set that empties an uncertainty range is named --------------------------

AERO = "markets.aerospace_components//2030.market_musd"


def _warnings(done) -> list[str]:
    return [x for x in done.stderr.splitlines() if x.startswith("warning: ") and "refuse" in x]


def test_a_range_made_empty_in_the_file_is_not_told_to_swap(tmp_path):
    """uncertainty.csv row 4 is 5000 to +0%: a markets.csv value of 3000 makes it 5000 to 3000,
    which swapping low and high (+0% to 5000) would not mend as meant: the value is outside."""
    data = copy_dataset(BASELINE, tmp_path / "p")
    table = data / "markets.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace(",2030,7300,", ",2030,3000,", 1), "utf-8"
    )
    done = run_cli("check", "--inputs", data)
    said = "\n".join(done.stderr.splitlines())
    assert "uncertainty.csv, row 4" in said, said
    assert "swap low and high" not in said, said
    assert "does not contain the value 3000 (markets.csv row 2)" in said, said


def test_solve_warns_of_a_range_a_set_empties(tmp_path):
    """solve does not read uncertainty.csv but warns of a row sweep and --risk refuse: one a
    --set breaks too, naming the --set."""
    args = ("solve", "--inputs", BASELINE, "--targets", "off", "--out", tmp_path / "o")
    done = run_cli(*args, "--set", f"{AERO}=3000")
    assert done.exit_code == 0, done.stderr
    warned = [w for w in _warnings(done) if "uncertainty.csv, row 4" in w]
    assert len(warned) == 1, done.stderr
    assert f"given by --set {AERO}=3000" in warned[0], warned[0]
    assert "swap" not in warned[0], warned[0]


def test_solve_does_not_warn_of_a_range_a_set_mends(tmp_path):
    data = copy_dataset(BASELINE, tmp_path / "p")
    table = data / "markets.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace(",2030,7300,", ",2030,3000,", 1), "utf-8"
    )
    args = ("solve", "--inputs", data, "--targets", "off")
    broken = run_cli(*args, "--out", tmp_path / "o1")
    assert [w for w in _warnings(broken) if "uncertainty.csv, row 4" in w], broken.stderr
    mended = run_cli(*args, "--set", f"{AERO}=7300", "--out", tmp_path / "o2")
    assert mended.exit_code == 0, mended.stderr
    assert not [w for w in _warnings(mended) if "uncertainty.csv" in w], mended.stderr
