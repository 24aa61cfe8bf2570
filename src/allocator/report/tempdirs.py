"""Temporary folders that name their owner (host, pid, the process's start time), made beside
a run's folder and renamed into place; those of processes gone are removed (or, for an old
run moved aside, put back) by the next run (`report/placing.atomic_run_dir`)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import socket
import stat
from pathlib import Path

OLD_TARGET = "target"  # in an "old" temp folder: the name of the run it holds, to restore it
OWNER = ".allocator-owner"
"""In a "tmp" temp folder while it is written: its name's random part, proof that the folder
is allocator's whatever it holds (`init` writes inputs/ and models/, `alternatives` a folder
per plan); removed before the folder is renamed into place (`release_owner`)."""


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


# .allocator-<kind>-<host>-<pid>-<process start>-<random>: at most about 60 characters whatever
# the target's name, so a target name of up to 255 characters still fits beside it
TEMP_NAME = re.compile(
    r"\.allocator-(?P<kind>tmp|old)-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-(?P<start>\d+|x)-[0-9a-f]{8}"
)


def _start_time(pid: int) -> str:
    """When process `pid` started (clock ticks since boot, Linux), or "x" where unknown: with
    the pid it tells a dead process from a new one that reuses its number."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError, UnicodeDecodeError):
        return "x"


def make_temp(parent: Path, kind: str = "tmp") -> Path:
    """A new hidden folder in `parent` whose name says it is allocator's and which process owns
    it (host, pid and the process's start time). Its permissions are those of any new folder
    (the umask's), not a temp folder's 0700: it is renamed into place as the run folder (or
    the project folder of `init`), which colleagues may need to open. A "tmp" one holds the
    owner file (`OWNER`) until then."""
    pid = os.getpid()
    name = f".allocator-{kind}-{_host()}-{pid}-{_start_time(pid)}-{secrets.token_hex(4)}"
    path = parent / name
    os.mkdir(path)
    if kind == "tmp":
        try:
            (path / OWNER).write_text(name[-8:], encoding="ascii")
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
    return path


def release_owner(tmp: Path) -> None:
    """Remove the owner file of temp folder `tmp`, about to become the run folder."""
    (tmp / OWNER).unlink(missing_ok=True)


def _owned(folder: Path) -> bool:
    """Whether `folder` holds the owner file `make_temp` wrote into it (a regular file holding
    the random part of its name): what makes a temp folder with subfolders allocator's."""
    path = folder / OWNER
    try:
        found = os.lstat(path)
        return stat.S_ISREG(found.st_mode) and path.read_bytes() == folder.name[-8:].encode()
    except OSError:
        return False


def keep_mode(old: Path, new: Path) -> None:
    """Give `new` (about to be renamed over `old`) the permission bits of `old`, when `old` is
    of the same kind (a folder for a folder, a regular file for a file; never through a link):
    a run folder or page the user made private (0700, 0600) stays private when replaced, as an
    editor saving a file keeps its mode. Nothing there: `new` keeps the umask's."""
    try:
        was, now = os.lstat(old), os.lstat(new)
    except FileNotFoundError:
        return
    if stat.S_IFMT(was.st_mode) == stat.S_IFMT(now.st_mode) and not stat.S_ISLNK(was.st_mode):
        os.chmod(new, stat.S_IMODE(was.st_mode))


def _owner_gone(pid: int, start: str) -> bool:
    """Whether the process that made a temp folder on this host has ended."""
    if os.name == "nt":  # os.kill would terminate it there: never guess, never remove
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return start != "x" and _start_time(pid) not in ("x", start)  # the pid was reused


def remove_stale_temps(parent: Path) -> tuple[list[str], list[Path]]:
    """Remove allocator's temp folders in `parent` left by processes that are gone (a `kill -9`).

    Only folders named as allocator names them, made on this host by a process that has ended,
    are touched. An "old" folder holds a run that `--force` had moved aside; if its run folder is
    missing (the process died between the two renames) the run is put back.

    Returns:
        The owners' pids, and the run folders restored.
    """
    pids, restored = [], []
    try:
        entries = sorted(os.scandir(parent), key=lambda e: e.name)  # "old" before "tmp"
    except OSError:
        return [], []
    for entry in entries:
        m = TEMP_NAME.fullmatch(entry.name)
        if m is None or m["host"] != _host() or not entry.is_dir(follow_symlinks=False):
            continue
        if not _owner_gone(int(m["pid"]), m["start"]):
            continue
        try:
            back = _clean(Path(entry.path), parent, m["kind"])
        except OSError:  # someone else's folder, or a disk fault: leave it, and go on
            continue
        if not os.path.lexists(entry.path):
            pids.append(m["pid"])
            restored += [back] if back is not None else []
    return pids, restored


def _clean(folder: Path, parent: Path, kind: str) -> Path | None:
    """Remove one stale temp folder, first putting back the run an "old" one holds."""
    if kind == "tmp" and not _owned(folder) and any(p.is_dir() for p in folder.iterdir()):
        return None  # no owner file, and not flat as an older allocator's: maybe the user's
    back = _restore(folder, parent) if kind == "old" else None
    shutil.rmtree(folder, ignore_errors=True)
    return back


def _restore(old: Path, parent: Path) -> Path | None:
    """Put back the run an "old" folder holds, if its place is free; where it went."""
    try:
        name = (old / OLD_TARGET).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    target = parent / name
    if Path(name).name != name or os.path.lexists(target) or not (old / "run").is_dir():
        return None
    os.rename(old / "run", target)
    return target


def stale_note(parent: Path, pids: list[str], restored: list[Path]) -> str:
    """One line saying what `remove_stale_temps` did."""
    plural = "s" if len(pids) > 1 else ""
    text = (
        f"removed {len(pids)} temporary folder{plural} left in {parent} by allocator "
        f"process{'es' if plural else ''} {', '.join(pids)}, which ended before finishing"
    )
    if restored:
        text += "; restored " + ", ".join(str(p) for p in restored) + ", which it had moved aside"
    return text
