"""`allocator sweep` as a run: the spec's study fields go to the sampler (`studies.sweeprun`,
whose Dask workers receive them), the samples stream into the sweep folder, then the summary,
the chart and report.html are written. The terminal view is `cli.sweeping`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.pipeline import tell_notes
from allocator.runs.arguments import IGNORED_BY_SWEEP, refuse_ignored, spec_given, whole
from allocator.runs.common import scenario_of
from allocator.runs.notes import told
from allocator.runs.spec import RunSpec
from allocator.runs.sweepplan import TAKEN, plan_options, refuse_edited_plan

Where = tuple[str | None, int, bool, str | None]
"""Where the samples are solved: (scheduler, workers, serial, dashboard)."""


@dataclass
class SweepRun:
    """A finished sweep: its samples, its summary, its folder and run.json's content (`info`:
    its `spec` block is the sweep's `RunSpec`, its seed included)."""

    table: pd.DataFrame
    summary: pd.DataFrame
    folder: Path
    info: dict[str, Any] = field(default_factory=dict)


def sweep(
    spec: RunSpec | Path | str | None = None,
    /,
    samples: int = 100,
    seed: int | None = None,
    where: Where = (None, 2, True, None),
    resume: bool = False,
    plan: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
    **options: Any,
) -> SweepRun:
    """Sweep `samples` Latin hypercube samples of the spec's uncertain numbers into its folder
    (`allocator sweep`), evaluating `plan` (a run folder; default the nominal plan) fixed.
    `seed`: the spec's field, laid on top of the spec as every other keyword (None: the spec's
    own, 0 by default). `where`: (scheduler, workers, serial, dashboard); in this process by
    default. `spec` and `options` as for `runs.solve.solve`; `warn` is told the dataset's notes
    (None: as `AllocatorWarning`s).

    Raises:
        UsageError: bad options, folder or data (nothing written).
        IncompleteSweepError: samples without an answer (--resume solves them).
    """
    samples, seed, where = checked_draws(samples, seed, where)
    if seed is not None:  # a keyword on top of the spec, as every other field
        options = options | {"seed": seed}
    if plan is not None:
        refuse_edited_plan(Path(plan))  # before RUN's options are taken from its run.json
    on_run = plan is not None and spec is None  # RUN's data, as `allocator sweep --plan RUN`
    if plan is not None and not isinstance(spec, RunSpec):
        given = {name: options.get(name) for name in TAKEN}  # RUN's own, unless given
        taken = {k: v for k, v in plan_options(plan, given).items() if v is not None}
        options = options | taken
    spec = spec_given(spec, options)
    seed = checked_seed(spec.seed)  # the spec's, or the keyword laid on it
    warn = told(warn)  # a Python caller's default: AllocatorWarning
    refuse_ignored("sweep", spec, options, IGNORED_BY_SWEEP)
    if on_run and plan is not None:
        spec = on_runs_data(spec, Path(plan), options.get("inputs"), warn)
    folder = prepare(spec, seed, resume, warn)
    done = sweep_into(spec, folder, (samples, seed, plan), where, resume, progress)
    refuse_unsolved(done.table, folder)
    return done


def refuse_unsolved(table: pd.DataFrame, folder: Path) -> None:
    """Refuse a sweep whose samples have no answer (a failed task, a time limit), in one line:
    its summary counts the others alone. The folder is kept: --resume solves them.

    Raises:
        IncompleteSweepError: how many, of which status, and that --resume solves them.
    """
    from allocator.studies.sweepfolder import unsolved
    from allocator.studies.sweeprun import IncompleteSweepError

    failed = unsolved(table)
    if len(failed):
        kinds = ", ".join(sorted(set(failed["status"])))
        raise IncompleteSweepError(
            f"{len(failed):,} of {len(table):,} samples were not solved ({kinds}; the summary "
            f"counts the other {len(table) - len(failed):,}). Fix: run the same sweep with "
            f"--out {folder} --resume to solve them again"
        )


MAX_SAMPLES = 1_000_000
"""The most samples of a sweep (`--samples`): its table is held in memory."""


def checked_draws(samples: object, seed: object, where: Where) -> tuple[int, int | None, Where]:
    """`samples`, `seed` and `where`'s workers as `allocator sweep` checks them (typer's min and
    max), before a folder or a cluster is made: whole numbers (numpy ones given back as int; a
    `seed` of None, not given, as None).

    Raises:
        UsageError: naming the keyword, its range and the fix.
    """
    from allocator.studies.daskclient import check_workers

    scheduler, workers, serial, dashboard = where
    count = whole("workers", workers, 1)
    check_workers(count, scheduler, serial)
    return (
        whole("samples", samples, 1, MAX_SAMPLES, 100),
        None if seed is None else checked_seed(seed),
        (scheduler, count, serial, dashboard),
    )


def checked_seed(seed: object) -> int:
    """A sweep's seed as `--seed` checks it (a whole number from 0 to `MAX_SEED`).

    Raises:
        UsageError: naming the keyword, its range and the fix.
    """
    from allocator.data.uncertainty import MAX_SEED

    return whole("seed", seed, 0, MAX_SEED, 7)


def on_runs_data(
    spec: RunSpec, plan: Path, inputs: Path | None, warn: Callable[[str], None] | None = None
) -> RunSpec:
    """`spec` on the data --plan RUN was solved on: RUN's dataset (unless `inputs` is given),
    its model file's overrides and its sets, then the sets of `spec`; a RUN without run.json
    (an allocation.csv alone) leaves `spec` as it is. The plan is then swept on the numbers it
    was planned for (a RUN solved with `--set pools.rnd/phase3.budget_musd=2900` was swept on
    the 8,500 of the file). `warn` is told when that dataset changed since RUN was solved.

    Raises:
        UsageError: RUN's run.json is no solve's, or its dataset or model file is not found
            (one line: pass --inputs), rather than a sweep of other data.
    """
    from allocator.report.assumed import changed_since
    from allocator.runs.record import read_record
    from allocator.runs.replan import located_spec

    if not (plan / "run.json").is_file():
        return spec
    info = read_record(plan)
    run = located_spec(info, plan, None if inputs is None else Path(inputs))
    changed = changed_since(info, Path(run.inputs))
    if changed and warn is not None:
        warn(
            f"inputs changed since {plan} was solved: {', '.join(changed)} (the study reads "
            "them as they are now)"
        )
    return spec.with_(
        inputs=run.inputs,
        model_file=run.model_file,
        overrides=(*run.overrides, *spec.overrides),
    )


def prepare(
    spec: RunSpec, seed: int, resume: bool, warn: Callable[[str], None] | None = None
) -> Path:
    """Check what can be checked before any work, tell the dataset's notes, and give the sweep
    folder (`spec.out`, else a new folder under `spec.results`)."""
    from allocator.data.uncertainty import check_seed
    from allocator.errors import UsageError
    from allocator.report.placing import default_run_dir

    check_seed(seed)
    if resume and spec.out is None:
        raise UsageError("--resume continues a sweep in --out. Fix: give --out DIR")
    tell_notes(scenario_of(spec), warn, uncertainty=True, refused=False)  # it refuses those
    differs = nominal_differs(spec)
    if warn is not None and differs is not None:
        warn(f"the sweep's nominal plan: {differs}")
    return spec.out or default_run_dir(
        spec.results, spec.label(), "-".join(["sweep", *spec.differs()])
    )


def sweep_into(
    spec: RunSpec,
    folder: Path,
    draws: tuple[int, int, Path | None],
    where: Where,
    resume: bool,
    progress: Callable[[int, int], None] | None = None,
) -> SweepRun:
    """The sweep's samples (streamed to `folder`), then its summary, chart and report. A
    `folder` that is, lies inside or contains the run whose plan it evaluates is refused first:
    that run is an input, and a sweep inside it would make it a folder `--force` cannot
    replace."""
    from allocator.report.faults import output_faults
    from allocator.report.folders import refuse_overlap
    from allocator.report.rebuild import rebuild_report
    from allocator.report.studyplots import plot_sweep
    from allocator.studies.reference import record_relied
    from allocator.studies.sweepfolder import record_blocks, record_digests
    from allocator.studies.sweeprun import SWEEP_FILES, run_sweep
    from allocator.studies.sweepsummary import summarise

    scheduler, workers, serial, dashboard = where
    dashboard = on_this_machine(dashboard)
    samples, seed, plan = draws
    if plan is not None:
        refuse_overlap(folder, [("plan run", Path(plan))])
    # RUN's tables are read before the samples: a damaged one is refused, nothing written
    relied = None if plan is None else _relied(spec, plan)
    study = spec.study(
        plan_run=None if plan is None else str(plan),
        nominal_differs=None if plan is not None else nominal_differs(spec),
        force=spec.force and spec.out is not None,  # an earlier output in --out is replaced
    )
    # a full disk mid-sweep: one line; --resume continues
    with output_faults(folder):
        table = run_sweep(
            study, samples, seed, folder, scheduler, workers, resume, progress, serial, dashboard
        )
    with output_faults(folder):
        summary = summarise(folder)
        plot_sweep(
            table,
            folder / "sweep.png",
            f"{samples:,} samples, each re-optimised: with perfect foresight",
        )
        # the assumed rows its page counts (the nominal plan's: solved once the sweep is done)
        record_relied(folder, _relied(spec, None) if plan is None else relied)
        # its spec with the seed it sampled with, as a run's: before the page, which reads it
        record_blocks(folder, {"spec": spec.with_(seed=seed).stored()})
        rebuild_report(folder)  # report.html from the sweep's tables
        info = record_digests(folder, "sweep", SWEEP_FILES)  # last: the sweep is whole
    return SweepRun(table, summary, folder, info)


def _relied(spec: RunSpec, plan: Path | None) -> dict[str, Any] | None:
    """`relied_on` of the sweep's plan: solve's plan of the scenario (the nominal plan), or
    `--plan RUN`'s from its tables (`studies.reference`)."""
    from allocator.runs.common import scenario_of
    from allocator.studies.reference import run_relied, spec_relied

    inp = scenario_of(spec)
    return spec_relied(inp, spec) if plan is None else run_relied(inp, Path(plan), spec.overrides)


def nominal_differs(spec: RunSpec) -> str | None:
    """How the sweep's nominal plan differs from the plan `allocator solve` gives for the same
    options, in words (None: it is that plan). A sweep solves one single-stage plan: a model
    file's decide_now (or --risk) makes solve's plan two-stage (or robust), which it does not
    sweep."""
    if spec.decide_now:
        phases = spec.decide_now if isinstance(spec.decide_now, str) else ", ".join(spec.decide_now)
        return (
            f"the single-stage plan of these options, not the two-stage plan `allocator solve` "
            f"gives with the model file's decide_now ({phases}), whose later phases adapt to "
            "each sample (`allocator solve` reports them)"
        )
    if spec.risk != "none":
        return (
            f"the plan of the data as given, not the {spec.risk} plan `allocator solve` gives "
            "with --risk. Fix: to sweep that plan, solve it and pass its folder as --plan RUN"
        )
    return None


def on_this_machine(address: str | None) -> str | None:
    """A dashboard address with 127.0.0.1 where it names no host (`:8787`, `8787`), which Dask
    takes for every interface: a page without a token, seen from the network. A host given
    (`0.0.0.0:8787` too) is kept as asked."""
    if address is None:
        return None
    text = address.strip()
    if text.isdigit():
        return f"127.0.0.1:{text}"
    return f"127.0.0.1{text}" if text.startswith(":") else text
