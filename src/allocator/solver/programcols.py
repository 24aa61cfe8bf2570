"""Each program's money as columns: on the LP, read from its `program_cap` row
(`program_columns`, `program_caps`), and on a face, as positions in the face's LP
(`face_local`, `face_locals`). What the tie classes and the tie rule (`ties.py`) read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from allocator.solver.compile import CompiledLP

if TYPE_CHECKING:
    from allocator.solver.heldface import Face


def _cap_rows(lp: CompiledLP) -> list[int]:
    """The `program_cap` rows, in row order: one a program."""
    return [i for i, fam in enumerate(lp.row_family) if fam == "program_cap"]


def program_columns(lp: CompiledLP) -> dict[str, np.ndarray]:
    """Each program's investment columns, read from its `program_cap` row (sum of its money),
    in column order. Only the cap rows' entries are gathered (a mask over the rows, and each
    entry's column found in `indptr`): 1e6 entries are read once, not sorted nor repeated."""
    a = lp.matrix
    caps = _cap_rows(lp)
    is_cap = np.zeros(a.shape[0], dtype=bool)
    is_cap[caps] = True
    entry = np.flatnonzero(is_cap[a.indices])
    cols = np.searchsorted(a.indptr, entry, side="right") - 1  # the column each entry is in
    rows = a.indices[entry]
    order = np.argsort(rows, kind="stable")  # each row's columns stay in column order
    rows, cols = rows[order], cols[order]
    first, last = np.searchsorted(rows, caps), np.searchsorted(rows, caps, side="right")
    spans = zip(caps, first, last, strict=True)
    return {str(lp.row_index[i][0]): cols[lo:hi] for i, lo, hi in spans}


def program_caps(lp: CompiledLP) -> dict[str, float]:
    """Each program's cap (its `program_cap` row); an uncapped program weighs as the largest
    finite cap."""
    caps = {str(lp.row_index[i][0]): float(lp.row_upper[i]) for i in _cap_rows(lp)}
    finite = [c for c in caps.values() if 0 < c < 1e20]
    big = max(finite, default=1.0)
    return {p: c if 0 < c < 1e20 else big for p, c in caps.items()}


def face_local(face: Face, cols: np.ndarray) -> np.ndarray:
    """The positions in the face's LP of those of `cols` that move on it."""
    pos = np.searchsorted(face.cols, cols)
    pos = np.minimum(pos, len(face.cols) - 1)
    local: npt.NDArray[np.int32] = pos[face.cols[pos] == cols].astype(np.int32)
    return local


def face_locals(face: Face, programs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """`face_local` of each program, in the order of `programs`: one search for all of them."""
    groups = list(programs.values())
    if not groups:
        return []
    sizes = np.array([len(c) for c in groups], dtype=np.int64)
    every = np.concatenate([np.asarray(c, dtype=np.int64) for c in groups])
    pos = np.minimum(np.searchsorted(face.cols, every), len(face.cols) - 1)
    on = face.cols[pos] == every
    counts = np.bincount(np.repeat(np.arange(len(groups)), sizes)[on], minlength=len(groups))
    return split_counts(pos[on].astype(np.int32), counts)


def split_counts(values: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """`values` cut into consecutive pieces of `counts` entries (views): `np.split` by slices,
    a fifth of its time on 1,344 pieces."""
    ends = np.cumsum(counts).tolist()
    return [values[a:b] for a, b in zip([0, *ends], ends, strict=False)]  # one start too many
