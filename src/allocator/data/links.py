"""Enabling links (`links.csv`): an enabling program or group makes a quantity of a dependent group
possible, at a cited ratio. The row model, how a side of a link names its programs, and the rules
across tables: unknown members, a link to itself, and cycles of links.

A link reads: quantity of the dependent programs in year t <= ratio x productive capital of the
enabling programs in year t - lag (the `enable` rows of `allocator.model.links`).
"""

from __future__ import annotations

import re
import typing
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
    """The programs one side of a link names, in the order of `programs` (from an index of the
    programs by member, built once for a tuple of programs: a scan of every program for every
    link made thousands of links take minutes)."""
    index = _index_of(programs)
    if names == (ALL,):
        return list(index.every.get(dimension, []))
    members = index.by_member.get(dimension, {})
    chosen = [p for name in dict.fromkeys(names) for p in members.get(name, [])]
    return sorted(chosen, key=index.position.__getitem__) if len(names) > 1 else chosen


def link_programs(inp: Inputs, link: Link) -> tuple[list[str], list[str]]:
    """(enabling programs, dependent programs) of a link."""
    return (
        side_programs(inp.programs, link.enabler_dimension, link.enablers),
        side_programs(inp.programs, link.dependent_dimension, link.dependents),
    )


class _Index:
    """The programs of one tuple by link dimension and member, each list in the tuple's order."""

    def __init__(self, programs: tuple[Program, ...]) -> None:
        self.programs = programs
        self.position = {p.program: i for i, p in enumerate(programs)}
        self.by_member: dict[str, dict[str, list[str]]] = {}
        self.every: dict[str, list[str]] = {}
        for p in programs:
            for dim in typing.get_args(LinkDimension):
                value = getattr(p, dim)
                if value is not None:
                    self.by_member.setdefault(dim, {}).setdefault(str(value), []).append(p.program)
                    self.every.setdefault(dim, []).append(p.program)


_LAST: _Index | None = None
"""The index of the programs last asked about: every link of a dataset asks about the same."""


def _index_of(programs: tuple[Program, ...]) -> _Index:
    global _LAST
    last = _LAST  # one read: another thread may swap it meanwhile
    if last is None or last.programs is not programs:
        last = _LAST = _Index(programs)
    return last


def check_links(inp: Inputs) -> None:
    """Every member names something of the dataset, no program enables itself, and no chain of
    links leads back to where it started; raises `InputError` naming links.csv's row and column."""
    raise_all(link_problems(inp))


def link_problems(inp: Inputs) -> list[InputError]:
    """Every unknown member and every link to itself; then, if none, links past the size limit;
    then a cycle of links. Linear in what the links name (an index of the programs by member)."""
    index = _index_of(inp.programs)
    found = []
    for link in inp.links:
        for column in ("enabler", "dependent"):
            dim = getattr(link, f"{column}_dimension")
            known = index.by_member.get(dim, {})
            found += [
                _error(
                    link,
                    column,
                    f"unknown {dim} '{name}'",
                    closest_fix(name, set(known), f"the {dim}s of programs.csv"),
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
        found += _size_problems(inp, index)
    if not found:
        try:
            _check_cycles(inp)
        except InputError as exc:
            found.append(exc)
    return found


MAX_LINK_TERMS = 2_000_000
"""Most program-years the links may name (each link's programs on both sides times the years of
the horizon): the nonzeros of the links' LP rows. 5,000 links of 100 programs over 16 years
(8 million) ran out of 3 GB; the largest benchmark's links name 23,820."""


def _size_problems(inp: Inputs, index: _Index) -> list[InputError]:
    """The links' size past MAX_LINK_TERMS, counted without listing their programs."""

    def named(dim: str, names: tuple[str, ...]) -> int:
        if names == (ALL,):
            return len(index.every.get(dim, []))
        return sum(len(index.by_member.get(dim, {}).get(n, [])) for n in names)

    terms = len(inp.years) * sum(
        named(k.enabler_dimension, k.enablers) + named(k.dependent_dimension, k.dependents)
        for k in inp.links
    )
    if terms <= MAX_LINK_TERMS:
        return []
    return [
        InputError(
            f"the links name {terms:,} program-years (each link's programs on both sides times "
            f"the years), more than the limit of {MAX_LINK_TERMS:,}",
            file="links.csv",
            fix="join links that share their sides, name fewer programs, or shorten the horizon; "
            "the limit keeps memory bounded (see inputs/README.md, Limits)",
        )
    ]


def _error(link: Link, column: str, why: str, fix: str) -> InputError:
    return InputError(why, file="links.csv", row=link.line, column=column, fix=fix)


def _check_cycles(inp: Inputs) -> None:
    """Link a feeds link b when a's dependents enable b; a chain of links must not close.

    The graph searched is links -> their dependent programs -> the links those programs enable:
    the same cycles as link -> link, with as many edges as the links name programs (comparing
    every pair of links took minutes for a few thousand)."""
    rows = {link.link: link for link in inp.links}
    edges: dict[str, list[str]] = {}
    for link in inp.links:
        enabling, dependent = link_programs(inp, link)
        edges[_LINK + link.link] = [_PROGRAM + p for p in dependent]
        for p in enabling:
            edges.setdefault(_PROGRAM + p, []).append(_LINK + link.link)
    far = max((r.line for r in inp.links), default=0) + 1  # a cycle is told from a link's row
    cycle = cycle_in(edges, lambda node: rows[node[1:]].line if node[0] == _LINK else far)
    if cycle is not None:
        names = [node[1:] for node in cycle if node[0] == _LINK]
        raise _error(
            rows[names[0]],
            "dependent",
            f"the links form a cycle ({' -> '.join([*names, names[0]])}: each one's "
            "dependents enable the next)",
            "an enabling chain must end: drop one of these links or a member that closes the loop",
        )


_LINK, _PROGRAM = "L", "P"
"""Node kinds of the cycle search: a link or a program (a link and a program may share a name)."""
