"""Ctrl-C and SIGTERM: SIGTERM unwinds as Ctrl-C does (`sigterm.on_sigterm`, installed by
the entry point before anything is imported), an interrupt that lands where Python cannot raise
it is delivered again (`unraisable`), and whether an error was caused by one
(`caused_by_interrupt`: `exits.exit_codes` and the sweep's view both ask)."""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from typing import NoReturn

INTERRUPTED = 130
"""The exit code of an interrupted run: a shell's 128 + SIGINT."""


def caused_by_interrupt(exc: BaseException) -> bool:
    """An error raised because Ctrl-C (or SIGTERM) landed inside it, e.g. an ImportError when the
    signal arrived while a compiled module was being initialised."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt) or schema_cut_short(cause):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def schema_cut_short(exc: BaseException) -> bool:
    """A pydantic-core SchemaError raised because Ctrl-C landed while it built a model's schema:
    it turns the Python error raised inside into its own, naming it in words alone (the line
    ends "KeyboardInterrupt: "), with no cause to follow."""
    kind = type(exc)
    return (
        kind.__name__ == "SchemaError"
        and kind.__module__.startswith("pydantic_core")
        and "KeyboardInterrupt: " in str(exc)
    )


def unraisable(hook: sys.UnraisableHookArgs) -> None:
    """`sys.unraisablehook`: a Ctrl-C or SIGTERM that lands inside a weakref callback or a
    `__del__` (Python would print "Exception ignored ... Traceback" and go on as if nothing had
    happened) is delivered again to the main thread, where it unwinds the run as any other.
    A disk fault met again by a half-written zip dropped after its writer failed is not said
    twice (`fault_said_already`)."""
    if fault_said_already(hook):
        return
    if isinstance(getattr(hook, "exc_value", None), KeyboardInterrupt):
        import threading

        # from another thread, once this hook has returned: delivered while it still runs
        # (a timer's fixed delay on a busy machine), the interrupt would be raised inside the
        # hook, and Python would print it as ignored and drop it
        with suppress(RuntimeError):  # no new thread once Python is shutting down: it ends
            threading.Thread(target=deliver_after_hook, name="allocator-interrupt").start()
        return
    sys.__unraisablehook__(hook)


def deliver_after_hook() -> None:
    """Interrupt the main thread (as Ctrl-C does) once `unraisable` is off its stack, however
    long that takes: checked every millisecond."""
    import _thread
    import threading
    import time

    main = threading.main_thread().ident
    while in_hook(main):
        time.sleep(0.001)
    _thread.interrupt_main()


def in_hook(thread: int | None) -> bool:
    """Whether `unraisable` is running in `thread` (a thread's ident) now."""
    frame = sys._current_frames().get(thread) if thread is not None else None
    while frame is not None:
        if frame.f_code is unraisable.__code__:
            return True
        frame = frame.f_back
    return False


def fault_said_already(hook: object) -> bool:
    """Whether `hook` is a disk fault raised by `ZipFile.__del__`. xlsxwriter (3.2.9) does not
    close its ZipFile when writing it fails (a full disk): the fault reaches the command, which
    says it in one line and removes the file, and the zip, dropped later, fails the same way as
    it tries to finish a file that is gone; Python would print that as "Exception ignored" and
    a traceback after the one line."""
    import errno

    faults = {errno.ENOSPC, errno.EFBIG, errno.EIO, errno.EROFS, getattr(errno, "EDQUOT", 0)}
    exc = getattr(hook, "exc_value", None)
    where = getattr(getattr(hook, "object", None), "__qualname__", "")
    return isinstance(exc, OSError) and exc.errno in faults and where == "ZipFile.__del__"


def interrupted_words(since: float = 0.0) -> tuple[str, str | None]:
    """The line said after Ctrl-C, and the run folder put in place whole since
    `time.monotonic()` was `since` (None if none was): an interrupt that lands once the run is
    written (as its summary is printed) must not say that nothing was."""
    folders = sys.modules.get("allocator.report.folders")  # not loaded: nothing was written
    done = folders.placed_since(since) if folders is not None else []
    if not done:
        return "interrupted: no run folder was written", None
    from allocator.errors import printable

    folder = str(done[-1])
    return f"interrupted: the run folder {printable(folder)} was written whole first", folder


class Said:
    """Whether this process has said its interrupt yet (the line on stderr, and the JSON
    document under --json): `exits.say_interrupted` says it in a command; `root.main` and the
    console script's `main` say it where no command did (typer caught the Ctrl-C before any
    `exit_codes` was entered, or it landed while the program was starting), and never twice."""

    done = False


def interrupted_document(folder: str | None) -> dict[str, object]:
    """The JSON document of an interrupted run under --json (docs/runs.md), with the run
    folder that was already in place whole, if one was."""
    done: dict[str, object] = {"status": "interrupted", "exit_code": INTERRUPTED}
    return done if folder is None else done | {"folder": folder}


def asks_json(argv: list[str]) -> bool:
    """Whether a command line asks for --json (an option of the command: before any `--`)."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in options


def say_plainly(as_json: bool, since: float = 0.0) -> None:
    """Say the interrupt: its line on stderr (`interrupted_words`) and, with `as_json`, its
    JSON document on stdout, as `print_json` writes every document (indented, keys sorted).
    With the standard library alone: a Ctrl-C can land before typer and rich are imported, or
    leave a library half imported (pandas cut short cannot be imported again in that process).
    A stream that cannot be written is left be: the exit code still says it."""
    import json

    Said.done = True
    words, folder = interrupted_words(since)
    with suppress(OSError, ValueError):
        sys.stderr.write(words + "\n")
        sys.stderr.flush()
    if as_json:
        text = json.dumps(interrupted_document(folder), indent=2, sort_keys=True)
        with suppress(OSError, ValueError):
            sys.stdout.write(text + "\n")
            sys.stdout.flush()


def leave_interrupted() -> NoReturn:
    """End an interrupted process at once, with `INTERRUPTED`, once its output is flushed (the
    run folder is already removed or whole by then).

    Python's own teardown is skipped: in it, HiGHS instances still alive when the interrupt
    landed (highspy keeps each one in a reference cycle with its callbacks) are destroyed and
    call back into an interpreter that is going away; about one interrupt in a hundred then
    ended in SIGABRT ("Fatal Python error: PyThreadState_Get ... finalizing") instead of 130.
    The folders made in advance of a run that was not written (results/ and its run folder,
    `folders.release_made`) are removed first, as atexit would.
    With child processes alive (a Dask LocalCluster), Python's exit handlers must stop them,
    so then it exits the usual way."""
    folders = sys.modules.get("allocator.report.folders")
    if folders is not None:  # os._exit skips atexit: the folders made for a run go now
        folders.release_made()
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    children = sys.modules.get("multiprocessing")
    if children is not None and children.active_children():
        sys.exit(INTERRUPTED)
    os._exit(INTERRUPTED)
