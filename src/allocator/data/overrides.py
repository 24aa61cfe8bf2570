"""The overrides of a model file and the command line (`Override`: scale a budget, exclude a pool
or a program, set a coefficient, a group limit, a link ratio, or one cell by `--set`), validated
as pydantic models. A run spec holds them (`runs/spec.py`), so they live apart from the model-file
reader (`modelfile.py`), which reads them from YAML and applies them to a dataset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

from allocator.data.cellset import CellSet
from allocator.data.numbers import (
    NumberError,
    TooSmallError,
    check_magnitude,
    check_writing,
    parse_number,
    parse_share,
    too_small_fix,
)
from allocator.errors import quoted

PROGRAM_COLUMNS = Literal[
    "cap_musd",
    "floor_musd",
    "max_annual_share",
    "lag_years",
    "jobs_per_musd",
    "exports_per_musd",
    "first_year",
    "last_year",
]


WHOLE_COLUMNS = ("lag_years", "first_year", "last_year")

NO_MODEL_FILE = ("", "None")
"""The source of overrides given without a model file (a Python caller's `overrides=`, the
command line's `--set`s): empty, or `str(None)` as `pipeline.load_scenario` names it."""


def by_model_file(source: str) -> bool:
    """Whether overrides of `source` come from a model file: THE test of who gave them, which
    each way of saying so below reads."""
    return source not in NO_MODEL_FILE


def told_by(source: str) -> str:
    """The start of a line that refuses an override of `source`: `models/x.yaml: `, or nothing
    for overrides given without a model file, whose place (`overrides[0]`) says where they came
    from."""
    return f"{source}: " if by_model_file(source) else ""


def source_words(source: str) -> str:
    """Who gave the overrides of `source`, as a note names them: the model file, or
    `overrides=` (a Python caller's, given without a model file)."""
    return source if by_model_file(source) else "overrides="


def after_words(source: str, overrides: Sequence[Override]) -> str:
    """Who changed the data, for a problem across tables found after the overrides and sets:
    `models/x.yaml: after its overrides (and sets)`; without a model file, `after --set '...'`
    when all are sets (the command line's, or a caller's texts read as `--set`), else
    `after overrides= (...)`: a caller's, whatever their kinds."""
    sets = [o.set_cell for o in overrides if o.set_cell is not None]
    if by_model_file(source):
        return f"{source}: after its overrides{' and sets' if sets else ''}"
    if len(sets) < len(overrides):  # a mapping: only a Python caller gives one without a file
        count = f"{len(overrides)} override{'s' if len(overrides) > 1 else ''}"
        return f"after {source_words(source)} ({count} given)"
    named = ", ".join(quoted(s.text) for s in sets[:3])
    return f"after --set {named}{' and more' if len(sets) > 3 else ''}"


def _number(value: object, zero_refused: str | None = None) -> float:
    """A model-file number by the rule of a CSV cell: finite, 0 or at least MIN_MAGNITUDE in
    size, and, written as text, ASCII digits only (YAML reads `1e-400` or `'８５００'` as text);
    `zero_refused`: why the field refuses 0 too, so a number too small is not told to be 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("number", "{shown} is not a number", {"shown": repr(value)})
    try:
        if isinstance(value, str):
            return parse_number(value, {"": 1.0})
        if isinstance(value, float) and not math.isfinite(value):  # YAML's .inf and .nan
            raise ValueError(f"{value} is not a finite number")
        return check_magnitude(float(value), str(value))
    except (ValueError, OverflowError) as exc:  # OverflowError: an int too large for a float
        fix = getattr(exc, "fix", "write a plain number such as 2.5")
        if isinstance(exc, TooSmallError):
            fix = too_small_fix(zero_refused)
        raise PydanticCustomError(
            "number", "{reason} ({fix})", {"reason": str(exc) or repr(value), "fix": fix}
        ) from None


Number = Annotated[float, BeforeValidator(_number)]


def _positive(value: object) -> float:
    """A model-file number that must be above 0 (a solver option), by `_number`'s rule."""
    return _number(value, "a solver option must be above 0")


Positive = Annotated[float, BeforeValidator(_positive)]
"""A model-file number above 0 (a solver option); the field's `gt=0` refuses 0 and below."""


def _share(value: object) -> float:
    """A model-file share (a discount rate): a number, or text by the rule of a share cell and of
    `--discount-rate` (`0.05` or `5%`)."""
    if not isinstance(value, str):
        return _number(value)
    try:
        return parse_share(value) + 0.0  # + 0.0: -0.0 is 0
    except ValueError as exc:
        fix = getattr(exc, "fix", "write a share such as 0.05 or 5%")
        raise PydanticCustomError(
            "number", "{reason} ({fix})", {"reason": str(exc), "fix": fix}
        ) from None


Share = Annotated[float, BeforeValidator(_share)]
"""A share of a model file (`discount_rate`): `0.05` or `5%`, as the option takes it."""


def _cell(value: object) -> float | str:
    """A number given as text is kept as written, its writing checked (underscores, digits
    other than 0-9, length): the override reads it when applied, by the rule of a cell of its
    column in the dataset's number style, as a `set:` entry is read (`3.5B`, `50%`, `3,500`)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            check_writing(text)
        except NumberError as exc:
            raise PydanticCustomError(
                "number", "{reason} ({fix})", {"reason": str(exc), "fix": exc.fix}
            ) from None
        return text
    return _number(value)


CellValue = Annotated[float | str, BeforeValidator(_cell)]
"""A number of an override that stands for a cell of the dataset (a program's column, a link's
ratio): a YAML number, or text read as that cell would be when the override is applied."""


class Strict(BaseModel):
    """Unknown keys are an error: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleBudget(Strict):
    """Multiply a pool's budget (in one phase, or in all) by a factor."""

    pool: str
    phase: str | None = None
    factor: Number = Field(ge=0)


class SetCoefficient(Strict):
    """Set one number of one program (a coefficient, a cap, a window)."""

    program: str
    column: PROGRAM_COLUMNS
    value: CellValue

    @model_validator(mode="after")
    def _whole(self) -> SetCoefficient:
        # The CSV refuses a fractional lag or year; int() here would truncate it in silence.
        # (Text is read by the column's cell rule when applied, which refuses it too.)
        value = self.value
        if self.column in WHOLE_COLUMNS and isinstance(value, float) and not value.is_integer():
            raise PydanticCustomError(
                "whole_number",
                "{column} = {value} is not a whole number (write a whole number such as 2)",
                {"column": self.column, "value": f"{value:g}"},
            )
        return self


class SetLinkRatio(Strict):
    """Set the ratio of one enabling link (links.csv)."""

    link: str
    ratio: CellValue


class GroupLimit(Strict):
    """Add a cap, floor or share cap on a group, or replace the one the dataset has."""

    dimension: Literal["sector", "capital_group", "mineral", "export_category", "program", "pool"]
    member: str
    phase: str = "all"
    # Held to the bounds of a groups.csv cell when applied (`applyoverrides._group_limit`).
    min_musd: CellValue | None = None
    max_musd: CellValue | None = None
    max_share: CellValue | None = None


class Override(Strict):
    """One change to the data; exactly one key."""

    scale_budget: ScaleBudget | None = None
    exclude_pool: str | None = None
    exclude_program: str | None = None
    set_coefficient: SetCoefficient | None = None
    group_limit: GroupLimit | None = None
    set_link_ratio: SetLinkRatio | None = None
    set_cell: CellSet | None = Field(default=None, json_schema_extra={"internal": True})
    """A model file's `set:` entry or a `--set`, applied after the overrides (`cellset.py`)."""

    _place: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _one(self) -> Override:
        if sum(v is not None for v in self.__dict__.values()) != 1:
            raise ValueError(
                "an override has exactly one of scale_budget, exclude_pool, "
                "exclude_program, set_coefficient, group_limit, set_link_ratio"
            )
        return self

    @property
    def place(self) -> str:
        """Where a Python caller gave it (`overrides[1]`: `runs.optiontext.placed`), which a
        refusal of it names instead of its place among the model file's; "" for a model
        file's (named by the file: `models/x.yaml: overrides[0]`). A set's is its cell's
        (`CellSet.place`). Not recorded, as a set's is not."""
        return self.set_cell.place if self.set_cell is not None else self._place

    def placed_at(self, place: str) -> Override:
        """This override as given at `place` by a Python caller (`overrides[1]`)."""
        if self.set_cell is not None:
            return Override(set_cell=self.set_cell.model_copy(update={"place": place}))
        copy = self.model_copy()
        copy._place = place
        return copy


def place_of(override: Override, index: int, source: str) -> str:
    """Where `override`, the `index`-th of those applied with `source`, was given, as a
    refusal of it starts: a caller's place (`overrides[1]`), else `models/x.yaml:
    overrides[3]` (or `overrides[3]` without a model file)."""
    return override.place or f"{told_by(source)}overrides[{index}]"
