"""A face's HiGHS instance renewed (`renew`): the same LP in a new instance with no solver data,
the old one released. The tie rule (`ties.tie_classes`) and the least money a plan's investments
need (`othermoney.least_money`) renew the face before and after their LPs: the same bits
whatever ran on it before, and its memory let go. Split from `ties.py` so that both can use it
(`ties` calls `othermoney.least_other_money`: `othermoney` cannot import from `ties`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import highspy

from allocator.solver import folding
from allocator.solver.facelp import cut, face_entries, kept_matrix, lp_parts, pass_lp
from allocator.solver.highs import new_highs, trim_heap

if TYPE_CHECKING:
    from allocator.solver.compile import CompiledLP
    from allocator.solver.heldface import Face


def renew(face: Face, lp: CompiledLP | None = None) -> None:
    """A `clearSolver` that frees: the face's LP (where `lp` is given, the matrix the face keeps,
    `kept_matrix`, or one cut from `lp`'s, `face_entries`; its bounds, costs and sense read from
    HiGHS) in a new instance with the old one's options and no solver data; the old instance is
    released before the matrix is cut, and the C heap's free memory handed back
    (`highs.trim_heap`). HiGHS's own `clearSolver` and `clearModel` only mark its data invalid:
    at 1e6 nonzeros the face's instance kept its memory after either (32 MB once settled, 60 MB
    after the rule)."""
    old = face.highs
    kept = None if lp is None else kept_matrix(face)
    found = None if lp is None or kept is not None else face_entries(face, lp)
    model = old.getLp() if kept is None and found is None else lp_parts(old)
    if face.folded is not None and kept is not None:  # the whole face again (`Face.fold`)
        model = folding.whole(face)
    options = old.getOptions()
    face.highs = new_highs()
    del old  # no reference left: the old instance is released before the matrix is cut
    trim_heap()
    h = face.highs
    h.passOptions(options)
    if isinstance(model, highspy.HighsLp):  # only HiGHS's copy is the face's
        h.passModel(model)
    else:  # arrays straight to HiGHS: a HighsLp's fields copy them element by element
        if kept is None:
            assert lp is not None  # else the model is HiGHS's copy
            assert found is not None
            kept = cut(lp, face.cols, *found)
        pass_lp(h, *model, *kept)
    del model, found, kept
    trim_heap()
