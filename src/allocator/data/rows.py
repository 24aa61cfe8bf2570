"""The columns every input table shares (`Row`, `Window`), identifiers, years, the plausibility
limits of every number, and the helpers the row models of `schema.py` and `links.py` use.
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

# Plausibility limits, stated in inputs/README.md: generous far above any real strategy, so
# that a typo (an extra exponent, a 1e308) is refused by cell before HiGHS sees it, where it
# would end as "HiGHS refused the model", a time-out, or a value taken as infinite.
MAX_MUSD = 1e9
"""Most US$ million in one money cell (budget, cap, floor, market, group limit, exports
target): 10^15 dollars, about ten times the world's yearly output."""
MAX_JOBS = 1e10
"""Most jobs in one cell (a jobs target, a cited count): more than the people on Earth."""
MAX_JOBS_PER_MUSD = 1e6
"""Most direct jobs per US$ million: one job per dollar."""
MAX_EXPORTS_PER_MUSD = 1e3
"""Most yearly export revenue per US$ million of productive capital."""
MAX_COVERAGE = 1e4
"""Most US$ million of exposed investment one US$ million of mitigation covers."""
MAX_WEIGHT = 1e6
"""Most weight of one unit of target shortfall, or of one objective of the weighted objective."""
MIN_MAGNITUDE = 1e-8
"""Least size of a number that is not 0: smaller ones vanish in the solver's tolerances or
underflow (1e-400 would silently become 0). Ten times HiGHS's `small_matrix_value` (its default
1e-9, `solver.highs.SMALLEST_KEPT`), at or below which HiGHS drops a matrix entry: a cell that
is a coefficient itself (a jobs or exports rate, a link's ratio, a share cap) is kept and used,
never dropped. At 1e-12 a rate of 1e-10 ended as "HiGHS refused the model"; lowering HiGHS's
option to its least (1e-12) instead kept such entries but made a CVaR plan whose cap no plan
meets end "HiGHS stopped without an optimum (Unknown)" rather than with its conflicting set
(tests/test_robust.py), so the option stays HiGHS's default and the data's least number is
above it."""
MAX_NUMBER_CHARS = 64
"""Longest a number may be written, in characters (a 5000-digit cell is a paste error)."""

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=64)]
Year = Annotated[int, Field(ge=1900, le=2200)]


def rule(column: str, message: str, fix: str) -> PydanticCustomError:
    """A broken rule across columns of one row: the loader names `column` and shows `fix`."""
    return PydanticCustomError(
        "row_rule", message.replace("{", "(").replace("}", ")"), {"column": column, "fix": fix}
    )


def unit_field(unit: str, **kwargs: Any) -> Any:
    """A field whose cells the loader reads in `unit` (musd, count, share, bool)."""
    return Field(json_schema_extra={"unit": unit}, **kwargs)


class Row(BaseModel):
    """Columns every table has: where the row comes from and how its numbers were obtained."""

    # No `use_attribute_docstrings`: on Python 3.11 pydantic reads each model's source at import
    # (48 ms of every command); `described` reads the docstrings where they are shown.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    line: int = Field(default=0, exclude=True)
    """Row number in the source file (header = 1); set by the loader, used in messages."""
    source: str = Field(min_length=1)
    """Seed file and table or section heading; `assumption` when no seed states the row."""
    derivation: str = ""
    """The arithmetic behind a computed number, on cited numbers."""
    assumption: str = ""
    """Columns of this row that no seed states, each with a one-line reason."""
    note: str = ""
    """Free text."""


class Window(Row):
    """A row with an inclusive year window."""

    first_year: Year
    """First year (inclusive)."""
    last_year: Year
    """Last year (inclusive)."""

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.first_year > self.last_year:
            raise rule(
                "first_year",
                f"first_year {self.first_year} is after last_year {self.last_year}",
                "swap the two years (the window is inclusive)",
            )
        return self


def closest_fix(
    value: object, known: set[str], where: str, listed: int = 12, drop: str = "this row"
) -> str:
    """The fix for a name that is not in `known`: the closest names (difflib), and how many
    others `where` has; with none close, the first `listed` names and how many more."""
    import difflib

    names = sorted(known)
    if not names:
        return f"add it to {where} (it has none yet)"
    longest = max(map(len, names))
    # A name far longer than every known one is like none of them (and difflib is quadratic).
    close = (
        difflib.get_close_matches(str(value), names, n=3, cutoff=0.6)
        if len(str(value)) <= 4 * longest + 8
        else []
    )
    score = [difflib.SequenceMatcher(None, str(value), c).ratio() for c in close]
    close = [c for c, r in zip(close, score, strict=True) if r >= score[0] - 0.1]  # near the best
    if close:
        others = len(names) - len(close)
        guess = " or ".join(close)
        rest = f"{others} other name{'s' if others != 1 else ''} in {where}, " if others else ""
        return f"did you mean {guess}? ({rest}or add it there)"
    shown = ", ".join(names[:listed])
    more = f", ... and {len(names) - listed} more" if len(names) > listed else ""
    return f"use one of {where} ({shown}{more}), add it there, or delete {drop}"


def described(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """`model.model_fields`, each field's description its docstring in the class body that
    declares it (unless `Field(description=...)` gives one): what pydantic's
    `use_attribute_docstrings` sets at import, read here only where it is shown (the data
    dictionary of a dataset workbook, the run spec's fields)."""
    fields = model.model_fields
    for name, info in fields.items():
        if info.description is None:
            owner = next(c for c in model.__mro__ if name in c.__dict__.get("__annotations__", {}))
            info.description = _field_docs(owner).get(name)
    return fields


@functools.cache
def _field_docs(cls: type) -> dict[str, str]:
    """The docstrings of `cls`'s own fields: a string right after an annotated name in its body
    (cleaned as `inspect.cleandoc` cleans it, as pydantic does)."""
    node = _class_node(sys.modules[cls.__module__].__file__ or "", cls.__qualname__)
    docs: dict[str, str] = {}
    if node is None:
        return docs
    for before, stmt in zip(node.body, node.body[1:], strict=False):
        if (
            isinstance(before, ast.AnnAssign)
            and isinstance(before.target, ast.Name)
            and isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            docs[before.target.id] = inspect.cleandoc(stmt.value.value)
    return docs


def _class_node(path: str, qualname: str) -> ast.ClassDef | None:
    """The class `qualname` (Outer.Inner for a nested one) in the module file `path`."""
    body: list[ast.stmt] = _module_tree(path).body
    node = None
    for part in qualname.split("."):
        node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
        if node is None:
            return None
        body = node.body
    return node


@functools.cache
def _module_tree(path: str) -> ast.Module:
    """A module's syntax tree, parsed once."""
    return ast.parse(Path(path).read_text(encoding="utf-8"))
