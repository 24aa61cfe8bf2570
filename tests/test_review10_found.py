"""Review 10 (task rv): this session's merged changes, read as an optimisation engineer and a
security reviewer. Each real finding is a strict xfail stating the right behaviour."""

from __future__ import annotations

from starlette.testclient import TestClient

from allocator.serve.app import create_app

TOKEN = "rv-token-not-secret"


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


def test_soft_targets_a_side_with_a_whole_unit_price_is_not_called_no_plan():
    """The moves a plan allows are an interval around 0: if one whole US$ million more has a
    plan, so has the least move. Under soft targets the rate is probed with the expected
    shortfall held at the plan's (`_Held.hold`), where more money in an inefficient commitment
    breaks that hold, while the whole unit re-finds the shortfall as `allocator solve` would
    (e.g. ev_battery_systems/korea/2026: one more -0.0612983 jobs per US$ million, its rate
    -1e30 'no plan'; 14 one-more sides in the baseline over 4 scenarios; the same at 6a8e1d2).
    model.mps holds the shortfall row at 11.149: with it freed, +1 of that commitment solves.
    Right: a side is -inf only when no plan exists; otherwise its rate is what the
    first US$ million more changes with the shortfall found again, as its whole unit is."""
    from allocator.runs.spec import RunSpec
    from allocator.runs.twostage import plan_two_stage
    from conftest import BASELINE

    spec = RunSpec(inputs=BASELINE, decide_now="phase1", scenarios=4, targets="soft", seed=1)
    prices = plan_two_stage(spec).tables["decide_now_prices"]
    for side in ("more", "less"):
        no_rate = prices[f"{side}_rate_per_musd"].isna()  # no plan: empty (task fa)
        whole = prices[f"one_{side}_per_musd"].notna()
        contradicted = prices[no_rate & whole]
        assert contradicted.empty, contradicted[["program", "pool", "year"]].to_string()
