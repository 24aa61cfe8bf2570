"""The size limits of a plan, checked on the data before any LP is built: a 30 KB dataset can ask
for gigabytes (60 programs over 301 years and 120 pools), and past memory the build ends in a
MemoryError traceback, not a message. The links' own limit is in `links.py`."""

from __future__ import annotations

from allocator.data.schema import Inputs, eligible_pools
from allocator.errors import InputError

MAX_PLAN_CELLS = 2_000_000
"""Most program-pool-years a plan may have (each program's years in the horizon times the pools
eligible for it): the LP's investment columns, which size its memory. 1.5 million take 1.7 GB
and 22 s to solve; the largest benchmark (3 million nonzeros) has 108,230."""
MAX_OUTCOME_TERMS = 20_000_000
"""Most terms the outcome rows may have, counted as program-pool-years times milestones (each
milestone's jobs and exports sum the investment productive by then). 450,000 program-pool-years
and a milestone in each of 301 years asked numpy for 136 million entries and ran out of 4 GB."""
MAX_RISK_TERMS = 20_000_000
"""Most terms the risk_cover rows may have, counted as each exposure's program-pool-years times
its risk's years (each row sums the exposed investment up to its year). The largest benchmark has
1,222,044; 50 programs exposed to 2,000 risks over 301 years asked numpy for 17 GB."""
MAX_TRANCHE_TERMS = 20_000_000
"""Most terms the tranche rows may have, counted as each tranche's years times the
program-pool-years of its sector (a row for every year sums the sector's jobs). 5,000 tranches of
one sector of 200 programs over 301 years ran out of 3 GB in 10 s."""
_LIMIT_WORDS = "the limit keeps memory bounded (see inputs/README.md, Limits)"


def size_problems(inp: Inputs) -> list[InputError]:
    """The plan's investment columns past MAX_PLAN_CELLS, else its outcome rows past
    MAX_OUTCOME_TERMS, its risk cover past MAX_RISK_TERMS or its tranche rows past
    MAX_TRANCHE_TERMS; refused before the LP is built."""
    first, last = inp.years[0], inp.years[-1]
    eligible = eligible_pools(inp)
    cells = {
        p.program: _years(p.first_year, p.last_year, first, last) * len(eligible[p.program])
        for p in inp.programs
    }
    total = sum(cells.values())
    if total > MAX_PLAN_CELLS:
        return [
            InputError(
                f"the plan has {total:,} program-pool-years (each program's years times the "
                f"pools eligible for it), more than the limit of {MAX_PLAN_CELLS:,}",
                file="programs.csv",
                fix="shorten the program windows or the horizon (phases.csv), make fewer pools "
                f"eligible, or split the dataset; {_LIMIT_WORDS}",
            )
        ]
    outcome = total * len(inp.milestones)
    if outcome > MAX_OUTCOME_TERMS:
        return [
            InputError(
                f"the outcome rows have {outcome:,} terms ({total:,} program-pool-years times "
                f"{len(inp.milestones)} milestones), more than the limit of "
                f"{MAX_OUTCOME_TERMS:,}",
                file="milestones.csv",
                fix="measure fewer milestones, or make the plan smaller (program windows, "
                f"eligible pools); {_LIMIT_WORDS}",
            )
        ]
    return _risk_problems(inp, cells) or _tranche_problems(inp, cells)


def _risk_problems(inp: Inputs, cells: dict[str, int]) -> list[InputError]:
    """The risk_cover rows past MAX_RISK_TERMS."""
    first, last = inp.years[0], inp.years[-1]
    window = {r.risk: _years(r.first_year, r.last_year, first, last) for r in inp.risks}
    terms = sum(
        cells.get(x.program, 0) * window.get(x.risk, 0) for x in inp.exposures if x.weight > 0
    )
    if terms <= MAX_RISK_TERMS:
        return []
    return [
        InputError(
            f"the risks' cover rows have {terms:,} terms (each exposure's program-pool-years "
            f"times its risk's years), more than the limit of {MAX_RISK_TERMS:,}",
            file="exposures.csv",
            fix="expose fewer programs to each risk, shorten the risk windows (risks.csv) or the "
            f"horizon; {_LIMIT_WORDS}",
        )
    ]


def _tranche_problems(inp: Inputs, cells: dict[str, int]) -> list[InputError]:
    """The tranche rows past MAX_TRANCHE_TERMS."""
    by_sector: dict[str, int] = {}
    for p in inp.programs:
        by_sector[p.sector] = by_sector.get(p.sector, 0) + cells[p.program]
    years = len(inp.years)
    terms = sum(years * by_sector.get(t.member, 0) for t in inp.tranches)
    if terms <= MAX_TRANCHE_TERMS:
        return []
    return [
        InputError(
            f"the tranche rows have {terms:,} terms (each tranche's years times its sector's "
            f"program-pool-years), more than the limit of {MAX_TRANCHE_TERMS:,}",
            file="tranches.csv",
            fix="give each sector fewer tranches, or shorten the horizon; " + _LIMIT_WORDS,
        )
    ]


def _years(first_year: int, last_year: int, first: int, last: int) -> int:
    """Years of a window inside the horizon first..last."""
    return max(0, min(last_year, last) - max(first_year, first) + 1)
