"""Whether an error was caused by Ctrl-C (or SIGTERM): the commands (`commands.exit_codes`) and
the sweep's view (`sweeping`) both ask, so it lives below both (no import cycle in cli/)."""

from __future__ import annotations


def caused_by_interrupt(exc: BaseException) -> bool:
    """An error raised because Ctrl-C (or SIGTERM) landed inside it, e.g. an ImportError when the
    signal arrived while a compiled module was being initialised."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False
