"""Processing-share rows (`shares.csv`): a mineral's domestic processing share at a milestone,
held like the other targets (`targets.add_targets` builds them with its own rows, so that the
soft shortfall pass weighs them with the jobs and exports targets).

share[m, y] = today_pct + (full_pct - today_pct) / investment_musd x productive capital of the
mineral's programs at y; the row is share (+ shortfall) >= target_pct, written with the
constant on the right: rate x capital (+ shortfall) >= target_pct - today_pct. The cap at
full_pct (`data.shares.share_of`) needs no row: a target is at most full_pct, so capital past
the investment buys no more of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allocator.data.shares import share_rate
from allocator.model.linear import Blocks
from allocator.model.measures import jobs_blocks

if TYPE_CHECKING:
    from allocator.data.shares import Share
    from allocator.model.build import Sets


def mineral_programs(s: Sets, mineral: str) -> list[str]:
    """The programs that process a mineral (programs.csv `mineral`)."""
    return [p for p, prog in s.programs.items() if prog.mineral == mineral]


def share_blocks(s: Sets, row: Share) -> Blocks:
    """Blocks of the percentage points the mineral's productive capital adds at the row's year."""
    progs = mineral_programs(s, row.mineral)
    rate = share_rate(row)
    rates = {p: (rate, s.programs[p].lag_years) for p in progs}
    return jobs_blocks(s, progs, {row.year: 1.0}, rates)


def share_weight(row: Share) -> float:
    """Weight of a percentage point of shortfall: as given, else 1/target (a share of it)."""
    if row.weight is not None:
        return row.weight
    return 1.0 / row.target_pct if row.target_pct > 0 else 0.0
