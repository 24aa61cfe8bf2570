"""The examples a fix suggests are numbers the dataset that got the message reads.

A dataset with no settings.csv (number style undeclared) refuses `1,200` as ambiguous, yet a bad
money cell's fix said "write an amount in US$ million such as 800, 1,200, 3.5B or $800M", and a
count's "12000, 12,000 or 12K": following it gave the next refusal.
"""

from __future__ import annotations

import re

import pytest

from allocator.data import records
from allocator.data.numbers import number_style, parse_count, parse_money, parse_share

PARSERS = {"musd": parse_money, "count": parse_count, "share": parse_share}


@pytest.mark.parametrize("unit", sorted(PARSERS))
@pytest.mark.parametrize("style", [None, "point", "comma"])
def test_every_example_of_a_fix_reads_in_every_style(unit, style):
    with number_style(style):
        fix = records.howto(unit)
        examples = re.split(r", | or ", fix.split("such as ", 1)[1])
        assert len(examples) >= 2, fix
        for example in examples:
            PARSERS[unit](example)  # raises if the style refuses it


def test_a_comma_style_dataset_is_told_a_comma_decimal():
    with number_style("comma"):
        assert records.howto("share").endswith("such as 0,25 or 25%")
        assert records.howto("percent").endswith("such as 40, 40% or 0,4%")
