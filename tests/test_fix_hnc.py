"""Task hnc: the frontier's rates are what one more unit of x costs and what one unit less
gives, each from re-solves (as `allocator solve`'s limits), with how far it holds; past the
x-best end no plan has more. A frontier small enough to solve by hand, its kink on the grid.

Three programs share 100 musd: a (cap 20) 2 jobs and 1 musd of exports per musd, b (cap 40) 1
and 2, c (cap 100) 0 and 2.5. The most jobs: a and b full (80 jobs), the other 40 musd to c, so
200 musd of exports. From there money moves to c from a first (+1.5 exports, -2 jobs a musd
moved: -4/3 jobs per musd of exports) for 30 musd of exports, to 230 (40 jobs, a empty), then
from b (+0.5, -1: -2 jobs per musd of exports) to 250 (0 jobs: all on c), where no plan has more.
Fewer exports than 200 keep the 80 jobs, down to 0 musd of exports, where no plan has less
(hunt28 finding 5: not "for any amount").
"""

from __future__ import annotations

import csv

import pytest

from conftest import DATA, copy_dataset, run_cli

PROGRAMS = (
    "program,sector,export_category,first_year,last_year,cap_musd,lag_years,"
    "jobs_per_musd,exports_per_musd,source\n"
    "a,s1,cat,2025,2026,20,0,2,1,t\nb,s2,cat,2025,2026,40,0,1,2,t\n"
    "c,s3,cat,2025,2026,100,0,0,2.5,t\n"
)

# x, jobs, (more: rate, holds, end), (less: rate, holds, end), by hand
BY_HAND = [
    (200, 80, (-4 / 3, 30, ""), (0, 200, "then no plan has less")),  # to 0 exports
    (210, 80 - 40 / 3, (-4 / 3, 20, ""), (4 / 3, 10, "")),
    (220, 80 - 80 / 3, (-4 / 3, 10, ""), (4 / 3, 20, "")),
    (230, 40, (-2, 20, "then no plan has more"), (4 / 3, 30, "")),
    (240, 20, (-2, 10, "then no plan has more"), (2, 10, "")),
    (250, 0, (None, None, "no plan has more"), (2, 20, "")),
]


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    base = tmp_path_factory.mktemp("hnc")
    data = copy_dataset(DATA / "exports", base / "data")
    (data / "markets.csv").unlink()
    (data / "programs.csv").write_text(PROGRAMS, encoding="utf-8")
    out = base / "frontier"
    res = run_cli("frontier", "--inputs", data, "--points", "6", "--out", out)
    assert res.exit_code == 0, res.stderr
    with open(out / "frontier.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows, res.stdout, (out / "report.html").read_text(encoding="utf-8")


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def test_each_point_has_both_one_sided_rates_and_how_far_they_hold(traced):
    rows, _, _ = traced
    assert len(rows) == len(BY_HAND)
    for row, (x, jobs, more, less) in zip(rows, BY_HAND, strict=True):
        assert float(row["x_value"]) == pytest.approx(x)
        assert float(row["y_value"]) == pytest.approx(jobs, abs=1e-9)
        for side, (rate, holds, end) in (("rate", more), ("rate_less", less)):
            got = (_number(row[side]), _number(row[f"{side}_holds_for"]), row[f"{side}_end"])
            assert got[0] == (None if rate is None else pytest.approx(rate)), (x, side, got)
            assert got[1] == (None if holds is None else pytest.approx(holds)), (x, side, got)
            assert got[2] == end, (x, side, got)
        assert row["rate_unit"] == "jobs per musd of exports"


def test_at_the_kink_the_sides_differ_as_the_points_beside_it_say(traced):
    """The rates agree with the frontier's own points: the slope to the next point is `rate`,
    minus the slope from the point before is `rate_less`."""
    rows, _, _ = traced
    xs = [float(r["x_value"]) for r in rows]
    ys = [float(r["y_value"]) for r in rows]
    for k in range(1, len(rows) - 1):
        after = (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k])
        before = (ys[k] - ys[k - 1]) / (xs[k] - xs[k - 1])
        assert float(rows[k]["rate"]) == pytest.approx(after)
        assert float(rows[k]["rate_less"]) == pytest.approx(-before)


def test_terminal_and_report_say_the_same_sides_with_units(traced):
    _, stdout, html = traced
    text = " ".join(stdout.replace("│", " ").split())
    for said in (
        "-2 jobs per musd of exports, for 20 musd of exports, then no plan has more",
        "1.33 jobs per musd of exports, for 30 musd of exports",
        "0 jobs per musd of exports, for 200 musd of exports, then no plan has less",
        "no plan has more",
    ):
        assert said in html, said
    assert "change of jobs per unit more exports" in html
    assert "change of jobs per unit less exports" in html
    for said in ("-1.33", "1.33", "-2", "0", "no plan has more", "has less", "then no plan"):
        assert said in text, said  # the terminal's table wraps its cells at 80 columns
