"""`Source.rows_of` (one index of an input table for many look-ups, as `report.assumed.relied_on`
uses it) finds the same input row as `Source.row`'s scan, for every row and column of a solve
whose family names a source: on the baseline and a dataset with targets."""

from __future__ import annotations

import pytest

from allocator.model.families import FAMILIES
from conftest import BASELINE, DATA, solved


@pytest.mark.parametrize("folder", [BASELINE, DATA / "targets"], ids=["baseline", "targets"])
def test_the_index_finds_the_row_the_scan_finds(folder):
    inp, sol, _tables = solved(str(folder))
    checked = found = 0
    for frame in (sol.rows, sol.columns):
        for record in frame.to_dict("records"):
            family = FAMILIES.get(str(record["family"]))
            if family is None or family.source is None:
                continue
            labels = {d: record.get(d) for d in family.dims}
            scanned = family.source.row(inp, labels)
            assert family.source.rows_of(inp)(labels) is scanned
            checked += 1
            found += scanned is not None
    assert found > 0
    assert checked >= found
