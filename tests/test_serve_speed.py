"""`allocator serve`'s answer and details (issue 28's 150 ms budget): the answer to an edit holds
the headline, the outcomes, the money by program and which binding rows changed, exactly as
`allocator solve --set` gives them; the prices, tie classes and full report come after, from
`/api/details?rev=N`, and the details of a revision a later edit overtook are refused or
marked stale. In-process (Starlette's TestClient); no timing is asserted."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from allocator.cli.commands import app as cli_app
from allocator.report.write import write_csv
from allocator.serve.app import HEADER
from conftest import RUN_TABLES

TOKEN = "speed-token"
AUTH = {HEADER: TOKEN}
EDIT = "pools.ecosystem/phase3.budget_musd=6700"
OTHER = "programs.lithium_processing.cap_musd=900"


@pytest.fixture(scope="module")
def cli_edit(project) -> Path:
    """The run folder of `allocator solve --set EDIT` on the project's dataset."""
    out = project / "cli-edit"
    args = ["solve", "--inputs", str(project / "inputs" / "peru2040"), "--set", EDIT]
    res = CliRunner().invoke(cli_app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _binding(folder: Path) -> set[str]:
    return {r["constraint"] for r in _rows(folder / "shadow_prices.csv") if r["binding"] == "True"}


def _edited(client: TestClient, *sets: str) -> dict:
    """The answer to `sets` on the plan first loaded (the cells set before dropped)."""
    assert client.post("/api/reset", headers=AUTH).status_code == 200
    answer = client.post("/api/set", json={"set": list(sets)}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_answer_holds_headline_outcomes_money_and_binding_changes_of_solve_set(
    client, cli_edit, baseline_run
):
    state = _edited(client, EDIT)
    want = json.loads((cli_edit / "run.json").read_text(encoding="utf-8"))
    assert isinstance(state["rev"], int)
    assert state["details"] == f"/api/details?rev={state['rev']}"
    assert math.isclose(state["headline"]["value"], want["objective"]["value"], rel_tol=1e-9)
    assert state["headline"]["unit"] == want["objective"]["unit"] == "jobs"
    assert state["headline"]["label"] == want["objective"]["label"]
    assert state["outcomes"].keys() == want["outcomes"].keys()
    for name, value in want["outcomes"].items():
        got = state["outcomes"][name]
        assert (got is None) == (value is None), name
        assert value is None or math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-9), name
    by_phase = _rows(cli_edit / "allocation_by_phase.csv")
    money = {r["program"]: float(r["total_musd"]) for r in by_phase}
    assert state["programs"].keys() == money.keys()
    for program, total in money.items():
        assert math.isclose(state["programs"][program], total, rel_tol=1e-9, abs_tol=1e-9)
    first, now = _binding(baseline_run), _binding(cli_edit)
    assert first != now, "the edit changes which rows bind: the test shows something"
    assert state["moved"]["binding"] == {
        "now_binding": sorted(now - first),
        "no_longer_binding": sorted(first - now),
    }
    assert "report" not in state  # the prices and the full report come with the details


def test_the_details_of_an_answer_are_the_run_folder_of_solve_set(client, held, cli_edit, tmp_path):
    state = _edited(client, EDIT)
    got = client.get(state["details"], headers=AUTH)
    assert got.status_code == 200, got.text
    details = got.json()
    assert details["rev"] == state["rev"]
    assert details["stale"] is False
    head, now = details["headline"], state["headline"]  # a warm and a cold solve: same optimum
    assert math.isclose(head["value"], now["value"], rel_tol=1e-9)
    assert (head["shown"], head["unit"], head["label"]) == (now["shown"], now["unit"], now["label"])
    assert f'data-value="{head["value"]!r}"' in details["report"]
    assert "What one more unit buys" in details["report"] or "bind" in details["report"]
    tables = held.details(state["rev"]).run.tables
    for name in RUN_TABLES:  # prices, ranges and whole units included: byte for byte
        stem = name.removesuffix(".csv")
        write_csv(tables[stem], tmp_path / name)
        assert (tmp_path / name).read_bytes() == (cli_edit / name).read_bytes(), name
    assert details["ties"] == held.details(state["rev"]).run.solution.solver["ties"]


def test_details_of_an_older_revision_are_refused_as_stale(client):
    older = _edited(client, EDIT)
    assert client.get(older["details"], headers=AUTH).status_code == 200  # solved, kept
    newer = client.post("/api/set", json={"set": [OTHER]}, headers=AUTH).json()
    assert newer["rev"] == older["rev"] + 1
    refused = client.get(older["details"], headers=AUTH)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["status"] == "stale"
    assert (body["rev"], body["current"]) == (older["rev"], newer["rev"])
    assert f"revision {older['rev']}" in body["error"]
    assert client.get(newer["details"], headers=AUTH).json()["rev"] == newer["rev"]


@pytest.mark.parametrize("rev", ["abc", "0", "-1", "99999", ""])
def test_a_details_request_without_a_revision_of_this_server_is_refused(client, rev):
    assert client.get("/api/plan", headers=AUTH).status_code == 200
    refused = client.get(f"/api/details?rev={rev}", headers=AUTH)
    assert refused.status_code == 400, refused.text
    assert "Fix:" in refused.json()["error"]
    assert client.get("/api/details?rev=1").status_code == 403  # the token, as everywhere


def test_details_an_edit_overtakes_while_they_are_computed_are_refused_as_stale(
    client, held, monkeypatch
):
    """The details of revision N are solved outside the held instance's lock, so an edit can
    land meanwhile: they are marked stale, and the API refuses them (the page drops them)."""
    import allocator.serve.held as module

    state = _edited(client, EDIT)
    real = module.solved

    def overtaken(*args, **kwargs):
        held.edit([OTHER])  # another tab's edit while these details are solved
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "solved", overtaken)
    late = client.get(state["details"], headers=AUTH)  # solved, then refused: not rendered
    assert late.status_code == 409, late.text
    assert (late.json()["rev"], late.json()["current"]) == (state["rev"], state["rev"] + 1)
    assert held.last.rev == state["rev"] + 1
    monkeypatch.setattr(module, "solved", real)
    again = _edited(client, EDIT)
    monkeypatch.setattr(module, "solved", overtaken)
    assert held.details(again["rev"]).stale is True  # the held model marks them


def test_reset_and_plan_answers_carry_their_revision(client):
    one = client.post("/api/reset", headers=AUTH).json()
    two = client.get("/api/plan", headers=AUTH).json()
    assert two["rev"] == one["rev"]  # the plan asked again: the same revision
    three = client.post("/api/reset", headers=AUTH).json()
    assert three["rev"] == one["rev"] + 1
    assert three["moved"]["programs"] == []
    assert three["sets"] == []


@pytest.mark.parametrize(
    "cell",
    [
        "targets.jobs/sector/automotive/2035.value=38973.2",
        "programs.semiconductor_assembly.jobs_per_musd=4.8216",
        "programs.ev_charging_infrastructure.cap_musd=594.383",
    ],
)
def test_the_warm_answer_is_the_plan_of_its_cold_details(client, held, cell):
    """The answer is solved on the held instance from the last basis, without ranging; its
    details from the data, as `allocator solve --set` (the test above: the same bytes). The
    same plan: outcomes, money by program and binding rows."""
    state = _edited(client, cell)
    run = held.details(state["rev"]).run
    for name, value in run.info["outcomes"].items():
        got = state["outcomes"][name]
        assert value is None or math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-9), name
    by_phase = run.tables["allocation_by_phase"]
    money = dict(zip(by_phase["program"], by_phase["total_musd"], strict=True))
    assert state["programs"].keys() == money.keys()
    for program, total in money.items():
        assert math.isclose(state["programs"][program], total, rel_tol=1e-9, abs_tol=1e-9)
    prices = run.tables["shadow_prices"]
    binding = set(prices["constraint"][prices["binding"]])
    assert held.details(state["rev"]).rev == state["rev"]
    assert set(held.last.brief.binding) == binding
