"""Row models for every input table and the validated `Inputs` bundle.

Each field's docstring is its entry in the data dictionary; `json_schema_extra["unit"]` tells the
loader how to read the cell (`musd` money, `count`, `share`, `bool`). Cross-table rules (references,
windows inside the horizon, floors that cannot fit) live in `checks.py`. The columns every table
shares and the plausibility limits are in `rows.py`; the enabling links (`links.csv`) in `links.py`;
the levels before the plan and the tranches (`base.csv`, `tranches.csv`) in `levels.py`; the
facts and ranges (`facts.csv`, `uncertainty.csv`) in `evidence.py`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from allocator.data.evidence import Fact, Uncertainty
from allocator.data.levels import Base, Tranche
from allocator.data.links import Link
from allocator.data.rows import (
    MAX_COVERAGE,
    MAX_EXPORTS_PER_MUSD,
    MAX_JOBS,
    MAX_JOBS_PER_MUSD,
    MAX_MUSD,
    MAX_NUMBER_CHARS,
    MAX_WEIGHT,
    MIN_MAGNITUDE,
    Id,
    Row,
    Window,
    Year,
)
from allocator.data.rows import rule as _rule
from allocator.data.rows import unit_field as _unit
from allocator.data.shares import Share


def _cell_rule(column: str, message: str, fix: str) -> PydanticCustomError:
    """A broken rule of one cell, said as a rule across columns is (`rows.rule`: the loader
    names `column` and shows `fix`), but checked as the cell is read, so a set that breaks it
    is refused as it is given, whatever sets follow (`rowedits.py`)."""
    said = message.replace("{", "(").replace("}", ")")
    return PydanticCustomError("cell_rule", said, {"column": column, "fix": fix})


__all__ = [
    "MAX_COVERAGE",
    "MAX_EXPORTS_PER_MUSD",
    "MAX_JOBS",
    "MAX_JOBS_PER_MUSD",
    "MAX_MUSD",
    "MAX_NUMBER_CHARS",
    "MAX_WEIGHT",
    "MIN_MAGNITUDE",
    "TABLES",
    "Id",
    "Inputs",
    "Link",
    "Row",
    "Window",
    "Year",
]


class Phase(Window):
    """A phase of the strategy: a run of consecutive years with its own budgets."""

    phase: Id
    """Phase identifier, e.g. `phase1`."""
    name: str = ""
    """Display name."""


class Milestone(Row):
    """A year at which jobs and exports are measured; the last one is the objective's year."""

    year: Year
    """Milestone year, inside the horizon."""


class Program(Window):
    """An investment line that pools can fund."""

    program: Id
    """Program identifier."""
    name: str = ""
    """Display name."""
    sector: Id
    """Employment sector, for job outcomes and sector groups."""
    export_category: Id | None = None
    """Export category; empty when the program exports nothing."""
    capital_group: Id | None = None
    """Capital-investment group (e.g. processing_facilities)."""
    mineral: Id | None = None
    """Mineral processed, if any."""
    cap_musd: float = _unit("musd", ge=0, le=MAX_MUSD)
    """Most the program may receive over the horizon (US$ million)."""
    floor_musd: float = _unit("musd", default=0.0, ge=0, le=MAX_MUSD)
    """Least the program must receive over the horizon (US$ million)."""
    max_annual_share: float = _unit("share", default=1.0, ge=0, le=1)
    """Most of cap_musd it can absorb in one year (ramp), above 0; 1 = no ramp limit."""
    lag_years: int = Field(ge=0, le=50)
    """Years from investment until the capital is productive."""
    jobs_per_musd: float = _unit("count", ge=0, le=MAX_JOBS_PER_MUSD)
    """Direct jobs per US$ million of productive capital."""
    exports_per_musd: float = _unit("musd", default=0.0, ge=0, le=MAX_EXPORTS_PER_MUSD)
    """Annual export revenue (US$ million) per US$ million of productive capital."""

    @field_validator("max_annual_share")
    @classmethod
    def _ramp_above_zero(cls, share: float) -> float:
        # The bounds are a share's (0..1, said as such); this rule says why 0 is not one.
        if share == 0:
            raise _cell_rule(
                "max_annual_share",
                "max_annual_share 0 lets the program absorb no money in any year",
                "write a share above 0 and at most 1, such as 25% (empty or 1: no ramp limit); "
                "to fund the program not at all, set cap_musd to 0",
            )
        return share

    @model_validator(mode="after")
    def _floor_within_cap(self) -> Program:
        if self.floor_musd > self.cap_musd:
            raise _rule(
                "floor_musd",
                f"floor_musd {self.floor_musd:g} is above cap_musd {self.cap_musd:g}",
                f"lower floor_musd to at most {self.cap_musd:g} or raise cap_musd",
            )
        return self


class Pool(Row):
    """What one funding pool can spend in one phase."""

    pool: Id
    """Funding pool identifier, e.g. public, korea."""
    phase: Id
    """A phase of phases.csv."""
    budget_musd: float = _unit("musd", ge=0, le=MAX_MUSD)
    """Budget of the pool in the phase (US$ million)."""
    carry_over: bool = _unit("bool", default=False)
    """Whether unspent budget may move to the pool's next phase."""


class Eligibility(Row):
    """A pool may fund a program, every program (`*`), or every program of a sector."""

    pool: Id
    """A pool of pools.csv."""
    program: Id | Literal["*"] | None = None
    """A program, or `*` for all programs."""
    sector: Id | None = None
    """Or a sector: all its programs."""

    @model_validator(mode="after")
    def _one_target(self) -> Eligibility:
        if self.program is not None and self.sector is not None:
            raise _rule(
                "sector",
                f"both program '{self.program}' and sector '{self.sector}' are set",
                "clear one of the two: a row names a program (or *) or a sector",
            )
        if self.program is None and self.sector is None:
            raise _rule(
                "program",
                "neither program nor sector is set",
                "fill in program (a program id or * for all) or sector",
            )
        return self


Dimension = Literal["sector", "capital_group", "mineral", "export_category", "program", "pool"]


class Group(Row):
    """A cap, floor or share cap on the spending of a group of programs or of a pool."""

    dimension: Dimension
    """What kind of group: sector, capital_group, mineral, export_category, program or pool."""
    member: Id
    """Which sector, group, mineral, category, program or pool."""
    phase: Id
    """A phase, or `all` for the whole horizon."""
    min_musd: float | None = _unit("musd", default=None, ge=0, le=MAX_MUSD)
    """Group spending at least this (US$ million)."""
    max_musd: float | None = _unit("musd", default=None, ge=0, le=MAX_MUSD)
    """Group spending at most this (US$ million)."""
    max_share: float | None = _unit("share", default=None, ge=0, le=1)
    """Group spending at most this share of all spending in the same phase or horizon."""

    @model_validator(mode="after")
    def _some_limit(self) -> Group:
        if self.min_musd is None and self.max_musd is None and self.max_share is None:
            raise _rule(
                "min_musd",
                "the group sets no limit",
                "fill in at least one of min_musd, max_musd, max_share, or delete the row",
            )
        low, high = self.min_musd, self.max_musd
        if low is not None and high is not None and low > high:
            raise _rule(
                "min_musd",
                f"min_musd {low:g} is above max_musd {high:g}",
                "lower min_musd or raise max_musd",
            )
        return self


class Market(Row):
    """An export market ceiling for a program or an export category."""

    program: Id | None = None
    """The program whose exports are limited."""
    export_category: Id | None = None
    """Or the export category whose exports are limited."""
    year: Year
    """Applies to milestone years from this year until the next row for the same key."""
    market_musd: float = _unit("musd", ge=0, le=MAX_MUSD)
    """Size of the addressable market (US$ million per year)."""
    max_share: float = _unit("share", default=1.0, ge=0, le=1)
    """Reachable share of the market."""

    @model_validator(mode="after")
    def _one_key(self) -> Market:
        if self.program is not None and self.export_category is not None:
            raise _rule(
                "export_category",
                f"both program '{self.program}' and export_category "
                f"'{self.export_category}' are set",
                "clear one of the two: a row limits a program or an export category",
            )
        if self.program is None and self.export_category is None:
            raise _rule(
                "program",
                "neither program nor export_category is set",
                "fill in program or export_category",
            )
        return self

    @property
    def key(self) -> tuple[str, str]:
        """(`program` or `export_category`, its id)."""
        if self.program is not None:
            return ("program", self.program)
        return ("export_category", str(self.export_category))


class Risk(Window):
    """A risk with a mitigation budget spent inside its years."""

    risk: Id
    """Risk identifier, e.g. technology."""
    budget_musd: float = _unit("musd", ge=0, le=MAX_MUSD)
    """Mitigation budget (US$ million), separate from the funding pools."""
    coverage: float = Field(gt=0, le=MAX_COVERAGE)
    """US$ million of exposed investment one US$ million of mitigation covers."""


class Exposure(Row):
    """How much of a program's investment is exposed to a risk."""

    program: Id
    """A program."""
    risk: Id
    """A risk of risks.csv."""
    weight: float = _unit("share", ge=0, le=1)
    """Share of the program's investment exposed to the risk."""


class Target(Row):
    """A milestone target for jobs or exports of a group."""

    kind: Literal["jobs", "exports"]
    """What is measured."""
    dimension: Literal["sector", "export_category", "total"]
    """The group the target is set for."""
    member: Id | None = None
    """The sector or category (empty for total)."""
    year: Year
    """A milestone year."""
    value: float = Field(
        ge=0, json_schema_extra={"unit_from": "kind", "units": {"jobs": "count", "exports": "musd"}}
    )
    """Jobs (`12K` allowed), or US$ million per year of exports (`3.5B` allowed)."""
    weight: float | None = Field(default=None, ge=0, le=MAX_WEIGHT)
    """Weight of one unit of shortfall (per job or per US$ million); empty = 1/value, so every
    target's shortfall counts as the share of it that is missed."""

    @field_validator("value")
    @classmethod
    def _plausible(cls, value: float, info: ValidationInfo) -> float:
        kind = info.data.get("kind")  # validated before value: the limit is the kind's
        limit = MAX_JOBS if kind == "jobs" else MAX_MUSD
        if kind is not None and value > limit:
            raise _cell_rule(
                "value",
                f"the {kind} target {value:g} is above the maximum {limit:g}",
                f"use a value of at most {limit:g} (limits: inputs/README.md)",
            )
        return value


class Inputs(BaseModel):
    """A validated dataset: every table as a tuple of rows, plus where the files were."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    folder: str
    phases: tuple[Phase, ...]
    milestones: tuple[Milestone, ...]
    programs: tuple[Program, ...]
    pools: tuple[Pool, ...]
    eligibility: tuple[Eligibility, ...]
    groups: tuple[Group, ...] = ()
    markets: tuple[Market, ...] = ()
    risks: tuple[Risk, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    targets: tuple[Target, ...] = ()
    facts: tuple[Fact, ...] = ()
    uncertainty: tuple[Uncertainty, ...] = ()
    links: tuple[Link, ...] = ()
    base: tuple[Base, ...] = ()
    tranches: tuple[Tranche, ...] = ()
    shares: tuple[Share, ...] = ()
    file_hashes: dict[str, str] = Field(default_factory=dict)
    number_style: Literal["point", "comma"] | None = None
    """The number style the dataset declares (settings.csv or sheet: `number_style`): `point`
    (1,200.5) or `comma` (1.200,5); None when undeclared (a point, and 1.200 or 1,200 refused)."""
    settings: tuple[tuple[int, dict[str, str]], ...] = ()
    """Each row of settings.csv (or sheet) with a cell: its row number and cells by column
    (`numbers.setting_rows`), so the audit lists an assumption a setting states."""
    cells_set: tuple[dict[str, Any], ...] = ()
    """Each cell a `--set` or a model file's `set:` changed, in the order applied: `cell`
    (TABLE.KEY.COLUMN), `origin`, `value` (as written), `old` and `new` (as read)."""
    notes: tuple[str, ...] = ()
    """What the loader set aside without refusing the data (a broken fact, a range on a row a
    model file removed), one line each, for the commands to show as warnings."""

    @property
    def years(self) -> list[int]:
        """Every year of the horizon, first to last."""
        return list(range(self.phases[0].first_year, self.phases[-1].last_year + 1))

    @property
    def phase_of_year(self) -> dict[int, str]:
        """The phase each year belongs to."""
        return {t: p.phase for p in self.phases for t in range(p.first_year, p.last_year + 1)}

    @property
    def last_milestone(self) -> int:
        """The objective's year."""
        return max(m.year for m in self.milestones)


# Which table each field of Inputs is read from, with the columns that make a row unique.
TABLES: dict[str, tuple[str, type[Row], tuple[str, ...], bool]] = {
    "phases": ("phases.csv", Phase, ("phase",), True),
    "milestones": ("milestones.csv", Milestone, ("year",), True),
    "programs": ("programs.csv", Program, ("program",), True),
    "pools": ("pools.csv", Pool, ("pool", "phase"), True),
    "eligibility": ("eligibility.csv", Eligibility, ("pool", "program", "sector"), True),
    "groups": ("groups.csv", Group, ("dimension", "member", "phase"), False),
    "markets": ("markets.csv", Market, ("program", "export_category", "year"), False),
    "risks": ("risks.csv", Risk, ("risk",), False),
    "exposures": ("exposures.csv", Exposure, ("program", "risk"), False),
    "targets": ("targets.csv", Target, ("kind", "dimension", "member", "year"), False),
    "facts": ("facts.csv", Fact, ("fact",), False),
    "uncertainty": ("uncertainty.csv", Uncertainty, ("ref",), False),
    "links": ("links.csv", Link, ("link",), False),
    "base": ("base.csv", Base, ("kind", "dimension", "member"), False),
    "tranches": ("tranches.csv", Tranche, ("kind", "dimension", "member", "from_level"), False),
    "shares": ("shares.csv", Share, ("mineral", "year"), False),
}


def eligible_pools(inp: Inputs) -> dict[str, list[str]]:
    """For each program, the pools that may fund it, in pools.csv (key) order."""
    order = list(dict.fromkeys(p.pool for p in inp.pools))
    allowed: dict[str, set[str]] = {p.program: set() for p in inp.programs}
    by_sector: dict[str, list[str]] = {}
    for p in inp.programs:
        by_sector.setdefault(p.sector, []).append(p.program)
    for e in inp.eligibility:
        if e.program == "*":
            targets = list(allowed)
        elif e.program is not None:
            targets = [e.program]
        else:
            targets = by_sector.get(str(e.sector), [])
        for prog in targets:
            allowed[prog].add(e.pool)
    return {prog: [s for s in order if s in pools] for prog, pools in allowed.items()}
