"""How many LPs the rates' re-solves ran on a HiGHS instance (`run`, `runs`), so that
`units.listed_rates` restores the plan's instance only where one ran (issue 30: at 1e6
nonzeros no listed side is re-solved, and the restore was a re-solve of 0 iterations, 0.03 s).
"""

from __future__ import annotations

import weakref

import highspy

_RUNS: weakref.WeakKeyDictionary[highspy.Highs, int] = weakref.WeakKeyDictionary()
"""Each instance's count (an instance let go is dropped with it)."""


def run(h: highspy.Highs) -> None:
    """`h.run()`, counted first (a run interrupted still counts: the instance may have moved)."""
    _RUNS[h] = _RUNS.get(h, 0) + 1
    h.run()


def runs(h: highspy.Highs) -> int:
    """How many times `run` ran `h`."""
    return _RUNS.get(h, 0)
