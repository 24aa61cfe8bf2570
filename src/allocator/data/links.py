"""Enabling links (`links.csv`): an enabling program or group makes a quantity of a dependent group
possible, at a cited ratio. The row model, how a side of a link names its programs, and the rules
across tables: unknown members, a link to itself, and cycles of links.

A link reads: quantity of the dependent programs in year t <= ratio x productive capital of the
enabling programs in year t - lag (the `enable` rows of `allocator.model.links`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from allocator.data.graphs import cycle_in
from allocator.data.rows import Id, Row, closest_fix, rule
from allocator.errors import InputError, raise_all

if TYPE_CHECKING:
    from allocator.data.schema import Inputs, Program

MAX_RATIO = 1e6
"""Most units of the dependent quantity one US$ million of enabling capital makes possible."""

LinkDimension = Literal["program", "sector", "capital_group", "mineral", "export_category"]
ALL = "*"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")


def members(cell: str) -> tuple[str, ...]:
    """The members a side of a link names, sorted (a cell's order never matters): `a; b` or `*`."""
    return tuple(sorted({m.strip() for m in cell.split(";") if m.strip()}))


class Link(Row):
    """An enabling program or group that makes a quantity of a dependent group possible."""

    link: Id
    """Link identifier, e.g. `zones_manufacturing`."""
    enabler_dimension: LinkDimension
    """What the enabling side names: program, sector, capital_group, mineral or export_category."""
    enabler: str
    """The enabling members, separated by `;` (or `*` for every member of the dimension)."""
    dependent_dimension: LinkDimension
    """What the dependent side names (same choices as enabler_dimension)."""
    dependent: str
    """The dependent members, separated by `;` (or `*`)."""
    quantity: Literal["capital", "exports"]
    """What of the dependent programs is limited: productive capital (US$ million) in every
    year, or exports (US$ million per year) at every milestone."""
    ratio: float = Field(gt=0, le=MAX_RATIO)
    """Units of the dependent quantity per US$ million of productive enabling capital."""
    lag_years: int = Field(default=0, ge=0, le=50)
    """Years after the enabling capital is productive until it enables (empty = 0)."""

    @model_validator(mode="after")
    def _members_written(self) -> Link:
        for column in ("enabler", "dependent"):
            names = members(getattr(self, column))
            if not names:
                raise rule(column, "names no member", "name one or more members separated by ;")
            if ALL in names and len(names) > 1:
                raise rule(column, "mixes * with named members", "write * alone, or only names")
            bad = [n for n in names if n != ALL and not _ID.match(n)]
            if bad:
                raise rule(
                    column,
                    f"'{bad[0]}' is not a valid identifier",
                    "separate members with ; and use letters, digits, _ - . (start with a letter)",
                )
        return self

    @property
    def enablers(self) -> tuple[str, ...]:
        """The enabling members, sorted."""
        return members(self.enabler)

    @property
    def dependents(self) -> tuple[str, ...]:
        """The dependent members, sorted."""
        return members(self.dependent)


def side_programs(
    programs: tuple[Program, ...], dimension: str, names: tuple[str, ...]
) -> list[str]:
    """The programs one side of a link names, in the order of `programs`."""
    if names == (ALL,):
        return [p.program for p in programs if getattr(p, dimension) is not None]
    wanted = set(names)
    return [p.program for p in programs if getattr(p, dimension) in wanted]


def link_programs(inp: Inputs, link: Link) -> tuple[list[str], list[str]]:
    """(enabling programs, dependent programs) of a link."""
    return (
        side_programs(inp.programs, link.enabler_dimension, link.enablers),
        side_programs(inp.programs, link.dependent_dimension, link.dependents),
    )


def check_links(inp: Inputs) -> None:
    """Every member names something of the dataset, no program enables itself, and no chain of
    links leads back to where it started; raises `InputError` naming links.csv's row and column."""
    raise_all(link_problems(inp))


def link_problems(inp: Inputs) -> list[InputError]:
    """Every unknown member and every link to itself; then, if none, a cycle of links."""
    found = []
    for link in inp.links:
        for column in ("enabler", "dependent"):
            dim = getattr(link, f"{column}_dimension")
            known = {str(getattr(p, dim)) for p in inp.programs if getattr(p, dim) is not None}
            found += [
                _error(
                    link,
                    column,
                    f"unknown {dim} '{name}'",
                    closest_fix(name, known, f"the {dim}s of programs.csv"),
                )
                for name in getattr(link, f"{column}s")
                if name != ALL and name not in known
            ]
        enabling, dependent = link_programs(inp, link)
        both = sorted(set(enabling) & set(dependent))
        if both:
            found.append(
                _error(
                    link,
                    "dependent",
                    f"link {link.link} makes {', '.join(both)} enable itself "
                    "(enabler and dependent)",
                    "a link joins two different groups: take these programs off one side",
                )
            )
    if not found:
        try:
            _check_cycles(inp)
        except InputError as exc:
            found.append(exc)
    return found


def _error(link: Link, column: str, why: str, fix: str) -> InputError:
    return InputError(why, file="links.csv", row=link.line, column=column, fix=fix)


def _check_cycles(inp: Inputs) -> None:
    """Link a feeds link b when a's dependents enable b; a chain of links must not close."""
    sides = {link.link: link_programs(inp, link) for link in inp.links}
    rows = {link.link: link for link in inp.links}
    feeds = {
        a: sorted(b for b, (enabling, _) in sides.items() if set(dep) & set(enabling))
        for a, (_, dep) in sides.items()
    }
    cycle = cycle_in(feeds, lambda name: rows[name].line)
    if cycle is not None:
        raise _error(
            rows[cycle[0]],
            "dependent",
            f"the links form a cycle ({' -> '.join([*cycle, cycle[0]])}: each one's "
            "dependents enable the next)",
            "an enabling chain must end: drop one of these links or a member that closes the loop",
        )
