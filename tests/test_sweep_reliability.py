"""Sweeps that fail, stop or are resumed: nothing written into a sweep it cannot extend, failed
samples retried and said, Dask troubles in one line, every name kept (issue 24)."""

from __future__ import annotations

import csv
import re
import shutil
import signal
import socket
import warnings
from pathlib import Path

import pytest

from allocator.studies import daskclient, sweeprun
from conftest import DATA, copy_dataset, digest, invoke

SWEEP = DATA / "sweep"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def lines(text: str) -> list[str]:
    return ANSI.sub("", text).splitlines()


def one_error(result, code: int = 2) -> str:
    """The one stderr line of a refused command (no traceback), without `error: `."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == code, result.output
    got = lines(result.stderr)
    assert len(got) == 1, result.stderr
    assert got[0].startswith("error: "), got[0]
    return got[0].removeprefix("error: ")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def dataset(tmp_path: Path, name: str = "data") -> Path:
    return copy_dataset(SWEEP, tmp_path / name)


def sweep(data: Path, out: Path, *more: object):
    return invoke("sweep", "--inputs", data, "--out", out, "--serial", "--samples", 6, *more)


# 1 and 2: a resume extends only the sweep it was started as -----------------------------------


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """A finished 6-sample sweep (its dataset, its folder); a refused resume leaves it alone."""
    tmp = tmp_path_factory.mktemp("earlier")
    data, out = dataset(tmp), tmp / "s"
    assert sweep(data, out).exit_code == 0
    return data, out


def test_resume_after_a_new_uncertainty_row_refuses_and_keeps_the_sweep(tmp_path, earlier):
    data, out = earlier
    before = digest(out)
    changed = tmp_path / "data"
    shutil.copytree(data, changed)
    with (changed / "uncertainty.csv").open("a") as f:
        f.write("programs:y:jobs_per_musd,-10%,+10%,uniform,one more\n")
    why = one_error(sweep(changed, out, "--resume", "--samples", 6))
    assert "uncertainty.csv" in why
    assert "another --out" in why
    assert digest(out) == before, "nothing written into the earlier sweep"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("--seed", 5), "--seed 5, the sweep's 0"),
        (("--objective", "exports"), "--objective exports, the sweep's jobs"),
        (("--samples", 7), "--samples 7, the sweep's 6"),
        (("--targets", "off"), "--targets off, the sweep's soft"),
    ],
)
def test_resume_of_another_experiment_is_refused_naming_what_differs(earlier, change, named):
    data, out = earlier
    before = digest(out)
    assert named in one_error(sweep(data, out, "--resume", *change))
    assert digest(out) == before


def test_resume_on_another_dataset_is_refused(tmp_path, earlier):
    data, out = earlier
    before = digest(out)
    other = tmp_path / "other"
    shutil.copytree(data, other)
    text = (other / "pools.csv").read_text().replace(",100,", ",120,")
    (other / "pools.csv").write_text(text)
    assert "dataset file pools.csv changed" in one_error(sweep(other, out, "--resume"))
    assert digest(out) == before


def test_resume_of_the_same_sweep_with_its_dataset_moved_goes_on(tmp_path, earlier):
    data, out = earlier
    mine = tmp_path / "s"
    shutil.copytree(out, mine)
    moved = tmp_path / "moved"  # the same files elsewhere: the same experiment
    shutil.copytree(data, moved)
    res = sweep(moved, mine, "--resume")
    assert res.exit_code == 0, res.output
    assert (mine / "sweep.csv").read_bytes() == (out / "sweep.csv").read_bytes()


# 3: names pandas would read as missing ----------------------------------------------------


def test_programs_and_sectors_named_like_missing_values_keep_their_names(tmp_path):
    data = dataset(tmp_path)
    programs = (data / "programs.csv").read_text()
    programs = programs.replace("\nx,s1,", "\nNA,NA,").replace("\ny,s2,", "\nnull,None,")
    (data / "programs.csv").write_text(programs)
    ranges = (data / "uncertainty.csv").read_text().replace("programs:x:", "programs:NA:")
    (data / "uncertainty.csv").write_text(ranges.replace("programs:y:", "programs:null:"))
    out = tmp_path / "s"
    res = sweep(data, out)
    assert res.exit_code == 0, res.output
    assert {r["program"] for r in rows(out / "sweep_programs.csv")} == {"NA", "null"}
    items = {r["item"] for r in rows(out / "sweep_summary.csv")}
    assert {"program NA", "program null"} <= items


# 4, 6, 8: Dask ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster (one worker) for the module, started while port 8787 is taken: its
    scheduler's address, and the warnings its start gave."""
    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))
        held.listen()
    except OSError:
        pass  # in use already: what the test needs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        context = sweeprun.dask_client(None, 1)
        client = context.__enter__()
    try:
        yield client.scheduler.address, [str(w.message) for w in caught]
    finally:
        context.__exit__(None, None, None)
        held.close()


def test_a_local_cluster_opens_no_dashboard_port(cluster):
    _address, said = cluster
    assert not [w for w in said if "already in use" in w], said


def failing_task(bad: set[int], error: type[BaseException] = RuntimeError):
    """A task that fails for any chunk holding a sample of `bad` (pickled by value to the
    worker), and solves the others."""

    def task(chunk):
        from allocator.studies.sweep import solve_chunk

        if any(k in bad for k, _ in chunk["samples"]):
            raise error("worker lost")
        return solve_chunk(chunk)

    return task


def test_failed_samples_are_said_exit_1_and_retried_by_resume(tmp_path, cluster, monkeypatch):
    address, _ = cluster
    out = tmp_path / "s"
    monkeypatch.setattr(sweeprun, "solve_chunk", failing_task({0}))
    res = invoke("sweep", "--inputs", SWEEP, "--out", out, "--samples", 8, "--scheduler", address)
    why = one_error(res, 1)
    assert "2 of 8 samples" in why
    assert "--resume" in why
    assert sorted(r["status"] for r in rows(out / "sweep.csv")).count("error") == 2
    monkeypatch.undo()
    again = sweep(SWEEP, out, "--resume", "--samples", 8)
    assert again.exit_code == 0, again.output
    table = rows(out / "sweep.csv")
    assert [int(r["sample"]) for r in table] == list(range(8))
    assert {r["status"] for r in table} == {"optimal"}
    full = tmp_path / "full"
    assert sweep(SWEEP, full, "--samples", 8).exit_code == 0
    assert (full / "sweep.csv").read_bytes() == (out / "sweep.csv").read_bytes()
    assert (full / "sweep_programs.csv").read_bytes() == (out / "sweep_programs.csv").read_bytes()


def test_a_sweep_where_every_sample_failed_says_so_without_a_traceback(
    tmp_path, cluster, monkeypatch
):
    address, _ = cluster
    monkeypatch.setattr(sweeprun, "solve_chunk", failing_task(set(range(6))))
    args = ["sweep", "--inputs", SWEEP, "--samples", 6, "--scheduler", address]
    for _ in range(2):  # the second run found the summary of the first unreadable
        res = invoke(*args, "--out", tmp_path / f"s{_}")
        assert "6 of 6 samples" in one_error(res, 1)


def test_a_scheduler_lost_mid_sweep_is_one_line_and_resumable(tmp_path, cluster, monkeypatch):
    from distributed.client import FutureCancelledError

    address, _ = cluster

    def lost(key, reason=None):
        return FutureCancelledError("solve_chunk-x", "scheduler-connection-lost")

    monkeypatch.setattr(sweeprun, "solve_chunk", failing_task({4, 5}, lost))
    out = tmp_path / "s"
    res = invoke("sweep", "--inputs", SWEEP, "--out", out, "--samples", 8, "--scheduler", address)
    why = one_error(res, 1)
    assert "scheduler" in why
    assert "--resume" in why
    assert "error" not in {r["status"] for r in rows(out / "sweep.csv")}


def test_a_scheduler_where_nothing_listens_is_one_line_in_bounded_time(tmp_path, monkeypatch):
    monkeypatch.setattr(daskclient, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["sweep", "--inputs", SWEEP, "--samples", 2, "--out", tmp_path / "s"]
    why = one_error(invoke(*args, "--scheduler", f"tcp://127.0.0.1:{port}"))
    assert f"tcp://127.0.0.1:{port}" in why
    assert not (tmp_path / "s").exists(), "no folder for a sweep that could not start"


def test_a_scheduler_address_of_an_unknown_scheme_is_one_line(tmp_path):
    args = ["sweep", "--inputs", SWEEP, "--samples", 2, "--out", tmp_path / "s"]
    why = one_error(invoke(*args, "--scheduler", "foo://127.0.0.1:1"))
    assert "foo://" in why
    assert "answered" not in one_error(invoke(*args, "--scheduler", "nonsense"))
    assert not (tmp_path / "s").exists()


# 5: the model file's solver options --------------------------------------------------------


def test_sweep_applies_the_model_files_time_limit(tmp_path):
    data = dataset(tmp_path)
    model = tmp_path / "m.yaml"
    model.write_text(f"dataset: {data}\nsolver:\n  time_limit_s: 1e-8\n")
    solved = invoke("solve", model, "--out", tmp_path / "run")
    assert solved.exit_code == 1, solved.output  # what solve does with it
    res = invoke("sweep", model, "--serial", "--samples", 2, "--out", tmp_path / "s")
    assert res.exit_code == 1, res.output
    assert "time_limit" in res.stderr.replace(" ", "_").lower()


# 7: Ctrl-C ---------------------------------------------------------------------------------


def test_an_interrupted_sweep_says_what_it_kept(tmp_path, monkeypatch):
    from allocator.studies.sweep import solve_chunk

    calls = []

    def stop_second(chunk):
        calls.append(chunk)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return solve_chunk(chunk)

    monkeypatch.setattr(sweeprun, "solve_chunk", stop_second)
    out = tmp_path / "s"
    res = sweep(SWEEP, out, "--samples", 8)
    assert res.exit_code == 130, res.output
    kept = len(rows(out / "sweep.csv"))
    assert kept == 2
    said = lines(res.stderr)
    assert len(said) == 1, res.stderr
    assert f"kept {kept} samples in {out}" in said[0]
    assert "--resume" in said[0]


def test_local_workers_never_see_ctrl_c(cluster):
    """The terminal sends Ctrl-C to the whole process group: each worker of a LocalCluster has
    SIGINT blocked (it died of it, in 32-63 lines of tracebacks); this process stops them."""
    from distributed import Client

    address, _ = cluster
    with Client(address) as client:
        masks = client.run(lambda: signal.pthread_sigmask(signal.SIG_BLOCK, []))
    assert masks
    assert all(signal.SIGINT in mask for mask in masks.values()), masks
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, []), "here: restored"


# 9: solve warns for what sweep refuses ------------------------------------------------------


def test_solve_warns_for_an_uncertainty_row_sweep_refuses(tmp_path):
    data = dataset(tmp_path)
    with (data / "uncertainty.csv").open("a") as f:
        f.write("programs:nope:jobs_per_musd,-10%,+10%,uniform,a program that is not there\n")
    res = invoke("solve", "--inputs", data, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    warned = [line for line in lines(res.stderr) if line.startswith("warning:")]
    assert any("uncertainty.csv" in w and "row 6" in w for w in warned), res.stderr
    assert "sweep" in " ".join(warned)


# 10: seeds and caps -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["-1", "99999999999999999999999"])
def test_a_seed_out_of_range_is_refused(tmp_path, seed):
    risk = ["solve", "--inputs", SWEEP, "--risk", "cvar", "--seed", seed]
    assert "--seed" in one_error(invoke(*risk, "--out", tmp_path / "r"))
    assert "--seed" in one_error(sweep(SWEEP, tmp_path / "s", "--seed", seed))
    assert not (tmp_path / "s").exists()


def test_a_negative_cvar_cap_is_said_in_words(tmp_path):
    """A cap below 0 asks the tail to beat the nominal plan (the tail shortfall may be
    negative, as run.json and the terminal say): said in one warning line, not silently."""
    args = ["solve", "--inputs", SWEEP, "--risk", "cvar", "--cvar-cap", "-1"]
    res = invoke(*args, "--out", tmp_path / "r")
    warned = [line for line in lines(res.stderr) if line.startswith("warning: --cvar-cap -1")]
    assert len(warned) == 1, res.stderr
    assert "beat the nominal plan's jobs by at least 1 on average" in warned[0]
