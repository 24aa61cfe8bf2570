"""Scenario sub-problems of a two-stage plan, in this process or on Dask workers.

`ScenarioArrays` makes each scenario's LP arrays with numpy. `ScenarioPool.map` runs a task on
each item (a scenario's numbers and what to do with them) against the sample model of the
process it lands on: this one's (workers 1), or one built once per Dask worker from a picklable
`Setup` (a LocalCluster of `workers` processes, as the sweep's `daskclient`). Every scenario
solve starts from the sample model's own basis, so a result does not depend on which process
solved it or what it solved before: the tables are the same bytes with 1 or N workers.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from allocator.data.schema import Inputs
from allocator.data.uncertainty import Param
from allocator.errors import UsageError
from allocator.model.measures import Measure
from allocator.solver.compile import CompiledLP
from allocator.studies.sweep import SampleModel

Task = Callable[[SampleModel, Any], Any]
KINDS = ("jobs", "exports", "enabled", "enabler")


@dataclass
class _Feed:
    """A program's entries of the sample model (`SampleModel.entries`) as arrays: the matrix
    entries (slot in matrix.data, capital year, spending year, kind, link) and the jobs costs
    (column, spending year). A slot fed twice keeps its last entry, as `_set_program` does."""

    pos: np.ndarray
    year: np.ndarray
    spent: np.ndarray
    kind: np.ndarray
    enabler: np.ndarray  # where kind is "enabler"
    links: list[str]  # their links, in that order
    cost_col: np.ndarray
    cost_spent: np.ndarray


class ScenarioArrays:
    """Each scenario's LP arrays (bounds, costs, coefficients) made with numpy from the sample
    model's map of where each uncertain number goes, without writing into its live HiGHS
    instance (`SampleModel.sample_lp` writes each sample there, which the equivalent and
    progressive hedging never solve). Same numbers, bit for bit, as `sample_lp`'s arrays."""

    def __init__(self, model: SampleModel):
        self.model = model
        self.feeds = {prog: _feed(entries) for prog, entries in model.entries.items()}
        self.rows = {p.program: p for p in model.inp.programs}
        years = model.inp.years
        self.first = years[0]
        self.span = span = years[-1] - years[0] + 1
        self.weights = {name: np.zeros(span + 1) for name in model.ahead}
        for name, by_year in model.ahead.items():
            for year, w in by_year.items():
                if 0 <= year - self.first < span:
                    self.weights[name][year - self.first] = w
        last: dict[int, tuple[int, float]] = {}
        for j, rows in enumerate(model.bound_rows):
            last |= {row: (j, scale) for row, scale in rows}  # a row fed twice: the last
        self.bound_row = np.array(list(last), dtype=np.int64)
        self.bound_param = np.array([j for j, _ in last.values()], dtype=np.int64)
        self.bound_scale = np.array([sc for _, sc in last.values()], dtype=float)

    def lp(self, values: np.ndarray) -> CompiledLP:
        """The LP of one scenario: `model.lp` with this scenario's own arrays (its `highs` is
        the live instance, which holds other numbers: solve a scenario through `sample_lp`)."""
        base, values = self.model.lp, np.asarray(values, dtype=float)
        costs = base.costs | {name: base.costs[name].copy() for name in self.model.ahead}
        data, upper = base.matrix.data.copy(), base.row_upper.copy()
        upper[self.bound_row] = values[self.bound_param] * self.bound_scale
        programs: dict[str, dict[str, float]] = {}
        ratios = {link.link: link.ratio for link in self.model.inp.links}
        for p, v in zip(self.model.params, values, strict=True):
            if p.table == "programs":
                prog = str(p.row.program)  # type: ignore[attr-defined]
                programs.setdefault(prog, {})[p.column] = float(v)
            elif p.table == "links":
                ratios[str(p.row.link)] = float(v)  # type: ignore[attr-defined]
        for prog, feed in self.feeds.items():
            row, got = self.rows[prog], programs.get(prog, {})
            jobs = got.get("jobs_per_musd", row.jobs_per_musd)
            exports = got.get("exports_per_musd", row.exports_per_musd)
            lag = int(got.get("lag_years", row.lag_years))
            rate = np.array([jobs, -exports, 1.0, 0.0])[feed.kind]
            rate[feed.enabler] = [-ratios[link] for link in feed.links]
            data[feed.pos] = np.where(feed.spent <= feed.year - lag, rate, 0.0)
            at = feed.cost_spent + lag - self.first
            at[(at < 0) | (at >= self.span)] = self.span  # no weight outside the years: 0
            for name, w in self.weights.items():
                costs[name][feed.cost_col] = jobs * w[at]
        return replace(base, costs=costs, matrix=replace(base.matrix, data=data), row_upper=upper)


def _feed(entries: list[Any]) -> _Feed:
    """A program's entries as arrays (`_Feed`)."""
    matrix = {e.pos: e for e in entries if e.row >= 0}  # the last entry of a slot wins
    m = list(matrix.values())
    kind = np.array([KINDS.index(e.kind) for e in m], dtype=np.int64)
    costs = [e for e in entries if e.row < 0]
    return _Feed(
        pos=np.array([e.pos for e in m], dtype=np.int64),
        year=np.array([e.year for e in m], dtype=np.int64),
        spent=np.array([e.spent for e in m], dtype=np.int64),
        kind=kind,
        enabler=np.flatnonzero(kind == KINDS.index("enabler")),
        links=[e.link for e in m if e.kind == "enabler"],
        cost_col=np.array([e.col for e in costs], dtype=np.int64),
        cost_spent=np.array([e.spent for e in costs], dtype=np.int64),
    )


@dataclass(frozen=True)
class Setup:
    """What a worker needs to build the sample model (`SampleModel`'s arguments), and a token
    that names it in the worker's cache."""

    inp: Inputs
    params: list[Param]
    objective: str
    targets: str
    measure: Measure
    solver: dict[str, float]
    token: str

    @classmethod
    def of(cls, model: SampleModel) -> Setup:
        """The setup of `model`."""
        solver = dict(model.solver)
        parts = (model.inp, model.params, model.objective, model.targets, model.measure, solver)
        token = hashlib.sha256(pickle.dumps(parts)).hexdigest()
        return cls(*parts, token=token)

    def build(self) -> SampleModel:
        """A sample model of this setup."""
        return SampleModel(
            self.inp, self.params, self.objective, self.targets, self.measure, self.solver
        )


_MODELS: dict[str, SampleModel] = {}
"""Each worker's sample models, by setup token (built by the first task that needs one)."""


def model_of(setup: Setup) -> SampleModel:
    """This process's sample model of `setup`."""
    if setup.token not in _MODELS:
        _MODELS[setup.token] = setup.build()
    return _MODELS[setup.token]


def run_chunk(task: Task, setup: Setup, items: list[Any]) -> list[Any]:
    """A Dask task: `task` on each item, on this worker's sample model."""
    model = model_of(setup)
    return [task(model, item) for item in items]


class ScenarioPool:
    """Tasks over scenarios: in this process on `model`, or on Dask `client`'s workers."""

    def __init__(self, model: SampleModel, client: Any = None):
        self.model, self.client = model, client
        self.workers: list[str] = []
        self.setup: Any = None
        if client is not None:
            self.workers = registered(client)
            self.setup = client.scatter(Setup.of(model), broadcast=True)

    def map(self, task: Task, items: list[Any], pinned: bool = False) -> list[Any]:
        """`task(model, item)` for each item, results in the items' order. Items go in
        contiguous chunks, two per worker; `pinned`: one chunk per worker, always the same
        worker for the same chunk (a task that keeps state on its worker between calls)."""
        if self.client is None or not items:
            return [task(self.model, item) for item in items]
        count = len(self.workers) * (1 if pinned else 2)
        size = -(-len(items) // count)
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        futures = [
            self.client.submit(
                run_chunk, task, self.setup, chunk, pure=False, **self._on(k, pinned)
            )
            for k, chunk in enumerate(chunks)
        ]
        return [r for part in self.client.gather(futures) for r in part]

    def _on(self, chunk: int, pinned: bool) -> dict[str, Any]:
        """Where chunk `chunk` runs: pinned to one worker, else wherever Dask puts it."""
        if not pinned:
            return {}
        return {"workers": [self.workers[chunk % len(self.workers)]], "allow_other_workers": False}


WORKERS_WAIT_S = 60
"""Seconds to wait for a first worker when the scheduler lists none: a LocalCluster's workers
register a moment after it starts (on a loaded machine after `Client` returns), and an external
scheduler may have none at all."""


def registered(client: Any) -> list[str]:
    """The addresses of `client`'s workers, sorted; waits for the first to register.

    Raises:
        UsageError: no worker registered within `WORKERS_WAIT_S`.
    """
    found = client.scheduler_info()["workers"]
    if not found:
        try:
            client.wait_for_workers(1, timeout=WORKERS_WAIT_S)
        except TimeoutError:
            raise UsageError(
                f"the Dask scheduler has no worker after {WORKERS_WAIT_S} s, so no scenario "
                "can be solved on it. Fix: start workers on it (`dask worker ADDRESS`), or "
                "leave out --scheduler"
            ) from None
        found = client.scheduler_info()["workers"]
    return sorted(found)


@contextmanager
def scenario_pool(
    model: SampleModel, workers: int, scheduler: str | None = None
) -> Iterator[ScenarioPool]:
    """A pool on the Dask `scheduler`'s workers (an address), else in this process (`workers` 1)
    or on a LocalCluster of `workers` processes."""
    with ExitStack() as stack:
        client = None
        if scheduler or workers > 1:
            from allocator.studies.daskclient import dask_client

            client = stack.enter_context(dask_client(scheduler, workers))
        yield ScenarioPool(model, client)
