"""Task n3, part 2: the served page shows a tie class's total as the terminal does: its money in
this plan and what that total can move to with every outcome unchanged (run.json's `money`,
`money_low`, `money_high`). Before, the page listed each program's range only, so a planner
read the class's 23,113.2 as fixed where `allocator solve` says it can rise to 23,681.8."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from allocator.serve.app import HEADER, create_app
from conftest import NO_CHROMIUM, chromium, page_in_chromium

TOKEN = "n3-page-token-not-secret"
TOTAL = (
    "class 1, 23,113.2 in all in this plan (not a fixed total: it can rise to 23,681.8 with "
    "money from or back to outside the class)"
)
"""The baseline's class as `allocator solve` says it (tests/test_fix_l4.py: 23,681.8 is the
plan's total plus export_market_development's room up to its cap of 2,800)."""


def _terminal_classes(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("  Ties: "))


def test_the_details_say_each_tie_class_total_as_the_terminal_does(held, project, baseline_solve):
    _, ran = baseline_solve
    assert TOTAL in _terminal_classes(ran.stdout)
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    client = TestClient(asgi, base_url="http://127.0.0.1:8765")
    plan = client.get("/api/plan", headers={HEADER: TOKEN}).json()
    details = client.get(plan["details"], headers={HEADER: TOKEN}).json()
    (cls,) = details["tie_classes"]
    assert f"class 1, {cls['shown_total']}" == TOTAL
    assert cls["money_high"] - cls["money"] == pytest.approx(23681.8 - 23113.189147, abs=1e-3)


@pytest.mark.skipif(chromium() is None, reason=NO_CHROMIUM)
def test_the_page_in_headless_chromium_shows_the_tie_class_range(
    held, project, baseline_solve, monkeypatch
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _, ran = baseline_solve
    terminal = _terminal_classes(ran.stdout)
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    with page_in_chromium(asgi, monkeypatch) as (driver, port):
        driver.get(f"http://127.0.0.1:{port}/?token={TOKEN}")
        wait = WebDriverWait(driver, 120)
        ready = (By.CSS_SELECTOR, '#details-status[data-state="ready"]')
        wait.until(lambda d: d.find_elements(*ready))
        totals = [el.text for el in driver.find_elements(By.CSS_SELECTOR, "#ties .tie-total")]
        assert totals == [TOTAL]
        assert totals[0] in terminal  # the same words and numbers as allocator solve
        line = driver.find_element(By.CSS_SELECTOR, "#ties .tie-class").text
        assert line.startswith(TOTAL + ": ")
        assert "export_market_development 2,231.4 (2,231.4 to 2,800)" in line
        assert "US$ million" in driver.find_element(By.ID, "ties").text
