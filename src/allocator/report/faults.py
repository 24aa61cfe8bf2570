"""File-system faults said in one line (a UsageError, exit 2): `output_faults` around the
writing of an output, `fault_words` for the reason and fix of one fault, `fault_line` for a fault
no command foresaw (`cli.exits` says it, not a traceback). Split from `folders.py`."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from allocator.errors import UsageError

_FULL = "free some space, or choose {a_label} on another disk"
_FAULTS: dict[int, tuple[str, str]] = {
    errno.EROFS: ("the file system is read-only", "choose {a_label} on a writable disk"),
    errno.EACCES: ("permission denied", "choose {a_label} in a folder you may write to"),
    errno.EPERM: ("permission denied", "choose {a_label} in a folder you may write to"),
    errno.ENOSPC: ("the disk is full", _FULL),
    getattr(errno, "EDQUOT", errno.ENOSPC): ("the disk quota is used up", _FULL),
    errno.EFBIG: ("a file is larger than the disk allows", _FULL),
    errno.ENAMETOOLONG: (
        "a name in the path, or the whole path, is too long",
        "choose a shorter {label} (at most 255 bytes per folder name, 4,096 in all)",
    ),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose another {label}"),
    errno.EEXIST: ("a part of the path is a file, not a folder", "choose another {label}"),
    errno.ELOOP: ("the path is a loop of symbolic links", "choose another {label}"),
    errno.EIO: (
        "the disk reported an input/output error",
        "check the disk, or choose another {label}",
    ),
    errno.ENOENT: (
        "a folder cannot be made there (the file system takes no new folders, as /proc, or a "
        "part of the path vanished)",
        "choose {a_label} on an ordinary disk",
    ),
    errno.EBUSY: (
        "it is a mount point or in use, and a run is written beside its folder and renamed "
        "into place, which a mount point does not allow",
        "give a folder inside it, e.g. {label} {inside}",
    ),
    errno.EXDEV: (
        "the run cannot be renamed into place across two file systems",
        "give a folder inside it, e.g. {label} {inside}",
    ),
    errno.EISDIR: (
        "a folder stands where a file was to be written",
        "move that folder away, or choose another {label}",
    ),
    errno.ENOTEMPTY: (
        "another process (a second allocator run?) put a folder there while this run was "
        "written, and it is left as it is",
        "choose another {label}, or run again once the other run is done",
    ),
}


@contextmanager
def output_faults(path: Path, label: str = "--out") -> Iterator[None]:
    """Say a file-system fault met while writing `path` in one line (a UsageError, exit 2);
    any other error passes through unchanged."""
    try:
        yield
    except OSError as exc:
        words = fault_words(exc, label, path / "run")
        if words is None:
            raise
        raise UsageError(f"cannot write {label} {path}: {words}") from None


def fault_words(exc: OSError, label: str, inside: Path) -> str | None:
    """`exc` as "reason (Errno N). Fix: ..." when it is a fault of the file system a user can
    act on (`_FAULTS`), else None."""
    if exc.errno not in _FAULTS:
        return None
    reason, fix = _FAULTS[exc.errno]
    said = fix.format(label=label, a_label=a_label(label), inside=inside)
    return f"{reason} (Errno {exc.errno}). Fix: {said}"


def a_label(label: str) -> str:
    """`label` with its article, as a fix says it: `an OUT_FILE`, `a RUN_DIR`, `a --out`; a
    label that has its own (`the default run folder (no --out given)`) as it is."""
    if label.startswith(("the ", "a ", "an ")):
        return label
    return f"{'an' if label[:1].upper() in tuple('AEIOU') else 'a'} {label}"


_ANY_PATH: dict[int, str] = {
    errno.ENAMETOOLONG: "give a shorter path (at most 255 bytes per name, 4,096 in all)",
    errno.ELOOP: "give a path whose links lead somewhere",
    errno.ENOTDIR: "give a path whose folders are folders",
    errno.EACCES: "give a path you may use, or change its permissions",
    errno.EPERM: "give a path you may use, or change its permissions",
    errno.EROFS: "give a path on a writable disk",
    errno.ENOSPC: _FULL.format(a_label="a path"),
    getattr(errno, "EDQUOT", errno.ENOSPC): _FULL.format(a_label="a path"),
    errno.EFBIG: _FULL.format(a_label="a path"),
    errno.EIO: "check the disk, or give another path",
}
"""The fixes of the faults `fault_line` says, whatever the path was used for (read or write)."""


def fault_line(exc: BaseException) -> str | None:
    """A file-system fault met where no command expected one (a run folder named past the
    system's limit, say) as one line naming the path; None for any other error (a file that
    is missing, too: what it is for decides its fix). `cli.exits` says it, not a traceback."""
    if not isinstance(exc, OSError) or exc.filename is None or exc.errno not in _ANY_PATH:
        return None
    path = os.fsdecode(exc.filename)
    return f"cannot use {path}: {exc.strerror} (Errno {exc.errno}). Fix: {_ANY_PATH[exc.errno]}"
