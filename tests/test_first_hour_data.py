"""Issue 17, "one edit breaks commands that have nothing to do with it": a model file's exclusions
carry through to uncertainty.csv and facts.csv, every reference error of a dataset in one run,
facts.csv warns in solve and fails in check, closest names for a typo, `init` copies the data
dictionary, and a model-file key typo names the key it probably is. Then the planner's path:
exclude a pool by editing the CSVs in one round, and every command works on the copy.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import BASELINE, DATA, ROOT
from conftest import run_cli as cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE = re.compile(
    r"^  - (?P<file>[a-z_]+\.csv), row (?P<row>\d+), column '(?P<column>\w+)': .+\. Fix: .+"
)


def lines(text: str) -> list[str]:
    return ANSI.sub("", text).splitlines()


def warnings_of(stderr: str) -> list[str]:
    return [line.removeprefix("warning: ") for line in lines(stderr) if line.startswith("warning:")]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def row_of(path: Path, column: str, value: str) -> int:
    """The spreadsheet row number (header = 1) of the first row whose `column` is `value`."""
    return next(i for i, r in enumerate(csv_rows(path), start=2) if r[column] == value)


def delete_rows(path: Path, numbers: set[int]) -> None:
    """Delete data rows by spreadsheet number, keeping every other byte of the file."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    kept = [r for i, r in enumerate(records, start=1) if i not in numbers]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(kept)


def korea_notes(stderr: str, model: str) -> list[str]:
    uncertainty = BASELINE / "uncertainty.csv"
    expected = [
        f"uncertainty.csv row {row_of(uncertainty, 'ref', ref)}: the range on '{ref}' is left "
        f"out: {model} removes pool korea"
        for ref in (f"pools:korea/phase{k}:budget_musd" for k in (1, 2, 3))
    ]
    found = warnings_of(stderr)
    for note in expected:
        assert note in found, (note, stderr)
    return found


# 1. Overrides carry through to uncertainty.csv and facts.csv


def test_sweep_of_a_model_file_that_excludes_pools_leaves_their_ranges_out(tmp_path):
    out = tmp_path / "sweep"
    model = "models/no_partner_pools.yaml"
    res = cli("sweep", model, "--serial", "--samples", 3, "--out", out)
    assert res.returncode == 0, res.stderr
    korea_notes(res.stderr, model)
    with (out / "sweep.csv").open() as f:
        columns = next(csv.reader(f))
    assert not [c for c in columns if "korea" in c], columns
    assert len(csv_rows(out / "sweep.csv")) == 3


def test_cvar_of_a_model_file_that_excludes_pools_solves_with_a_note(tmp_path):
    model = "models/no_partner_pools.yaml"
    res = cli("solve", model, "--risk", "cvar", "--scenarios", 4, "--out", tmp_path / "r", "--json")
    assert res.returncode == 0, res.stderr
    korea_notes(res.stderr, model)
    assert json.loads(res.stdout)["status"] == "optimal"


def test_solve_without_risk_names_the_facts_set_aside_not_the_ranges(tmp_path):
    res = cli("solve", "models/no_partner_pools.yaml", "--out", tmp_path / "r", "--json")
    assert res.returncode == 0, res.stderr
    row = row_of(BASELINE / "facts.csv", "fact", "korea_private_investment")
    assert warnings_of(res.stderr) == [
        f"facts.csv row {row}: fact korea_private_investment is left out of the audit: its "
        "reference 'pools:korea/*:budget_musd' names pool korea, which "
        "models/no_partner_pools.yaml removes"
    ]
    assert json.loads(res.stdout)["objective"]["value"] == 533770.0  # README: without the pools


def test_a_reference_broken_before_the_overrides_is_still_an_error(tmp_path):
    """Only rows the model file removed are set aside: a typo in uncertainty.csv is refused."""
    shutil.copytree(BASELINE, tmp_path / "inputs")
    (tmp_path / "models").mkdir()
    path = tmp_path / "inputs" / "uncertainty.csv"
    path.write_text(path.read_text().replace("pools:korea/phase1:", "pools:koera/phase1:"))
    (tmp_path / "models" / "m.yaml").write_text(
        "dataset: ../inputs\noverrides:\n  - exclude_pool: korea\n"
    )
    res = cli(
        "sweep", "models/m.yaml", "--serial", "--samples", 2, "--out", tmp_path / "s", cwd=tmp_path
    )
    assert res.returncode == 2
    row = row_of(path, "ref", "pools:koera/phase1:budget_musd")
    assert [line for line in lines(res.stderr) if line.startswith("error:")][0].startswith(
        f"error: uncertainty.csv, row {row}, column 'ref': reference "
        "'pools:koera/phase1:budget_musd' matches no row of pools.csv. Fix: no row has pool "
        "'koera': use one of the pools of pools.csv (china, ecosystem,"
    )
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "s").exists()


# 2. Every reference error in one run


def korea_deleted(tmp_path: Path) -> Path:
    project = tmp_path / "chile"
    res = cli("init", project)
    assert res.returncode == 0, res.stderr
    pools = project / "inputs" / "pools.csv"
    delete_rows(pools, {i for i, r in enumerate(csv_rows(pools), start=2) if r["pool"] == "korea"})
    return project


def test_check_lists_every_reference_error_of_a_deleted_pool_at_once(tmp_path):
    inputs = korea_deleted(tmp_path) / "inputs"
    res = cli("check", "--inputs", inputs)
    assert res.returncode == 2
    assert res.stdout == ""
    out = lines(res.stderr)
    assert out[0] == (
        f"error: {len(out) - 1} problems in the dataset, each below with its fix "
        "(fix them all, then run again)"
    )
    named = set()
    for line in out[1:]:
        m = LINE.match(line)
        assert m, line
        assert "korea" in line, line
        named.add((m["file"], int(m["row"])))
    expected = {
        ("eligibility.csv", i)
        for i, r in enumerate(csv_rows(inputs / "eligibility.csv"), start=2)
        if r["pool"] == "korea"
    }
    expected |= {
        ("groups.csv", i)
        for i, r in enumerate(csv_rows(inputs / "groups.csv"), start=2)
        if r["dimension"] == "pool" and r["member"] == "korea"
    }
    expected |= {
        ("facts.csv", i)
        for i, r in enumerate(csv_rows(inputs / "facts.csv"), start=2)
        if "pools:korea" in r["same_as"] + r["total_of"]
    }
    expected |= {
        ("uncertainty.csv", i)
        for i, r in enumerate(csv_rows(inputs / "uncertainty.csv"), start=2)
        if r["ref"].startswith("pools:korea")
    }
    assert {f for f, _ in expected} == {
        "eligibility.csv",
        "groups.csv",
        "facts.csv",
        "uncertainty.csv",
    }
    assert named == expected
    assert len(out) - 1 == len(expected)  # one line each


def test_past_twenty_problems_the_rest_are_counted(tmp_path):
    folder = tmp_path / "inputs"
    shutil.copytree(DATA / "greedy", folder)
    rows = "".join(f"pool{i:02d},a,hand-solved test case\n" for i in range(25))
    (folder / "eligibility.csv").write_text(
        "pool,program,source\npublic,*,hand-solved test case\n" + rows
    )
    res = cli("check", "--inputs", folder)
    assert res.returncode == 2
    out = lines(res.stderr)
    assert out[0].startswith("error: 25 problems in the dataset")
    assert len(out) == 1 + 20 + 1
    assert out[1].startswith(
        "  - eligibility.csv, row 3, column 'pool': unknown pool 'pool00'. Fix: "
    )
    assert out[20].startswith("  - eligibility.csv, row 22, column 'pool': unknown pool 'pool19'")
    assert out[21] == "  and 5 more"


def test_one_problem_stays_one_line(tmp_path):
    folder = tmp_path / "inputs"
    shutil.copytree(DATA / "greedy", folder)
    (folder / "eligibility.csv").write_text("pool,program,source\npublik,*,hand-solved test case\n")
    res = cli("check", "--inputs", folder)
    assert res.returncode == 2
    assert lines(res.stderr) == [
        "error: eligibility.csv, row 2, column 'pool': unknown pool 'publik'. Fix: did you mean "
        "public? (or add it there)"
    ]


# 3. facts.csv does not block solving


def broken_fact(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "inputs"
    shutil.copytree(BASELINE, folder)
    facts = folder / "facts.csv"
    text = facts.read_text(encoding="utf-8")
    assert old in text
    facts.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "pools:korea/*:budget_musd",
            "pools:korae/*:budget_musd",
            "facts.csv, row {row}, column 'same_as': reference 'pools:korae/*:budget_musd' "
            "matches no row of pools.csv. Fix: no row has pool 'korae': did you mean korea?",
        ),
        (
            "korea_private_investment,8B,",
            "korea_private_investment,8X,",
            "facts.csv, row {row}, column 'value': ",
        ),
    ],
    ids=["reference", "cell"],
)
def test_a_broken_fact_warns_in_solve_and_fails_in_check(tmp_path, old, new, message):
    folder = broken_fact(tmp_path, old, new)
    row = row_of(folder / "facts.csv", "fact", "korea_private_investment")
    expected = message.format(row=row)
    checked = cli("check", "--inputs", folder)
    assert checked.returncode == 2
    assert lines(checked.stderr)[0].startswith("error: " + expected), checked.stderr
    solved = cli("solve", "--inputs", folder, "--out", tmp_path / "run", "--json")
    assert solved.returncode == 0, solved.stderr
    warned = warnings_of(solved.stderr)
    assert len(warned) == 1
    assert warned[0].startswith(expected)
    assert "facts.csv is read only by the audit: solving goes on" in warned[0]
    assert json.loads(solved.stdout)["objective"]["value"] == 545333.54  # the baseline's


# 4. A typo gets the closest names


def test_a_typo_of_a_program_says_did_you_mean_and_how_many_others(tmp_path):
    folder = tmp_path / "inputs"
    shutil.copytree(BASELINE, folder)
    path = folder / "eligibility.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("china,supplier_capital_equipment,", "china,supplier_capital_equipmnt,", 1)
    )
    row = row_of(path, "program", "supplier_capital_equipmnt")
    others = len(csv_rows(folder / "programs.csv")) - 1
    res = cli("check", "--inputs", folder)
    assert res.returncode == 2
    assert lines(res.stderr) == [
        f"error: eligibility.csv, row {row}, column 'program': unknown program "
        "'supplier_capital_equipmnt'. Fix: did you mean supplier_capital_equipment? "
        f"({others} other names in programs.csv, or add it there)"
    ]


def test_no_close_name_lists_twelve_and_counts_the_rest(tmp_path):
    folder = tmp_path / "inputs"
    shutil.copytree(BASELINE, folder)
    path = folder / "eligibility.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("china,supplier_capital_equipment,", "china,zzz,", 1))
    names = sorted(r["program"] for r in csv_rows(folder / "programs.csv"))
    res = cli("check", "--inputs", folder)
    assert res.returncode == 2
    assert lines(res.stderr)[0].endswith(
        f"Fix: use one of programs.csv ({', '.join(names[:12])}, ... and {len(names) - 12} "
        "more), add it there, or delete this row"
    )


# 5. init copies the data dictionary, also from an installed wheel


def test_init_copies_the_data_dictionary(tmp_path):
    res = cli("init", tmp_path / "p", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    copied = tmp_path / "p" / "inputs" / "README.md"
    assert copied.read_bytes() == (ROOT / "inputs" / "README.md").read_bytes()
    assert "see inputs/README.md there" in res.stdout


@pytest.mark.slow
def test_the_wheel_ships_the_data_dictionary_beside_the_bundled_dataset(tmp_path):
    """A non-editable install has no checkout to copy inputs/README.md from."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path, ROOT],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("allocator-*.whl")
    with zipfile.ZipFile(wheel) as z:
        shipped = z.read("allocator/bundled/README.md")
        assert "allocator/bundled/peru2040/pools.csv" in z.namelist()
    assert shipped == (ROOT / "inputs" / "README.md").read_bytes()


def test_init_takes_the_data_dictionary_from_the_installed_package(tmp_path, monkeypatch):
    """As installed: the dataset is allocator/bundled/peru2040, the README beside it."""
    from allocator.runs import init as project

    bundled = tmp_path / "site" / "allocator" / "bundled"
    shutil.copytree(BASELINE, bundled / "peru2040")
    (bundled / "README.md").write_text("the data dictionary, as the wheel ships it\n")
    monkeypatch.setattr(project, "default_inputs", lambda: bundled / "peru2040")
    project.init(tmp_path / "p")
    assert (tmp_path / "p" / "inputs" / "README.md").read_text() == (
        "the data dictionary, as the wheel ships it\n"
    )


def test_init_xlsx_keeps_the_datasets_notes(tmp_path):
    """Issue 29: `init --xlsx` writes the workbook and still gives the dataset's NOTES.md (the
    readings and assumptions the workbook's numbers rest on)."""
    from allocator.runs.init import init

    init(tmp_path / "p", xlsx=True)
    notes = tmp_path / "p" / "inputs" / "NOTES.md"
    assert notes.read_bytes() == (BASELINE / "NOTES.md").read_bytes()
    assert (tmp_path / "p" / "inputs" / "plan.xlsx").is_file()


# 6. A key typo in a model file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "objectve: exports\n",
            "unknown key 'objectve' in models/x.yaml: did you mean 'objective'? Fix: use one of "
            "name, description, dataset, objective, weights, targets, measure, discount_rate, "
            "solver, overrides, set, decide_now",
        ),
        (
            "overrides:\n  - exclude_pool: china\n  - scale_budget: {pool: korea, factr: 0.5}\n",
            "unknown key 'factr' in models/x.yaml (under overrides[1].scale_budget): did you "
            "mean 'factor'? Fix: use one of pool, phase, factor",
        ),
        (
            "overrides:\n  - exclude_pol: korea\n",
            "unknown key 'exclude_pol' in models/x.yaml (under overrides[0]): did you mean "
            "'exclude_pool'? Fix: use one of scale_budget, exclude_pool, exclude_program, "
            "set_coefficient, group_limit, set_link_ratio",
        ),
        (
            "solver:\n  time_limt_s: 3\n",
            "unknown key 'time_limt_s' in models/x.yaml (under solver): did you mean "
            "'time_limit_s'? Fix: use one of time_limit_s, primal_feasibility_tolerance, "
            "dual_feasibility_tolerance",
        ),
    ],
    ids=["top", "override", "override-kind", "solver"],
)
def test_a_model_file_key_typo_names_the_key_it_probably_is(tmp_path, text, message):
    (tmp_path / "models").mkdir()
    shutil.copytree(BASELINE, tmp_path / "inputs")
    (tmp_path / "models" / "x.yaml").write_text("dataset: ../inputs\n" + text)
    res = cli("solve", "models/x.yaml", "--out", tmp_path / "r", cwd=tmp_path)
    assert res.returncode == 2
    assert lines(res.stderr) == ["error: " + message]
    assert "Extra inputs" not in res.stderr
    assert not (tmp_path / "r").exists()


# The planner's path


def test_exclude_a_pool_by_editing_the_csvs_in_one_round_then_every_command_works(tmp_path):
    project = korea_deleted(tmp_path)
    inputs = project / "inputs"
    first = cli("check", "--inputs", inputs)
    assert first.returncode == 2
    named: dict[str, set[int]] = {}
    for line in lines(first.stderr)[1:]:
        m = LINE.match(line)
        assert m, line
        named.setdefault(m["file"], set()).add(int(m["row"]))
    refused = cli("solve", "--inputs", inputs, "--out", tmp_path / "early")
    assert refused.returncode == 2  # the tables the LP reads, all named; facts only warned
    assert refused.stdout == ""
    assert not (tmp_path / "early").exists()
    assert "Traceback" not in refused.stderr
    assert {m["file"] for line in lines(refused.stderr) if (m := LINE.match(line))} == {
        "eligibility.csv",
        "groups.csv",
    }
    for file, rows in named.items():  # one round: every row the error lines name
        delete_rows(inputs / file, rows)

    checked = cli("check", "--inputs", inputs)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"usable: {inputs}: 33 programs, 10 pools, 3 phases")

    # the same scenario as a model file on an untouched copy: the same optimum
    other = tmp_path / "reference"
    shutil.copytree(BASELINE, other / "inputs")
    (other / "models").mkdir()
    (other / "models" / "no_korea.yaml").write_text(
        "dataset: ../inputs\noverrides:\n  - exclude_pool: korea\n"
    )
    by_file = cli("solve", other / "models" / "no_korea.yaml", "--json", "--out", tmp_path / "m")
    assert by_file.returncode == 0, by_file.stderr
    expected = json.loads(by_file.stdout)["objective"]["value"]
    assert expected < 545333.54  # korea's money mattered

    solved = cli("solve", "--inputs", inputs, "--json", "--out", tmp_path / "run")
    assert solved.returncode == 0, solved.stderr
    assert solved.stderr == ""  # nothing was left broken, so nothing to warn about
    summary = json.loads(solved.stdout)
    assert summary["status"] == "optimal"
    assert summary["objective"]["value"] == pytest.approx(expected, rel=1e-9)
    allocation = csv_rows(tmp_path / "run" / "allocation.csv")
    pools = {r["pool"] for r in allocation}
    assert "korea" not in pools
    assert "public" in pools or "technology" in pools

    swept = cli("sweep", "--inputs", inputs, "--serial", "--samples", 3, "--out", tmp_path / "sw")
    assert swept.returncode == 0, swept.stderr
    assert swept.stderr == ""
    table = csv_rows(tmp_path / "sw" / "sweep.csv")
    assert len(table) == 3
    assert not [c for c in table[0] if "korea" in c]

    risky = cli(
        "solve",
        "--inputs",
        inputs,
        "--risk",
        "cvar",
        "--scenarios",
        5,
        "--json",
        "--out",
        tmp_path / "cv",
    )
    assert risky.returncode == 0, risky.stderr
    assert json.loads(risky.stdout)["status"] == "optimal"
    risk = json.loads((tmp_path / "cv" / "run.json").read_text())["risk"]
    assert risk["scenarios"] == 5
    assert risk["reference_jobs"] == pytest.approx(expected, rel=1e-9)

    compared = cli(
        "compare", "jobs", "exports", "--inputs", inputs, "--json", "--out", tmp_path / "c"
    )
    assert compared.returncode == 0, compared.stderr
    rows = {r["metric"]: r for r in json.loads(compared.stdout)}
    assert rows["objective (jobs)"]["jobs"] == pytest.approx(expected, rel=1e-9)
    assert rows["objective (exports)"]["exports"] > 0
    assert (tmp_path / "c" / "compare.csv").is_file()


def test_an_excluded_program_takes_its_ranges_and_the_facts_that_cite_it_along(tmp_path):
    """Hand-made: the range on a's jobs and the total of a's and b's caps go with program a; a
    fact stated as the same as that total goes too; the rest stays."""
    from allocator.data.modelfile import Override, load_dataset

    folder = tmp_path / "inputs"
    shutil.copytree(DATA / "greedy", folder)
    (folder / "facts.csv").write_text(
        "fact,value,unit,total_of,same_as,source\n"
        "caps_ab,160,musd,programs:a:cap_musd;programs:b:cap_musd,,t\n"
        "caps_again,160,musd,,fact:caps_ab,t\n"
        "cap_c,100,musd,programs:c:cap_musd,,t\n"
    )
    (folder / "uncertainty.csv").write_text(
        "ref,low,high,source\n"
        "programs:a:jobs_per_musd,-10%,+10%,t\n"
        "programs:*:lag_years,+0%,+0%,t\n"
        "programs:c:jobs_per_musd,-10%,+10%,t\n"
    )
    inp = load_dataset(folder, [Override(exclude_program="a")], "m.yaml")
    assert [u.ref for u in inp.uncertainty] == [
        "programs:*:lag_years",
        "programs:c:jobs_per_musd",
    ]
    assert [f.fact for f in inp.facts] == ["cap_c"]
    assert inp.notes == (
        "uncertainty.csv row 2: the range on 'programs:a:jobs_per_musd' is left out: m.yaml "
        "removes program a",
        "facts.csv row 2: fact caps_ab is left out of the audit: its reference "
        "'programs:a:cap_musd' names program a, which m.yaml removes",
        "facts.csv row 3: fact caps_again is left out of the audit: it cites 'fact:caps_ab', "
        "which is left out above",
    )
    untouched = load_dataset(folder)
    assert len(untouched.uncertainty) == 3
    assert len(untouched.facts) == 3
    assert untouched.notes == ()


def test_an_unknown_pool_in_an_override_gets_the_closest_name(tmp_path):
    (tmp_path / "models").mkdir()
    shutil.copytree(BASELINE, tmp_path / "inputs")
    (tmp_path / "models" / "x.yaml").write_text(
        "dataset: ../inputs\noverrides:\n  - exclude_pool: koera\n"
    )
    others = len({r["pool"] for r in csv_rows(BASELINE / "pools.csv")}) - 1
    res = cli("solve", "models/x.yaml", "--out", tmp_path / "r", cwd=tmp_path)
    assert res.returncode == 2
    assert lines(res.stderr) == [
        "error: models/x.yaml: overrides[0].exclude_pool: unknown pool 'koera'. Fix: did you "
        f"mean korea? ({others} other names in the pools of the dataset, or add it there)"
    ]
