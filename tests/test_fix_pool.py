"""A scenario pool on a Dask client whose workers have not registered yet (seen as a
ZeroDivisionError in `ScenarioPool.map` on a loaded machine: `scheduler_info()` listed no
worker right after the LocalCluster started): the pool waits for a worker, and a scheduler
that never gets one is said in one line."""

from __future__ import annotations

import pytest

from allocator.errors import UsageError
from allocator.studies import scenariopool
from allocator.studies.scenariopool import ScenarioPool


class _Client:
    """A client whose scheduler lists `later` only once a worker is waited for."""

    def __init__(self, later: list[str], arrives: bool = True):
        self.listed: list[str] = []
        self.later, self.arrives, self.waited = later, arrives, []

    def scheduler_info(self, n_workers: int = -1) -> dict:
        return {"workers": {w: {} for w in self.listed}}

    def wait_for_workers(self, n_workers: int, timeout: float | None = None) -> None:
        self.waited.append((n_workers, timeout))
        if not self.arrives:
            raise TimeoutError(f"only 0 of {n_workers} workers")
        self.listed = self.later

    def scatter(self, data, broadcast: bool = False):
        return data

    def submit(self, fn, *args, pure=True, **kw):
        return fn(*args)

    def gather(self, futures):
        return futures


def test_a_pool_waits_for_a_worker_that_has_not_registered_yet(monkeypatch):
    monkeypatch.setattr(scenariopool.Setup, "of", staticmethod(lambda model: "setup"))
    monkeypatch.setattr(scenariopool, "model_of", lambda setup: "model")
    client = _Client(["tcp://127.0.0.1:2", "tcp://127.0.0.1:1"])
    pool = ScenarioPool("model", client)
    assert client.waited
    assert client.waited[0][0] == 1
    assert pool.workers == ["tcp://127.0.0.1:1", "tcp://127.0.0.1:2"]
    assert pool.map(lambda model, item: (model, item * 2), [1, 2, 3]) == [
        ("model", 2),
        ("model", 4),
        ("model", 6),
    ]


def test_a_scheduler_without_workers_is_said_in_one_line(monkeypatch):
    monkeypatch.setattr(scenariopool.Setup, "of", staticmethod(lambda model: "setup"))
    client = _Client([], arrives=False)
    with pytest.raises(UsageError) as err:
        ScenarioPool("model", client)
    text = str(err.value)
    assert "\n" not in text
    assert "no worker" in text
    assert "Fix:" in text
