"""serve at meeting speed (task y1, hunt24's findings): a cell set under two spellings is one
cell (the latest value wins, and Save writes the plan shown), a row whose key cell was set is
set by the key the page gives it, and a move's two numbers subtract to the change shown.

tests/data/tranches, by hand: base s1 500 jobs; a 10 jobs per musd (cap 100), b 4 (cap 100);
160 musd. One tranche: past from_level jobs of s1, a's jobs count `share`. At 800 (a's first
30 musd) and share 0.3: a 60, b 100, 500 + 300 + 30 x 3 + 400 = 1,290 jobs; share 0.5: a past
30 beats b (5 > 4), a 100, b 60, 500 + 300 + 70 x 5 + 240 = 1,390. At from_level 900 (a's
first 40 musd), share 0.2: a 60, b 100, 500 + 400 + 20 x 2 + 400 = 1,340; share 0.5: a 100,
b 60, 500 + 400 + 60 x 5 + 240 = 1,440.
"""

from __future__ import annotations

import math
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from conftest import DATA, NO_CHROMIUM, chromium, page_in_chromium, run_cli

TOKEN = "y1-token-not-secret"
AUTH = {"X-Allocator-Token": TOKEN}
SHARE = "tranches.jobs/sector/s1/{}.share={}"
LEVEL = "tranches.jobs/sector/s1/800.from_level=900"


def _served(tmp_path: Path) -> tuple[TestClient, Path, object]:
    """serve's app on a project holding a copy of tests/data/tranches; the project and held."""
    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    project = tmp_path / "project"
    shutil.copytree(DATA / "tranches", project / "inputs" / "tranches")
    held = HeldModel(RunSpec(inputs=project / "inputs" / "tranches"))
    app = create_app(held, TOKEN, project / "models", project / "results", ("testserver",))
    return TestClient(app, raise_server_exceptions=False), project, held


def _set(client: TestClient, *texts: str) -> dict:
    answer = client.post("/api/set", json={"set": list(texts)}, headers=AUTH)
    assert answer.status_code == 200, answer.text[:400]
    return answer.json()


def _saved_sets(client: TestClient, project: Path, name: str) -> list[str]:
    """Save as `name`: the `set:` lines of the model file written (the Save answered 200)."""
    saved = client.post("/api/save", json={"name": name}, headers=AUTH)
    assert saved.status_code == 200, saved.text[:400]
    text = (project / "models" / f"{name}.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["set"])


@pytest.mark.parametrize("spelling", ["8e2", "800.0", "0.8K", "800"])
def test_a_cell_set_again_under_another_spelling_is_one_cell_whose_latest_value_wins(
    tmp_path, spelling
):
    """`8e2`, `800.0`, `0.8K` and `800` name the one tranche row: set 0.5 under one, then 0.3
    under `800`: one cell set, 1,290 jobs (0.3), saved as that one cell named as the dataset
    writes its key, and Save's run gives 1,290 (a wrong Save refuses, or solves 1,390)."""
    client, project, held = _served(tmp_path)
    _set(client, SHARE.format(spelling, 0.5))
    shown = _set(client, SHARE.format("800", 0.3))
    assert shown["headline"]["value"] == pytest.approx(1290.0)
    assert shown["sets"] == [SHARE.format("800", 0.3)]
    assert _saved_sets(client, project, "two") == [SHARE.format("800", 0.3)]
    again = _set(client, SHARE.format(spelling, 0.5))  # and back: the latest again
    assert again["headline"]["value"] == pytest.approx(1390.0)
    assert again["sets"] == [SHARE.format("800", 0.5)]
    assert len(held.sets) == 1


def test_the_same_scenario_by_other_spellings_saves_the_same_set_lines(tmp_path):
    """Two pages reach one scenario, one typing `8e2`, the other `800`: one model file."""
    first, project_a, _ = _served(tmp_path / "a")
    second, project_b, _ = _served(tmp_path / "b")
    _set(first, SHARE.format("8e2", 0.3), "pools.public/p1.budget_musd=150")
    _set(second, "pools.public/p1.budget_musd=150", SHARE.format("800", 0.3))
    assert _saved_sets(first, project_a, "s") == _saved_sets(second, project_b, "s")


def _tranche_row(state: dict) -> dict:
    (tranches,) = [g for g in state["cells"] if g["table"] == "tranches"]
    (row,) = tranches["rows"]
    return row


def test_a_moved_tranche_is_set_by_the_address_the_page_sends(tmp_path):
    """After from_level 800 -> 900 the page lists the row as `.../900` (its data now) and
    addresses its cells by `set_key` `.../800` (how a set names it: the dataset's key); an edit
    of its share by that address gives 1,440 jobs (by hand, and `allocator solve --set` with
    the same two sets), the page shows the cell set, and Save writes the plan shown."""
    client, project, _held = _served(tmp_path)
    moved = _set(client, LEVEL)
    assert moved["headline"]["value"] == pytest.approx(1340.0)
    row = _tranche_row(moved)
    assert (row["key"], row["set_key"]) == ("jobs/sector/s1/900", "jobs/sector/s1/800")
    share = f"tranches.{row['set_key']}.share=0.5"  # page.js: the address of the share cell
    answer = _set(client, share)
    assert answer["headline"]["value"] == pytest.approx(1440.0)
    assert sorted(answer["sets"]) == sorted([LEVEL, share])
    out = tmp_path / "cli"
    res = run_cli("solve", "--inputs", DATA / "tranches", "--set", LEVEL, "--set", share,
                  "--json", "--out", out)  # fmt: skip
    assert res.exit_code == 0, res.stderr
    import json

    assert json.loads(res.stdout)["objective"]["value"] == pytest.approx(1440.0)
    assert sorted(_saved_sets(client, project, "moved")) == sorted([LEVEL, share])


def test_a_moved_row_named_by_its_shown_key_is_the_same_cell(tmp_path):
    """Typed by the key the page shows (`.../900`, which the dataset has not): the same cell
    as by `.../800`, one set, 1,440 jobs; a key that names no row either way is refused in
    --set's words (the dataset's keys in the fix)."""
    client, _project, held = _served(tmp_path)
    _set(client, LEVEL)
    by_shown = _set(client, SHARE.format("900", 0.5))
    assert by_shown["headline"]["value"] == pytest.approx(1440.0)
    assert sorted(by_shown["sets"]) == sorted([LEVEL, SHARE.format("800", 0.5)])
    again = _set(client, SHARE.format("800", 0.3))  # the same cell: replaces 0.5
    assert len(held.sets) == 2
    assert again["headline"]["value"] == pytest.approx(500 + 400 + 20 * 3 + 400)
    refused = client.post("/api/set", json={"set": [SHARE.format("700", 0.5)]}, headers=AUTH)
    assert refused.status_code == 400
    assert "names no row of tranches.csv" in refused.json()["error"]
    assert "800" in refused.json()["error"]


def _brief(programs: dict[str, float], jobs: float):
    from allocator.serve.brief import Brief

    objective = {"value": jobs, "unit": "jobs"}
    return Brief(objective, {"jobs_2026": jobs}, programs, frozenset())


PAIRS = [(425.34, 457.47), (99.87, 100.3), (457.47, 425.34), (0.123456, 2.5), (1234.56, 1299.99)]


def test_each_move_shows_two_numbers_that_subtract_to_the_change_shown():
    """A program's money 425.34 -> 457.47 is shown 425.3 -> 457.5 (the report's rule), so its
    change is shown +32.2, not +32.13 (the unrounded difference, which the slide's own
    subtraction does not give); so for every pair, and the headline's jobs (whole)."""
    from allocator.serve.moved import moved

    first = _brief({f"p{k}": a for k, (a, _) in enumerate(PAIRS)}, 1000.4)
    now = _brief({f"p{k}": b for k, (_, b) in enumerate(PAIRS)}, 1290.6)
    said = moved(first, now)
    programs = {r["name"]: r["shown"] for r in said["programs"]}
    assert programs["p0"] == {"first": "425.3", "now": "457.5", "change": "+32.2"}
    assert programs["p1"] == {"first": "99.87", "now": "100.3", "change": "+0.43"}
    assert programs["p2"]["change"] == "-32.2"
    for shown in [*programs.values(), said["headline"]["shown"]]:
        first_n, now_n, change = (Decimal(shown[k].replace(",", "")) for k in shown)
        assert now_n - first_n == change, shown
    assert said["headline"]["shown"] == {"first": "1,000", "now": "1,291", "change": "+291"}
    assert math.isclose(said["headline"]["change"], 290.2)  # the number itself, unrounded


@pytest.mark.skipif(chromium() is None, reason=NO_CHROMIUM)
def test_the_page_in_headless_chromium_sets_a_moved_tranches_share(tmp_path, monkeypatch):
    """In the browser: from_level typed 900, then 0.5 typed into the share of the row the page
    now lists as `jobs/sector/s1/900`: 1,440 jobs, no error, the share cell marked set."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    project = tmp_path / "project"
    shutil.copytree(DATA / "tranches", project / "inputs" / "tranches")
    held = HeldModel(RunSpec(inputs=project / "inputs" / "tranches"))
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    with page_in_chromium(asgi, monkeypatch) as (driver, port):
        driver.get(f"http://127.0.0.1:{port}/?token={TOKEN}")
        wait = WebDriverWait(driver, 120)
        ready = (By.CSS_SELECTOR, '#status[data-state="ready"]')
        wait.until(lambda d: d.find_elements(*ready))

        def edit(column: str, typed: str) -> None:
            box = driver.find_element(By.CSS_SELECTOR, 'details[data-table="tranches"]')
            if box.get_attribute("open") is None:
                box.find_element(By.TAG_NAME, "summary").click()
            address = f"tranches.jobs/sector/s1/800.{column}"  # the row's set key: the dataset's
            cell = driver.find_element(By.CSS_SELECTOR, f'input[data-address="{address}"]')
            cell.send_keys(Keys.CONTROL, "a")
            cell.send_keys(typed, Keys.ENTER)
            wait.until(lambda d: f"{address}={typed}" in d.find_element(By.ID, "sets").text)
            wait.until(lambda d: d.find_elements(*ready))

        edit("from_level", "900")
        rows = driver.find_elements(By.CSS_SELECTOR, 'details[data-table="tranches"] tr td')
        assert "jobs/sector/s1/900" in rows[0].text
        edit("share", "0.5")
        assert driver.find_element(By.ID, "error").is_displayed() is False
        value = driver.find_element(By.ID, "answer-value").get_attribute("data-value")
        assert float(value) == pytest.approx(1440.0)
        share = 'input[data-address="tranches.jobs/sector/s1/800.share"]'
        assert driver.find_element(By.CSS_SELECTOR, share).get_attribute("class") == "set"


def test_a_refused_set_is_quoted_as_typed_in_the_words_of_solve_set(tmp_path):
    """`8e2.share=5` refused (a share is between 0 and 1) in the very words `allocator solve
    --set` prints, quoting the set as typed (not as the page names the cell), nothing set."""
    client, _project, held = _served(tmp_path)
    typed = SHARE.format("8e2", 5)
    refused = client.post("/api/set", json={"set": [typed]}, headers=AUTH)
    assert refused.status_code == 400
    res = run_cli("solve", "--inputs", DATA / "tranches", "--set", typed, "--out", tmp_path / "r")
    assert res.exit_code == 2
    line = next(x for x in res.stderr.splitlines() if x.startswith("error: "))
    assert refused.json()["error"] == line.removeprefix("error: ")
    assert f"'{typed}'" in line
    assert held.sets == {}
