"""`allocator serve`'s re-solve against `allocator solve --set` for the same random single-cell
edits of the baseline, in one run.

    python bench/serve.py [--edits 50] [--cli-edits 10] [--seed 0]

Each edit is one cell of the baseline (a pool's budget, a program's cap, floor or coefficient, a
group limit, a target) times a random factor in [0.8, 1.2]. The server side is the API's
`POST /api/set` in-process (starlette's TestClient: the held re-solve with every pass, the
tables, the report's sections and the JSON), with the cells set before dropped, so each answer
is the baseline with one cell changed. The CLI side runs `allocator solve --set ... --out` as a
new process for the first `--cli-edits` edits. Prints the medians, where the server's time goes,
and the ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from allocator.runs.spec import RunSpec
from allocator.serve.app import HEADER, create_app
from allocator.serve.held import HeldModel, cells_of

EDITABLE = {
    "pools": ("budget_musd",),
    "programs": ("cap_musd", "floor_musd", "jobs_per_musd", "exports_per_musd"),
    "groups": ("min_musd", "max_musd"),
    "targets": ("value",),
}


def edits(held: HeldModel, count: int, seed: int) -> list[str]:
    """`count` random single-cell sets of the baseline, each a number times 0.8 to 1.2."""
    rng = random.Random(seed)
    cells = []
    for group in cells_of(held.answer().run.inputs):
        for column in EDITABLE.get(group["table"], ()):
            at = group["columns"].index(column)
            for row in group["rows"]:
                value = row["values"][at]
                if isinstance(value, int | float) and value > 0:
                    cells.append((f"{group['table']}.{row['key']}.{column}", value))
    picked = [rng.choice(cells) for _ in range(count)]
    return [f"{a}={round(v * rng.uniform(0.8, 1.2), 4):g}" for a, v in picked]


def serve_times(held: HeldModel, sets: list[str]) -> tuple[list[float], list[dict[str, Any]]]:
    """Seconds of each `POST /api/set` answer, and where the held model's time went."""
    client = TestClient(create_app(held, "t", hosts=("testserver",)))
    client.get("/api/plan", headers={HEADER: "t"})
    seconds, parts = [], []
    for text in sets:
        held.sets.clear()  # the baseline with this one cell: not the edits before it
        t0 = time.perf_counter()
        response = client.post("/api/set", json={"set": [text]}, headers={HEADER: "t"})
        seconds.append(time.perf_counter() - t0)
        if response.status_code == 200 and held.last is not None:
            run = held.last.run
            part = dict(run.info["timings_s"]) | {
                f"pass:{k}": v for k, v in run.solution.timings.items()
            }
            part["tables+report+json"] = seconds[-1] - sum(run.info["timings_s"].values())
            parts.append(part)
    return seconds, parts


def cli_times(sets: list[str]) -> list[float]:
    """Seconds of `allocator solve --set <edit> --out <new folder>`, one process each."""
    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(sets):
            out = Path(tmp) / f"run{i}"
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "allocator.cli", "solve", "--set", text, "--out", str(out)],
                capture_output=True,
                check=False,
            )
            seconds.append(time.perf_counter() - t0)
    return seconds


def main() -> None:
    """Run both sides and print medians, the server's time by step, and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--cli-edits", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    held = HeldModel(RunSpec())
    sets = edits(held, args.edits, args.seed)
    served, parts = serve_times(held, sets)
    cli = cli_times(sets[: args.cli_edits])
    med_s, med_c = statistics.median(served), statistics.median(cli)
    print(f"edits: {len(sets)} served, {len(cli)} through the CLI (seed {args.seed})")
    print(f"serve  re-solve, median {med_s * 1000:8.1f} ms  (budget 150 ms)")
    print(f"solve  --set,    median {med_c * 1000:8.1f} ms  (a new process, writing a folder)")
    print(f"ratio  solve / serve: {med_c / med_s:.1f} x")
    print("where the server's time goes (median ms over the answered edits):")
    for key in sorted({k for p in parts for k in p}):
        values = [p[key] for p in parts if key in p]
        print(f"  {key:24s} {statistics.median(values) * 1000:8.1f}")


if __name__ == "__main__":
    main()
