"""Work that needs only the compiled LP, done in a thread while HiGHS solves the main pass.

highspy's `Highs.run()` releases the GIL, so while the main solve runs (seconds on a large
problem) a Python thread can do what the solution does not change: the label columns of the
column and row tables (`solver/results.py`) and the imports the caller makes once the plan is
solved (the run folder's writers, named with `importing_after`). SciPy's sparse LU, which
`Face.fixed_sums` imports on a large face, is left where it is: imported in this thread it raised
the peak memory at 1e6 nonzeros by about 25 MB, for good (the thread's own malloc arena keeps
what the import freed; notes/ovl.md).

`optimum` opens the `Overlap` just before the first pass's run() and, once the objective's pass is
solved, waits for the imports (`pause`), so no import runs beside the main thread's own Python (no
import races with it). Jobs named `later` (the label columns) wait for `release`, which `optimum`
calls once the tie rule is done: built during the main solve, the labels were alive through the
tie rule's LPs, where the peak memory is (about 9 MB of it at 1e6 nonzeros, notes/mem3.md); they
are built beside the passes after it instead. Where the plan's HiGHS instance is let go after
ranging (`optimum(..., release=True)`, what `allocator solve` does), the peak is ranging's, with
that instance alive, and the tie rule's LPs run well under it: there `optimum` releases the
labels as soon as the instance is gone, so they are built while the face's LPs run. The
consumers `take` what the thread made (joining it first), so nothing is left running while the
run folder is written.

Never a different result and never a lost exception: a job is the very function the serial path
calls, and a job that failed (or never ran) is computed again where the serial path computes it,
so its error, if it has one there too, is raised there. The thread is started with SIGINT and
SIGTERM blocked (it inherits the mask), so a signal always lands in the main thread.

Only when it pays (`worth`): a main solve of a few ms (the baseline) gains less than a thread's
start and the GIL hand-overs cost; `MIN_NONZEROS` was set from measurements (notes/ovl.md).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from allocator.signalmask import signals_held
from allocator.solver.compile import CompiledLP
from allocator.solver.highs import trim_heap

ENABLED = True
"""The switch: False computes everything in the main thread, after the solve (what the tests
compare against)."""
MIN_NONZEROS = 150_000
"""The overlap runs on an LP of at least this many nonzeros: there the main solve (about 0.2 s
and more) outlasts what the thread does; below, it gains a few ms at best (notes/ovl.md)."""
THREAD = "allocator-overlap"
"""The thread's name."""

_AFTER: ContextVar[tuple[str, ...]] = ContextVar("allocator_import_after_solve", default=())


@contextmanager
def importing_after(modules: Sequence[str]) -> Iterator[None]:
    """Within: a solve the rule finds worth it imports `modules` in its thread (what the caller
    imports once the plan is solved, e.g. the run folder's writers). A module that fails to import
    there is left to the caller's own import, which raises as it would have."""
    token = _AFTER.set(tuple(modules))
    try:
        yield
    finally:
        _AFTER.reset(token)


def worth(lp: CompiledLP) -> bool:
    """Whether a solve of `lp` is large enough for the overlap to pay (`MIN_NONZEROS`)."""
    return ENABLED and lp.matrix.nnz >= MIN_NONZEROS


def imports_after() -> tuple[str, ...]:
    """The modules the caller imports once the plan is solved (`importing_after`)."""
    return _AFTER.get()


class Overlap:
    """Named jobs run in order in one daemon thread between `start` and `close`; `take` hands a
    job's result to its consumer, or computes it there if the thread did not. The imports run
    first; the `later` jobs wait for `release` (or `close`)."""

    def __init__(
        self,
        jobs: dict[str, Callable[[], Any]],
        imports: Sequence[str] = (),
        later: Sequence[str] = (),
    ) -> None:
        first = {n: j for n, j in jobs.items() if n not in later}
        self._jobs = first | {f"import {m}": _importer(m) for m in imports}
        self._later = {n: j for n, j in jobs.items() if n in later}
        self._done: dict[str, Any] = {}
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._go = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Overlap:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:  # the solve failed: nothing more is needed, only the thread ended
            self.stop()
        else:
            self.pause()

    def pause(self) -> None:
        """Wait until the thread has done the jobs before the `later` ones (the imports)."""
        if self._thread is not None:
            self._paused.wait()

    def release(self) -> None:
        """Let the thread run the `later` jobs."""
        self._go.set()

    def stop(self) -> None:
        """End the thread after the job under way (nothing more is needed) and join it."""
        self._stop.set()
        self.close()

    def start(self) -> None:
        """Start the thread (SIGINT and SIGTERM blocked in it), once."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._work, name=THREAD, daemon=True)
        with signals_held():  # the thread inherits the mask
            self._thread.start()

    def close(self) -> None:
        """Wait for the thread to finish its jobs, the `later` ones released (after `stop`: the
        job under way only)."""
        self.release()
        if self._thread is not None:
            self._thread.join()

    def take(self, name: str, serial: Callable[[], Any]) -> Any:
        """Job `name`'s result, made by the thread; `serial()` here if the thread did not make
        it (a failure, or a job never started)."""
        self.close()
        if name in self._done:
            return self._done.pop(name)
        return serial()

    def _work(self) -> None:
        try:
            self._run(self._jobs)
        finally:
            self._paused.set()
        if self._later:
            self._go.wait()
            self._run(self._later)
        trim_heap()  # glibc keeps a thread's freed memory in its own arena

    def _run(self, jobs: dict[str, Callable[[], Any]]) -> None:
        for name, job in jobs.items():
            if self._stop.is_set():
                break
            with suppress(Exception):  # left to `take`'s serial path, which raises it again
                self._done[name] = job()


def take(during: Overlap | None, name: str, serial: Callable[[], Any]) -> Any:
    """`during.take(name, serial)`, or `serial()` without an overlap."""
    return serial() if during is None else during.take(name, serial)


def _importer(module: str) -> Callable[[], None]:
    """A job importing `module` (its result is the import itself)."""

    def run() -> None:
        importlib.import_module(module)

    return run
