"""Task l2: the weighted index where no measure's best is above 0, and the baseline's jobs as the
shadow-price page quotes them (what existed before the plan, and what is new)."""

from __future__ import annotations

import re

from conftest import ROOT

DOCS = ROOT / "docs"


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
