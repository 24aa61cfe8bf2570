"""Review 10 (task rv): this session's merged changes, read as an optimisation engineer and a
security reviewer. Each real finding is a strict xfail stating the right behaviour."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from allocator.serve.app import create_app

TOKEN = "rv-token-not-secret"


@pytest.mark.xfail(
    strict=True,
    reason="serve.guard: a cookie-carried POST with no Origin and no Sec-Fetch-Site "
    "(an older browser's text/plain form from another port of 127.0.0.1) changes the plan",
)
def test_a_form_post_from_another_local_port_in_an_older_browser_is_refused(held, project):
    """A page on http://127.0.0.1:9999 (any other local program) posts a form to serve on
    port 8765. The browser sends the port's cookie (cookies ignore ports, and SameSite counts
    another port of the same host as the same site). Browsers before Sec-Fetch-Site (Firefox
    < 90, Safari < 16.4) send none, and Firefox before 70 sent no Origin on a form POST: the
    request then carries the cookie and nothing else. `token_given` reads a missing
    Sec-Fetch-Site as "none" (a typed URL) and `read_body` parses a text/plain body as JSON,
    so `{"set": [...], "x": "="}` sent as `enctype="text/plain"` edits the served plan.
    Right: a request that changes something on the cookie alone must show it comes from the
    page (Origin equal to this host's, or Sec-Fetch-Site same-origin), or carry
    Content-Type application/json (which a form cannot send without a CORS preflight)."""
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    browser = TestClient(asgi, base_url="http://127.0.0.1:8765")
    form = b'{"set": ["pools.ecosystem/phase3.budget_musd=6700"], "x": "="}'
    headers = {"cookie": f"allocator-serve-8765={TOKEN}", "content-type": "text/plain"}
    answer = browser.post("/api/set", content=form, headers=headers)
    try:
        assert answer.status_code == 403
    finally:
        browser.post("/api/reset", headers={"X-Allocator-Token": TOKEN})
