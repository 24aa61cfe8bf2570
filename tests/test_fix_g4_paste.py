"""Every command a planner is told to paste reads back, word for word, as the command meant
(hunt27 finding 3): `allocator init`'s steps, `export-inputs`'s Next and serve's Save quote
each path as a POSIX shell reads it (`pasted.command`)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from conftest import BASELINE, run_cli

AWKWARD = ["a b", "it's", "$HOME x", "semi;colon", "tab\tname", "-starts-with-dash", "a|b&c"]


def words_of(line: str) -> list[str]:
    """`line` as a POSIX shell splits it into words, with `;`, `|`, `&`, `(` and `)` as words of
    their own (where unquoted they end the command: `shlex.split` alone would not show it)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


@pytest.mark.parametrize("name", AWKWARD)
def test_a_pasted_command_splits_back_into_its_words(name: str) -> None:
    from allocator.pasted import command

    words = ["solve", "--inputs", f"{name}/inputs", "--out", Path(name) / "run"]
    assert words_of(command(*words)) == ["allocator", *map(str, words)]


def test_plain_words_stay_unquoted() -> None:
    from allocator.pasted import command

    assert command("solve", "--inputs", "inputs/peru2040") == (
        "allocator solve --inputs inputs/peru2040"
    )


@pytest.mark.parametrize("name", ["it's $x", "semi;colon"])
def test_init_steps_paste_a_quoted_or_dollar_folder_as_one_argument(
    tmp_path: Path, name: str
) -> None:
    ran = run_cli("init", name, "--xlsx", cwd=tmp_path, env={"COLUMNS": "400"})
    assert ran.exit_code == 0, ran.stderr
    steps = {line.strip()[:2]: line.strip()[3:] for line in ran.stdout.splitlines()}
    check = steps["2."].split("   (")[0]
    assert words_of(check) == ["allocator", "check", "--inputs", f"{name}/inputs/plan.xlsx"]
    assert words_of(steps["4."]) == ["allocator", "solve", f"{name}/models/scenario.yaml"]
    done = run_cli(*words_of(check)[1:], cwd=tmp_path)  # the step, pasted, runs
    assert done.exit_code == 0, done.stderr


def test_export_inputs_next_pastes_a_file_with_a_quote(tmp_path: Path) -> None:
    ran = run_cli("export-inputs", "o'brien plan.xlsx", cwd=tmp_path, env={"COLUMNS": "400"})
    assert ran.exit_code == 0, ran.stderr
    (line,) = [x for x in ran.stdout.splitlines() if "Next: " in x]
    pasted = words_of(line.split("Next: ", 1)[1])
    assert pasted == ["allocator", "solve", "--inputs", "o'brien plan.xlsx"]


def test_serve_save_command_pastes_a_project_with_a_quote(tmp_path: Path) -> None:
    import shutil

    from starlette.testclient import TestClient

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    project = tmp_path / "o'brien's plan"
    shutil.copytree(BASELINE, project / "inputs" / "peru2040")
    held = HeldModel(RunSpec(inputs=project / "inputs" / "peru2040"))
    asgi = create_app(held, "t", project / "models", project / "results", ("testserver",))
    saved = TestClient(asgi).post(
        "/api/save", headers={"X-Allocator-Token": "t"}, json={"name": "plain"}
    )
    assert saved.status_code == 200, saved.text
    words = words_of(saved.json()["command"])
    assert words == ["allocator", "solve", str(project / "models" / "plain.yaml")]
