"""Review 10's two findings, fixed (task rvfix): a change carried by the served page's cookie
alone must show it comes from the page and send JSON, and (below) a decide-now side under soft
targets is "no plan" only where no plan exists."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from allocator.serve.app import create_app

TOKEN = "rvfix-token-not-secret"
COOKIE = {"cookie": f"allocator-serve-8765={TOKEN}"}
EDIT = b'{"set": ["pools.ecosystem/phase3.budget_musd=6700"]}'
OWN = "http://127.0.0.1:8765"


@pytest.fixture
def browser(held, project):
    client = TestClient(
        create_app(held, TOKEN, project / "models", project / "results"), base_url=OWN
    )
    first = client.get("/api/plan", headers={"X-Allocator-Token": TOKEN}).json()
    yield client, first["rev"]
    client.post("/api/reset", headers={"X-Allocator-Token": TOKEN})


def _rev(client: TestClient) -> int:
    return int(client.get("/api/plan", headers={"X-Allocator-Token": TOKEN}).json()["rev"])


@pytest.mark.parametrize(
    ("shown", "status"),
    [
        ({}, 403),  # an older browser's form: no Origin, no Sec-Fetch-Site
        ({"origin": "null"}, 403),  # a sandboxed page
        ({"sec-fetch-site": "none"}, 403),  # a typed address posts nothing
        ({"origin": OWN, "sec-fetch-site": "same-site"}, 403),  # another port, modern browser
        ({"sec-fetch-site": "same-origin"}, 415),  # the page's own, but a form's body
        ({"origin": OWN}, 415),
    ],
)
def test_a_cookie_only_change_not_shown_to_come_from_the_page_as_json_is_refused(
    browser, shown, status
):
    client, rev = browser
    for kind in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**COOKIE, **shown} | ({} if kind is None else {"content-type": kind})
        answer = client.post("/api/set", content=EDIT, headers=headers)
        assert answer.status_code == status, (shown, kind, answer.text)
        assert answer.json()["status"] == "error"
        assert answer.text.count("\n") == 0
        if status == 415:
            assert "application/json" in answer.json()["error"]
    assert _rev(client) == rev  # nothing was solved again


@pytest.mark.parametrize(
    "shown",
    [
        {"sec-fetch-site": "same-origin"},
        {"origin": OWN},
        {"origin": OWN, "sec-fetch-site": "same-origin"},
    ],
)
def test_the_pages_own_json_change_with_the_cookie_is_answered(browser, shown):
    client, rev = browser
    headers = {**COOKIE, **shown, "content-type": "application/json; charset=utf-8"}
    answer = client.post("/api/set", content=EDIT, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rev"] == rev + 1
    assert client.post("/api/reset", content=b"{}", headers=headers).status_code == 200


def test_a_script_with_the_token_header_posts_as_before(browser):
    """The header is the script's (curl -d sends urlencoded): its requests stay as they were."""
    client, rev = browser
    headers = {"X-Allocator-Token": TOKEN, "content-type": "application/x-www-form-urlencoded"}
    answer = client.post("/api/set", content=EDIT, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rev"] == rev + 1


def test_a_cookie_only_read_still_answers_without_sec_fetch_site(browser):
    """Reading (GET) changes nothing: the page in a browser older than Sec-Fetch-Site sends
    the cookie alone and is answered; another port's read is still refused."""
    client, _ = browser
    assert client.get("/api/plan", headers=COOKIE).status_code == 200
    refused = client.get("/api/plan", headers={**COOKIE, "sec-fetch-site": "same-site"})
    assert refused.status_code == 403


def test_the_pages_script_sends_its_changes_as_json():
    from allocator.serve.app import page_parts

    script = page_parts()[1]
    assert 'options.headers["Content-Type"] = "application/json"' in script
    assert 'credentials: "same-origin"' in script
