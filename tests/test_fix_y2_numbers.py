"""Numbers a planner copies onto a slide add up as shown (hunt 24, y2): a headline's existing and
new parts add up to its level, EVPI's and VSS's operands subtract to the value they explain, an
infeasible what-if names the --set behind a conflicting value, and a compare page of run folders
names their dataset."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from conftest import DATA, run_cli


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_parts_of_a_level_add_up_to_the_level_as_shown() -> None:
    """800.4 + 750.18 = 1,550.58 jobs, shown whole as 1,551: rounded each on its own the parts
    read 800 + 750 = 1,550; by the largest remainder 800.4 (remainder .4) takes the missing job."""
    from allocator.report.rounding import cell, parts_shown

    assert parts_shown([800.4, 750.18], "jobs") == ["801", "750"]
    assert cell(800.4 + 750.18, "jobs") == "1,551"
    # exports: 100.0912 is shown 100.1 (one decimal from 100 up); 100.04 and 0.0512 on their
    # own would read 100 + 0.0512; at the level's one decimal: 1000.4 and 0.512 tenths, 1,001 in
    # all, the missing tenth to the larger remainder (0.512)
    assert cell(100.04 + 0.0512, "US$ million per year") == "100.1"
    assert parts_shown([100.04, 0.0512], "US$ million per year") == ["100", "0.1"]
    # whole parts stay as they are, with thousands separators
    assert parts_shown([63000.0, 482334.0], "jobs") == ["63,000", "482,334"]
    assert parts_shown([2.5, 2.5], "jobs") == ["3", "2"]  # 5 in all, the tie to the first


def test_the_split_words_add_up() -> None:
    from allocator.report.existing import split_words

    said = split_words("jobs", 800.4, 750.18, first=True)
    assert said == "(801 existing before the plan + 750 new)"


def _block(hn: float, ws: float, nominal: float) -> dict:
    return {
        "decide_now": ["p1"],
        "unit": "jobs",
        "scenarios": 10,
        "here_and_now": hn,
        "wait_and_see": ws,
        "evpi": ws - hn,
        "vss": hn - nominal,
        "nominal_decide_now": nominal,
        "sign_convention": "higher is better",
    }


@pytest.mark.parametrize(
    ("hn", "ws", "nominal"),
    [
        (310.5611632676682, 310.9097035141982, 299.7400582352344),  # hunt 24's run
        (310.56149, 310.91, 299.7449),  # operands whose own rounding misses by a last digit
        (1234.5, 1534.75, 1000.25),  # differences from 100 up: whole
        (5.0, 5.0, 5.0),  # no difference
    ],
)
def test_evpi_and_vss_operands_subtract_exactly_as_shown(hn, ws, nominal) -> None:
    from allocator.report.twostagehtml import amount, two_stage_sentences

    lines = two_stage_sentences(_block(hn, ws, nominal))
    text = " ".join(lines)
    evpi = re.search(r"would add ([-\d.,]+) jobs on average \(([-\d.,]+) if each .*?minus "
                     r"([-\d.,]+)\)", text)  # fmt: skip
    vss = re.search(r"adds ([-\d.,]+) jobs on average \(([-\d.,]+) minus ([-\d.,]+) ", text)
    assert evpi is not None, text
    assert vss is not None, text
    for said, value in ((evpi, ws - hn), (vss, hn - nominal)):
        shown, first, second = (_number(g) for g in said.groups())
        assert first - second == shown, said.group(0)
        assert said.group(1) == amount(value)  # the value as every surface shows it


def test_evpi_operands_are_shown_to_the_precision_of_the_difference() -> None:
    """`solve --inputs tests/data/two_stage --decide-now p1 --scenarios 10`'s run.json: EVPI
    0.3485 = 310.9097 - 310.5612 (310.90970 and 310.56116 to 4 decimals), VSS 10.82 = 310.56 -
    299.74; whole, both would read 311 minus 311 and 311 minus 300."""
    from allocator.report.twostagehtml import two_stage_sentences

    block = _block(310.5611632676682, 310.9097035141982, 299.7400582352344)
    text = " ".join(two_stage_sentences(block))
    assert "would add 0.3485 jobs on average (310.9097 if each scenario were planned alone, " \
        "minus 310.5612)" in text  # fmt: skip
    assert "adds 10.82 jobs on average (310.56 minus 299.74 " in text


def test_an_infeasible_what_if_says_what_the_cell_holds_and_the_set(tmp_path) -> None:
    """The budget cell holds 120 and --set made it 80; programs.csv has no floor column (a
    floor of 0, as the cells-set line says it) and --set made b's 50: each line says both, and
    the fix names the set too."""
    sets = (
        "programs.a.floor_musd=50",
        "programs.b.floor_musd=50",
        "pools.public/p1.budget_musd=80",
        "programs.c.cap_musd=90",  # no part of the conflict: named nowhere
    )
    args = [a for s in sets for a in ("--set", s)]
    res = run_cli("solve", "--inputs", DATA / "greedy", *args, "--out", tmp_path / "run")
    assert res.exit_code == 1, res.stderr
    assert not (tmp_path / "run").exists()
    err = res.stderr
    assert (
        "budget of pool public in p1 <= 80 musd (pools.csv row 2, column budget_musd: 120 "
        "there, 80 after --set 'pools.public/p1.budget_musd=80')"
    ) in err
    assert (
        "floor on program b >= 50 musd (programs.csv row 3, column floor_musd: 0 there, "
        "50 after --set 'programs.b.floor_musd=50')"
    ) in err
    fix = [line for line in err.splitlines() if line.lstrip().startswith("- lower")]
    assert fix, err
    assert "after --set 'programs." in fix[0], fix[0]
    assert "cap_musd" not in err


def test_an_infeasible_plan_without_sets_cites_the_cell_alone(tmp_path) -> None:
    """No set: the line names the file's cell, as before."""
    from allocator.model.solution import Place
    from allocator.report.explain import place_words

    place = Place(file="pools.csv", row=2, column="budget_musd")
    assert place_words(place) == "pools.csv row 2, column budget_musd"


def test_a_compare_page_of_run_folders_of_two_datasets_names_both(tmp_path) -> None:
    """Two run folders, of greedy and of base_levels: the page names both datasets."""
    runs = []
    for name in ("greedy", "base_levels"):
        out = tmp_path / name
        res = run_cli("solve", "--inputs", DATA / name, "--out", out)
        assert res.exit_code == 0, res.stderr
        runs.append(out)
    res = run_cli("compare", *runs, "--out", tmp_path / "cmp")
    assert res.exit_code == 0, res.stderr
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    said = re.search(r"Dataset[s]?: ([^<]*)", page)
    assert said is not None
    assert "greedy" in said.group(1), said.group(0)
    assert "base_levels" in said.group(1), said.group(0)


def test_every_surface_of_a_run_splits_the_level_so_it_adds_up(tmp_path) -> None:
    """hunt 24's run (800.4 existing + 750.18 new = 1,550.58 jobs): the terminal's headline and
    jobs line, report.html's headline and its milestone table all say 801 + 750 = 1,551."""
    out = tmp_path / "run"
    res = run_cli(
        "solve", "--inputs", DATA / "base_levels",
        "--set", "base.jobs/sector/s1.value=500.4",
        "--set", "programs.a.jobs_per_musd=10.0040",
        "--out", out,
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "1,551 direct jobs in 2026 (801 existing before the plan + 750 new)" in res.stdout
    assert "jobs (jobs): 2026 1,551 (801 existing + 750 new)" in res.stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "direct jobs in 2026 (801 existing before the plan + 750 new)</strong>" in page
    table = page.split("<h2>Jobs and exports per milestone</h2>")[1].split("</tbody>")[0]
    cells = re.findall(r'data-v="([-\d.]+)"', table)
    assert cells == ["2026", "1551", "0", "801", "750"], cells
