"""Where outputs may go: what `--force` may replace and which inputs an output must keep clear
of. Temporary folders that name their owner: `report/tempdirs.py`; file-system faults in one
line: `report/faults.py`.

An output folder is allocator's when its run.json carries `written_by`: the program, the command
and every file name the command writes there. `--force` replaces such a folder only while it holds
nothing else, so a dataset, a home folder or a run the user added notes to is never deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from allocator.errors import UsageError
from allocator.report.faults import a_label
from allocator.report.jsonfile import MAX_JSON_BYTES, read_json

MARKER = "written_by"
# files an operating system drops into a folder someone merely looked at: harmless to delete
OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})

Sources = Iterable[tuple[str, Path | None]]


def marker(
    command: str, files: Iterable[str], digests: dict[str, str] | None = None
) -> dict[str, Any]:
    """The `written_by` entry of run.json: who wrote the folder and every file it may hold;
    with `digests`, each file's SHA-256 as written (`file_digests`), so that `--force` can tell
    a table the user edited and saved in place since (`why_not_replaceable`)."""
    mark: dict[str, Any] = {
        "program": "allocator",
        "command": command,
        "files": sorted(set(files) | {"run.json"}),
    }
    if digests is not None:
        mark[DIGESTS] = dict(sorted(digests.items()))
    return mark


DIGESTS = "sha256"
"""The key of `written_by` that holds each file's SHA-256 as allocator wrote it."""


def file_digests(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """The SHA-256 of each regular file of `folder` among `names` (links, folders left out):
    27 MB of tables at 1e6 nonzeros hash in 0.08 s."""
    found = {}
    for name in names:
        path = folder / name
        if stat.S_ISREG(os.lstat(path).st_mode):
            found[name] = _digest(path)
    return found


def _digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def marked_files(folder: Path, command: str | None = None) -> set[str] | None:
    """The files run.json says allocator wrote into `folder` (by `command`, if given); None when
    the folder carries no such run.json."""
    mark = _mark(folder, command)
    return None if mark is None else set(mark["files"])


def _mark(folder: Path, command: str | None = None) -> dict[str, Any] | None:
    """run.json's `written_by` entry of `folder` (by `command`, if given), its file names
    checked; None when the folder carries no such run.json."""
    path = folder / "run.json"
    try:
        # a run.json borrowed from elsewhere (a link) proves nothing, and a FIFO or a device
        # would never end (a FIFO waits for a writer); a huge or deeply nested one, or one that
        # is no JSON, is no run.json of allocator's
        found = os.lstat(path)
        if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_JSON_BYTES:
            return None
        info = read_json(path, "")
    except (OSError, UsageError):
        return None
    mark = info.get(MARKER) if isinstance(info, dict) else None
    if not isinstance(mark, dict) or mark.get("program") != "allocator":
        return None
    files = mark.get("files")
    if not isinstance(files, list) or not all(_plain_name(f) for f in files):
        return None  # allocator names only what is in the folder: `../x.csv` is not its
    if command is not None and mark.get("command") != command:
        return None
    return mark


def _plain_name(name: object) -> bool:
    """Whether `name` is the name of an entry of a folder (no path, not `.` or `..`)."""
    return isinstance(name, str) and name not in ("", ".", "..") and Path(name).name == name


# the hidden file an atomic write of `name` goes through, left by a process killed meanwhile:
# `placing.atomic_file`'s .NAME.<8 hex>.tmp (NAME cut at 200) and `sweepfolder`'s .NAME.part
PART_NAME = re.compile(r"\.(?P<name>.+?)(?:\.[0-9a-f]{8}\.tmp|\.part)")


def _part_of(entry: str, files: set[str]) -> bool:
    """Whether `entry` is what is left of an atomic write of one of `files` (allocator's own:
    replaced with the rest of the folder)."""
    m = PART_NAME.fullmatch(entry)
    return m is not None and any(m["name"] == f[:200] for f in files)


def _foreign_reason(folder: Path, files: set[str], within: str) -> str | None:
    """Why `folder` holds an entry allocator did not write, if it does. A subfolder counts as
    written only if run.json names it and it is itself a run folder holding nothing else (the
    alternative plans of `allocator alternatives`: what keeps one of them is said as inside it,
    e.g. `alternative-1/allocation.csv`); a link never does. OS litter and part files are
    regular files: a folder or a link of such a name is the user's."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        litter = entry.name in OS_LITTER or _part_of(entry.name, files)
        if litter and entry.is_file(follow_symlinks=False):
            continue
        if entry.is_dir(follow_symlinks=False) and entry.name in files:
            inner = Path(entry.path)
            if _mark(inner) is not None:
                why = why_not_replaceable(inner, within=f"{within}{entry.name}/")
                if why is None:
                    continue
                return why
        if entry.name not in files or not entry.is_file(follow_symlinks=False):
            # a folder without run.json, a link, a FIFO or a device is never what allocator wrote
            return f"it holds {within}{entry.name}, which allocator did not write"
    return None


def why_not_replaceable(folder: Path, command: str | None = None, within: str = "") -> str | None:
    """None when `folder` holds only files allocator wrote there, as it wrote them; else the
    reason, in words (`within`: the path of `folder` inside the folder asked about)."""
    mark = _mark(folder, command)
    if mark is None:
        what = "a folder allocator wrote" if command is None else f"a folder `{command}` wrote"
        return f"it is not {what} (no run.json saying so)"
    files = set(mark["files"])
    why = _foreign_reason(folder, files, within) or _edited_workbook(folder, files, within)
    if why is not None:
        return why
    name = changed_file(folder, files, mark.get(DIGESTS))
    if name is None:
        return None
    return f"it holds {within}{name}, changed since allocator wrote it, which may hold your edits"


def changed_file(folder: Path, files: Iterable[str], digests: object) -> str | None:
    """The first of `files` in `folder` whose bytes are none that run.json records (`digests`:
    its `written_by.sha256`), so the user's now (a table edited and saved in place); None when
    each is as written, or when run.json records no digests (a run of an older allocator). A
    name may record a list of digests: a file being rewritten (`rebuild`), either allocator's."""
    if not isinstance(digests, dict):
        return None
    names = set(files)
    for name, digest in sorted(digests.items()):
        if name not in names:
            continue  # run.json names only the folder's own files
        path = folder / name
        accepted = digest if isinstance(digest, list) else [digest]
        if os.path.lexists(path) and (not path.is_file() or _digest(path) not in accepted):
            return str(name)
    return None


def _edited_workbook(folder: Path, files: Iterable[str], within: str = "") -> str | None:
    """Why a workbook allocator wrote in `folder` is the user's now: saved since (its modified
    date is no longer allocator's fixed one: `data.bookwriter.saved_since`), so it may hold
    their edits; None when none was."""
    from allocator.data.bookwriter import saved_since

    for name in sorted(files):
        path = folder / name
        if name.lower().endswith(".xlsx") and path.is_file() and not path.is_symlink():
            saved = saved_since(path)
            if saved is not None:
                return (
                    f"it holds {within}{name}, saved since allocator wrote it (modified {saved}), "
                    "which may hold your edits"
                )
    return None


def is_empty_dir(path: Path) -> bool:
    """An existing folder with nothing in it (not a link to one)."""
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # also right on case-insensitive disks and bind mounts
    except OSError:
        return a == b  # one of them does not exist (yet): compare the resolved names


def _at_or_under(a: Path, b: Path) -> bool:
    """Whether `a` is `b` or lies inside it (both resolved)."""
    return any(_same(p, b) for p in (a, *a.parents))


MADE: list[Path] = []
"""Folders this process made in advance of a run (`placing.default_run_dir`: results/ and the
run's own), removed at its end while still empty (`release_made`)."""
PLACED: list[tuple[float, Path]] = []
"""Run folders this process put in place whole (`placing.atomic_run_dir`), each with the
`time.monotonic()` at which it was: an interrupt after it must not deny it (`placed_since`)."""


def made_in_advance(folder: Path) -> None:
    """Remember `folder`, made before its run was written: removed when the process ends
    (atexit, or `release_made` on an interrupt, which skips atexit) if nothing was written."""
    import atexit

    if not MADE:
        atexit.register(release_made)
    MADE.append(folder)


def release_made() -> None:
    """Remove the folders `made_in_advance` that are still empty, the last made first."""
    while MADE:
        with suppress(OSError):  # a run is in it, or it is gone: leave it
            MADE.pop().rmdir()


def placed(folder: Path) -> None:
    """Record that the run folder `folder` is now in place, whole."""
    import time

    PLACED.append((time.monotonic(), folder))


def placed_since(start: float) -> list[Path]:
    """The run folders put in place since `time.monotonic()` was `start`."""
    return [folder for when, folder in PLACED if when >= start]


DEFAULT_FOLDER = "the default run folder (no --out given)"
"""How a run folder allocator named itself under results/ is called in messages."""


def refuse_overlap(out: Path, sources: Sources, label: str = "--out") -> None:
    """Refuse an output that is, lies inside or contains an input, symlinks and `..` resolved.

    Raises:
        UsageError: naming the output and the input it overlaps.
    """
    here = resolved(out, label)
    for kind, source in sources:
        if source is None:
            continue
        src = resolved(Path(source), f"the {kind}")
        if _same(here, src):
            relation = "is"
        elif _at_or_under(here, src):
            relation = "is inside"
        elif _at_or_under(src, here):
            relation = "contains"
        else:
            continue
        fix = (
            "run allocator from a folder outside the inputs, or give --out a folder outside them"
            if label == DEFAULT_FOLDER
            else f"choose {a_label(label)} outside it, e.g. under results/"
        )
        raise UsageError(
            f"{label} {out} {relation} the {kind} {source}: an output must not overlap an input. "
            f"Fix: {fix}"
        )


def resolved(path: Path, label: str) -> Path:
    """`path` with links and `..` resolved; a loop of links is said in one line (Python 3.11
    raises RuntimeError for it, later versions OSError).

    Raises:
        UsageError: naming `path` and its loop.
    """
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        raise UsageError(
            f"{label} {path}: the path is a loop of symbolic links. Fix: give a path whose "
            "links lead to a folder"
        ) from None


def refuse_mount_point(path: Path, label: str = "--out") -> None:
    """Refuse a mount point as the run folder, before any work: a run is written beside its
    folder and renamed into place, and a mount point cannot be renamed onto (EBUSY).

    Raises:
        UsageError: saying so, with a folder inside it as the fix.
    """
    if path.is_dir() and not path.is_symlink() and os.path.ismount(path):
        raise UsageError(
            f"{label} {path} is a mount point: a run is written beside its folder and renamed "
            f"into place, which a mount point does not allow. Fix: give a folder inside it, "
            f"e.g. {label} {path / 'run'}"
        )


def refuse_working_folder(path: Path, label: str = "--out") -> None:
    """Refuse the folder this process works in (`.`), or one that holds it, as an output: a run
    is made in a temp folder beside its folder and renamed into place, and from inside `.` the
    temp folder lands in the target itself (which then "exists"); renamed away, the folder
    would leave the shell that ran allocator in a folder that is gone.

    Raises:
        UsageError: naming the folder, with a new folder inside it as the fix.
    """
    try:
        here = Path.cwd()
    except OSError:  # the working folder was removed: it is no output's
        return
    if os.path.lexists(path) and _at_or_under(here, resolved(path, label)):
        raise UsageError(
            f"{label} {path} is the folder you are working in (or holds it), and a run is "
            f"written beside its folder and renamed into place. Fix: name a new folder, "
            f"e.g. {path / 'run'}"
        )


def file_in_the_way(places: Iterable[Path]) -> Path | None:
    """The first of `places` (a path, then its ancestors) that exists, if it is no folder: a
    file where a folder must be made or found; None when the first that exists is a folder."""
    for place in places:
        if os.path.lexists(place):
            return None if place.is_dir() else place
    return None


def refuse_file_ancestor(path: Path, label: str = "--out") -> None:
    """Refuse a path below a file: the nearest existing ancestor must be a folder."""
    parent = file_in_the_way(path.parents)
    if parent is not None:
        raise UsageError(
            f"{parent} is a file, not a folder, so {label} {path} cannot be made. "
            f"Fix: choose another {label}"
        )


def being_written(folder: Path) -> bool:
    """Whether another process holds `folder`'s writing lock (`writing_lock`: a sweep streaming
    its samples there). Never on Windows, which has no flock."""
    if os.name == "nt":
        return False
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # the lock, if taken, ends with the descriptor
    return False


@contextmanager
def writing_lock(folder: Path, what: str = "sweep") -> Iterator[None]:
    """Hold an exclusive lock on `folder` (made if missing) while a command writes into it in
    place (a sweep streams its samples there): a second one is refused at once rather than mixing
    its rows with the first's. The lock is the folder's own (flock on it: no file is added) and
    ends with the process, also on `kill -9`. Not on Windows, which has no flock.

    Raises:
        UsageError: another process holds the lock.
    """
    if os.name == "nt":
        yield
        return
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another allocator {what} is writing into {folder}. Fix: wait for it to end, "
                f"then continue it with --resume, or choose another --out"
            ) from None
        yield
    finally:
        os.close(fd)  # the lock ends with the descriptor
