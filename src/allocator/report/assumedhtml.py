"""The assumptions section of report.html: the input rows that rest on an assumption, those the
plan relies on first, or why they are not listed; the options of a run without a spec."""

from __future__ import annotations

from html import escape
from typing import Any

from allocator.report.assumed import RELIED_PRICED as RELIED
from allocator.report.assumed import Assumed


def assumptions_section(
    info: dict[str, Any], assumptions: list[Assumed] | None, why: str = "", known: str = RELIED
) -> str:
    """The assumptions section: the assumed input rows, those the plan relies on first (a
    study's: its reference plan's, `relied_on` of run.json, and which plan that is), `known`
    saying what they are (`relied_basis`); where no plan is known (empty: a study folder
    written without the record) the count is said unknown, never 0."""
    head = "<h2>Assumptions this run depends on</h2>" + _options(info)
    if assumptions is None:
        return head + _not_listed(why)
    if not assumptions:
        return head + "<p>No input row states an assumption: every number cites a source.</p>"
    return (
        head
        + _relied(info, assumptions, known)
        + (
            f"<details><summary>All {len(assumptions)} input rows that rest on an assumption"
            f"</summary><ul>{_items(assumptions)}</ul></details>"
        )
    )


def _options(info: dict[str, Any]) -> str:
    """`Options: objective jobs, ...` from run.json's options; empty for a run with a spec (it
    says its settings at the top of the page) or without options."""
    opts = info.get("options") or {}
    told = [
        f"objective {opts.get('objective')}" if opts.get("objective") else "",
        f"targets {opts.get('targets')}" if opts.get("targets") else "",
        f"measure {opts.get('measure')}" if opts.get("measure") else "",
        f"model file {opts.get('model_file')}" if opts.get("model_file") else "",
    ]
    said = ", ".join(t for t in told if t)
    if said and "spec" not in info:
        return f"<p>Options: {escape(said)}.</p>"
    return ""


def _not_listed(why: str) -> str:
    """Why the assumed rows are not listed: `why`, else the general reasons."""
    if why:
        said = f"The input rows that rest on an assumption are not listed here: {why}"
        return f"<p>{escape(said)}</p>"
    return (
        "<p>The input rows that rest on an assumption are not listed here: the dataset "
        "could not be read, or the run compares plans with datasets of their own.</p>"
    )


def _relied(info: dict[str, Any], assumptions: list[Assumed], known: str) -> str:
    """How many rows rest on an assumption and the list of those the plan relies on; where no
    plan is known (`known` empty), that it is not recorded, and the fix."""
    if not known:
        return (
            f"<p>{len(assumptions)} input rows rest on an assumption; which of them a plan of "
            "this study relies on is not recorded in its run folder. Fix: run the study again, "
            "or allocator solve for one plan's list.</p>"
        )
    relied = [a for a in assumptions if a.relied]
    return (
        f"<p>{len(assumptions)} input rows rest on an assumption; this plan relies on "
        f"{len(relied)} of them ({escape(known)}"
        f"{escape(_which_plan(info))}):</p><ul>{_items(relied)}</ul>"
    )


def _which_plan(info: dict[str, Any]) -> str:
    """`; this plan: allocator solve's plan of ...` for a study's reference plan (run.json
    `relied_on.plan`); empty for a run of one plan."""
    block = info.get("relied_on")
    plan = block.get("plan") if isinstance(block, dict) else None
    return f"; this plan: {plan}" if plan else ""


def _items(assumptions: list[Assumed]) -> str:
    return "".join(f"<li>{escape(a.where)}: {escape(a.text)}</li>" for a in assumptions)
