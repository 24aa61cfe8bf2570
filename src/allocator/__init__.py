"""allocator: an optimal, explainable allocation of a national investment strategy.

The public Python API is the commands' own functions (`allocator.runs`), loaded on first use
so that `import allocator` stays light:

    from allocator import RunSpec, solve
    run = solve(objective="exports", out=Path("run"))   # run.tables["allocation"], a DataFrame

`solve`, `compare`, `frontier`, `alternatives` and `sweep` each write a run folder, as the
command of that name does; `plan` solves in memory and writes nothing. See docs/api.md.
"""

from __future__ import annotations

TYPE_CHECKING = False  # `typing` not imported: `allocator.cli.main`'s handler comes sooner
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

API = {
    "solve": "allocator.runs.solve",
    "plan": "allocator.runs.solve",
    "compare": "allocator.runs.compare",
    "frontier": "allocator.runs.frontier",
    "alternatives": "allocator.runs.alternatives",
    "sweep": "allocator.runs.sweep",
    "RunSpec": "allocator.runs.spec",
    "Scenario": "allocator.runs.spec",
    "layered": "allocator.runs.spec",
    "AllocatorWarning": "allocator.runs.notes",
}
"""Each public name and the module that defines it."""

__all__ = [*API, "__version__"]


def __getattr__(name: str) -> Any:
    """Load a name of the public API from its module on first use (PEP 562)."""
    if name not in API:
        raise AttributeError(f"module 'allocator' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
