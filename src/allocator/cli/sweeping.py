"""`allocator sweep` after its options are read: run the sweep (`runs.sweep`), show it, and say
in one line what a stop left (Ctrl-C) or what is still to solve (exit 1)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from allocator.cli.console import shown
from allocator.cli.render import err, out, progress, show_sweep, warn

if TYPE_CHECKING:
    from allocator.runs.spec import RunSpec


def run_sweep_command(
    spec: RunSpec,
    draws: tuple[int, int],
    where: tuple[str | None, int, bool, str | None],
    resume: bool,
    plan: Path | None = None,
    given: str | dict[str, Any] | None = None,
) -> None:
    """Sweep `draws` (samples, seed) of `spec` into its folder on `where` (scheduler, workers,
    serial, dashboard), evaluating `plan` (a run folder; default the nominal plan) fixed, and
    show it; with `plan`, which options it takes and why, in one line (`given`: the options
    typed, None where not given, or the --objective typed).

    Raises:
        UsageError: bad options, folder or data (nothing written).
        IncompleteSweepError: samples without an answer (exit 1; --resume solves them).
        typer.Exit: 130 after Ctrl-C, said in one line with what the folder keeps.
    """
    from allocator.runs.sweep import prepare
    from allocator.runs.sweepplan import objective_words

    samples, seed = draws
    if plan is not None:  # refused before anything is said
        from allocator.studies.fixedplan import plan_file

        plan_file(Path(plan))
    folder = prepare(spec, seed, resume, warn)
    said = objective_words(plan, given, spec if isinstance(given, dict) else spec.objective)
    if said is not None:
        out.print(f"Sweeping the plan of {escape(str(plan))} under {escape(said)}", soft_wrap=True)
    done = _swept(spec, folder, (samples, seed, plan), where, resume)
    if done is None:  # said outside the handler: exit_codes must not see the interrupt again
        _say_kept(folder)
        raise typer.Exit(130)
    _refuse_unsolved(done.table, folder)


def _swept(
    spec: RunSpec,
    folder: Path,
    draws: tuple[int, int, Path | None],
    where: tuple[str | None, int, bool, str | None],
    resume: bool,
) -> Any:
    """The sweep of `draws` (samples, seed, plan) into `folder` with a progress bar, shown;
    None after a stop (Ctrl-C) once sweep.csv keeps samples, said by the caller outside this
    handler."""
    from allocator.runs.sweep import sweep_into

    try:
        with progress(draws[0]) as advance:
            done = sweep_into(spec, folder, draws, where, resume, advance)
        _show(done, folder)  # a stop while it is shown keeps the sweep too: said as below
    except (KeyboardInterrupt, Exception) as exc:
        from allocator.cli.interrupts import caused_by_interrupt

        if not caused_by_interrupt(exc) or not (folder / "sweep.csv").is_file():
            raise
        return None
    return done


def _show(done: Any, folder: Path) -> None:
    """The finished sweep in the terminal, and the files its folder holds."""
    show_plan(done.summary)  # what the plan delivers first, then with perfect foresight
    show_sweep(done.summary, done.table)
    out.print(
        f"Wrote [bold]{shown(folder)}[/]: " + ", ".join(sorted(p.name for p in folder.iterdir()))
    )


def _refuse_unsolved(table: Any, folder: Path) -> None:
    """Exit 1, in one line, when samples have no answer (`runs.sweep.refuse_unsolved`, which
    the API's `sweep` raises too).

    Raises:
        IncompleteSweepError: how many, of which status, and that --resume solves them.
    """
    from allocator.runs.sweep import refuse_unsolved

    refuse_unsolved(table, folder)


def _say_kept(folder: Path) -> None:
    """One line after Ctrl-C in a sweep: how many samples its folder keeps."""
    from allocator.studies.sweepfolder import done_samples

    kept = len(done_samples(folder))
    err.print(
        f"interrupted: kept {kept:,} samples in {shown(folder)}; the same sweep with "
        "--resume continues it",
        highlight=False,
        soft_wrap=True,
    )


def show_plan(summary: Any) -> None:
    """The sweep's headline: what the fixed plan delivers, P50 with P5 and P95, and in how
    many samples money is cut, targets are missed or links broken; a level's part that
    exists before the plan (base.csv) and the plan's new part (`spread_split`)."""
    from allocator.report.rounding import cell
    from allocator.report.sweepbase import spread_split

    counts = summary.attrs.get("plan") or {}
    rows = {r.item: r for r in summary.itertuples() if str(r.item).startswith("plan ")}
    if not counts or "plan jobs" not in rows:
        return
    n = counts["samples"]
    out.print(
        f"[bold]This plan[/] ({escape(counts['plan'])}, fixed: not re-optimised) in {n:,} samples:"
    )
    for item in ("plan jobs", "plan exports_musd"):
        r = rows[item]
        out.print(
            f"  {item.removeprefix('plan ')}: P50 {cell(r.p50, r.unit)} (P5 "
            f"{cell(r.p5, r.unit)}, P95 {cell(r.p95, r.unit)}) {r.unit}{spread_split(r)}",
            markup=False,
        )
    for line in _cut_lines(rows, counts, n):
        out.print(line, markup=False)
    out.print(
        (
            f"  targets missed: in {counts['targets_missed']:,} of {n:,} samples"
            if "targets_missed" in counts
            else "  targets missed: not counted (--targets off: the LP holds no targets)"
        )
        + _links_broken(counts, n),
        markup=False,
    )
    out.print("[bold]With perfect foresight[/] (each sample re-optimised, as if known in advance):")


def _cut_lines(rows: dict[str, Any], counts: dict[str, Any], n: int) -> list[str]:
    """The money the fixed plan cannot spend (a sampled budget below it) and the money its
    links cannot carry, each in how many of the `n` samples and up to how much."""
    from allocator.report.rounding import cell

    lines = []
    cut = rows.get("plan money_cut_musd")
    if cut is not None:
        lines.append(
            f"  money it cannot spend (a sampled budget below it; cut, not moved): in "
            f"{counts.get('money_cut_musd', 0):,} of {n:,} samples, up to "
            f"{cell(cut.max, cut.unit)} US$ million (P95 {cell(cut.p95, cut.unit)})"
        )
    links = rows.get("plan link_cut_musd")
    if links is not None and counts.get("link_cut_musd"):
        lines.append(
            f"  money its links cannot carry (a sampled link ratio below what its dependent "
            f"capital needs; cut, not moved): in {counts['link_cut_musd']:,} of {n:,} samples, "
            f"up to {cell(links.max, links.unit)} US$ million (P95 {cell(links.p95, links.unit)})"
        )
    return lines


def _links_broken(counts: dict[str, Any], n: int) -> str:
    broken = counts.get("links_broken", 0)
    if not broken:
        return ""
    return (
        f"; in {broken:,} of {n:,} samples a link row stays broken after the cuts (its "
        "outcome there counts capital the link does not enable)"
    )
