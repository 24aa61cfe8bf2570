"""What a solve produced, as plain tables: the `Solution` that reports, files and studies read.

Pyomo- and highspy-free: `allocator.solver.results` fills it; nothing downstream knows the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.model.families import LABEL_ORDER  # derived from the families' dimensions

__all__ = ["LABEL_ORDER", "Solution"]


@dataclass
class Solution:
    """What a solve produced, as plain tables: nothing downstream knows Pyomo or HiGHS."""

    status: str
    objective: str
    objective_value: float
    objective_unit: str
    columns: pd.DataFrame
    rows: pd.DataFrame
    totals: dict[str, float]
    solver: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    label: str = ""
    """The objective in words with its measure, e.g. `job-years 2025-2040 (...)`; set by the
    pipeline, which knows the measure."""
    lp: Any = field(default=None, repr=False)
    """The solved LP (an `allocator.solver.compile.CompiledLP`, or None), kept to write
    model.lp/.mps and for the Limits report, which reads its sparse matrix (`lp.matrix`, numpy
    only). Typed loosely so that this module imports no solver."""
