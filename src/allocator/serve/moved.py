"""What moved against the plan first loaded: the headline, the outcomes at every milestone, the
money of every program, and which rows bind now that did not (and the other way round)."""

from __future__ import annotations

from typing import Any

from allocator.runs.common import Run

TOLERANCE = 1e-6
"""A change smaller than this (in the unit of the number, relative above 1) is not a move."""


def moved(first: Run, now: Run) -> dict[str, Any]:
    """The moves of `now` against `first`, each list sorted as the tables are."""
    return {
        "headline": _pair(first.info["objective"]["value"], now.info["objective"]["value"]),
        "outcomes": _changes(_outcomes(first), _outcomes(now)),
        "programs": _changes(_programs(first), _programs(now)),
        "binding": _binding(first, now),
    }


def _pair(a: float | None, b: float | None) -> dict[str, Any]:
    change = None if a is None or b is None else b - a
    return {"first": a, "now": b, "change": change}


def _changes(first: dict[str, float], now: dict[str, float]) -> list[dict[str, Any]]:
    """Every name whose value moved by more than TOLERANCE, with both values."""
    out = []
    for name in sorted(first.keys() | now.keys()):
        a, b = first.get(name, 0.0), now.get(name, 0.0)
        if abs(b - a) > TOLERANCE * max(1.0, abs(a), abs(b)):
            out.append({"name": name, **_pair(a, b)})
    return out


def _outcomes(run: Run) -> dict[str, float]:
    return {k: float(v) for k, v in run.info["outcomes"].items() if isinstance(v, int | float)}


def _programs(run: Run) -> dict[str, float]:
    """US$ million of each program over the horizon (allocation_by_phase.csv's total)."""
    frame = run.tables["allocation_by_phase"]
    return {str(p): float(v) for p, v in zip(frame["program"], frame["total_musd"], strict=True)}


def _binding(first: Run, now: Run) -> dict[str, list[str]]:
    """The rows that bind now and did not, and those that no longer bind (shadow_prices.csv)."""
    a, b = _bound(first), _bound(now)
    return {"now_binding": sorted(b - a), "no_longer_binding": sorted(a - b)}


def _bound(run: Run) -> set[str]:
    prices = run.tables["shadow_prices"]
    return {str(c) for c, hit in zip(prices["constraint"], prices["binding"], strict=True) if hit}
