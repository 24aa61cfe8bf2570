"""The family registry: what every row family and column family of the LP means.

One entry per family of MODEL.md (`declare.Family`): its index dimensions, the unit of its
right-hand side, plain words, the input table and column its right-hand side comes from (and how
to find that input row from the row's labels), whether the feasibility relaxation may move it,
and which data columns feed its coefficients and right-hand side.

The registry is the table of contents: `model/build.py`'s `STEPS` lists the build steps in
order, and each step carries the entries of the families it builds (`@declare.family`,
`@declare.variable`, metadata only). `FAMILIES`, `VARIABLES` and `LABEL_ORDER` read the steps that
`build.STEPS` lists when they are looked up, so a family is known exactly when it is built, and
in build order, whatever was imported first. Everything else that names, labels, explains or
relaxes a row (explain, solve, reports, sweep, bench) reads the registry here.

Pyomo-free and highspy-free, so reports and explanations load without the solver stack.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from allocator.model import build
from allocator.model.declare import (
    BY_KIND,
    WEIGHTED_SHORTFALL,
    Builder,
    Family,
    Labels,
    Source,
    Term,
    declared,
    family,
    variable,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "BY_KIND",
    "FAMILIES",
    "LABEL_ORDER",
    "VARIABLES",
    "WEIGHTED_SHORTFALL",
    "Family",
    "Labels",
    "Registry",
    "Source",
    "Term",
    "declared",
    "family",
    "family_of",
    "labels_of",
    "name_of",
    "per_unit",
    "price_unit",
    "registry_of",
    "relaxable",
    "row_price_units",
    "row_units",
    "row_words",
    "unit_of",
    "variable",
    "words",
]

GROUP_LABELS = ("kind", "dimension", "member", "level")
"""Labels that name a group or a tranche of one: shown first in the row and column tables."""
TIME_LABELS = ("phase", "year", "scenario")
"""Labels of time and of a robust scenario: shown last, in this order."""


@dataclass(frozen=True)
class Registry:
    """The families of a table of contents, in build order.

    Attributes:
        families: The constraint (row) families, by the name of their rows.
        variables: The variable (column) families, by the name of their columns.
        labels: The index label columns of the row and column tables, in the order they are
            shown: the group labels, then the other labels in the order the steps first declare
            them, then the time labels (`GROUP_LABELS`, `TIME_LABELS`).
    """

    families: dict[str, Family]
    variables: dict[str, Family]
    labels: tuple[str, ...]


def registry_of(steps: Sequence[Builder]) -> Registry:
    """The registry of a table of contents: the entries declared on `steps`, in their order.

    Raises:
        ValueError: a family (or variable) name declared by two steps (two families would share
            their rows' names).
    """
    rows: dict[str, Family] = {}
    cols: dict[str, Family] = {}
    seen: list[str] = []
    for step in steps:
        own = declared(step)
        for entries, into in ((own.variables, cols), (own.families, rows)):
            for name, entry in entries.items():
                if name in into:
                    raise ValueError(f"{name!r} is declared twice (on {step.__name__})")
                into[name] = entry
                seen += [d for d in entry.dims if d not in seen]
    middle = [d for d in seen if d not in GROUP_LABELS + TIME_LABELS]
    labels = tuple(d for d in GROUP_LABELS if d in seen) + tuple(middle)
    return Registry(rows, cols, labels + tuple(d for d in TIME_LABELS if d in seen))


_CACHE: list[tuple[Sequence[Builder], Registry]] = []


def registry() -> Registry:
    """The registry of `build.STEPS` as it is now (derived once per table of contents)."""
    steps = build.STEPS
    if not _CACHE or _CACHE[0][0] is not steps:
        _CACHE[:] = [(steps, registry_of(steps))]
    return _CACHE[0][1]


class _Entries(Mapping[str, Family]):
    """A read-only view of the registry's row or column families."""

    def __init__(self, kind: str) -> None:
        self._kind = kind

    def _now(self) -> dict[str, Family]:
        entries: dict[str, Family] = getattr(registry(), self._kind)  # rows or columns
        return entries

    def __getitem__(self, name: str) -> Family:
        return self._now()[name]

    def __contains__(self, name: object) -> bool:
        return name in self._now()

    def get(self, name: str, default: Family | None = None) -> Family | None:  # type: ignore[override]
        """The entry of `name`, or `default`."""
        return self._now().get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())

    def __repr__(self) -> str:
        return f"{self._kind}({list(self._now())})"


class _Labels(Sequence[str]):
    """A read-only view of the registry's label order."""

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[str, ...]: ...

    def __getitem__(self, i: int | slice) -> str | tuple[str, ...]:
        """The label at `i`, or the labels in slice `i`."""
        return registry().labels[i]

    def __len__(self) -> int:
        return len(registry().labels)

    def __repr__(self) -> str:
        return repr(list(registry().labels))


FAMILIES: Mapping[str, Family] = _Entries("families")
"""The constraint (row) families, by the name of their rows, in build order."""

VARIABLES: Mapping[str, Family] = _Entries("variables")
"""The variable (column) families, by the name of their columns, in build order."""

LABEL_ORDER: Sequence[str] = _Labels()
"""The index label columns of the row and column tables, in the order they are shown
(`Registry.labels`)."""


def name_of(family: str, index: tuple[object, ...]) -> str:
    """The row or column name written to model.lp / model.mps, e.g. `budget(public,phase1)`:
    one %-format of the index's length (each label by `str`), 0.3 us a name where a join of
    the labels mapped through `str` takes 0.45 (76,000 names at 1e6 nonzeros)."""
    if len(index) < len(_NAMES):
        return _NAMES[len(index)] % (family, *index)
    return f"{family}({','.join(map(str, index))})"


_NAMES = ("%s", *("%s(" + ",".join(["%s"] * k) + ")" for k in range(1, 9)))
"""The format of a name by the length of its index (`name_of`)."""


def family_of(family: str) -> Family:
    """The registry entry of a row or column family."""
    found = registry()
    return found.families[family] if family in found.families else found.variables[family]


def labels_of(family: str, index: tuple[object, ...]) -> Labels:
    """The index of a row or column as labels, e.g. `{"pool": "public", "phase": "p1"}`."""
    return dict(zip(family_of(family).dims, index, strict=True))


def words(family: str, labels: Labels) -> str:
    """A row or column in plain words, e.g. `budget of pool scaleup in phase2`."""
    fam = family_of(family)
    return fam.words.format(**{d: labels.get(d) for d in fam.dims})


def unit_of(family: str, labels: Labels) -> str:
    """The unit of a row's right-hand side (a column's value): `musd`, `jobs`, ..."""
    unit = family_of(family).unit
    if unit == BY_KIND:
        return "jobs" if labels.get("kind") == "jobs" else "musd"
    return unit


_PER = {"jobs": "job", WEIGHTED_SHORTFALL: f"unit of {WEIGHTED_SHORTFALL}"}


def price_unit(objective_unit: str, family: str, labels: Labels) -> str:
    """The unit of a row's shadow price: objective unit per unit of its right-hand side."""
    return per_unit(objective_unit, unit_of(family, labels))


def per_unit(objective_unit: str, unit: str) -> str:
    """The objective's unit per unit of a right-hand side or a variable's value: `jobs per
    musd`, `musd per job`."""
    return f"{objective_unit} per {_PER.get(unit, unit)}"


def relaxable(family: str) -> bool:
    """Whether the feasibility relaxation may move this row family's right-hand side."""
    entry = registry().families.get(family)
    return entry is not None and entry.relaxable


def row_words(table: pd.DataFrame) -> list[str]:
    """`words` of every row of a row or column table (its `family` column and label columns),
    each family's words format string turned positional once and mapped over its rows' labels
    (no per-row record: at 1e6 nonzeros, 6,700 records cost 0.1 s)."""
    import numpy as np

    out = np.empty(len(table), dtype=object)
    for name, at in _by_family(table):
        fam = family_of(name)
        fields = [_labels(table, d, at) for d in fam.dims]
        template = _positional(fam.words, fam.dims)
        if not fam.dims:
            found = [fam.words.format()] * len(at)
        elif template is None:  # a field that is not a plain label: the words' own way
            rows = zip(*fields, strict=True)
            found = [fam.words.format(**dict(zip(fam.dims, v, strict=True))) for v in rows]
        else:
            found = list(map(template.format, *fields))
        out[at] = found
    return out.tolist()


def row_units(table: pd.DataFrame) -> list[str]:
    """`unit_of` of every row of a row or column table, asked once per family and, for a family
    whose unit follows its target kind (`BY_KIND`), once per kind."""
    import numpy as np
    import pandas as pd

    out = np.empty(len(table), dtype=object)
    for name, at in _by_family(table):
        if family_of(name).unit != BY_KIND or "kind" not in table:
            out[at] = unit_of(name, {})
            continue
        codes, kinds = pd.factorize(table["kind"].to_numpy(dtype=object)[at])
        units = [unit_of(name, {"kind": k}) for k in kinds.tolist()]
        out[at] = np.array([*units, unit_of(name, {"kind": None})], dtype=object)[codes]
    return out.tolist()


def row_price_units(objective_unit: str, table: pd.DataFrame) -> list[str]:
    """`price_unit` of every row of a row table, once per distinct unit (`row_units`)."""
    units = row_units(table)
    said = {unit: per_unit(objective_unit, unit) for unit in set(units)}
    return [said[unit] for unit in units]


def _by_family(table: pd.DataFrame) -> Iterator[tuple[str, np.ndarray]]:
    """(family, positions of its rows) of each family in `table`, in order of first row."""
    import numpy as np
    import pandas as pd

    codes, names = pd.factorize(table["family"].to_numpy(dtype=object))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    for k, name in enumerate(names.tolist()):
        yield str(name), order[bounds[k] : bounds[k + 1]]


def _labels(table: pd.DataFrame, label: str, at: np.ndarray) -> list[Any]:
    """The `label` of the rows at `at` as Python objects (None where the table has no such
    column), as a record of each row would hold them."""
    if label not in table:
        return [None] * len(at)
    values: list[Any] = table[label].to_numpy(dtype=object)[at].tolist()
    return values


def _positional(words: str, dims: tuple[str, ...]) -> str | None:
    """`words` with each `{label}` replaced by its position in `dims` (`{0}`), or None when a
    field is not a plain label."""
    parts = []
    for literal, field, spec, conversion in string.Formatter().parse(words):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if field not in dims:
            return None
        tail = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        parts.append("{" + str(dims.index(field)) + tail + "}")
    return "".join(parts)
