"""Issue 29 point 7: every report kind in headless Chromium at 1280 and 400 px: the page does not
overflow sideways (tables and charts scroll inside their own boxes), the charts' labels stay
readable, no console error, and the headline number is run.json's."""

from __future__ import annotations

import html
import json
import re
import subprocess

import pytest

from conftest import DATA, cli
from test_report_html import BROWSER

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine")

PROBE = """<script>(function(){var d=document.documentElement,wide=[],small=[];
document.querySelectorAll("body *").forEach(function(e){var r=e.getBoundingClientRect();
var inside=e.parentElement&&e.parentElement.closest(".wrap,.chartbox");
if(r.right>window.innerWidth+1&&!inside)wide.push(e.tagName+":"+Math.round(r.right));});
document.querySelectorAll("svg.chart text.s").forEach(function(t){
var h=t.getBoundingClientRect().height;if(h>0&&h<9)small.push(Math.round(h*10)/10);});
var v=document.getElementById("headline-value");
document.body.setAttribute("data-probe",JSON.stringify({scroll:d.scrollWidth,
inner:window.innerWidth,wide:wide.slice(0,5),small:small.slice(0,5),
headline:v?v.dataset.value:null}));})();</script></body>"""


@pytest.fixture(scope="module")
def reports(baseline_run, tmp_path_factory):
    """A run folder of each command that writes report.html."""
    root = tmp_path_factory.mktemp("reports")
    runs = {"solve": baseline_run}
    commands = {
        "frontier": ("frontier", "--inputs", DATA / "exports", "--points", "3"),
        "alternatives": ("alternatives", "--inputs", DATA / "exports", "--slack", "0.02"),
        "sweep": ("sweep", "--inputs", DATA / "sweep", "--samples", "4", "--serial"),
        "compare": ("compare", "jobs", "exports", "--inputs", DATA / "exports"),
    }
    for kind, args in commands.items():
        res = cli(*args, "--out", root / kind)
        assert res.returncode == 0, res.stderr
        runs[kind] = root / kind
    return runs


def probe(page, width: int, tmp_path):
    target = tmp_path / f"probe-{width}.html"
    target.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE), "utf-8")
    res = subprocess.run(
        [BROWSER, "--no-sandbox", "--disable-gpu", "--headless", "--enable-logging=stderr",
         "--v=0", f"--window-size={width},2000", "--dump-dom", target.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    console = [line for line in res.stderr.splitlines() if ":CONSOLE" in line]
    found = re.search(r'data-probe="([^"]*)"', res.stdout)
    assert found, "the probe did not run"
    return json.loads(html.unescape(found[1])), console


@pytest.mark.parametrize("kind", ["solve", "frontier", "alternatives", "sweep", "compare"])
@pytest.mark.parametrize("width", [1280, 400])
def test_each_report_fits_its_width_in_chromium(reports, kind, width, tmp_path):
    seen, console = probe(reports[kind] / "report.html", width, tmp_path)
    assert console == []
    assert seen["scroll"] <= seen["inner"], seen  # no sideways scrolling of the page
    assert seen["wide"] == []
    assert seen["small"] == [], seen  # chart labels at least 9 px high
    info = json.loads((reports[kind] / "run.json").read_text(encoding="utf-8"))
    objective = info.get("objective")
    if isinstance(objective, dict) and "value" in objective:
        assert float(seen["headline"]) == objective["value"]
