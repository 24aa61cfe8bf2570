"""Matrix entries HiGHS would drop: a coefficient of `highs.SMALLEST_KEPT` (1e-9, HiGHS's default)
or less in size, which `addCols` and `changeCoeff` leave out of the matrix with only a warning.

The data's least number (`data.rows.MIN_MAGNITUDE`, 1e-8) is above it, so a cell that is a
coefficient itself is always kept; only a coefficient computed from several cells can be this
small (a processing share's rate, (full_pct - today_pct) / investment_musd). Such an entry is
refused with its row, column and the cells behind it (`refuse_dropped`), before HiGHS sees it:
a plan solved without a coefficient the data gives would be another plan than the data's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from allocator.errors import InputError
from allocator.model.families import family_of, labels_of, name_of, registry
from allocator.solver.highs import SMALLEST_KEPT

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.model.sparse import CscMatrix


def refuse_dropped(form: Any, inputs: Inputs | None = None) -> None:
    """Raise where the matrix of `form` (a `StandardForm` or `CompiledLP`) holds an entry HiGHS
    would drop: not 0, yet at most `SMALLEST_KEPT` in size. `inputs` (the data the LP was built
    from) names the file and row behind it; without them, the row and column of the LP.

    Raises:
        InputError: the first such entry (by column, then row), with the cells behind it.
    """
    a: CscMatrix = form.matrix
    tiny = np.flatnonzero((a.data != 0) & (np.abs(a.data) <= SMALLEST_KEPT))
    if not tiny.size:
        return
    k = int(tiny[0])
    row, col = int(a.indices[k]), int(a.col_of_entry[k])
    family, index = form.row_family[row], form.row_index[row]
    row_name = name_of(family, index)
    col_name = name_of(form.col_family[col], form.col_index[col])
    fam = family_of(family) if family in registry().families else None  # a toy LP's: none
    cells = ", ".join(fam.coefficients) if fam is not None and fam.coefficients else "the data"
    file, line = _source(fam, family, index, inputs)
    raise InputError(
        f"the coefficient of {col_name} in row {row_name} computed from {cells} is "
        f"{a.data[k]:.3g}, at or below {SMALLEST_KEPT:g} in size, the least HiGHS keeps "
        "(it would drop it and solve another plan than the data's)",
        file=file,
        row=line,
        fix=f"change {cells} so that it is larger than {SMALLEST_KEPT:g} in size, or 0",
    )


def _source(
    fam: Any, family: str, index: Any, inputs: Inputs | None
) -> tuple[str | None, int | None]:
    """The file and row of the input row behind a row of `family` (None where unknown)."""
    source = None if fam is None else fam.source
    if source is None:
        return None, None
    found = None if inputs is None else source.row(inputs, labels_of(family, index))
    return source.file, (found.line or None) if found is not None else None


def change_coefficients(
    h: highspy.Highs, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, was: np.ndarray
) -> bool:
    """`changeCoeff` of each entry (`rows`, `cols`) of `h` to `values`, reading HiGHS's answer:
    True when every value was taken as given; False when one was not (dropped, kWarning, or
    refused), with every entry changed so far put back to `was`, so `h` holds its LP as before.
    """
    ok = highspy.HighsStatus.kOk
    entries = list(zip(rows.tolist(), cols.tolist(), strict=True))
    for i, (row, col) in enumerate(entries):
        if h.changeCoeff(row, col, float(values[i])) != ok:
            for j in range(i, -1, -1):  # this one too: HiGHS may have dropped its old value
                h.changeCoeff(*entries[j], float(was[j]))
            return False
    return True
