"""Ctrl-C and SIGTERM held back for a stretch (`signals_held`): in a worker thread, so they
always reach the main thread; in the main thread, around a few system calls that must not be
cut in two. A layer of its own: the solver's threads and the run folder's writing both use it."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

HELD = frozenset({signal.SIGINT, signal.SIGTERM})


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM blocked in this thread for the duration (and in threads it starts); a
    signal that arrives meanwhile is delivered right after, to a thread that does not block it.
    Nothing to hold where the platform has no `pthread_sigmask` (Windows)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
