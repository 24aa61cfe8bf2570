"""Re-checking a run folder (`allocator solve --check-against`): `run_record` reads its run.json
once, `options_of_run` gives the options it records, and `check_against` re-runs them and lists
every difference in inputs, package versions and tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from allocator.data.cellset import parse_set
from allocator.data.modelfile import Override, load_model_file
from allocator.errors import UsageError
from allocator.pipeline import SolveOptions, plan


def run_record(folder: Path) -> dict[str, Any]:
    """The run.json of a run folder written by `allocator solve`, read once.

    Raises:
        UsageError: no run.json, one that is not allocator's JSON, or one from another command.
    """
    path = folder / "run.json"
    fix = "Fix: pass a folder written by allocator solve"
    if not path.is_file():
        raise UsageError(f"{folder} has no run.json. {fix}")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise UsageError(f"{path} cannot be read as JSON ({exc}). {fix}") from None
    inputs = info.get("inputs") if isinstance(info, dict) else None
    if not isinstance(inputs, dict) or not {"folder", "sha256"} <= inputs.keys():
        raise UsageError(f"{path} records no inputs (folder and sha256). {fix}")
    if info.get("command", "solve") != "solve":
        raise UsageError(f"{folder} was written by allocator {info['command']}, not solve. {fix}")
    return info


def options_of_run(info: dict[str, Any]) -> SolveOptions:
    """The options a run record (`run_record`) holds, to repeat the run."""
    o = info.get("options", {})
    opts = SolveOptions(
        inputs=Path(info["inputs"]["folder"]),
        objective=o.get("objective", "jobs"),
        targets=o.get("targets", "soft"),
        solver=o.get("solver") or {},
        measure=o.get("measure") or "final",
        discount_rate=o.get("discount_rate"),  # None: not recorded; 0 is a rate
    )
    if o.get("weights"):
        opts.weights = o["weights"]
    if o.get("model_file"):
        model, _ = load_model_file(Path(o["model_file"]))
        opts.model_file, opts.overrides = Path(o["model_file"]), model.overrides
    opts.overrides = [*opts.overrides, *command_line_sets(o.get("overrides") or [])]
    return opts


def command_line_sets(recorded: list[Any]) -> list[Override]:
    """The `--set`s a run recorded among its overrides, read again by the rule of `--set`; the
    model file's own sets come back with the model file, as its overrides do."""
    found = []
    for entry in recorded:
        cell = entry.get("set_cell") if isinstance(entry, dict) else None
        if isinstance(cell, dict) and cell.get("origin") == "--set":
            text = f"{cell.get('table')}.{cell.get('key')}.{cell.get('column')}={cell.get('value')}"
            found.append(Override(set_cell=parse_set(text, "--set")))
    return found


def check_against(folder: Path) -> list[str]:
    """Re-run what `folder` records and list every difference: inputs, versions, tables."""
    import tempfile

    from allocator.report.write import write_csv

    info = run_record(folder)
    opts = options_of_run(info)
    run = plan(opts)
    now = run.inputs.file_hashes
    diffs = [
        f"input {name} changed: sha256 {old[:12]}... then, {now.get(name, 'missing')[:12]}... now"
        for name, old in info["inputs"]["sha256"].items()
        if now.get(name) != old
    ]
    diffs += [
        f"package {p}: {v} then, {run.info['packages'].get(p)} now"
        for p, v in info.get("packages", {}).items()
        if run.info["packages"].get(p) != v
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in run.tables.items():
            new, old = Path(tmp) / f"{name}.csv", folder / f"{name}.csv"
            write_csv(frame, new)
            diffs += _file_diff(old, new)
    return diffs


def _file_diff(old: Path, new: Path) -> list[str]:
    if not old.is_file():
        return [f"{old.name}: missing from the run folder"]
    a, b = old.read_bytes().splitlines(), new.read_bytes().splitlines()
    if a == b:
        return []
    row = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return [f"{old.name}: differs from row {row + 1} ({len(a)} rows then, {len(b)} now)"]
