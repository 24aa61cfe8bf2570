"""The two Consoles of the command line (standard output, whose loss is `OutputLost`, and
standard error) and `shown` for user text: below every renderer, so none imports another's
module to print (`render` and `summary` both print through these)."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

from allocator.errors import printable


class OutputLost(Exception):  # noqa: N818 - not an error of the user's data: stdout is gone
    """Standard output cannot be written: a closed pipe (`| head`) or a full device."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error

    @property
    def closed_pipe(self) -> bool:
        """Whether the reader went away (`| head`): not a failure of the run."""
        return self.error.errno == errno.EPIPE

    def words(self) -> str:
        """One line: what failed and what to do."""
        reason = self.error.strerror or str(self.error)
        return (
            f"cannot write to standard output: {reason} (Errno {self.error.errno}). Fix: send "
            "it to a file on a disk with space, e.g. > summary.txt"
        )


class _Stdout:
    """`sys.stdout` as it is at each write (CliRunner swaps it), a failed write raised as
    `OutputLost`: rich and click would turn a closed pipe into exit 1, the code of an infeasible
    plan, and a full device into a traceback."""

    def write(self, text: str) -> int:
        try:
            return int(_stream().write(text))
        except OSError as exc:
            raise OutputLost(exc) from None

    def flush(self) -> None:
        try:
            _stream().flush()
        except OSError as exc:
            raise OutputLost(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(_stream(), name)


def _stream() -> Any:
    """Standard output as it is now."""
    return sys.stdout


STDOUT = _Stdout()
_OUT: dict[str, Any] = {"file": STDOUT, "soft_wrap": True, "emoji": False}  # never mid-sentence
_ERR: dict[str, Any] = {"stderr": True, "emoji": False}
out = Console(**_OUT)
err = Console(**_ERR)


def fresh_consoles() -> None:
    """Both consoles as new, in place (modules hold them by name): not quiet, and colours, size
    and terminal read again from the streams of now. For one process that runs many commands,
    as typer's CliRunner in the tests: `drop_stdout` or a terminal at import leaves no trace."""
    out.__init__(**_OUT)  # type: ignore[misc]  # in place, on purpose: modules hold them by name
    err.__init__(**_ERR)  # type: ignore[misc]  # (as above)


def drop_stdout() -> None:
    """Write nothing more to standard output: the console goes quiet and, in a real process,
    descriptor 1 is pointed at /dev/null, so that Python's flush at exit finds no closed pipe
    or full device to complain about ("Exception ignored ...")."""
    out.quiet = True
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # CliRunner's stdout, or already closed
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def shown(text: object) -> str:
    """User text (a name, a source, a path) for a rich print: control characters escaped (an ESC
    would recolour or clear the terminal, a newline in a path would split its line) and
    brackets not read as markup."""
    return escape(printable(str(text)))
