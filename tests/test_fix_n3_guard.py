"""Task n3, parts 3 and 4: `allocator serve`'s refusals say what is wrong (before: every one,
"a missing or wrong token", also for the right token in a cookie sent from the wrong place),
and a read that starts a solve (`GET /api/details`) on the cookie alone must show it comes from
the page's script, as a change must (before: an `<img src=...>` on another local port, in a
browser without Sec-Fetch-Site, started a details solve). In-process (Starlette's TestClient)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from allocator.serve.app import create_app, page_parts

TOKEN = "n3-token-not-secret"
OWN = "http://127.0.0.1:8765"
COOKIE = {"cookie": f"allocator-serve-8765={TOKEN}"}
SCRIPT = {"X-Allocator-Token": TOKEN}
PAGE = {"X-Allocator-Page": "1"}
EDIT = b'{"set": ["pools.ecosystem/phase3.budget_musd=6700"]}'


@pytest.fixture
def browser(held, project, monkeypatch):
    """(client as the page's browser reaches serve, the plan's revision, the revisions whose
    details were asked of the held model)."""
    client = TestClient(
        create_app(held, TOKEN, project / "models", project / "results"), base_url=OWN
    )
    rev = client.get("/api/plan", headers=SCRIPT).json()["rev"]
    asked: list[int] = []
    real = held.details

    def counted(n: int):
        asked.append(n)
        return real(n)

    monkeypatch.setattr(held, "details", counted)
    yield client, rev, asked
    client.post("/api/reset", headers=SCRIPT)


def _error(answer) -> str:
    assert answer.status_code == 403, answer.text
    assert answer.text.count("\n") == 0
    words = answer.json()["error"]
    assert "missing or wrong token" not in words
    assert "Fix: " in words
    return words


def test_a_cookie_only_change_not_from_the_page_says_it_must_be_same_origin_json(browser):
    """A typed address's (Sec-Fetch-Site none) or an older browser's (neither header) POST
    with the right cookie: the token is right, the place is wrong, and the refusal says so."""
    client, rev, _ = browser
    for shown in ({"sec-fetch-site": "none"}, {}):
        headers = COOKIE | shown | {"content-type": "application/json"}
        words = _error(client.post("/api/set", content=EDIT, headers=headers))
        assert "cookie alone" in words, words
        assert "same-origin" in words, words
        assert "application/json" in words, words
        assert "X-Allocator-Token" in words, words  # the fix for a script
    assert client.get("/api/plan", headers=SCRIPT).json()["rev"] == rev


def test_each_refusal_of_the_token_says_which_is_wrong(browser):
    client, _, _ = browser
    none = _error(client.get("/api/plan"))
    assert "no token" in none, none
    assert "?token=" in none, none
    header = _error(client.get("/api/plan", headers={"X-Allocator-Token": "wrong"}))
    assert "X-Allocator-Token header" in header, header
    assert "not the token" in header, header
    stale = {"cookie": "allocator-serve-8765=wrong", "sec-fetch-site": "same-origin"}
    cookie = _error(client.get("/api/plan", headers=stale))
    assert "cookie" in cookie, cookie
    assert "not the token" in cookie, cookie
    port = _error(client.get("/api/plan", headers=COOKIE | {"sec-fetch-site": "same-site"}))
    assert "another page" in port, port
    assert "Sec-Fetch-Site same-site" in port, port


DETAILS = "the details (a solve) sent with the page's cookie alone must come from the page's"


@pytest.mark.parametrize(
    ("shown", "said"),
    [
        # an <img> or a link on another local port, in a browser without Sec-Fetch-Site
        ({}, f"{DETAILS} script (Sec-Fetch-Site same-origin, or the X-Allocator-Page header"),
        ({"sec-fetch-site": "none"}, DETAILS),  # a typed address
        # another port (the header only after a preflight serve never answers)
        ({"sec-fetch-site": "same-site", **PAGE}, "from another page (Sec-Fetch-Site same-site"),
    ],
)
def test_a_cookie_only_details_read_not_from_the_pages_script_starts_no_solve(browser, shown, said):
    client, rev, asked = browser
    words = _error(client.get(f"/api/details?rev={rev}", headers=COOKIE | shown))
    assert said in words, words
    assert asked == []  # no solve was started


@pytest.mark.parametrize(
    "shown",
    [
        {"sec-fetch-site": "same-origin"},  # the page's fetch in a current browser
        PAGE,  # the page's fetch in a browser without Sec-Fetch-Site
        {"sec-fetch-site": "same-origin", **PAGE},
    ],
)
def test_the_pages_own_details_read_is_answered(browser, shown):
    client, rev, asked = browser
    answer = client.get(f"/api/details?rev={rev}", headers=COOKIE | shown)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["rev"] == rev
    assert asked == [rev]


def test_a_script_reads_the_details_with_the_token_header(browser):
    client, rev, asked = browser
    assert client.get(f"/api/details?rev={rev}", headers=SCRIPT).status_code == 200
    assert asked == [rev]


def test_a_preflight_for_the_pages_header_is_never_granted(browser):
    """Another page can send X-Allocator-Page only after a CORS preflight that grants it:
    serve answers none (no Access-Control-Allow-* header)."""
    client, _, asked = browser
    answer = client.options(
        "/api/details",
        headers={
            "origin": "http://127.0.0.1:9999",
            "access-control-request-method": "GET",
            "access-control-request-headers": "x-allocator-page",
        },
    )
    assert answer.status_code >= 400
    assert not [h for h in answer.headers if h.lower().startswith("access-control-allow")]
    assert asked == []


def test_the_pages_script_sends_its_header_with_every_call():
    script = page_parts()[1]
    assert 'headers: { "X-Allocator-Page": "1" }' in script
