"""What a run tells a Python caller beside its result: each note of the dataset (a broken fact,
a range an override leaves out) and each numerics warning, as a Python warning of
`AllocatorWarning`, where the command line prints a `warning:` line on stderr.

A caller filters them by their class, as any warning:
`warnings.simplefilter("ignore", AllocatorWarning)`, or `warnings.simplefilter("error",
AllocatorWarning)` to stop at the first; or passes `warn=` (a function told each note) to say
them another way.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable

Warn = Callable[[str], None]


class AllocatorWarning(UserWarning):
    """A note of allocator's on a run's data or numerics: what the command line tells on stderr
    (`warning: ...`), told to a Python caller."""


def python_warning(note: str) -> None:
    """Warn `note` as an `AllocatorWarning` from the caller's line (the first frame outside the
    allocator package), so that a notebook shows its own cell and the default filter shows each
    note once per line."""
    warnings.warn(note, AllocatorWarning, stacklevel=_outside_level())


def _outside_level() -> int:
    """The `stacklevel` of `python_warning` that names the first frame outside allocator."""
    level, frame = 2, sys._getframe(2)  # 0: here, 1: python_warning, 2: its caller
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__", "")):
        level, frame = level + 1, frame.f_back
    return level


def _ours(module: str) -> bool:
    """Whether `module` is allocator's own."""
    return module == "allocator" or module.startswith("allocator.")


def told(warn: Warn | None) -> Warn:
    """Where a run's notes go: `warn` if given (the command line gives its stderr), else a
    Python caller's default, `python_warning`."""
    return python_warning if warn is None else warn


def quiet(_note: str) -> None:
    """Say nothing: a run within a run whose notes the outer run tells itself (compare's items,
    a `--check-against` re-run)."""
