"""Scenario sub-problems of a two-stage plan, in this process or on Dask workers, and
progressive hedging over them.

`ScenarioPool.map` runs a task on each item (a scenario's numbers and what to do with them)
against the sample model of the process it lands on: this one's (workers 1), or one built once
per Dask worker from a picklable `Setup` (a LocalCluster of `workers` processes, as the sweep's
`daskclient`). Every scenario solve starts from the sample model's own basis, so a result does
not depend on which process solved it or what it solved before: the tables are the same bytes
with 1 or N workers.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from allocator.data.schema import Inputs
from allocator.data.uncertainty import Param
from allocator.model.measures import Measure
from allocator.studies.sweep import SampleModel

Task = Callable[[SampleModel, Any], Any]


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
        parts = (model.inp, model.params, model.objective, model.targets, model.measure)
        parts += (dict(model.solver),)
        token = hashlib.sha256(pickle.dumps(parts)).hexdigest()
        return cls(*parts, token=token)  # type: ignore[arg-type]

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
            self.workers = sorted(client.scheduler_info()["workers"])
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


@contextmanager
def scenario_pool(model: SampleModel, workers: int) -> Iterator[ScenarioPool]:
    """A pool in this process (`workers` 1) or on a LocalCluster of `workers` processes."""
    with ExitStack() as stack:
        client = None
        if workers > 1:
            from allocator.studies.daskclient import dask_client

            client = stack.enter_context(dask_client(None, workers))
        yield ScenarioPool(model, client)
