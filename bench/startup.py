"""Start-up cost, measured in one run (median of N, fresh processes):
`allocator --help`; the bare import of pyomo.environ + highspy + pandas; and `allocator solve`
on the bundled baseline (load, build, solve and write included), with its ratio to the import.

    python bench/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    n = parser.parse_args().repeat
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            "allocator --help": [py, "-m", "allocator.cli", "--help"],
            "import pyomo.environ, highspy, pandas": [
                py,
                "-c",
                "import pyomo.environ, highspy, pandas",
            ],
            "allocator solve (baseline)": [
                py,
                "-m",
                "allocator.cli",
                "solve",
                "--out",
                str(Path(tmp) / "run"),
                "--force",
            ],
        }
        times = {name: [] for name in runs}
        for _ in range(n):  # interleaved, so a slow spell hits every command alike
            for name, cmd in runs.items():
                times[name].append(seconds(cmd))
    med = {name: statistics.median(v) for name, v in times.items()}
    bare = med["import pyomo.environ, highspy, pandas"]
    print(f"median of {n}, fresh processes, interleaved")
    for name, value in med.items():
        print(f"  {name:40} {value:6.2f} s   {value / bare:5.2f} x the bare import")


if __name__ == "__main__":
    main()
