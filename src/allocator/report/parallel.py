"""One file of a run folder written in a forked child while this process writes the others
(`overlap`): `write_run` writes workbook.xlsx (pure-Python xlsxwriter, one core) beside the CSV
tables, the extra files and report.html.

Only where it is safe and useful (`fork_wanted`): the platform has `os.fork`, the process may
use two CPUs or more, and it runs in the main thread with no other Python thread alive (a
forked copy of a threaded process may hang on a lock another thread held: `allocator serve` and
Dask workers write in series). ALLOCATOR_SERIAL_WRITE=1 writes in series whatever the machine.

The child prints nothing: what it would have printed, its result or its error come back
through a pipe, and this process prints and raises them at the moment the serial order would
have. It ignores Ctrl-C (the terminal sends it to both processes: the parent decides), dies with
its parent (Linux), and ends with `os._exit`: no atexit handler, no flush of the parent's
buffers. On any error or interrupt in the parent the child is killed and reaped, so the run
folder, removed as before by its caller, is never written into afterwards.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allocator.errors import UsageError
from allocator.signalmask import HELD, signals_held

SERIAL_ENV = "ALLOCATOR_SERIAL_WRITE"
"""Set to 1 (or any non-empty value but 0) to write every file in this process, in series."""
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def fork_wanted() -> bool:
    """Whether a child may write beside this process: fork exists, two CPUs or more are
    ours, this is the main thread and no other Python thread is alive, and not forced serial."""
    if os.environ.get(SERIAL_ENV, "") not in ("", "0"):
        return False
    if not hasattr(os, "fork") or usable_cpus() < 2:
        return False
    return _only_thread()


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the platform says, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _only_thread() -> bool:
    """This is the main thread and no other Python thread is alive."""
    return threading.current_thread() is threading.main_thread() and threading.active_count() == 1


@dataclass
class _Child:
    """A forked child: its pid, the read end of its pipe, and its wait status once reaped."""

    pid: int
    pipe: io.BufferedReader
    status: int | None = None


@dataclass
class _Outcome:
    """What the child sends back: its job's value or error, and what it printed."""

    ok: bool
    value: Any
    stdout: str
    stderr: str


def overlap(
    job: Callable[[], Any],
    first: Callable[[], object],
    rest: Callable[[], object],
    done: Callable[[Any], object],
    scratch: Path,
) -> bool:
    """Run `job` in a forked child while this process runs `first` then `rest`; then `done`
    with the job's value. Errors and output come in the serial order first, job, done, rest:
    an error of `first` is raised at once (the child is killed); an error of `rest` is raised
    after the child's own error if the job failed (it came first), else after `done`. The
    child's temp files go in `scratch` (removed with it). False, and nothing run, when the
    system refuses a new process (the caller then writes in series).

    Raises:
        Whatever `first`, `job` (raised here as the child raised it), `done` or `rest`
        raise; UsageError if the child died without a word (killed by a signal).
    """
    child = _start(job, scratch)
    if child is None:
        return False
    try:
        first()
    except BaseException:
        _stop(child)
        raise
    try:
        rest()
    except Exception:
        done(_finish(child))  # the child's error, raised here, came first in the serial order
        raise
    except BaseException:
        _stop(child)
        raise
    done(_finish(child))
    return True


def _start(job: Callable[[], Any], scratch: Path) -> _Child | None:
    """Fork a child that runs `job` (Ctrl-C and SIGTERM held meanwhile, so no interrupt lands
    between the fork and the moment this process knows its child); None if the system refuses
    (too many processes, no memory)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or lost stream: nothing to flush
            stream.flush()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    parent = os.getpid()
    try:
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        if pid == 0:  # the child: never returns
            _child(job, (read, write), old, scratch, parent)
        os.close(write)
        return _Child(pid, os.fdopen(read, "rb"))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _child(
    job: Callable[[], Any], pipe: tuple[int, int], mask: Any, scratch: Path, parent: int
) -> None:
    """The child's whole life: run `job`, send its outcome, `os._exit` whatever happens."""
    code = 1
    read, write = pipe
    try:
        gc.freeze()  # the collector skips the objects the parent made (less work in the child)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides on Ctrl-C
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's kill ends it
        _die_with_parent(parent)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(read)
        tempfile.tempdir = str(scratch)  # xlsxwriter's temp files: removed with the folder
        outcome = _run(job)
        with os.fdopen(write, "wb") as sent:
            sent.write(_dumps(outcome))
        code = 0
    finally:
        os._exit(code)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this child if its parent dies (a `kill -9` of the parent), and
    exit at once if the parent (pid `parent`) is already gone. Elsewhere nothing: the parent
    reaps it."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _run(job: Callable[[], Any]) -> _Outcome:
    """Run `job` with its printing caught (the parent prints it, in its place)."""
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    try:
        value, ok = job(), True
    except BaseException as exc:
        # the error alone: with tblib's pickling installed (`import distributed` does it), its
        # traceback and chain would be pickled too, and a deep stack fails to (RecursionError)
        exc.__traceback__, exc.__context__, exc.__cause__ = None, None, None
        value, ok = exc, False
    return _Outcome(ok, value, out.getvalue(), err.getvalue())


def _dumps(outcome: _Outcome) -> bytes:
    """The outcome pickled; an error that cannot be (or not read back: an error class whose
    arguments are not its message) is sent as its type's name and message."""
    try:
        data = pickle.dumps(outcome)
        pickle.loads(data)
        return data
    except Exception:
        what = outcome.value
        text = f"{type(what).__name__}: {what}" if not outcome.ok else repr(what)
        outcome.value = RuntimeError(f"in the workbook's process: {text}")
        outcome.ok = False
        return pickle.dumps(outcome)


def _finish(child: _Child) -> Any:
    """Wait for the child; print what it printed; its value, or raise its error.

    Raises:
        The job's error; UsageError when the child died without a word.
    """
    try:
        with child.pipe:
            data = child.pipe.read()
        _reap(child)
    except BaseException:
        _stop(child)
        raise
    if not data:
        raise UsageError(
            f"workbook.xlsx was not written: the process writing it ({child.pid}) ended before "
            f"it finished ({_ending(child)}). Fix: free some memory and run again, or set "
            f"{SERIAL_ENV}=1 to write it in this process"
        )
    outcome: _Outcome = pickle.loads(data)
    for text, stream in ((outcome.stdout, sys.stdout), (outcome.stderr, sys.stderr)):
        if text:  # nothing said, nothing written: a full stdout is met where serial meets it
            stream.write(text)
    if not outcome.ok:
        raise outcome.value
    return outcome.value


def _ending(child: _Child) -> str:
    """How the child ended, in words, from its wait status."""
    status = child.status or 0
    if not os.WIFSIGNALED(status):
        return f"exit code {os.waitstatus_to_exitcode(status)}"
    name = signal.Signals(os.WTERMSIG(status)).name
    why = ": often the system running out of memory" if name == "SIGKILL" else ""
    return f"killed by {name}{why}"


def _reap(child: _Child) -> None:
    """Wait for the child to end (Python retries the wait if a handled signal cuts it)."""
    if child.status is None:
        child.status = os.waitpid(child.pid, 0)[1]


def _stop(child: _Child) -> None:
    """Kill and reap the child, signals held, so it neither runs on nor stays a zombie."""
    with signals_held():
        if child.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            _reap(child)
        child.pipe.close()
