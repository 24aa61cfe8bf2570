"""run.json read back: the one reader of a run folder's record (`read_record`) for
`--check-against`, `compare`, `report`, `replan` and `sweep --plan`, the spec it holds
(`spec_of_record`, also from a run written before run.json stored one), and that spec with its
model file read again as it is now (`with_model_file_now`, what `--check-against` replays: that
read is the re-run's one, which it solves and records).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.data.overrides import Override
from allocator.errors import UsageError
from allocator.runs import spec as specs
from allocator.runs.given import model_files_own, plain_override
from allocator.runs.spec import RunSpec

# the spec class is read from `runs.spec` when a record is read (`specs.RunSpec`), not bound here:
# the one class, as `layered` and `RunSpec.with_` make it (a subclass put there is read back too)


def read_record(folder: Path, command: str | None = "solve") -> dict[str, Any]:
    """The run.json of a run folder, read once: the one reader of run.json for
    `--check-against`, `compare` and `report`.

    Args:
        folder: a run folder allocator wrote.
        command: the command that must have written it (None: any; a run.json without
            `command` is a solve's, as solve and the alternatives' plan folders write it).

    Raises:
        UsageError: no run.json, one that is not JSON or not an object, one from another
            command, or (for a solve) one that records no inputs.
    """
    from allocator.report.readback import read_run_json

    fix = f"Fix: pass a folder written by allocator {command or 'solve'}"
    info = read_run_json(folder, fix)
    inputs = info.get("inputs")
    if command == "solve" and (
        not isinstance(inputs, dict) or not {"folder", "sha256"} <= inputs.keys()
    ):
        raise UsageError(f"{folder / 'run.json'} records no inputs (folder and sha256). {fix}")
    if command is not None and info.get("command", "solve") != command:
        raise UsageError(
            f"{folder} was written by allocator {info['command']}, not {command}. {fix}"
        )
    return info


def spec_of_record(info: dict[str, Any], where: Path | str = "run.json") -> RunSpec:
    """The spec a run record holds (its `spec` block; a run written before run.json stored one:
    its `options` block), to repeat the run.

    Raises:
        UsageError: a `spec` block that is not a valid spec (a hand-edited run.json).
    """
    if "spec" in info:
        try:
            return specs.RunSpec.model_validate(info["spec"])
        except ValidationError as exc:
            e = exc.errors()[0]
            at = ".".join(str(p) for p in e["loc"])
            raise UsageError(
                f"{where}: spec.{at}: {e['msg']}. Fix: run the command again to write it anew"
            ) from None
    return _spec_of_options(info)


def with_model_file_now(spec: RunSpec, sha256: str | None = None) -> tuple[RunSpec, bool]:
    """The spec with its model file's overrides and sets read again from the file as it is now,
    the run's given overrides on top (each `--set`, a caller's `overrides=`: what
    `--check-against` replays), and whether the file's differ from the recorded ones (a set's
    origin, which names the file's path as typed, aside). The given are told from the file's by
    the one count rule (`runs.given.model_files_own`: the recorded file prefix, while the file
    has the digest run.json records as `model_file_sha256`, `sha256`)."""
    read = spec.scenario.model_read()  # the file now: the run's one read, which it keeps
    if read is None:
        return spec, False
    model = read.model
    own = model_files_own(spec.scenario, sha256)
    recorded, given = spec.overrides[:own], spec.overrides[own:]
    changed = [plain_override(o) for o in model.overrides] != [plain_override(o) for o in recorded]
    return spec.with_(overrides=(*model.overrides, *given)), changed


def _spec_of_options(info: dict[str, Any]) -> RunSpec:
    """A run record's `options` block as a spec (runs written before the spec block)."""
    from allocator.data.modelfile import read_model_file

    o = info.get("options", {})
    fields: dict[str, Any] = {
        "inputs": Path(info["inputs"]["folder"]),
        "objective": o.get("objective", "jobs"),
        "targets": o.get("targets", "soft"),
        "solver": o.get("solver") or {},
        "measure": o.get("measure") or "final",
        "discount_rate": o.get("discount_rate"),  # None: not recorded; 0 is a rate
    }
    if o.get("weights"):
        fields["weights"] = o["weights"]
    overrides: list[Override] = []
    read = None
    if o.get("model_file"):
        read = read_model_file(Path(o["model_file"]))  # the run's one read of it, kept
        fields["model_file"] = read.path
        overrides = list(read.model.overrides)
    fields["overrides"] = (*overrides, *_command_line_sets(o.get("overrides") or []))
    spec = specs.RunSpec(**fields)
    spec.scenario.kept(read)
    return spec


def _command_line_sets(recorded: list[Any]) -> list[Override]:
    """The `--set`s a run recorded among its overrides, read again by the rule of `--set`."""
    from allocator.data.cellset import parse_set

    found = []
    for entry in recorded:
        cell = entry.get("set_cell") if isinstance(entry, dict) else None
        if isinstance(cell, dict) and cell.get("origin") == "--set":
            text = f"{cell.get('table')}.{cell.get('key')}.{cell.get('column')}={cell.get('value')}"
            found.append(Override(set_cell=parse_set(text, "--set")))
    return found
