"""The floor of issue 30's budgets b and e: the least any program on this stack spends doing only
what a run cannot skip, measured beside the bare import on this machine.

    python bench/floor.py /tmp/g6x --repeats 3                 # budget b's floor (1e6 nonzeros)
    python bench/floor.py inputs/peru2040 --resolves 158 --stack --repeats 7   # budget e's

Each repetition is a fresh Python process (bytecode cached in a temporary folder after one
uncounted run) that does, timing each step:

1. `import highspy, pandas` (with `--stack` also pydantic, typer, rich and xlsxwriter: the parts
   of the chosen stack a `solve` needs: validation, the command line, the terminal, the workbook);
2. load the dataset with allocator's validated loader (bad input must be refused, so a run
   validates: this is the only allocator code timed besides bench/raw.py's LP assembly);
3. assemble the LP with vectorised numpy (bench/raw.py, the least known build) and pass it to
   HiGHS in one call;
4. `run()` once, then `--resolves` re-solves from the optimal basis, each with one row's active
   bound moved by one unit and put back (what confirming a listed marginal value costs at the
   least: the baseline's command makes 159 `run()` calls, 150 of them such re-solves);
5. write the plan's nonzero columns (index, value) as one CSV with pandas, and with `--stack` the
   same table as a one-sheet workbook with xlsxwriter: far less than a run folder holds.

`--ranging` adds HiGHS's `getRanging` after the re-solves (C++ outside `run()`: a run that reports
ranges cannot skip it). `--like RUN` (a run folder allocator wrote for DATASET) also writes, in a
fresh process after untimed reading, RUN's CSV cells as read (the standard library's csv writer:
no formatting at all) and its workbook's cells (xlsxwriter in constant-memory mode, one
`write_number` or `write_string` per cell, no formats): the least the run folder's two largest
writes cost. The last line adds the CSV cells alone in place of the plan's CSV: allocator writes
the workbook in a forked process beside its CSVs, and its own writer (formats included) took
0.64 s CPU at 1e6 where this per-cell loop took 1.25 s, so the loop's figure is shown but is no
floor.

Printed: each step's median wall seconds, the time outside `run()` (budget b: <= 1.2 s at 1e6
nonzeros for the whole command) and the whole against a fresh `import highspy, pandas` (budget e:
<= 2.0 for the baseline `solve`). Allocator's own modules, its efficiency passes, ties, ranging,
tables, report and terminal are not in the floor: a budget below the floor cannot be met by any
program that does what the run must, and the room above it is all allocator may spend.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import highspy, pandas
stack, folder, resolves, out, ranging = json.loads(sys.argv[1])
if stack:
    import pydantic, typer, rich, xlsxwriter
t1 = time.perf_counter()
sys.path.insert(0, BENCH)
import numpy as np
from raw import assemble, pass_model
from allocator.data.inputs import load_inputs
t1b = time.perf_counter()
inp = load_inputs(folder)
t2 = time.perf_counter()
lp = assemble(inp)
h = pass_model(lp)
t3 = time.perf_counter()
in_run = [0.0]
def run():
    t = time.perf_counter()
    h.run()
    in_run[0] += time.perf_counter() - t
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SystemExit("not optimal")
run()
duals = np.asarray(h.getSolution().row_dual)
rows = [int(i) for i in np.flatnonzero(np.abs(duals) > 1e-9)] or [0]
for k in range(resolves):
    i = rows[k % len(rows)]
    lo, up = float(lp.row_lower[i]), float(lp.row_upper[i])
    if np.isfinite(up):
        h.changeRowBounds(i, lo, up + 1.0)
    else:
        h.changeRowBounds(i, lo - 1.0, up)
    run()
    h.changeRowBounds(i, lo, up)
t4 = time.perf_counter()
if ranging:
    h.getRanging()
t4r = time.perf_counter()
x = np.asarray(h.getSolution().col_value)
keep = np.flatnonzero(np.abs(x) > 1e-9)
frame = pandas.DataFrame({"column": keep, "value_musd": x[keep]})
frame.to_csv(out + ".csv", index=False)
if stack:
    frame.to_excel(out + ".xlsx", index=False, engine="xlsxwriter")
t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "loader's modules": t1b - t1, "load": t2 - t1b,
                  "build + hand-off": t3 - t2, "solve + re-solves": t4 - t3,
                  "ranging": t4r - t4, "write": t5 - t4r,
                  "whole": t5 - t0,
                  "in run()": in_run[0], "runs": resolves + 1}))
"""

WRITE = r"""
import csv, json, os, sys, time
from pathlib import Path
import openpyxl, xlsxwriter
run, out = json.loads(sys.argv[1])
tables = {f.name: list(csv.reader(f.read_text(encoding="utf-8").splitlines()))
          for f in sorted(Path(run).glob("*.csv"))}
book = openpyxl.load_workbook(Path(run) / "workbook.xlsx", read_only=True)
sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
book.close()
t0 = time.perf_counter()
for name, rows in tables.items():
    with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
t1 = time.perf_counter()
wb = xlsxwriter.Workbook(os.path.join(out, "book.xlsx"), {"constant_memory": True})
for title, rows in sheets.items():
    ws = wb.add_worksheet(title)
    number, string = ws.write_number, ws.write_string
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value.__class__ is str:
                string(i, j, value)
            elif value is not None:
                number(i, j, value)
wb.close()
t2 = time.perf_counter()
cells = sum(len(r) for rows in tables.values() for r in rows)
xcells = sum(v is not None for rows in sheets.values() for r in rows for v in r)
print(json.dumps({"csv": t1 - t0, "xlsx": t2 - t1, "csv cells": cells, "xlsx cells": xcells}))
"""

BARE = "import highspy, pandas"


def environment(cache: str) -> dict[str, str]:
    """The children's environment: bytecode cached under `cache`, this tree's source first."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    src = str(HERE.parent / "src")
    path = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    return env | {"PYTHONPATH": path, "PYTHONPYCACHEPREFIX": cache}


def floor_once(args: argparse.Namespace, env: dict[str, str], out: str) -> dict[str, float]:
    """One fresh process of the floor program: its steps' seconds."""
    given = json.dumps([args.stack, str(args.dataset), args.resolves, out, args.ranging])
    code = CHILD.replace("BENCH", repr(str(HERE)))
    done = subprocess.run(
        [sys.executable, "-c", code, given], check=True, capture_output=True, env=env, text=True
    )
    return json.loads(done.stdout)


def write_once(run: Path, env: dict[str, str], out: str) -> dict[str, float]:
    """One fresh process that writes `run`'s CSV cells (as text, the stdlib's csv writer) and its
    workbook's cells (xlsxwriter, constant memory): the least the write step costs, untimed
    reading first."""
    given = json.dumps([str(run), out])
    done = subprocess.run(
        [sys.executable, "-c", WRITE, given], check=True, capture_output=True, env=env, text=True
    )
    return json.loads(done.stdout)


def bare_once(env: dict[str, str]) -> float:
    """Wall seconds of a fresh `import highspy, pandas`."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE], check=True, env=env)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--resolves", type=int, default=0, help="re-solves after the solve")
    parser.add_argument("--stack", action="store_true", help="also import the rest of the stack")
    parser.add_argument(
        "--ranging", action="store_true", help="also HiGHS's getRanging (C++ outside run())"
    )
    parser.add_argument(
        "--like",
        type=Path,
        help="a run folder allocator wrote for DATASET: also write its CSV and workbook cells",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        out = str(Path(tmp) / "plan")
        floor_once(args, env, out), bare_once(env)  # uncounted: bytecode cached
        rows, bare, writes = [], [], []
        for _ in range(args.repeats):  # interleaved: the same load on both
            rows.append(floor_once(args, env, out))
            bare.append(bare_once(env))
            if args.like:
                writes.append(write_once(args.like, env, tmp))
    print(f"floor of {args.dataset}: median of {args.repeats} fresh processes")
    for key in rows[0]:
        value = statistics.median(r[key] for r in rows)
        print(f"  {key:22s} {value:8.0f}" if key == "runs" else f"  {key:22s} {value:8.3f} s")
    whole = statistics.median(r["whole"] for r in rows)
    outside = statistics.median(r["whole"] - r["in run()"] for r in rows)
    b = statistics.median(bare)
    print(f"  outside run()          {outside:8.3f} s   (budget b: <= 1.2 s at 1e6 nonzeros)")
    print(f"  import highspy, pandas {b:8.3f} s")
    print(f"  whole / bare import    {whole / b:8.2f}     (budget e: <= 2.0 for the baseline)")
    if writes:
        csv_s = statistics.median(w["csv"] for w in writes)
        xlsx_s = statistics.median(w["xlsx"] for w in writes)
        print(
            f"  {args.like}: its {writes[0]['csv cells']:,} CSV cells (stdlib csv) {csv_s:.3f} s,"
            f" its workbook's {writes[0]['xlsx cells']:,} cells (xlsxwriter, constant memory)"
            f" {xlsx_s:.3f} s"
        )
        written = outside - statistics.median(r["write"] for r in rows) + csv_s
        print(
            "  outside run() with the CSV cells written (the plan's CSV above replaced; the"
            f" workbook left to a second process beside it, as allocator does): {written:.3f} s"
        )


if __name__ == "__main__":
    main()
