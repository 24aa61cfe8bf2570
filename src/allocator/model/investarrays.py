"""The invest columns as numpy arrays (`InvestArrays`): each column's program, pool, year and
phase by position, made once from `Sets.invest_runs` by `constraints.add_variables` and read by
every family that selects invest columns (`constraints.py`, `exportrows.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from allocator.model.build import Sets


@dataclass(frozen=True)
class InvestArrays:
    """The invest columns as arrays: invest column j (column position j) is `Sets.invest[j]`.

    Attributes:
        program: Each column's program, as its position in `Sets.programs`.
        pool: Each column's pool, as its position in `pools`.
        year: Each column's year.
        phase: Each column's phase, as its position in `Sets.phases`.
        pools: The pools, in the order of their first budget row.
        rate: Each program's jobs per musd (by position in `Sets.programs`).
        lag: Each program's lag in years.
    """

    program: npt.NDArray[np.int64]
    pool: npt.NDArray[np.int64]
    year: npt.NDArray[np.int64]
    phase: npt.NDArray[np.int64]
    pools: list[str]
    rate: npt.NDArray[np.float64]
    lag: npt.NDArray[np.int64]

    @classmethod
    def of(cls, s: Sets) -> InvestArrays:
        """The arrays of `s.invest`, made from its runs (`Sets.invest_runs`): one lookup per
        run of a program and a pool, each pool's years one array.

        Raises:
            ValueError: runs that do not make up `s.invest` (an internal error).
        """
        position = {p: i for i, p in enumerate(s.programs)}
        pools = list(dict.fromkeys(p.pool for p in s.inputs.pools))
        pool_at = {p: i for i, p in enumerate(pools)}
        runs = s.invest_runs
        sizes = [len(years) for _, _, years in runs]
        if sum(sizes) != len(s.invest):
            raise ValueError("internal: the invest runs are not the invest columns")
        years = _years_of(runs)
        phase_at = {f: i for i, f in enumerate(s.phases)}
        progs = s.programs.values()
        return cls(
            np.repeat(np.array([position[p] for p, _, _ in runs], dtype=np.int64), sizes),
            np.repeat(np.array([pool_at[q] for _, q, _ in runs], dtype=np.int64), sizes),
            years,
            _by_year(years, {t: phase_at[f] for t, f in s.phase_of.items()}),
            pools,
            np.array([p.jobs_per_musd for p in progs], dtype=float),
            np.array([p.lag_years for p in progs], dtype=np.int64),
        )

    @cached_property
    def by_program(self) -> list[np.ndarray]:
        """Each program's columns (by position in `Sets.programs`), in column order."""
        order = np.argsort(self.program, kind="stable")
        counts = np.bincount(self.program, minlength=len(self.rate))
        return np.split(order, np.cumsum(counts)[:-1])


def _years_of(runs: list[tuple[str, str, list[int]]]) -> npt.NDArray[np.int64]:
    """The years of every run, in order: one array per distinct list of years, concatenated."""
    if not runs:
        return np.zeros(0, dtype=np.int64)
    arrays: dict[int, npt.NDArray[np.int64]] = {}  # a pool's list of years is shared by its runs
    for _, _, years in runs:
        if id(years) not in arrays:
            arrays[id(years)] = np.array(years, dtype=np.int64)
    return np.concatenate([arrays[id(years)] for _, _, years in runs])


def _by_year(years: npt.NDArray[np.int64], at: dict[int, int]) -> npt.NDArray[np.int64]:
    """`at[t]` of every year t (every one of them a key of `at`), through a table by year."""
    if not years.size:
        return np.zeros(0, dtype=np.int64)
    first = min(at)
    table = np.full(max(at) - first + 1, -1, dtype=np.int64)
    table[np.array(list(at), dtype=np.int64) - first] = list(at.values())
    return table[years - first]
