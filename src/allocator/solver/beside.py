"""The plan's HiGHS instance after its optimum: a job on it run in a thread while another
instance's `run()` solves (`Beside`; issue 30: ranging beside the face's tie LP), and letting it
go (`release_solver`).

HiGHS's ranging (`getRanging`, about 0.2 s at 1e6 nonzeros) holds the GIL throughout, so in a
thread it overlaps only what runs without the GIL: another instance's `run()`, which releases it.
Let go before that `run()`, the thread would take the GIL from the Python before it (from
`Thread.start` itself, which hands the GIL to the new thread) and block the main thread for the
whole of `getRanging`. So `Beside.at_run` starts the thread waiting, and the next `run()` of the
instance it names lets the job go just before HiGHS is entered (`highspy.Highs` has a
`__dict__`: an instance attribute stands in for the method for that one call); the job then gets
the GIL as `run()` releases it. The job reads and re-solves only the plan's own instance, which
nothing else touches meanwhile (the face's LPs are on an instance of their own), so its result is
the one the main thread would compute: `result` joins the thread (letting the job go first if no
`run()` did: an LP an exact test skipped), or runs the job in the caller's thread where no
thread was started, and raises what the job raised. The thread is started with SIGINT and
SIGTERM blocked, so a signal always lands in the main thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

import highspy

from allocator.signalmask import signals_held
from allocator.solver.compile import CompiledLP
from allocator.solver.highs import trim_heap

T = TypeVar("T")

THREAD = "allocator-beside"
"""The thread's name."""


class Beside(Generic[T]):
    """`job` run once: in a thread started by the next `run()` of the instance `at_run` names,
    or in the caller's thread by `result` if none started it."""

    def __init__(self, job: Callable[[], T]) -> None:
        self._job = job
        self._thread: threading.Thread | None = None
        self._out: list[T] = []
        self._error: list[BaseException] = []
        self._go = threading.Event()
        self._dropped = False
        self.seconds = 0.0
        """How long the job took (wall clock), where it ran."""

    @contextmanager
    def at_run(self, h: highspy.Highs) -> Iterator[None]:
        """Within: the job's thread waits, and the next `h.run()` lets it go just before HiGHS
        starts; on leaving, `h.run` is HiGHS's own again whether or not it ran."""

        def run(*args: Any, **kwargs: Any) -> Any:
            vars(h).pop("run", None)
            self._go.set()
            return h.run(*args, **kwargs)

        self._start()
        setattr(h, "run", run)  # noqa: B010 (mypy refuses an assignment to a method)
        try:
            yield
        finally:
            vars(h).pop("run", None)

    def result(self) -> T:
        """The job's result: the thread's (joined, let go first if no `run()` did), or computed
        here if no thread was started; what the job raised is raised here."""
        if self._thread is None:
            self._work()
        else:
            self._go.set()
            self._thread.join()
        if self._error:
            raise self._error[0]
        return self._out[0]

    def abandon(self) -> None:
        """End the thread, its job not started or let finish (it holds the plan's instance),
        its result unused."""
        if self._thread is not None:
            self._dropped = True
            self._go.set()
            self._thread.join()

    def _start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._wait, name=THREAD, daemon=True)
        with signals_held():  # the thread inherits the mask
            self._thread.start()

    def _wait(self) -> None:
        self._go.wait()
        if not self._dropped:
            self._work()

    def _work(self) -> None:
        start = time.perf_counter()
        try:
            self._out.append(self._job())
        except BaseException as exc:  # handed to the caller's thread by `result`
            self._error.append(exc)
        finally:
            self.seconds = time.perf_counter() - start


class Released:
    """What `CompiledLP.highs` holds once `release_solver` let the plan's instance go: any use
    is a programming error, said plainly rather than a re-solve of an empty model."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            f"the plan's HiGHS instance was released after its last use (solve_lp with "
            f"keep_solver=False), so .{name} cannot be called on it"
        )


def release_solver(lp: CompiledLP) -> None:
    """Let the plan's HiGHS instance go (its model, factors and solution) and hand the freed
    memory back to the system (`trim_heap`); `lp`'s own arrays stay."""
    lp.highs = Released()  # type: ignore[assignment]
    lp.first_basis = None
    trim_heap()
