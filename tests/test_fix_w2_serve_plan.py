"""Task w2, item 3: `GET /api/plan` starts the first solve (the dataset is read and solved on
the first call), so on the page's cookie alone it must show it comes from the page's script, as
`GET /api/details` must (`guard.from_page_refused`, `solves`): `Sec-Fetch-Site` same-origin, or
none and the `X-Allocator-Page` header. Before, an `<img src=http://127.0.0.1:PORT/api/plan>` on
another local port, in a browser without Sec-Fetch-Site, started the first solve. In-process
(Starlette's TestClient); the scenario counts how often it was made."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from allocator.serve.app import create_app
from allocator.serve.stopping import Scenario

TOKEN = "w2-token-not-secret"
OWN = "http://127.0.0.1:8765"
COOKIE = {"cookie": f"allocator-serve-8765={TOKEN}"}
PAGE = {"X-Allocator-Page": "1"}
SAID = "a request for the plan (a solve) sent with the page's cookie alone must come from the page"


@pytest.fixture
def served(held, project):
    """(client as the page's browser reaches serve, the list of scenarios made: one entry for
    each time the served model was made, i.e. the work a first plan starts)."""
    made: list[int] = []

    def make():
        made.append(1)
        return held

    scenario = Scenario(make)
    app = create_app(scenario, TOKEN, project / "models", project / "results")
    return TestClient(app, base_url=OWN), made


@pytest.mark.parametrize(
    "shown",
    [
        {},  # an <img> or a link on another local port, in a browser without Sec-Fetch-Site
        {"sec-fetch-site": "none"},  # a typed address
    ],
)
def test_a_cookie_only_plan_read_not_from_the_pages_script_starts_no_solve(served, shown):
    client, made = served
    answer = client.get("/api/plan", headers=COOKIE | shown)
    assert answer.status_code == 403, answer.text[:300]
    assert answer.text.count("\n") == 0
    words = answer.json()["error"]
    assert SAID in words, words
    assert "X-Allocator-Page" in words, words
    assert "Fix: " in words, words
    assert made == []  # nothing was read or solved


@pytest.mark.parametrize(
    "shown",
    [
        {"sec-fetch-site": "same-origin"},  # the page's fetch in a current browser
        PAGE,  # the page's fetch in a browser without Sec-Fetch-Site
    ],
)
def test_the_pages_own_plan_read_is_answered(served, shown):
    client, made = served
    answer = client.get("/api/plan", headers=COOKIE | shown)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["status"] == "optimal"
    assert made == [1]


def test_a_script_reads_the_plan_with_the_token_header(served):
    client, made = served
    answer = client.get("/api/plan", headers={"X-Allocator-Token": TOKEN})
    assert answer.status_code == 200, answer.text[:300]
    assert made == [1]
