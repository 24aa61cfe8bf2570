"""Save on the served page: the scenario as a model file with `set:` lines, and a normal run
folder written by `allocator solve` on that model file (the same write path, refusing to
overwrite as solve does), so the CLI on the model file gives the same bytes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from allocator.errors import UsageError, quoted
from allocator.report.folders import is_empty_dir, refuse_file_ancestor, resolved
from allocator.runs.common import Run
from allocator.runs.solve import solve as run_solve
from allocator.runs.spec import RunSpec, layered
from allocator.serve.held import HeldModel

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""A scenario name: a file name on every system, without a path."""


@dataclass
class Saved:
    """Where Save wrote: the model file and the run folder."""

    model_file: Path
    run: Run


def save(held: HeldModel, name: object, models: Path, results: Path) -> Saved:
    """Write `models/<name>.yaml` (the served scenario: the model file it started from, if any,
    with the cells set as `set:` lines) and solve it into `results/<name>/` as `allocator solve
    <model file> --out results/<name>` does.

    Raises:
        UsageError: a name that is not a plain file name, a model file or run folder that
            exists (nothing is overwritten), or a model file its dataset cannot be read from.
    """
    if not isinstance(name, str) or not NAME.fullmatch(name) or name.endswith(".yaml"):
        raise UsageError(
            f"save: the name {quoted(name)} is not a plain name. Fix: letters, digits, _ . - "
            "(at most 64), e.g. ecosystem_plus_500"
        )
    path, run = models / f"{name}.yaml", results / name
    refuse_unwritable(path, run, held)
    write_new(path, _text(held, name, path))
    try:
        opts = saved_options(path, results / name)
        return Saved(path, run_solve(opts))
    except BaseException:
        path.unlink()  # ours, written a moment ago: the scenario was not saved
        raise


def refuse_unwritable(path: Path, run: Path, held: HeldModel) -> None:
    """Refuse, in serve's words (its options, not solve's), a model file `path` or a run folder
    `run` that Save may not write, before anything is written.

    Raises:
        UsageError: below a file, inside an input, or a run folder that exists.
    """
    refuse_file_ancestor(path, "--models")
    refuse_file_ancestor(run, "--results")
    refuse_inside_inputs(path, path.parent, held)
    if os.path.lexists(run) and not is_empty_dir(run):
        raise UsageError(
            f"{run} exists: Save never replaces a run folder. Fix: choose another name"
        )


def refuse_inside_inputs(path: Path, models: Path, held: HeldModel) -> None:
    """Refuse a model file that would land inside an input of the served scenario (serve
    `--models inputs/peru2040`): Save writes nothing into a dataset, as no command does.

    Raises:
        UsageError: naming --models, the input and the fix.
    """
    here = resolved(path, "--models")
    for kind, source in held.opts.sources():
        if source is not None and here.is_relative_to(resolved(Path(source), f"the {kind}")):
            raise UsageError(
                f"--models {models} is inside the {kind} {source}: Save would write "
                f"{path.name} into it, and nothing is written into an input. Fix: start serve "
                "with --models naming a folder outside it, e.g. models/ beside the dataset"
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
        with open(path, "x", encoding="utf-8") as f:  # "x": a file made meanwhile is not replaced
            f.write(text)
    except FileExistsError:
        raise exists from None
    except OSError as exc:
        raise UsageError(
            f"save: {path} cannot be written ({exc.strerror}). Fix: start serve with --models "
            "naming a folder you may write"
        ) from None


def _text(held: HeldModel, name: str, path: Path) -> str:
    """`model_text`, a model file that can no longer be read refused in words."""
    try:
        return model_text(held, name, path)
    except OSError as exc:
        raise UsageError(
            f"save: the model file {held.opts.model_file} serve started from cannot be read "
            f"({exc.strerror}). Fix: put it back, or start serve again"
        ) from None


def saved_options(model: Path, out: Path) -> RunSpec:
    """The spec `allocator solve <model> --out <out>` runs with."""
    return layered(model, [], out=out)


def model_text(held: HeldModel, name: str, path: Path) -> str:
    """The model file of the served scenario, to be written at `path`."""
    base: dict[str, Any] = {}
    sets: list[str] = []
    opts = held.opts
    if opts.model_file is not None:
        with open(opts.model_file, encoding="utf-8-sig") as f:
            base = yaml.safe_load(f) or {}
        sets = list(base.get("set") or [])
    else:
        base = {
            "objective": opts.objective,
            "targets": opts.targets,
            "measure": opts.measure,
        }
        if opts.objective == "weighted":
            base["weights"] = dict(opts.weights)
        if opts.measure == "discounted":
            base["discount_rate"] = opts.discount_rate
    dataset = Path(os.path.relpath(Path(opts.inputs).resolve(), path.resolve().parent))
    data = {
        "name": name,
        "description": f"Saved by allocator serve from {_origin(opts)}.",
        **{k: v for k, v in base.items() if k not in ("name", "description", "set")},
        "dataset": dataset.as_posix(),
        "set": sets + command_line_sets(opts) + page_sets(held),
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


def page_sets(held: HeldModel) -> list[str]:
    """The cells set on the page, by table, key and column: the same scenario reached by edits
    in another order is the same model file (each cell is set once, so the order changes
    nothing else)."""
    return [cs.text for _where, cs in sorted(held.sets.items())]


def command_line_sets(opts: RunSpec) -> list[str]:
    """The `--set`s serve was started with (part of the plan first loaded)."""
    cells = (o.set_cell for o in opts.overrides if o.set_cell is not None)
    return [cs.text for cs in cells if cs.origin == "--set"]


def _origin(opts: RunSpec) -> str:
    return str(opts.model_file) if opts.model_file is not None else f"the dataset {opts.inputs}"
