"""Save on the served page: the scenario as a model file with `set:` lines, and a normal run
folder written by `allocator solve` on that model file (the same write path, refusing to
overwrite as solve does), so the CLI on the model file gives the same bytes.
"""

from __future__ import annotations

import errno
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from allocator.data.cellset import CellSet
from allocator.data.modelfile import project_root
from allocator.data.names import is_plain_name
from allocator.data.schema import Inputs
from allocator.errors import UsageError, quoted
from allocator.report.folders import is_empty_dir, refuse_file_ancestor, resolved
from allocator.report.placing import undo_new_parents
from allocator.runs.common import Run, out_label
from allocator.runs.given import typed_texts
from allocator.runs.solve import solve as run_solve
from allocator.runs.spec import RunSpec, layered
from allocator.serve.held import HeldModel


@dataclass
class Saved:
    """Where Save wrote: the model file and the run folder, and what the run told (`notes`):
    each note of the dataset and each numerics warning that `allocator solve` on the model file
    prints on stderr, for the page (never a Python warning on the server's console)."""

    model_file: Path
    run: Run
    notes: list[str] = field(default_factory=list)


def save(held: HeldModel, name: object, models: Path, results: Path) -> Saved:
    """Write `models/<name>.yaml` (the served scenario: the model file it started from, if any,
    with the cells set as `set:` lines) and solve it into `results/<name>/` as `allocator solve
    <model file> --out results/<name>` does.

    Raises:
        UsageError: no name, a name that is not a plain file name, a model file or run folder that
            exists (nothing is overwritten), or a model file its dataset cannot be read from.
    """
    if name is None or name == "":  # none sent (or null, or the page's empty field)
        raise UsageError(
            'save: no name given. Fix: send the scenario\'s name, e.g. {"name": '
            '"ecosystem_plus_500"} (letters, digits, _ . -)'
        )
    if not isinstance(name, str) or not is_plain_name(name) or name.endswith(".yaml"):
        raise UsageError(
            f"save: the name {quoted(name)} is not a plain name. Fix: letters, digits, _ . - "
            "(first and last a letter or digit, at most 64), e.g. ecosystem_plus_500"
        )
    path, run = models / f"{name}.yaml", results / name
    refuse_unwritable(path, run, held)
    shown, sets = held.shown()
    with undo_new_parents(path):  # a scenario not saved leaves no models/ folder either
        write_new(path, model_text(held, name, path, sets))
        try:
            opts = saved_options(path, results / name)
            refuse_another_plan(opts, shown.inputs, held)
            notes: list[str] = []
            with out_label("--results"), held.cancels.cancellable():  # serve's option: no --out
                run_done = run_solve(opts, warn=notes.append)
            return Saved(path, run_done, notes)
        except BaseException as exc:
            if not (isinstance(exc, KeyboardInterrupt) and is_run_folder(run)):
                path.unlink(missing_ok=True)  # ours, written a moment ago: not saved
            raise  # stopped once its run folder was in place whole: saved, kept


def is_run_folder(run: Path) -> bool:
    """Whether `run` is a folder with something in it: a Save's run folder, put in place whole
    (it was missing or empty when the Save began, `refuse_unwritable`)."""
    return run.is_dir() and not is_empty_dir(run)


def refuse_another_plan(opts: RunSpec, shown: Inputs, held: HeldModel) -> None:
    """Refuse a saved model file whose scenario, read from disk as `allocator solve` reads it,
    is not the data of the plan shown (`shown`): the dataset changed on disk since serve read
    it, and the run would hold numbers the page never showed (the model file serve started
    from is written as serve read it, `model_text`).

    Raises:
        UsageError: naming the inputs and the fix.
    """
    from allocator.runs.common import scenario_of

    # how a cell was set (the page, a model file's set:) is no data, nor how the dataset's
    # path was written (`inputs/fp` as typed, the saved model file's resolved path)
    plain = {"cells_set": (), "folder": shown.folder}
    if scenario_of(opts).model_copy(update=plain) == shown.model_copy(update=plain):
        return
    raise UsageError(
        f"save: the dataset {held.opts.inputs} changed on disk since serve read it, so the "
        "saved scenario would give another plan than the page shows. Fix: stop serve and start "
        "it again (it reads it anew), then set the cells again"
    )


def refuse_unwritable(path: Path, run: Path, held: HeldModel) -> None:
    """Refuse, in serve's words (its options, not solve's), a model file `path` or a run folder
    `run` that Save may not write, before anything is written.

    Raises:
        UsageError: below a file, inside an input, or a run folder that exists.
    """
    refuse_file_ancestor(path, "--models")
    refuse_file_ancestor(run, "--results")
    refuse_inside_inputs(path, path.parent, held)
    refuse_outside_project(path, held)
    if os.path.lexists(run) and not is_empty_dir(run):
        raise UsageError(
            f"{run} exists: Save never replaces a run folder. Fix: choose another name"
        )
    refuse_inside_inputs(run, run.parent, held, "--results", "the run folder")


def refuse_inside_inputs(
    path: Path,
    folder: Path,
    held: HeldModel,
    option: str = "--models",
    what: str = "",
) -> None:
    """Refuse a model file (or, with `option` --results, a run folder) that would land inside
    an input of the served scenario (serve `--models inputs/peru2040`): Save writes nothing
    into a dataset, as no command does.

    Raises:
        UsageError: naming the option, the input and the fix.
    """
    here = resolved(path, option)
    for kind, source in held.opts.sources():
        if source is not None and here.is_relative_to(resolved(Path(source), f"the {kind}")):
            raise UsageError(
                f"{option} {folder} is inside the {kind} {source}: Save would write "
                f"{what or path.name}{' ' + path.name if what else ''} into it, and nothing is "
                f"written into an input. Fix: start serve with {option} naming a folder "
                f"outside it, e.g. {option[2:]}/ beside the dataset"
            )


def refuse_outside_project(path: Path, held: HeldModel) -> None:
    """Refuse a model file `path` that could not name the served dataset: a model file's
    dataset lies in its project (`modelfile.project_root`: the folder above models/, else its
    own), as `allocator solve` reads it back.

    Raises:
        UsageError: naming --models and a models/ folder that works.
    """
    if os.path.lexists(path):
        return  # refused as a file that exists (`write_new`), even as a link to elsewhere
    root = project_root(path)
    data = resolved(Path(held.opts.inputs), "the dataset")
    if data.is_relative_to(root):
        return
    home = data.parent.parent if data.parent.name == "inputs" else data.parent
    raise UsageError(
        f"--models {path.parent}: a model file there cannot name the dataset "
        f"{held.opts.inputs}, which is outside its project {root} (the folder above models/, "
        f"else the model file's own folder). Fix: start serve with --models {home / 'models'}"
    )


def write_new(path: Path, text: str) -> None:
    """Write `text` to `path`, a file that does not exist yet (never through a link).

    Raises:
        UsageError: the file (or a link of that name, even to nowhere) exists, or the folder
            cannot be written.
    """
    exists = UsageError(f"{path} exists: Save never replaces a file. Fix: choose another name")
    if path.exists() or path.is_symlink():
        raise exists
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_whole(path, text)
    except FileExistsError:
        raise exists from None
    except OSError as exc:
        raise UsageError(
            f"save: {path} cannot be written ({exc.strerror}). Fix: start serve with --models "
            "naming a folder you may write"
        ) from None


def _write_whole(path: Path, text: str) -> None:
    """Write `text` beside `path` and link it there: the file appears whole or not at all (a
    full disk leaves nothing behind), and a file made meanwhile is not replaced (a link, unlike
    a rename, never replaces). Where the file system has no links, written in place with "x",
    removed again if the write fails.

    Raises:
        FileExistsError: `path` exists (also as a link to nowhere).
        OSError: the folder cannot be written.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temp, "x", encoding="utf-8") as f:  # the umask's permissions, as any file
            f.write(text)
        try:
            os.link(temp, path, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            _write_in_place(path, text)
    finally:
        temp.unlink(missing_ok=True)


_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV}
"""What `os.link` raises where a file system (FAT, some network disks) makes no links."""


def _write_in_place(path: Path, text: str) -> None:
    """Write `text` to a new `path` ("x": never a file made meanwhile), removed on a failure."""
    with open(path, "x", encoding="utf-8") as f:
        try:
            f.write(text)
            f.flush()
        except BaseException:
            path.unlink(missing_ok=True)
            raise


def saved_options(model: Path, out: Path) -> RunSpec:
    """The spec `allocator solve <model> --out <out>` runs with."""
    return layered(model, [], out=out)


def model_text(
    held: HeldModel, name: str, path: Path, sets: dict[str, CellSet] | None = None
) -> str:
    """The model file of the served scenario, to be written at `path`: the model file serve
    started from (if any, as serve read it: `Scenario.model_read`, whatever the file became on
    disk since) with the options the page was solved with (the command line's over the file's)
    and the cells set (`sets`, default: the held model's)."""
    cells = held.sets if sets is None else sets
    base: dict[str, Any] = {}
    lines: list[str] = []
    opts = held.opts
    read = opts.scenario.model_read()
    if read is not None:
        base = yaml.safe_load(read.text) or {}  # a model file: validated when it was read
        lines = list(base.get("set") or [])
    kept = {k: v for k, v in base.items() if k not in ("name", "description", "set")}
    if opts.measure != "discounted":
        kept.pop("discount_rate", None)  # the file's rate belongs to the file's measure
    dataset = Path(os.path.relpath(Path(opts.inputs).resolve(), path.resolve().parent))
    data = {
        "name": name,
        "description": f"Saved by allocator serve from {_origin(opts)}.",
        **(kept | run_options(opts)),
        "dataset": dataset.as_posix(),
        "set": lines + command_line_sets(opts) + page_sets(cells),
    }
    head = "# Written by allocator serve: the scenario as the page held it.\n"
    return head + yaml.safe_dump(in_one_order(data), sort_keys=False, allow_unicode=True, width=100)


def in_one_order(data: dict[str, Any]) -> dict[str, Any]:
    """A model file's keys in the schema's order (`ModelFile`'s fields) and every mapping inside
    by name, lists as they are: the same scenario is written one way, whatever order the model
    file serve started from gave its keys in."""
    from allocator.data.modelfile import ModelFile

    rank = {name: i for i, name in enumerate(ModelFile.model_fields)}
    keys = sorted(data, key=lambda k: (rank.get(k, len(rank)), k))
    return {k: _by_name(data[k]) for k in keys}


def _by_name(value: Any) -> Any:
    """`value` with the keys of every mapping in it sorted (lists keep their order)."""
    if isinstance(value, dict):
        return {k: _by_name(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_by_name(v) for v in value]
    return value


def page_sets(cells: dict[Any, CellSet]) -> list[str]:
    """The cells set on the page, by table, key and column: the same scenario reached by edits
    in another order is the same model file (each cell is set once, so the order changes
    nothing else)."""
    return [cs.text for _where, cs in sorted(cells.items())]


def run_options(opts: RunSpec) -> dict[str, Any]:
    """The options of a model file that the served plan was solved with (`layered`: the
    command line's over the model file's): objective, targets, measure, and the weights and
    discount rate where they apply."""
    options: dict[str, Any] = {
        "objective": opts.objective,
        "targets": opts.targets,
        "measure": opts.measure,
    }
    if opts.objective == "weighted":
        options["weights"] = dict(opts.weights)
    if opts.measure == "discounted":
        options["discount_rate"] = opts.discount_rate
    return options


def command_line_sets(opts: RunSpec) -> list[str]:
    """The `--set`s serve was started with (part of the plan first loaded)."""
    return typed_texts(opts.overrides)


def _origin(opts: RunSpec) -> str:
    return str(opts.model_file) if opts.model_file is not None else f"the dataset {opts.inputs}"
