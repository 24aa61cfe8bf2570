"""Where a run folder goes, which places are refused, and how an output is put there whole:
every file goes into a hidden temp folder beside the target, renamed into place only when
complete. On any error or Ctrl-C the temp folder is removed; an existing run is replaced only
with `force`, only if allocator wrote it (`allocator.report.folders`), and only after the new
one is complete. Single files are replaced the same way (`atomic_file`)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from allocator.data.names import plain_name
from allocator.errors import UsageError
from allocator.report.faults import fault_words, output_faults
from allocator.report.folders import (
    DEFAULT_FOLDER,
    Sources,
    being_written,
    file_in_the_way,
    is_empty_dir,
    made_in_advance,
    placed,
    refuse_file_ancestor,
    refuse_overlap,
    refuse_working_folder,
    why_not_replaceable,
)
from allocator.report.tempdirs import (
    OLD_TARGET,
    keep_mode,
    make_temp,
    release_owner,
    remove_stale_temps,
    stale_note,
)
from allocator.signalmask import signals_held


def default_run_dir(results: Path, dataset: str, objective: str) -> Path:
    """A new folder under `results/`, dataset-objective-date-time (then -2, -3, ... if taken),
    made here: `os.mkdir` either makes the name or fails, so runs started in the same second
    each get their own. The run is renamed onto it (an empty folder counts as new); if none is,
    the folder (and results/, if made here) is removed when the process ends, also on Ctrl-C
    (`folders.release_made`).

    Raises:
        UsageError: `results` is a file or lies below one, or cannot be made (one line).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = results / f"{plain_name(dataset, 'run')}-{objective}-{stamp}"
    check_results(results)
    try:
        for made in reversed(_missing_parents(results / "run")):
            try:
                os.mkdir(made)
            except FileExistsError:
                continue  # made meanwhile by another run: not this one's to remove
            made_in_advance(made)  # removed again, with the run's own, if nothing is written
        n = 1
        while True:
            path = base if n == 1 else Path(f"{base}-{n}")
            try:
                os.mkdir(path)
            except FileExistsError:
                n += 1
                continue
            made_in_advance(path)
            return path
    except OSError as exc:
        words = fault_words(exc, "--out", results / "run")
        if words is None:
            raise
        raise UsageError(f"cannot make {DEFAULT_FOLDER} under {results}: {words}") from None


def check_results(results: Path) -> None:
    """Refuse a `results` (where runs go without --out) that is a file or lies below one,
    before any work.

    Raises:
        UsageError: naming the file, with giving --out as the fix.
    """
    place = file_in_the_way((results, *results.parents))
    if place is not None:
        raise UsageError(
            f"{place} is a file, not a folder, so {DEFAULT_FOLDER} cannot be made under "
            f"{results}. Fix: give --out DIR, or move the file {place} away"
        )


def release_run_dir(path: Path) -> None:
    """Remove a folder `default_run_dir` made if nothing was written into it (still empty)."""
    with contextlib.suppress(OSError):  # a run is in it, or it is gone: leave it
        path.rmdir()


def check_target(path: Path, force: bool, sources: Sources = (), label: str = "--out") -> None:
    """Refuse, before any work is done, a target that overlaps an input, lies below a file, is
    a link, is a file, exists (unless `force`, and then only if allocator wrote it and it holds
    nothing else). An empty folder is used as if it were new.

    Args:
        path: the folder to write.
        force: whether an earlier output of allocator there may be replaced.
        sources: (kind, path) of every input the command reads: a dataset, a model file, a run.
        label: how the user named the folder, for the messages.

    Raises:
        UsageError: one line saying why and what to do.
    """
    with output_faults(path, label):
        refuse_overlap(path, sources, label)
        refuse_file_ancestor(path, label)
        refuse_working_folder(path, label)
        if path.is_symlink():
            raise UsageError(
                f"{label} {path} is a symbolic link. Fix: give the folder it points to, "
                f"or another {label}"
            )
        if not path.exists() or is_empty_dir(path):
            return
        if not path.is_dir():
            raise UsageError(f"{label} {path} is a file, not a folder. Fix: choose another {label}")
        _refuse_existing(path, force, label)


def _refuse_existing(path: Path, force: bool, label: str) -> None:
    """Refuse an existing, non-empty folder `path` unless `force` and allocator wrote it alone;
    --force is offered as the fix only where it would work.

    Raises:
        UsageError: one line saying why and what to do.
    """
    why = why_not_replaceable(path)
    if why is None and being_written(path):
        why = "another allocator command (a sweep) is writing into it"
    if why is not None and force:
        raise UsageError(
            f"{label} {path} will not be replaced: {why}, and --force replaces only "
            f"allocator's own output folders. Fix: choose another {label}"
        )
    if why is not None:
        raise UsageError(
            f"{label} {path} already exists and is no run folder to replace: {why}. "
            f"Fix: choose another {label}"
        )
    if not force:
        raise UsageError(
            f"run folder {path} already exists. Fix: pass --force to replace it, "
            f"or choose another {label}"
        )


def note(message: str) -> None:
    """Say `message` on stderr as a note (not allocator's output: stdout stays clean)."""
    print(f"note: {message}", file=sys.stderr, flush=True)


@contextmanager
def atomic_run_dir(
    path: Path,
    force: bool,
    sources: Sources = (),
    label: str = "--out",
    say: Callable[[str], None] = note,
) -> Iterator[Path]:
    """Yield a temp folder to write into; on success it becomes `path`, on failure it vanishes.

    The temp folder's name records its owner, so a later run (this one, first) removes those
    of processes killed beside the target, and says so through `say`. A fault of the disk is
    one line naming `path` (see `output_faults`); with `force` the old run then stays intact.
    """
    check_target(path, force, sources, label)
    with undo_new_parents(path):
        with output_faults(path, label):
            path.parent.mkdir(parents=True, exist_ok=True)
            pids, restored = remove_stale_temps(path.parent)
            if pids:
                say(stale_note(path.parent, pids, restored))
            with signals_held():
                tmp = make_temp(path.parent)
        try:
            with output_faults(path, label):
                yield tmp
                earlier = earlier_run(path)
                with signals_held():
                    _replace(tmp, path, force, sources, label)
                    placed(path)  # an interrupt from here on must not deny it
                if earlier:
                    say(f"--force replaced {path}: the earlier {earlier}")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def earlier_run(path: Path) -> str | None:
    """What a run folder at `path` holds, in words (`allocator solve run, objective jobs`), or
    None where there is none (no folder, an empty one): what --force is about to replace."""
    if not path.is_dir() or is_empty_dir(path):
        return None
    from allocator.report.jsonfile import read_json

    try:
        record = read_json(path / "run.json", "")
    except UsageError:
        return "run"
    record = record if isinstance(record, dict) else {}
    command = (record.get("written_by") or {}).get("command")
    objective = (record.get("objective") or {}).get("name")
    said = f"allocator {command} run" if isinstance(command, str) else "run"
    return f"{said}, objective {objective}" if isinstance(objective, str) else said


@contextmanager
def undo_new_parents(path: Path) -> Iterator[None]:
    """Whatever folders above `path` the block makes (they are missing now) are removed again,
    if still empty, when the block fails: an output that was not written leaves no folder."""
    made = _missing_parents(path)
    try:
        yield
    except BaseException:
        _remove_empty(made)
        raise


def _missing_parents(path: Path) -> list[Path]:
    """The ancestors of `path` that do not exist yet, nearest first."""
    return [p for p in path.parents if not os.path.lexists(p)]


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders a failed run created, if still empty (nothing is left behind)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _replace(tmp: Path, path: Path, force: bool, sources: Sources, label: str) -> None:
    """Rename `tmp` to `path`; an earlier run there is first moved into an "old" temp folder
    (which names the run, so a later run can put it back if this process is killed between the
    two renames) and deleted only once the new run is in place. `tmp` takes the mode of the
    folder it replaces (`keep_mode`), an empty one too, and loses its owner file."""
    release_owner(tmp)
    keep_mode(path, tmp)
    if not path.exists() or is_empty_dir(path):
        os.rename(tmp, path)  # onto an empty folder too: POSIX rename replaces it
        return
    check_target(path, force, sources, label)  # again: the folder may have changed meanwhile
    old = make_temp(path.parent, "old")
    try:
        (old / OLD_TARGET).write_text(path.name, encoding="utf-8")
        os.rename(path, old / "run")
    except BaseException:
        shutil.rmtree(old, ignore_errors=True)  # the old run was not moved: only the note
        raise
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old / "run", path)  # if this fails too, `old` stays for the next run to restore
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a new empty file beside `path` to write; once written it replaces `path` in one
    rename (os.replace), so `path` is at every moment the old file or the new one, never a part.
    On any error the new file is removed and `path` is left as it was. The new file gets the
    mode of the file it replaces (`keep_mode`), else the umask's, never a temp file's 0600."""
    tmp = path.with_name(f".{path.name[:200]}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        with open(tmp, "rb") as done:  # on disk before the rename, so a crash cannot leave a hole
            os.fsync(done.fileno())
        keep_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` through `atomic_file`."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
