"""`mypy --strict` on src/ finds nothing (../shared/STYLE.md: strict, with the pydantic plugin;
pyproject.toml's [tool.mypy]). Its first run found real bugs: a sweep's warm-up solve passed
`False` as weights (ranging ran for nothing), NaN money read from an edited allocation.csv, a
traceback on an edited shadow_prices.csv (tests/test_types_found.py).

mypy's verdict depends on the type hints and stubs of the installed packages (numpy's, the
pandas stubs, ...), so it is asked in the locked environment (constraints.txt), where CI runs;
under other versions (constraints-lowest.txt, the newest releases) the test is skipped."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

from conftest import ROOT


def _unlocked() -> list[str]:
    """The installed packages whose version is not constraints.txt's pin."""
    off = []
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        text = line.split("#")[0].strip()
        if not text:
            continue
        name, _, pinned = text.partition("==")
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (an extra this environment left out)
        if have != pinned:
            off.append(f"{name} {have} (lock {pinned})")
    return off


def test_src_is_mypy_strict_clean(tmp_path) -> None:
    off = _unlocked()
    if off:
        pytest.skip(f"not the locked environment: {', '.join(off[:3])}")
    ran = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ran.returncode == 0, ran.stdout[-6000:] + ran.stderr[-2000:]
    assert "Success: no issues found" in ran.stdout, ran.stdout
