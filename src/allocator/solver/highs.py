"""The one place a HiGHS instance is made: quiet, seeded, on the simplex.

highspy 1.16 prints a two-line banner ("Running HiGHS ...") on file descriptor 1 when a
`highspy.Highs` is constructed, before any option can be set; the print comes from C++, so
`contextlib.redirect_stdout` does not catch it. `new_highs` points descriptor 1 at the null
device for the constructor only, then turns every later log off with `output_flag`. Every
instance allocator uses (the plan, the elastic copy, sub-LPs, the version it reports) comes from
here, so stdout carries only allocator's output whatever the HiGHS version.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import highspy

SMALLEST_KEPT = 1e-9
"""HiGHS's `small_matrix_value` on every instance, its default: HiGHS drops a matrix entry of this
size or less (`addCols` and `changeCoeff` answer kWarning). The data's least number
(`data.rows.MIN_MAGNITUDE`, 1e-8) is above it, so a cell that is a coefficient is kept; a
coefficient computed from cells that is this small is refused with its row and cells
(`compile.refuse_dropped`), never dropped in silence. HiGHS's least (1e-12) was tried and left:
it made a CVaR plan whose cap no plan meets end without an optimum (Unknown) instead of with its
conflicting set (`data.rows.MIN_MAGNITUDE`)."""

# Options every instance gets: no log, deterministic, one solver family whose bases, ranging and
# warm starts the rest of allocator relies on, every matrix entry the data can give kept.
DEFAULTS: dict[str, Any] = {
    "output_flag": False,
    "random_seed": 0,
    "solver": "simplex",
    "small_matrix_value": SMALLEST_KEPT,
}

_FD_LOCK = threading.Lock()  # descriptor 1 is per process: two threads must not swap it at once


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Descriptor 1 on the null device for the duration; a no-op where it cannot be duplicated."""
    with _FD_LOCK:
        for stream in (sys.stdout, sys.__stdout__):
            # a closed or detached stream has nothing buffered to lose
            with suppress(OSError, ValueError, AttributeError):
                stream.flush()  # type: ignore[union-attr]
        try:
            saved = os.dup(1)
        except OSError:  # no descriptor 1 at all: nothing can be printed there anyway
            yield
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
            finally:
                os.close(null)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


class Highs(highspy.Highs):
    """`highspy.Highs` whose `time_limit` holds for each `run()`, as a model file's
    `solver.time_limit_s` says, not for the instance's life: HiGHS compares the limit with its
    run clock, which adds up over every `run()` of one instance and which highspy 1.16 cannot
    reset (no `zeroAllClocks`; HiGHS issues 1331, 1477: to change in HiGHS 2.0). A sweep's
    samples, serve's edits and a solve's re-solves on a held instance each got the limit less
    every earlier run's time, so the later ones stopped at "Time limit reached" however quick.
    Each `run()` sets HiGHS's option to the limit plus the clock so far; `getOptions` gives the
    limit itself, so an instance built from another's options (`passOptions`) has it too."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.per_run_limit = float(highspy.kHighsInf)

    def setOptionValue(self, name: str, value: Any) -> highspy.HighsStatus:
        status = super().setOptionValue(name, value)
        if name == "time_limit" and status == highspy.HighsStatus.kOk:
            self.per_run_limit = float(value)
        return status

    def getOptions(self) -> highspy.HighsOptions:
        options = super().getOptions()
        options.time_limit = self.per_run_limit
        return options

    def passOptions(self, options: highspy.HighsOptions) -> highspy.HighsStatus:
        status = super().passOptions(options)
        if status == highspy.HighsStatus.kOk:
            self.per_run_limit = float(options.time_limit)
        return status

    def run(self) -> highspy.HighsStatus:
        if self.per_run_limit < highspy.kHighsInf:
            super().setOptionValue("time_limit", self.per_run_limit + self.getRunTime())
        return super().run()


def new_highs(**options: Any) -> highspy.Highs:
    """A fresh, silent `highspy.Highs` with allocator's defaults, then `options` on top.

    Args:
        **options: HiGHS option names and values (e.g. `time_limit=10`), applied after the
            defaults; an unknown name or a value HiGHS refuses raises `ValueError`.
    """
    with _stdout_silenced():
        h = Highs()
    h.setOptionValue("output_flag", False)  # before anything else can log
    for name, value in (DEFAULTS | options).items():
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise ValueError(f"HiGHS refused option {name} = {value!r}")
    return h


@functools.cache
def highs_version() -> str:
    """The HiGHS version, e.g. '1.16.0'."""
    return str(new_highs().version())


@functools.cache
def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, or None where the C library has none (macOS, musl, Windows)."""
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


def trim_heap() -> None:
    """The C heap's free memory handed back to the system (glibc's `malloc_trim(0)`; elsewhere
    nothing). HiGHS's freed vectors stay in the heap otherwise, and Python's own objects do not
    reuse it: at 1e6 nonzeros the Solution's tables were built on top of a released face's 60 MB
    (peak 353 MB against 338 with the trim; 0.2-30 ms a call). A thread's freed memory stays in
    its own malloc arena likewise (the overlap's thread: about 10 MB at 1e6 without the trim)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def held_counts(h: highspy.Highs) -> tuple[int, int, int]:
    """The rows, columns and matrix entries `h` holds: the test that a matrix kept beside it
    (a face's, the plan's) is still the one HiGHS holds (a row added or an entry dropped since
    changes a count)."""
    return h.getNumRow(), h.getNumCol(), h.getNumNz()
