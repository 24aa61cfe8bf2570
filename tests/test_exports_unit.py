"""An exports objective's unit reads apart from the money it is per: `musd of exports`.

Its prices said `+4.305 musd (+4.305 musd per musd ...)` and the frontier's rate `jobs per musd`
(jobs per US$ million of exports, read as per US$ million invested): the same word for the
outcome and the budget.
"""

from __future__ import annotations

import csv

from conftest import BASELINE


def test_exports_prices_say_musd_of_exports(solved_run):
    run, ran = solved_run("--inputs", BASELINE, "--objective", "exports")
    text = " ".join(ran.stdout.split())
    assert "one more musd: +4.305 musd of exports (+4.305 musd of exports per musd for" in text
    assert " musd per musd" not in text
    with (run / "shadow_prices.csv").open(encoding="utf-8") as fh:
        units = {r["unit"] for r in csv.DictReader(fh)}
    assert "musd of exports per musd" in units
    assert not any(u.startswith("musd per") for u in units), units
