"""How the work of a served request stops with serve (Ctrl-C, SIGTERM): the request waiting on
it is answered 503 at once (`threaded`), the held instance's solve is cancelled by HiGHS
(`HeldModel.stop`), and a details solve or a Save's run, which run on HiGHS instances of their
own, stop as `allocator solve` stops on Ctrl-C: `ServeStopped`, a KeyboardInterrupt, is raised in
their thread at its next line of Python (a HiGHS run under way ends first), so every `finally`
and interrupt rule of the run path holds (a run folder is put in place whole or not at all).
serve then waits for those threads (`Scenario.finish`) before it says it stopped.

CPython raises an exception in another thread with `PyThreadState_SetAsyncExc` (as a debugger
or Ctrl-C does for the main thread); it is raised only into a block that asked for it
(`Cancels.cancellable`), and one still pending when the block ends is dropped.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from allocator.serve.body import ApiError

if TYPE_CHECKING:
    from allocator.serve.held import HeldModel

T = TypeVar("T")
STOPPED = (
    "allocator serve stopped before this request was answered (a Save under way is undone, or "
    "kept whole if its run folder was already in place). Fix: start allocator serve again"
)
STOP_POLL = 0.1
"""Seconds between two looks at whether serve stops, while a request waits on a solve."""


class ServeStopped(KeyboardInterrupt):
    """serve stopped while this thread's block ran (`Cancels.cancellable`): it unwinds as a run
    of `allocator solve` unwinds on Ctrl-C."""


def _raise_in(ident: int, exc: type[BaseException] | None) -> None:
    """Raise `exc` in the thread `ident` at its next line of Python (None: drop one pending)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(ident), ctypes.py_object(exc) if exc is not None else None
    )


class Cancels:
    """The blocks that serve's stop cancels (a details solve, a Save's run): once stopped, each
    one running gets `ServeStopped`, and each one entered later at once."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a second signal may come while the first is handled
        self._running: set[int] = set()
        self._stopped = False

    def stop(self) -> None:
        """Cancel every block running and every later one (from a signal handler: it holds
        the lock only while the exceptions are set)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            for ident in self._running:
                _raise_in(ident, ServeStopped)

    @contextmanager
    def cancellable(self) -> Iterator[None]:
        """The block, cancelled (`ServeStopped`) when serve stops.

        Raises:
            ServeStopped: serve stopped before or while the block ran.
        """
        ident = threading.get_ident()
        with self._lock:
            if self._stopped:
                raise ServeStopped
            self._running.add(ident)
        try:
            yield
        finally:
            with self._lock:
                self._running.discard(ident)
                _raise_in(ident, None)  # set as the block ended: no later line may get it


class Scenario:
    """The served scenario, made on first use: the server is up (and stops) at once, and the
    dataset is read when the page first asks for the plan. A scenario that cannot be made is
    refused then, in the CLI's words, and tried again on the next request."""

    def __init__(self, make: Callable[[], HeldModel]) -> None:
        self._make = make
        self._held: HeldModel | None = None
        self._lock = threading.Lock()
        self.stopped = threading.Event()
        self._threads: set[threading.Thread] = set()

    def stop(self) -> None:
        """Serve stops (called from its signal handler: never blocks): requests waiting on a
        solve answer 503 at once, the held instance's solve, if one runs, is cancelled, and so
        are a details solve and a Save's run (`Cancels`)."""
        self.stopped.set()
        held = self._held
        if held is not None:
            held.stop()

    def held(self) -> HeldModel:
        """The held model, made now if not yet."""
        with self._lock:
            if self._held is None:
                self._held = self._make()
            return self._held

    def finish(self) -> None:
        """Wait for every thread that worked for a request to end (a cancelled solve unwinds, a
        Save is undone or put in place whole): called once the server has stopped."""
        for thread in list(self._threads):
            thread.join()

    async def threaded(self, func: Callable[..., T], *args: Any) -> T:
        """`func(*args)` in a worker thread, waited for until serve stops: then the request is
        answered 503 (`STOPPED`) at once and the thread is not waited for (its solve is
        cancelled; `finish` waits for it before serve exits).

        Raises:
            ApiError: 503, serve stopped before `func` returned.
        """
        import anyio.to_thread

        if self.stopped.is_set():
            raise ApiError(503, STOPPED)
        call = functools.partial(self._worked, func, *args)
        work = asyncio.ensure_future(anyio.to_thread.run_sync(call, abandon_on_cancel=True))
        while not work.done() and not self.stopped.is_set():
            await asyncio.wait({work}, timeout=STOP_POLL)
        if work.done() and not (self.stopped.is_set() and work.exception() is not None):
            return work.result()  # an error once serve stops is the cancelled solve's
        work.cancel()
        raise ApiError(503, STOPPED)

    def _worked(self, func: Callable[..., T], *args: Any) -> T:
        """`func(*args)` in this worker thread, which `finish` waits for; `ServeStopped` as the
        API's 503 (a KeyboardInterrupt must not reach the event loop)."""
        self._threads.add(threading.current_thread())
        try:
            return func(*args)
        except ServeStopped:
            raise ApiError(503, STOPPED) from None
