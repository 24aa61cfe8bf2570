"""What moved against the plan first loaded: the headline, the outcomes at every milestone, the
money of every program, and which rows bind now that did not (and the other way round)."""

from __future__ import annotations

from typing import Any

from allocator.serve.held import Brief

TOLERANCE = 1e-6
"""A change smaller than this (in the unit of the number, relative above 1) is not a move."""


def moved(first: Brief, now: Brief) -> dict[str, Any]:
    """The moves of `now` against `first`, each list sorted as the tables are."""
    return {
        "headline": _pair(first.objective["value"], now.objective["value"]),
        "outcomes": _changes(_numbers(first.outcomes), _numbers(now.outcomes)),
        "programs": _changes(first.programs, now.programs),
        "binding": {
            "now_binding": sorted(now.binding - first.binding),
            "no_longer_binding": sorted(first.binding - now.binding),
        },
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


def _numbers(outcomes: dict[str, Any]) -> dict[str, float]:
    """The outcomes that are numbers (run.json writes null where one does not apply)."""
    return {k: float(v) for k, v in outcomes.items() if isinstance(v, int | float)}
