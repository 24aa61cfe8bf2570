"""follow: four follow-ups of the API work (apifix2): Save's notes told to the page, one reader
of a discount rate, sweep's seed from its spec, and run.json's reader in its own module.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from allocator.cli.commands import app as cli_app
from allocator.runs.spec import RunSpec
from allocator.serve.app import HEADER, create_app
from allocator.serve.held import HeldModel
from conftest import DATA

GREEDY = DATA / "greedy"
TOKEN = "follow-token"
AUTH = {HEADER: TOKEN}
LOOP = "fact,value,unit,total_of,same_as,source\na,100,musd,,fact:b,x\nb,100,musd,,fact:a,x\n"


def _broken_project(root: Path) -> Path:
    """A project whose dataset has a fact that leads back to itself (a note, not an error)."""
    data = shutil.copytree(GREEDY, root / "inputs" / "greedy")
    (data / "facts.csv").write_text(LOOP, encoding="utf-8")
    return data


def test_the_page_and_save_tell_the_notes_as_solve_says_them_not_on_the_console(tmp_path):
    """Save ran `runs.solve.solve` without `warn=`: each note of the dataset became a Python
    `AllocatorWarning` printed on the server's stderr, and the page said nothing of it (nor
    did the plan's answer). Now both answers carry solve's `warning:` lines."""
    data = _broken_project(tmp_path)
    asgi = create_app(
        HeldModel(RunSpec(inputs=data)),
        TOKEN,
        tmp_path / "models",
        tmp_path / "results",
        ("testserver",),
    )
    client = TestClient(asgi)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shown = client.get("/api/plan", headers=AUTH)
        saved = client.post("/api/save", json={"name": "looped"}, headers=AUTH)
    assert saved.status_code == 200, saved.text
    assert [str(w.message) for w in caught] == []
    res = CliRunner().invoke(
        cli_app, ["solve", str(tmp_path / "models" / "looped.yaml"), "--out", str(tmp_path / "r")]
    )
    assert res.exit_code == 0, res.stderr
    said = [line for line in res.stderr.splitlines() if line.startswith("warning: ")]
    assert len(said) == 1
    assert "leads back" in said[0]
    assert saved.json()["warnings"] == said
    assert shown.json()["warnings"] == said
