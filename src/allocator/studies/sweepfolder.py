"""A sweep folder read back: its tables (every name kept), the samples `--resume` may skip, and
the record of what the sweep was made from, so a resume extends only the same experiment."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import UsageError

ANSWERS = ("optimal", "infeasible", "unbounded")
"""Statuses that answer a sample; any other (`error`: its task failed; `notoptimal`: HiGHS
stopped, e.g. at its time limit) is solved again by `--resume`."""

TEXT_COLUMNS = {"program": str, "status": str, "message": str, "item": str, "unit": str}


def read_table(path: Path) -> pd.DataFrame:
    """A table the sweep wrote. Only an empty cell is missing: programs named NA, null or None
    keep their names (pandas' default reads them as missing)."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=TEXT_COLUMNS)


def done_samples(folder: Path) -> set[int]:
    """Samples of sweep.csv that have an answer (for --resume); failed ones are solved again."""
    from allocator.studies.sweepstream import committed_size

    path = folder / "sweep.csv"
    if not path.is_file():
        return set()
    with path.open("rb") as f:  # a partial last row (a killed sweep) is no answer
        text = f.read(committed_size(path)).decode("utf-8")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {int(r["sample"]) for r in rows if r["status"] in ANSWERS}


def unsolved(table: pd.DataFrame) -> pd.DataFrame:
    """The samples of a sweep table without an answer (what --resume solves again)."""
    return table[~table["status"].isin(ANSWERS)]


def finish_tables(folder: Path) -> pd.DataFrame:
    """sweep.csv, sweep_programs.csv and sweep_plan.csv sorted by sample, each sample's last
    row kept (a failed sample solved again by --resume appears twice), each replaced in one
    step. Rows of sweep_programs.csv and sweep_plan.csv whose sample has no answer in sweep.csv
    are dropped: its sweep.csv row, written last, never reached the disk (`sweepstream`). Each
    keeps the file mode of the table it replaces (`keep_mode`), as `placing.atomic_file` does."""
    from allocator.report.csvtext import write_csv
    from allocator.report.tempdirs import keep_mode

    table = read_table(folder / "sweep.csv").drop_duplicates("sample", keep="last")
    table = table.sort_values("sample", ignore_index=True)
    answered = table.loc[table["status"].isin(ANSWERS), "sample"]
    progs = read_table(folder / "sweep_programs.csv")
    progs = progs[progs["sample"].isin(answered)]
    progs = progs.drop_duplicates(["sample", "program"], keep="last")
    progs = progs.sort_values(["sample", "program"], ignore_index=True)
    frames = [(table, "sweep.csv"), (progs, "sweep_programs.csv")]
    if (folder / "sweep_plan.csv").is_file():
        plan = read_table(folder / "sweep_plan.csv")
        plan = plan[plan["sample"].isin(answered)].drop_duplicates("sample", keep="last")
        frames.append((plan.sort_values("sample", ignore_index=True), "sweep_plan.csv"))
    for frame, name in frames:
        temp = folder / f".{name}.part"
        try:
            write_csv(frame, temp)
            keep_mode(folder / name, temp)  # a table the user made private stays so
            os.replace(temp, folder / name)  # a stop while writing leaves the old file whole
        finally:
            temp.unlink(missing_ok=True)
    return table


AGAIN = "Fix: run the sweep again into another --out"
"""The fix when a sweep's own run.json, written as it starts, cannot be read back at its end."""


def record_blocks(folder: Path, blocks: dict[str, Any]) -> None:
    """run.json of a study folder with `blocks` added (a sweep's `spec`)."""
    from allocator.report.placing import write_text_atomic
    from allocator.report.readback import read_run_json
    from allocator.report.write import json_text

    info = read_run_json(folder, AGAIN) | blocks
    write_text_atomic(folder / "run.json", json_text(info) + "\n")


def record_digests(folder: Path, command: str, files: tuple[str, ...]) -> dict[str, Any]:
    """run.json of a whole study folder, rewritten last: its `written_by` marker with each of
    `files` present now and its SHA-256 (`folders.marker`), as `write.write_run_json` records a
    run's, so `--force` and `--resume` keep a table the user edited since. While the samples
    stream in, run.json records none (`sweepguard.mark_folder`): the tables grow by design.
    Returns run.json's content."""
    from allocator.report.folders import MARKER, file_digests, marker
    from allocator.report.placing import write_text_atomic
    from allocator.report.readback import read_run_json
    from allocator.report.write import json_text

    path = folder / "run.json"
    info = read_run_json(folder, AGAIN)
    names = [n for n in files if n != "run.json" and os.path.lexists(folder / n)]
    info[MARKER] = marker(command, files, file_digests(folder, names))
    write_text_atomic(path, json_text(info) + "\n")
    return info


MISSED = "targets.csv rows and shares.csv processing-share milestones not reached"
"""What sweep_plan.csv's `targets_missed` counts (the fingerprint's, with shares.csv): a sweep
that counted targets.csv rows only is not extended with this count."""


def fingerprint(
    spec: dict[str, Any], samples: int, seed: int, hashes: dict[str, str], labels: list[str]
) -> dict[str, Any]:
    """What a sweep's samples depend on: the experiment (options) and the inputs (the dataset's
    files by SHA-256, the model file's, the uncertain parameters), each with its hash.

    The dataset's folder is not part of it (the same files moved are the same experiment), nor
    is HiGHS's time limit (it decides whether a sample finishes, not its numbers)."""
    solver = {k: v for k, v in sorted((spec.get("solver") or {}).items()) if k != "time_limit"}
    experiment = {
        "samples": samples,
        "seed": seed,
        "objective": spec["objective"],
        "targets": spec["targets"],
        "measure": spec.get("measure") or "final",
        "discount_rate": spec.get("discount_rate") or 0.0,
        "solver": solver,
        "plan": spec.get("plan_id") or "nominal",  # the fixed plan evaluated in every sample
    }
    if spec.get("sets"):  # only when given: a sweep without --set keeps its fingerprint
        experiment["set"] = list(spec["sets"])
    if "shares.csv" in hashes:  # only then: a dataset without shares keeps its fingerprint
        experiment["targets_missed"] = MISSED
    model = spec.get("model_file")
    inputs = {
        "files": dict(sorted(hashes.items())),
        # the digest of the bytes the run read (`RunSpec.study`), else of the file now
        "model_file": (spec.get("model_sha256") or _sha256(Path(model).read_bytes()))
        if model
        else None,
        "parameters": labels,
    }
    return {
        "experiment": experiment,
        "experiment_sha256": _sha256(_canonical(experiment)),
        "inputs": inputs,
        "inputs_sha256": _sha256(_canonical(inputs)),
    }


def refuse_other_experiment(folder: Path, now: dict[str, Any], header: list[str]) -> None:
    """Refuse to --resume a sweep that `now` would not extend consistently (nothing written).

    Raises:
        UsageError: one line naming what differs, or why the sweep cannot be checked.
    """
    main = folder / "sweep.csv"
    if not main.is_file() or main.stat().st_size == 0:
        return
    fix = "run with the options and data of that sweep, or choose another --out"
    before = _recorded(folder)
    if before is None:
        raise UsageError(
            f"{folder} holds a sweep whose sweep.json does not record what it was made from, "
            f"so --resume cannot extend it safely; nothing was written. Fix: {fix}"
        )
    differs = differences(before, now)
    if differs:
        raise UsageError(
            f"{folder} holds a sweep of another experiment ({'; '.join(differs)}); "
            f"nothing was written. Fix: {fix}"
        )
    first = _first_record(main)
    if first not in ([], header):
        raise UsageError(
            f"{main} has the columns {','.join(first)[:200]}, not those this sweep writes; "
            f"nothing was written. Fix: {fix}"
        )


def _first_record(path: Path) -> list[str]:
    """The header of a sweep table, [] if no whole record reached the disk: a header cut by a
    full disk or a kill is no other experiment's (`AppendFile` drops it and writes it again)."""
    from allocator.studies.sweepstream import committed_size

    if committed_size(path) == 0:
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f), [])


def differences(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between two fingerprints, in the words of the command line."""
    found = []
    old, new = before.get("experiment", {}), now["experiment"]
    for key in [*new, *(["set"] if "set" in old and "set" not in new else [])]:  # --set dropped
        if old.get(key) != new.get(key):
            option = "the model file's solver options" if key == "solver" else f"--{key}"
            option = option.replace("_", "-")
            if key == "targets_missed":  # no option: the rule of this version
                found.append(
                    f"targets_missed counts {new.get(key)}, the sweep's targets.csv rows only"
                )
                continue
            found.append(f"{option} {_shown(new.get(key))}, the sweep's {_shown(old.get(key))}")
    files_old, files_new = before.get("inputs", {}).get("files", {}), now["inputs"]["files"]
    for name in sorted(set(files_old) | set(files_new)):
        if files_old.get(name) != files_new.get(name):
            how = "added" if name not in files_old else "removed" if name not in files_new else ""
            found.append(f"dataset file {name} {how or 'changed'}")
    if before.get("inputs", {}).get("model_file") != now["inputs"]["model_file"]:
        found.append("the model file changed")
    if not found and before.get("inputs", {}).get("parameters") != now["inputs"]["parameters"]:
        found.append("the uncertain parameters differ")
    return found


def _recorded(folder: Path) -> dict[str, Any] | None:
    from allocator.report.jsonfile import read_json

    try:
        record = read_json(folder / "sweep.json", "")
    except UsageError:  # none, too large, nested too deep or no JSON: it records nothing
        return None
    found = record.get("fingerprint") if isinstance(record, dict) else None
    return found if isinstance(found, dict) else None


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
