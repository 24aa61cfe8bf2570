"""How a HiGHS run ended, as plain typed values: `Status`, read once by `status_of`, and the
`PassResult` of one solve pass."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import highspy
import numpy as np


class Status(Enum):
    """How a pass ended, normalised once from HiGHS's model status."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    OTHER = "other"


_STATUS = {
    highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: Status.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: Status.INFEASIBLE_OR_UNBOUNDED,
    highspy.HighsModelStatus.kTimeLimit: Status.TIME_LIMIT,
}


def status_of(h: highspy.Highs) -> Status:
    """The typed status of the last run of `h`: the one place HiGHS's enum is read."""
    return _STATUS.get(h.getModelStatus(), Status.OTHER)


@dataclass(frozen=True)
class PassResult:
    """One solve pass, as plain values (x, duals and activity are empty unless optimal)."""

    status: Status
    objective: float
    x: np.ndarray
    duals: np.ndarray
    reduced_costs: np.ndarray
    activity: np.ndarray
    iterations: int
    detail: str = ""
    """HiGHS's own words for the status."""
