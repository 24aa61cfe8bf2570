"""`allocator init` as a run: a new project folder: a copy of the baseline dataset and a model file
written from its template, `models/scenario.yaml`.
"""

from __future__ import annotations

from pathlib import Path

from allocator.errors import UsageError
from allocator.report.faults import output_faults
from allocator.report.placing import atomic_run_dir
from allocator.runs.spec import default_inputs


def init(folder: Path, xlsx: bool = False) -> list[Path]:
    """Copy the baseline dataset (as CSV tables, or with `xlsx` as one workbook,
    inputs/plan.xlsx) and a model file into a new project folder, atomically."""
    import shutil

    from allocator.data.bookwriter import write_inputs_workbook
    from allocator.data.inputs import load_inputs

    label = "project folder"
    with output_faults(folder, label):  # a path past the system's limit: one line, too
        if folder.is_dir() and not folder.is_symlink() and any(folder.iterdir()):
            raise UsageError(f"{folder} exists and is not empty. Fix: choose a new folder")
    source = default_inputs()
    with atomic_run_dir(folder, False, [("dataset", source)], label) as tmp:
        if xlsx:
            (tmp / "inputs").mkdir()
            write_inputs_workbook(load_inputs(source), tmp / "inputs" / "plan.xlsx")
            if (source / "NOTES.md").is_file():  # the readings the numbers rest on
                shutil.copy(source / "NOTES.md", tmp / "inputs" / "NOTES.md")
        else:
            copy_dataset(source, tmp / "inputs")
        shutil.copy(data_dictionary(source), tmp / "inputs" / "README.md")
        (tmp / "models").mkdir()
        _write_scenario(
            tmp / "models" / "scenario.yaml", "../inputs/plan.xlsx" if xlsx else "../inputs"
        )
    return sorted(p for p in folder.rglob("*") if p.is_file())


def copy_dataset(source: Path, target: Path) -> None:
    """`shutil.copytree`, a fault of the disk raised as the OSError it is: copytree gathers
    every failed copy into one `shutil.Error` without an errno, which no fault message knows.

    Raises:
        OSError: the first failed copy (a full disk: ENOSPC), for `output_faults` to say.
    """
    import shutil

    faults: list[OSError] = []

    def copy(src: str, dst: str) -> object:
        try:
            return shutil.copy2(src, dst)
        except OSError as exc:
            faults.append(exc)
            raise

    try:
        shutil.copytree(source, target, copy_function=copy)
    except shutil.Error:
        if faults:
            raise faults[0] from None
        raise


def data_dictionary(dataset: Path) -> Path:
    """inputs/README.md, the data dictionary `allocator init` copies: beside the bundled dataset
    (a checkout, or `allocator/bundled/` of an installed wheel), else the package's own copy."""
    here = Path(__file__).resolve().parents[1]  # the package
    for readme in (
        dataset / ".." / "README.md",
        here / "bundled" / "README.md",
        here.parents[1] / "inputs" / "README.md",
    ):
        if readme.is_file():
            return readme
    raise UsageError(
        "the data dictionary inputs/README.md is missing from this installation. "
        "Fix: reinstall allocator (pip install .)"
    )


def _write_scenario(model: Path, dataset: str) -> None:
    model.write_text(
        "# A scenario: which dataset, which objective, and changes to the data.\n"
        "name: scenario\n"
        "description: Copy of the Peru 2040 baseline; edit the inputs and this file.\n"
        f"dataset: {dataset}\n"
        "objective: jobs          # jobs, exports or weighted\n"
        "targets: soft            # off, soft or hard\n"
        "overrides: []\n"
        "# overrides:\n"
        "#   - scale_budget: {pool: scaleup, phase: phase2, factor: 0.8}\n"
        "#   - exclude_pool: korea\n"
        "#   - exclude_program: gold_processing\n"
        "#   - set_coefficient: {program: copper_processing, column: jobs_per_musd, value: 9}\n"
        "#   - group_limit: {dimension: sector, member: automotive, phase: all, max_musd: 3000}\n",
        encoding="utf-8",
    )
