"""Cycles in the references between rows (facts that check each other, links that enable each
other), found by the standard library's `graphlib`."""

from __future__ import annotations

import graphlib
from collections.abc import Callable


def cycle_in(edges: dict[str, list[str]], line: Callable[[str], int]) -> list[str] | None:
    """A cycle of `edges` (node -> the nodes it leads to), or None: the nodes in the edges'
    direction, starting at the node whose row comes first in its file (`line`), so the message
    does not depend on where the search met the cycle."""
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        found = list(reversed(exc.args[1][1:]))  # graphlib lists each node's predecessor first
        first = min(range(len(found)), key=lambda i: line(found[i]))
        return found[first:] + found[:first]
    return None
