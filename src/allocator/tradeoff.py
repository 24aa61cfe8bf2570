"""The jobs-versus-exports frontier as a run: `run_frontier` traces it and writes its folder
(frontier.csv, frontier.png, run.json). The tracing is `allocator.studies.frontier`; this
module adds what a run needs from the pipeline (options, sources, package versions).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.data.modelfile import load_dataset
from allocator.pipeline import SolveOptions, packages, sources_of
from allocator.report.write import atomic_run_dir, check_target, default_run_dir, write_run
from allocator.solver.compile import build_lp
from allocator.solver.passes import apply_options


def run_frontier(opts: SolveOptions, points: int) -> tuple[Path, pd.DataFrame]:
    """Trace the frontier and write frontier.csv, frontier.png and run.json atomically."""
    from allocator.report.plots import frontier_plot  # matplotlib only here
    from allocator.studies.frontier import frontier_table

    if opts.out is not None:
        check_target(opts.out, opts.force, sources_of(opts))
    inp = load_dataset(opts.inputs, opts.overrides, str(opts.model_file))
    lp, _ = build_lp(inp, opts.targets)
    apply_options(lp, opts.solver)
    table = frontier_table(inp, lp, points)
    label = opts.name or Path(opts.inputs).name
    folder = opts.out or default_run_dir(opts.results, label, "frontier")
    info = {
        "command": "frontier",
        "points": points,
        "targets": opts.targets,
        "inputs": {"folder": str(opts.inputs), "sha256": dict(sorted(inp.file_hashes.items()))},
        "packages": packages(),
    }
    with atomic_run_dir(folder, opts.force, sources_of(opts)) as tmp:
        write_run(tmp, {"frontier": table}, info, frontier_plot(table), command="frontier")
    return folder, table
