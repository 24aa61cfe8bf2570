"""`allocator serve`'s re-solve against `allocator solve --set` for the same random single-cell
edits of the baseline, in one run.

    python bench/serve.py [--edits 50] [--cli-edits 10] [--seed 0]

Each edit is one cell of the baseline (a pool's budget, a program's cap, floor or coefficient, a
group limit, a target) times a random factor in [0.8, 1.2]. The server side is the API's
`POST /api/set` in-process (starlette's TestClient: the held re-solve with every pass that
decides the plan, the headline, outcomes, money by program and binding rows, and the JSON: the
answer), then `GET /api/details?rev=N` as the page asks for it at once (ranges, prices, tie
classes, every table and the report's sections: the details), with the cells set before
dropped, so each answer is the baseline with one cell changed. The CLI side runs `allocator
solve --set ... --out` as a new process for the first `--cli-edits` edits. Prints the median and
the 90th percentile of the answer and of the details, where the answer's time goes, and the
ratio. Run against a server without details (before issue 28's split), the answer is all.
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
from allocator.serve.brief import cells_of
from allocator.serve.held import HeldModel

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
    answer = held.answer()
    inputs = answer.inputs if hasattr(answer, "inputs") else answer.run.inputs
    for group in cells_of(inputs):
        for column in EDITABLE.get(group["table"], ()):
            at = group["columns"].index(column)
            for row in group["rows"]:
                value = row["values"][at]
                if isinstance(value, int | float) and value > 0:
                    cells.append((f"{group['table']}.{row['key']}.{column}", value))
    picked = [rng.choice(cells) for _ in range(count)]
    return [f"{a}={round(v * rng.uniform(0.8, 1.2), 4):g}" for a, v in picked]


def serve_times(
    held: HeldModel, sets: list[str]
) -> tuple[list[float], list[float], list[dict[str, float]]]:
    """Seconds of each `POST /api/set` answer and of its `GET /api/details` (none where the
    server has no details), and where the held model's time went in each answer."""
    client = TestClient(create_app(held, "t", hosts=("testserver",)))
    auth = {HEADER: "t"}
    client.get("/api/plan", headers=auth)
    answers, details, parts = [], [], []
    for text in sets:
        held.sets.clear()  # the baseline with this one cell: not the edits before it
        t0 = time.perf_counter()
        response = client.post("/api/set", json={"set": [text]}, headers=auth)
        answers.append(time.perf_counter() - t0)
        if response.status_code != 200 or held.last is None:
            continue
        parts.append(_parts(held.last, answers[-1]))
        path = response.json().get("details")
        if path is not None:
            t0 = time.perf_counter()
            got = client.get(path, headers=auth)
            details.append(time.perf_counter() - t0)
            assert got.status_code == 200, got.text
    return answers, details, parts


def _parts(answer: Any, seconds: float) -> dict[str, float]:
    """Seconds by step of one answer; the rest of the request is `json+http`."""
    if hasattr(answer, "timings"):
        part = dict(answer.timings)
        part["json+http"] = seconds - answer.seconds
        return part
    run = answer.run  # a server before the split: the answer is the whole run
    part = dict(run.info["timings_s"]) | {f"pass:{k}": v for k, v in run.solution.timings.items()}
    part["tables+report+json"] = seconds - sum(run.info["timings_s"].values())
    return part


def percentile(values: list[float], q: float) -> float:
    """The `q`-th percentile (0..100) of `values`, linear between the closest ranks."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


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


def _line(name: str, seconds: list[float], budget: str = "") -> str:
    if not seconds:
        return f"{name:22s} none (this server's answer is the whole run)"
    med, p90 = statistics.median(seconds), percentile(seconds, 90)
    return f"{name:22s} median {med * 1000:8.1f} ms   p90 {p90 * 1000:8.1f} ms{budget}"


def main() -> None:
    """Run both sides and print medians and p90s, the answer's time by step, and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--cli-edits", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    held = HeldModel(RunSpec())
    sets = edits(held, args.edits, args.seed)
    answers, details, parts = serve_times(held, sets)
    cli = cli_times(sets[: args.cli_edits])
    print(f"edits: {len(sets)} served, {len(cli)} through the CLI (seed {args.seed})")
    print(_line("serve  answer", answers, "  (budget 150 ms at the median)"))
    print(_line("serve  details", details, "  (asked for at once, after the answer)"))
    if cli:
        print(_line("solve  --set", cli, "  (a new process, writing a folder)"))
        ratio = statistics.median(cli) / statistics.median(answers)
        print(f"ratio  solve / serve answer: {ratio:.1f} x")
    print("where the answer's time goes (median ms over the answered edits):")
    for key in sorted({k for p in parts for k in p}):
        values = [p[key] for p in parts if key in p]
        print(f"  {key:24s} {statistics.median(values) * 1000:8.1f}")


if __name__ == "__main__":
    main()
