"""Re-checking a run folder (`allocator solve --check-against`): its run.json is read by the one
reader (`runs.record.read_record`), the spec it records (`spec_of_record`) is run again, and
`check_against` lists every difference in inputs, package versions and tables.
"""

from __future__ import annotations

from pathlib import Path

from allocator.runs.notes import quiet
from allocator.runs.record import read_record, with_model_file_now
from allocator.runs.solve import plan
from allocator.runs.spec import RECHECK_OFF


def check_against(folder: Path, inputs: Path | None = None) -> list[str]:
    """Re-run what `folder` records and list every difference: inputs, versions, tables. Its
    dataset is `inputs` if given, else where run.json records it (`replan.located_spec`); its
    model file's overrides and sets are read again from the file as it is now.

    Raises:
        UsageError: not a solve run folder, or its dataset not found.
    """
    import tempfile

    from allocator.report.csvtext import write_csv
    from allocator.runs.replan import located_spec

    info = read_record(folder)
    options = info.get("options")
    sha256 = options.get("model_file_sha256") if isinstance(options, dict) else None
    spec, changed = with_model_file_now(
        located_spec(info, folder, inputs).with_(**RECHECK_OFF), sha256
    )
    run = plan(spec, warn=quiet)  # a re-run: the notes were told when it was solved
    now = run.inputs.file_hashes
    diffs = [f"model file {spec.model_file} changed its overrides or sets"] if changed else []
    diffs += [
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
