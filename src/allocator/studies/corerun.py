"""`allocator core` as a run: the good plans (`allocator.studies.core`) solved in this process
or on Dask, and a run folder written atomically: core.csv, workbook.xlsx (a `core` sheet),
report.html (the chart of shares) and run.json (the settings and the counts).

Nothing here depends on the command line: `run_core` is also the Python API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.report.assumed import recorded_inputs
from allocator.report.placing import atomic_run_dir, check_results, check_target, default_run_dir
from allocator.report.write import write_run
from allocator.studies.core import CoreSettings, CoreStudy, GoodPlans, good_plans
from allocator.studies.coretable import CLASS_WORDS, METHOD, core_table, verdict

Task = Callable[..., list[Any]]


class Serial:
    """Every batch in this process, as one batch."""

    def map(self, task: Task, shared: Sequence[Any], items: list[Any]) -> list[Any]:
        return task(*shared, items) if items else []


@dataclass
class InProcessBatches:
    """The batches a Dask run sends, run here (`batches` of them, last first when `reverse`):
    what the tests use to show the cut and the order change nothing."""

    batches: int = 2
    reverse: bool = False

    def map(self, task: Task, shared: Sequence[Any], items: list[Any]) -> list[Any]:
        parts = cut(items, self.batches)
        order = list(range(len(parts)))[:: -1 if self.reverse else 1]
        done = {k: task(*shared, parts[k]) for k in order}
        return [row for k in range(len(parts)) for row in done[k]]


@dataclass
class OnDask:
    """Batches as Dask tasks on `client` (two per worker): the shared objects are sent to every
    worker once; the rows come back in the order of the items, whichever task ends first."""

    client: Any
    workers: int

    def map(self, task: Task, shared: Sequence[Any], items: list[Any]) -> list[Any]:
        if not items:
            return []
        parts = cut(items, self.workers * 2)
        sent = self.client.scatter(list(shared), broadcast=True) if shared else []
        columns = [[s] * len(parts) for s in sent]
        futures = self.client.map(task, *columns, parts, pure=False)
        return [row for rows in self.client.gather(futures) for row in rows]


def cut(items: list[Any], count: int) -> list[list[Any]]:
    """`items` in at most `count` batches of consecutive items, none empty."""
    count = max(1, min(len(items), count))
    size = -(-len(items) // count)
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True)
class Where:
    """Where the batches run: this process (`serial`), a LocalCluster of `workers` processes,
    or the Dask scheduler at `scheduler`. It does not change a byte of the results."""

    serial: bool = True
    scheduler: str | None = None
    workers: int = 2


@dataclass(frozen=True)
class Output:
    """Where the run folder goes: `out` (replaced only with `force`), else a new folder under
    `results` named after `label`; `packages` are the versions run.json records."""

    out: Path | None = None
    force: bool = False
    results: Path = Path("results")
    label: str = "core"
    packages: tuple[tuple[str, str], ...] = ()


def run_core(
    study: CoreStudy,
    setting: CoreSettings,
    where: Where = Where(),
    output: Output = Output(),
    warn: Callable[[str], None] | None = None,
) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """The core index of `study`, written to a run folder. Returns the folder, core.csv's table
    and run.json's content. `warn` is told the dataset's notes before any work, as the sweep's:
    a broken fact, and with samples the uncertainty.csv ranges an override leaves out.

    Raises:
        UsageError: a bad option or folder (nothing written).
        InputError: the dataset, its model file or its uncertainty.csv (nothing written).
    """
    from allocator.pipeline import tell_notes
    from allocator.studies.core import load_study, study_overrides
    from allocator.studies.daskclient import check_workers

    check_workers(where.workers, where.scheduler, where.serial)  # as `allocator core` does
    setting.check()
    sources = [("dataset", Path(study.inputs))]
    sources += [("model file", Path(study.model_file))] if study.model_file else []
    sources += [("run folder", Path(study.run))] if study.run else []  # `core RUN` reads it
    if output.out is not None:
        check_target(output.out, output.force, sources)
    else:
        check_results(output.results)  # a file named results: said before the study
    sampled = setting.samples > 0  # uncertainty.csv read; a broken row is refused in a line
    overrides = study_overrides(study)
    inp = load_study(study, overrides)  # the dataset, loaded once: every plan is of it
    tell_notes(inp, warn, uncertainty=sampled, refused=not sampled)
    plans = _solve(study, setting, where, inp)
    table = core_table(plans, setting)
    info = core_info(study, setting, plans, table, dict(output.packages))
    info["relied_on"] = _relied(study, inp, overrides)  # the assumed rows its page counts
    if inp.cells_set:  # each cell a --set changed, before and after, as solve's run.json says
        info["cells_set"] = [dict(c) for c in inp.cells_set]
    folder = output.out or default_run_dir(output.results, output.label, "core")
    found = _assumed(inp, table, info)
    with atomic_run_dir(folder, output.force, sources) as tmp:
        write_run(tmp, {"core": table}, info, command="core", assumptions=found)
    return folder, table, info


def _relied(study: CoreStudy, inp: Any, overrides: list[Any]) -> dict[str, Any] | None:
    """The assumed rows solve's plan of the study's scenario (`inp`, loaded with `overrides`)
    relies on (`reference_relied`)."""
    from allocator.studies.reference import reference_relied

    weights = dict(study.weights or {"jobs": 0.5, "exports": 0.5})  # `optimum`'s default
    args = (study.objective, weights, study.targets, dict(study.solver), study.measure)
    return reference_relied(inp, *args, overrides)


def _assumed(inp: Any, table: pd.DataFrame, info: dict[str, Any]) -> list[Any]:
    """The assumptions of the study's dataset `inp` (as its page lists them), those its
    reference plan relies on marked (`info["relied_on"]`): the dataset as the run loaded it,
    not read again from disk (`report.assumed.run_assumptions`)."""
    from allocator.report.assumed import assumptions_of, positions_places, recorded_relied

    positions = recorded_relied(info)
    relied = None if positions is None else positions_places(inp, positions)
    return assumptions_of(inp, {"core": table}, relied)


def _solve(study: CoreStudy, setting: CoreSettings, where: Where, inp: Any) -> GoodPlans:
    if where.serial:
        return good_plans(study, setting, Serial(), inp)
    from allocator.studies.daskclient import dask_client

    with dask_client(where.scheduler, where.workers) as client:
        return good_plans(study, setting, OnDask(client, where.workers), inp)


def core_info(
    study: CoreStudy,
    setting: CoreSettings,
    plans: GoodPlans,
    table: pd.DataFrame,
    packages: dict[str, str],
) -> dict[str, Any]:
    """run.json: the settings, the objective held, what was counted and the classes found."""
    counts = table["class"].value_counts()
    return {
        "command": "core",
        "status": "done",
        "settings": settings_of(study, setting),
        "objective": plans.objective,
        "counts": {
            "samples_drawn": plans.drawn,
            "samples_optimal": len(plans.samples),
            "samples_by_status": plans.sample_status,
            "range_lps": plans.range_lps,
            "alternatives_distinct": len(plans.alternatives),
            "plans_counted": len(plans.samples) + len(plans.alternatives),
            "classes": {kind: int(counts.get(kind, 0)) for kind in CLASS_WORDS},
        },
        "verdict": verdict(table),
        "classes": CLASS_WORDS,
        "method": METHOD,
        "inputs": recorded_inputs(study.inputs, plans.file_hashes),
        "model_file": study.model_file,
        "packages": packages,
    }


def settings_of(study: CoreStudy, setting: CoreSettings) -> dict[str, Any]:
    """run.json's `settings` of a core run: the index's own options, then the study's."""
    return {
        "by": setting.by,
        "threshold_musd": setting.threshold,
        "slack": setting.slack,
        "samples": setting.samples,
        "seed": setting.seed,
        "objective": study.objective,
        "weights": study.weights,
        "run": study.run,
        "studied": study.studied,
        "targets": study.targets,
        "measure": study.measure.as_dict(),
        "sets": list(study.sets),
        "solver": dict(sorted(study.solver.items())),
    }
