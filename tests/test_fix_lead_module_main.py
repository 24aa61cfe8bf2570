"""`python -m allocator` is the `allocator` command, as `python -m allocator.cli` is (found by
helper r1: there was no `allocator/__main__.py`, so Python said "No module named
allocator.__main__")."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_python_m_allocator_is_the_command():
    ran = subprocess.run(
        [sys.executable, "-m", "allocator", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert ran.returncode == 0, ran.stderr
    assert "Usage: python -m allocator [OPTIONS] COMMAND" in ran.stdout
    assert "solve" in ran.stdout
