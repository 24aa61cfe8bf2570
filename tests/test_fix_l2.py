"""Task l2: the weighted index where no measure's best is above 0, and the baseline's jobs as the
shadow-price page quotes them (what existed before the plan, and what is new)."""

from __future__ import annotations

import html
import json
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, ROOT, Ran, run_cli

DOCS = ROOT / "docs"
BASE_LEVELS = DATA / "base_levels"


def _words(text: str) -> str:
    """Markdown as read: bold marks dropped, white space one space."""
    return " ".join(text.replace("**", "").split())


def test_the_shadow_price_page_quotes_the_jobs_as_solve_prints_them(baseline_solve):
    # `allocator solve`: "545,334 direct jobs in 2040 (63,000 existing before the plan + 482,334
    # new)"; the page said "545,333.54 direct jobs in 2040", not what already existed
    _, ran = baseline_solve
    headline = re.search(r"objective jobs\): (.+ new\))$", ran.stdout.splitlines()[0])
    assert headline is not None, ran.stdout.splitlines()[0]
    said = headline[1]
    assert re.fullmatch(
        r"[\d,]+ direct jobs in 2040 \([\d,]+ existing before the plan \+ [\d,]+ new\)", said
    )
    page = _words((DOCS / "shadow-prices.md").read_text(encoding="utf-8"))
    assert f"reaches {said}" in page
    # every page that quotes the baseline's optimum in jobs: the figure as solve rounds it
    # (never the unrounded 545,333.54 it does not print), and where the page states it in words
    # (docs/alternatives.md: "within 2% of ..."), with what existed before the plan
    total = said.split(" direct jobs")[0]  # 545,334
    quoting = []
    for path in sorted(DOCS.glob("*.md")):
        text = _words(path.read_text(encoding="utf-8"))
        assert not re.search(r"545,333\.\d", text), path.name
        if f"{total} direct jobs" in text:
            quoting.append(path.name)
            for at in re.finditer(f"{total} direct jobs", text):
                assert text.startswith(said, at.start()), (path.name, text[at.start() :][:120])
    assert {"alternatives.md", "serve.md", "shadow-prices.md"} <= set(quoting)


# The weighted index's corner: no measure with a weight has a best above 0, so every plan is at
# every best and the index's costs are all 0 (`wholeunit.index_costs`): it reads 0 for every plan
# (docs/runs.md, `--objective`). Its words said "the weights' sum = best jobs and best exports"
# beside that 0 (`0 weighted index (the weights' sum = ...)`): now they say it reads 0.

NOTHING = "nothing to weigh"
TOP = "weights' sum = best jobs and best exports"


def _no_jobs_no_exports(tmp_path: Path) -> Path:
    """tests/data/base_levels with no jobs per US$ million, nothing existing before the plan and
    no targets: programs a and b (caps 100, 120 US$ million of public p1) make no jobs, and no
    program exports, so every plan, funded or not, has 0 jobs and 0 exports."""
    folder = tmp_path / "nothing"
    folder.mkdir()
    for name in ("eligibility", "milestones", "phases", "pools"):
        shutil.copy(BASE_LEVELS / f"{name}.csv", folder)
    programs = (BASE_LEVELS / "programs.csv").read_text(encoding="utf-8")
    made = programs.replace(",10,hand", ",0,hand").replace(",4,hand", ",0,hand")
    assert made.count(",0,hand") == 2
    (folder / "programs.csv").write_text(made, encoding="utf-8")
    return folder


def _solve(tmp_path: Path, *args: object) -> tuple[Ran, dict]:
    out = tmp_path / "run"
    done = run_cli("solve", *args, "--out", out)
    assert done.exit_code == 0, done.stderr
    return done, json.loads((out / "run.json").read_text(encoding="utf-8"))


def _said(done: Ran, run: dict, tmp_path: Path) -> list[str]:
    """The index's words wherever a planner reads them: the headline, run.json, report.html and
    the workbook's sheets (their text, every string the workbook holds)."""
    out = tmp_path / "run"
    report = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    with zipfile.ZipFile(out / "workbook.xlsx") as book:
        parts = [n for n in book.namelist() if n.endswith(".xml")]
        strings = "".join(book.read(n).decode("utf-8") for n in parts)
    return [done.stdout.splitlines()[0], run["objective"]["label"], report, html.unescape(strings)]


def test_an_index_with_nothing_to_weigh_says_it_reads_0(tmp_path):
    done, run = _solve(
        tmp_path, "--inputs", _no_jobs_no_exports(tmp_path), "--objective", "weighted"
    )
    assert run["outcomes"]["jobs_2026"] == 0
    assert run["outcomes"]["exports_2026_musd"] == 0
    assert run["objective"]["value"] == 0  # c = 0: the index of every plan
    for text in _said(done, run, tmp_path):
        assert TOP not in text
        assert NOTHING in text
    assert done.stdout.startswith(
        f"Optimal ({tmp_path / 'nothing'}, objective weighted): 0 weighted index ({NOTHING}: no "
        "plan makes any of the jobs or exports weighed, so every plan reads 0; final measure)"
    ), done.stdout.splitlines()[0]


def test_an_index_whose_weighed_measure_no_plan_makes_says_it_reads_0(tmp_path):
    # base_levels makes jobs (1,550 at best) but no exports; with the jobs' weight 0 the index
    # weighs exports only, whose best is 0: every plan reads 0, and 1 = the weights' sum is no
    # plan's; the efficiency passes still pick the most jobs among the (all optimal) plans
    done, run = _solve(
        tmp_path,
        "--inputs",
        BASE_LEVELS,
        "--objective",
        "weighted",
        "--weights",
        "jobs=0,exports=1",
    )
    assert run["outcomes"]["jobs_2026"] == 1550
    assert run["objective"]["value"] == 0
    assert NOTHING in run["objective"]["label"]
    assert TOP not in run["objective"]["label"]


def test_an_index_with_a_best_above_0_keeps_its_top(tmp_path):
    # the same data with jobs weighed: jobs over the best jobs, times the weights' sum, 1 at 1,550
    done, run = _solve(
        tmp_path,
        "--inputs",
        BASE_LEVELS,
        "--objective",
        "weighted",
        "--weights",
        "jobs=0.5,exports=0.5",
    )
    assert run["objective"]["value"] == pytest.approx(1.0, rel=1e-9)
    for text in _said(done, run, tmp_path):
        assert TOP in text
        assert NOTHING not in text


def test_a_weighted_whole_unit_weighs_the_moved_bests_by_the_same_rule():
    """x (1 job per musd), y (1 musd of exports per musd), budget x + y <= 10 (row 0), cap y <= 1
    (row 1): bests 10 jobs and 1 musd of exports, the index 0.5 x / 10 + 0.5 y / 1 is 0.95 at
    x = 9, y = 1. One unit less of the cap (y <= 0): no plan exports, so exports are left out and
    jobs weigh the weights' sum (`wholeunit.index_costs`, as `allocator solve` weighs them):
    1 x / 10 = 1 at x = 10, a change of +0.05 (the rule before it, exports left out and jobs
    kept at 0.5, read 0.5: -0.45)."""
    import highspy

    from allocator.solver.highs import new_highs
    from allocator.solver.marginal import Base
    from allocator.solver.wholeunit import Normalised, index_costs, unit_side

    inf = highspy.kHighsInf
    h = new_highs()
    h.setOptionValue("output_flag", False)
    for _ in range(2):
        h.addVar(0.0, inf)
    jobs, exports = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    index = index_costs([(0.5, 10.0, jobs), (0.5, 1.0, exports)])
    assert index == pytest.approx([0.05, 0.5])
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), index)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRow(-inf, 10.0, 2, np.array([0, 1], dtype=np.int32), np.ones(2))
    h.addRow(-inf, 1.0, 1, np.array([1], dtype=np.int32), np.ones(1))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(0.95)
    norm = Normalised(((0.5, jobs), (0.5, exports)), index)
    change, shortfall = unit_side(h, 1, -1, Base.of(h), None, norm=norm)
    assert change == pytest.approx(1.0 - 0.95)
    assert np.isnan(shortfall)  # no soft targets
    assert index_costs([(0.5, 10.0, jobs), (0.5, 0.0, exports)]) == pytest.approx([0.1, 0.0])
    assert list(h.getLp().col_cost_) == pytest.approx(list(index))  # put back
