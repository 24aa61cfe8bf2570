"""The lock (constraints.txt) pins every dependency, inside the ranges pyproject.toml declares."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import ROOT


def pins(file: str = "constraints.txt") -> dict[str, Version]:
    found = {}
    for line in (ROOT / file).read_text(encoding="utf-8").splitlines():
        text = line.split("#")[0].strip()
        if text:
            name, _, version = text.partition("==")
            assert version, f"{file}: {line!r} is not an exact pin (name==version)"
            found[canonicalize_name(name)] = Version(version)
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in project["dependencies"] + extras]


def test_every_declared_dependency_is_pinned_inside_its_range():
    locked = pins()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is declared in pyproject.toml but not locked"
        assert req.specifier.contains(locked[name]), f"{name}=={locked[name]} is outside {req}"


def test_upper_bounds_below_the_next_major_where_majors_change_behaviour():
    for req in declared():
        if canonicalize_name(req.name) in {"pandas", "pydantic", "pyomo", "numpy", "highspy"}:
            assert any(s.operator == "<" for s in req.specifier), f"{req} has no upper bound"


def test_the_lower_bounds_are_the_versions_the_suite_was_run_with():
    """constraints-lowest.txt (README, Development) pins each lower bound exactly."""
    lowest = pins("constraints-lowest.txt")
    for req in declared():
        floor = [Version(s.version) for s in req.specifier if s.operator == ">="]
        assert floor, f"{req} has no lower bound"
        assert lowest.get(canonicalize_name(req.name)) == floor[0], f"{req}: lowest not tested"
