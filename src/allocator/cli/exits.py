"""Errors the user can act on, as one line on stderr and an exit code (`exit_codes`, which every
command runs inside).

Exit codes: 0 solved, 1 infeasible or unbounded, 2 bad input or usage (also a full stdout),
130 interrupted, 141 standard output closed by its reader (`| head`), as a shell reports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.markup import escape

from allocator.cli.interrupts import caused_by_interrupt, say_plainly
from allocator.cli.render import OutputLost, drop_stdout, err, print_json

SIGPIPE_EXIT = 141
"""Exit code when the reader of standard output went away (`| head`): a shell's 128 + SIGPIPE,
as a command killed by SIGPIPE reports; the run itself is complete."""


@contextmanager
def exit_codes(as_json: bool = False) -> Iterator[None]:
    """One line on stderr and the right exit code for every error the user can act on; with
    `as_json`, the error as one JSON document on stdout too (a script reads only that)."""
    import time

    from allocator.errors import AllocatorError

    start = time.monotonic()
    try:
        yield
    except OutputLost as exc:
        stdout_lost(exc)
    except AllocatorError as exc:
        refuse(exc, as_json)
    except (KeyboardInterrupt, Exception) as exc:
        unforeseen_fault(exc, as_json)
        if not caused_by_interrupt(exc):
            raise
        say_interrupted(start, as_json)
        raise typer.Exit(130) from None


def say_interrupted(start: float, as_json: bool) -> None:
    """One line after Ctrl-C: whether a run folder was put in place since `start` (and which);
    with `as_json`, the same as one JSON document. Said with the standard library alone
    (`say_plainly`): the interrupt may have left a library half imported (pandas cut short
    cannot be imported again in that process), and the document must not need one."""
    say_plainly(as_json, start)


def unforeseen_fault(exc: BaseException, as_json: bool) -> None:
    """A fault of the file system (a full disk, a path past the system's limit, ...) that
    reached no `output_faults`: one line naming the path and exit 2, never a traceback.
    Any other error is left to the caller."""
    from allocator.errors import UsageError
    from allocator.report.faults import fault_line

    line = fault_line(exc)
    if line is not None:
        refuse(UsageError(line), as_json)


def refuse(exc: Exception, as_json: bool) -> None:
    """Say an AllocatorError (escaped: it may quote a file's control characters or a path with
    a newline) and exit with its code."""
    from allocator.errors import printable

    message = printable(str(exc))
    details = [printable(line) for line in getattr(exc, "details", [])]
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    for line in details:
        err.print(escape(line), highlight=False, soft_wrap=True)
    code = getattr(exc, "exit_code", 2)
    if as_json:
        try:
            print_json({"status": "error", "exit_code": code, "error": message, "details": details})
        except OutputLost as lost:
            stdout_lost(lost)
    raise typer.Exit(code) from None


def stdout_lost(exc: OutputLost) -> NoReturn:
    """A closed pipe: exit quietly with SIGPIPE_EXIT; a full device: one line, exit 2."""
    drop_stdout()
    if exc.closed_pipe:
        raise typer.Exit(SIGPIPE_EXIT) from None
    err.print(f"[bold red]error:[/] {escape(exc.words())}", highlight=False, soft_wrap=True)
    raise typer.Exit(2) from None
