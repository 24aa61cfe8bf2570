"""Task w1, item 4: decide_now_prices.csv's `one_sided` words give the least expected weighted
shortfall's rise its unit, `weighted shortfall` (per musd for the rate), as every other surface
says a weighted shortfall (`model.declare.WEIGHTED_SHORTFALL`; the terminal's `rises by 0.0002
weighted shortfall`)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from allocator.model.declare import WEIGHTED_SHORTFALL
from allocator.runs.twostagetables import price_words


def _prices(**given):
    """A `CommitmentPrices`-like record of one commitment (k = 0)."""
    nan = np.array([np.nan])
    fields = dict.fromkeys(
        ("more", "less", "more_rate", "less_rate", "shortfall_more", "shortfall_less"), nan
    )
    fields |= {"shortfall_more_rate": nan, "shortfall_less_rate": nan}
    fields |= {k: np.array([v]) for k, v in given.items()}
    return SimpleNamespace(**fields)


def test_the_whole_units_rise_has_its_unit():
    prices = _prices(more=2.0, less=-3.0, more_rate=2.0, less_rate=-3.0, shortfall_less=0.004)
    words = price_words(prices, 0, committed=10.0)
    assert WEIGHTED_SHORTFALL == "weighted shortfall"
    assert "one less: the least expected weighted shortfall rises by 0.004 weighted shortfall" in (
        words
    )


def test_the_rates_rise_has_its_unit_per_musd():
    prices = _prices(
        more=2.0,
        less=-3.0,
        more_rate=2.0,
        less_rate=-3.0,
        shortfall_more=1.47971e-06,
        shortfall_more_rate=1.47971e-06,
    )
    words = price_words(prices, 0, committed=10.0)
    assert "one more: the least expected weighted shortfall rises by 1.47971e-06 weighted" in words
    assert (
        "one more, the rate: with the least expected weighted shortfall found again, rising by "
        "1.47971e-06 weighted shortfall per musd (today's cannot be kept)"
    ) in words
