"""Task fe, item 4: a SIGTERM that lands while the command line starts (typer, rich and the
command's modules imported, before `root.main` installs its handler) ended the process the
default way (killed by the signal: exit -15, no line). The console script's entry point
`allocator.cli.main` now installs the SIGTERM handler first, so any SIGTERM ends as a later one
does: one line, "interrupted: no run folder was written", exit 130, the JSON document under
--json, and nothing left behind. The parent sends the signal from outside, once the child says
it is inside the start-up (a bounded wait, no timing assertion)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import DATA, ROOT

NO_FOLDER = "interrupted: no run folder was written"

_STALLED = """
import sys
import time
from pathlib import Path

mark = Path(sys.argv[1])
sys.argv = ["allocator", "solve", "--inputs", {data!r}, "--out", sys.argv[2], *sys.argv[3:]]


class Stall:
    \"\"\"Waits at the first import of `module`, as a slow disk would, once it said so.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            mark.write_text("waiting", encoding="utf-8")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.01)
        return None


from allocator.cli import main

sys.meta_path.insert(0, Stall())
sys.exit(main())
"""


def _terminated_while_importing(module: str, tmp_path: Path, *extra: str):
    """Run the entry point in a child that waits at `module`'s import; SIGTERM it from here as
    soon as it waits there. Returns (exit code, stdout, stderr, the --out folder)."""
    mark, out = tmp_path / "waiting", tmp_path / "run"
    script = textwrap.dedent(_STALLED.format(data=str(DATA / "greedy"), module=module))
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(mark), str(out), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not mark.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert mark.exists(), "the child never reached the import"
        child.send_signal(signal.SIGTERM)
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return child.returncode, stdout, stderr, out


@pytest.mark.parametrize("module", ["typer", "allocator.cli.commands"])
def test_a_sigterm_during_start_up_is_said_as_later(module, tmp_path):
    """typer: imported by `root`, before root.main's handler; allocator.cli.commands: the
    command's module, imported as typer resolves the command (root.main's handler is in place:
    the same words either way)."""
    code, stdout, stderr, out = _terminated_while_importing(module, tmp_path)
    assert code == 130, stderr[-600:]
    assert stderr == NO_FOLDER + "\n"
    assert stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["waiting"]


def test_under_json_the_document_too(tmp_path):
    code, stdout, stderr, _ = _terminated_while_importing("typer", tmp_path, "--json")
    assert code == 130, stderr[-600:]
    assert json.loads(stdout) == {"status": "interrupted", "exit_code": 130}
    assert stderr == NO_FOLDER + "\n"


def test_the_entry_point_installs_the_handler_before_it_imports_anything():
    """At the first module `main` imports (the command line's root), SIGTERM is already ours."""
    script = """
    import signal
    import sys

    class Seen:
        def find_spec(self, name, path=None, target=None):
            if name == "allocator.cli.root":
                sys.meta_path.remove(self)
                print(signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None), flush=True)
                raise SystemExit(0)
            return None

    from allocator.cli import main

    sys.meta_path.insert(0, Seen())
    main()
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr[-600:]
    assert done.stdout == "True\n"
