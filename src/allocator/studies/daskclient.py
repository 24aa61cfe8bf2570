"""Dask for the studies (sweeps, near-optimal ranges): a client on a scheduler, or on a
LocalCluster that leaves the cores, the dashboard port and Ctrl-C to this process."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from allocator.errors import UsageError

CONNECT_TIMEOUT_S = 5
"""Seconds to wait for a `--scheduler` to answer before saying so (Dask waits 30 s, then
retries in a traceback)."""


CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
"""The cores this process may run on."""
WORKERS_PER_CORE = 4
MAX_WORKERS = WORKERS_PER_CORE * CORES
"""The most worker processes of a LocalCluster (`--workers`): four per core of this machine. A
worker solves one LP at a time on one thread, so past one per core they only wait their turn,
and each holds about 110 MB once its modules are imported (`warm_workers`); four per core still
lets a small machine try a cluster, while a slip (--workers 1000000000000, or 500 on a laptop of
8 cores) is refused before any process starts: distributed sized a dict of 10**12 workers (a
MemoryError, or the process killed). A scheduler's address (`--scheduler`) has workers of its
own, which this bound does not concern."""


def check_worker_count(workers: int) -> None:
    """Refuse `workers` below 1 wherever it is given (serial or on a scheduler too: 0 is no
    count of anything), in the one line of every whole-number option
    (`runs.arguments.check_count`): a LocalCluster of no workers waited for ever.

    Raises:
        UsageError: naming --workers, its least and the fix.
    """
    if workers < 1:
        from allocator.runs.arguments import check_count

        check_count("--workers", workers, (1, None), "each solves one LP at a time", 2)


def check_workers(workers: int, scheduler: str | None = None, serial: bool = False) -> None:
    """Refuse `workers` below 1 (`check_worker_count`), and more than MAX_WORKERS where they
    would be processes of a LocalCluster on this machine (not `serial`, and `scheduler` None or
    'local'), before anything is read, written or started: the one check of sweep, core,
    alternatives, --decide-now and their Python functions (`dask_client` checks again before it
    starts a cluster).

    Raises:
        UsageError: naming --workers, the bound, its reason and the fix.
    """
    check_worker_count(workers)
    if serial or scheduler not in (None, "local") or workers <= MAX_WORKERS:
        return
    raise UsageError(
        f"--workers {workers}: at most {MAX_WORKERS} worker processes on this machine "
        f"({WORKERS_PER_CORE} per core of its {CORES}; each solves one LP at a time, so more "
        f"only wait their turn). Fix: --workers {CORES}, or --scheduler ADDRESS of a Dask "
        "cluster with more machines"
    )


@contextmanager
def dask_client(scheduler: str | None, workers: int, dashboard: str | None = None) -> Iterator[Any]:
    """A client on `scheduler`, or on a LocalCluster of `workers` processes (1 thread each) with
    Dask's dashboard at `dashboard` only if given.

    Every worker imports the solving modules before the first task (`warm_workers`), with the
    cluster's start-up, so the first batch of each worker does not pay half a second of imports
    that the serial loop paid before it started. Dask's own log lines are kept off the terminal:
    what goes wrong is said once, by the sweep.

    Raises:
        UsageError: `scheduler` is not an address Dask knows, or nothing answers there; more
            `workers` than MAX_WORKERS for a LocalCluster (`check_workers`).
    """
    from distributed import Client

    with ExitStack() as stack:
        stack.enter_context(quiet_logs())
        if scheduler:
            client = stack.enter_context(connect(scheduler))
        else:
            check_workers(workers)
            cluster = stack.enter_context(local_cluster(workers, dashboard))
            client = stack.enter_context(Client(cluster))
        warm_workers(client)
        yield client


@contextmanager
def quiet_logs() -> Iterator[None]:
    """Dask's loggers silenced in this process (a lost scheduler logs tracebacks on its own).
    Dask's configuration gives some of them their own level, so each is set, then restored."""
    names = ["distributed"] + [
        name for name in logging.root.manager.loggerDict if name.startswith("distributed.")
    ]
    loggers = [logging.getLogger(name) for name in names]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def connect(scheduler: str) -> Any:
    """A client of the scheduler at `scheduler`, connected within CONNECT_TIMEOUT_S.

    Raises:
        UsageError: an unknown scheme, or no scheduler answering.
    """
    from distributed import Client
    from distributed.comm.addressing import parse_address
    from distributed.comm.registry import get_backend

    fix = "give tcp://HOST:PORT of a running `dask scheduler`, or leave out --scheduler"
    try:
        get_backend(parse_address(scheduler)[0])
    except ValueError as exc:
        raise UsageError(f"--scheduler {scheduler}: {exc}. Fix: {fix}") from None
    try:
        return Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except ValueError as exc:  # e.g. no port
        raise UsageError(f"--scheduler {scheduler}: {exc}. Fix: {fix}") from None
    except (OSError, TimeoutError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise UsageError(
            f"--scheduler {scheduler}: no Dask scheduler answered within "
            f"{CONNECT_TIMEOUT_S} s ({reason}). Fix: {fix}"
        ) from None


def check_dashboard(address: str) -> None:
    """Refuse a `--dashboard` address Dask could not serve: no port, a port that is no number
    from 0 to 65535, or a host that is no address of this machine (Dask's error was a
    RuntimeError traceback after the cluster had started).

    Raises:
        UsageError: naming the address and the fix.
    """
    import socket

    from allocator.errors import UsageError, quoted

    fix = "Fix: give an address of this machine such as :8787 or 127.0.0.1:8787"
    host, _, port = address.rpartition(":")  # a port alone (8787) is Dask's own example
    if ":" in host or "[" in host:
        raise UsageError(
            f"--dashboard {quoted(address)}: an IPv6 address, which Dask's dashboard cannot "
            f"serve here. {fix}"
        )
    if not port.isascii() or not port.isdigit() or int(port) > 65535:
        raise UsageError(
            f"--dashboard {quoted(address)}: {quoted(port)} is not a port (a whole number from 0 "
            f"to 65535). {fix}"
        )
    if host:
        try:
            family = socket.getaddrinfo(host.strip("[]"), None)[0][0]
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.bind((host.strip("[]"), 0))
        except (OSError, UnicodeError):
            raise UsageError(
                f"--dashboard {quoted(address)}: {quoted(host)} is not an address of this "
                f"machine. {fix}"
            ) from None


@contextmanager
def local_cluster(workers: int, dashboard: str | None) -> Iterator[Any]:
    """A LocalCluster of `workers` processes. Its scheduler serves HTTP on a free port, not on
    8787 (where another sweep may be), unless `dashboard` asks for an address. Its workers
    never see Ctrl-C: the terminal sends it to the whole process group, and a worker that died
    of it printed tracebacks; this process stops them in order instead."""
    import dask
    from distributed import LocalCluster

    # the HTTP server Dask starts anyway listens on this machine only, on a free port
    http = {} if dashboard else {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
    with ExitStack() as stack:
        stack.enter_context(dask.config.set(LOCAL_WORKER_CONFIG))
        with interrupts_held():  # closed by the stack if Ctrl-C came meanwhile
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=dashboard,
                    scheduler_kwargs=http,
                    silence_logs=logging.CRITICAL,
                )
            )
        yield cluster


@contextmanager
def interrupts_held() -> Iterator[None]:
    """SIGINT blocked in this thread while the block runs. Threads started meanwhile (the
    cluster's) inherit the mask, and so do the processes they start, across exec: workers keep
    it blocked for good. Here a Ctrl-C waits and is raised when the block ends, not lost.

    multiprocessing's resource tracker is started first: starting it later, from the cluster's
    thread, unblocks SIGINT in that thread (`resource_tracker.ensure_running`)."""
    import signal
    from multiprocessing import resource_tracker

    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    resource_tracker.ensure_running()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}
"""A LocalCluster that leaves the two cores to the solves. Dask's defaults keep every process
busy with periodic work meant for its dashboard and for long task graphs: each worker samples
its own stacks (the statistical profiler, about a tenth of a worker's CPU seconds in a
200-sample sweep of the baseline), every process checks its event loop every 20 ms and reads
its CPU and memory every 500 ms, workers check their memory every 100 ms, and the scheduler
looks for work to steal every second. allocator sends few large batches (two per worker),
so none of it pays: measured on the baseline's 400-sample sweep (2 workers, 2 cores), an idle
worker spent 0.6 s of CPU in 16 s on it, and this process 3.0-3.7 s against 1.0 s with these
settings (`bench/sweep_throughput.py`). Memory is still checked every second, so a worker over
its limit is still stopped."""


WARM_MODULES = ("allocator.studies.sweep", "allocator.studies.alternatives")


def warm_workers(client: Any) -> None:
    """Import the modules tasks run (Pyomo, highspy, pandas with them) on every worker."""
    client.run(import_modules, WARM_MODULES)


def import_modules(names: tuple[str, ...]) -> None:
    """Import `names` in this process (run on each worker; returns nothing to send back)."""
    import importlib

    for name in names:
        importlib.import_module(name)
