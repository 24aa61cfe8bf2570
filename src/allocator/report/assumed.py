"""The assumptions a plan rests on: every input row that states an assumption no source does,
marked where this plan relies on it (a limit that binds with a price, or a program it funds)."""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd

from allocator.report.rates import ZERO_PRICE


class Assumed(NamedTuple):
    """One input row that rests on an assumption."""

    where: str
    """`file row N`, e.g. `pools.csv row 5`."""
    text: str
    """The assumption, as the row states it."""
    relied: bool = False
    """Whether this plan relies on the row: a binding limit with a price, or a funded program."""


def assumptions_of(inp: Any, tables: dict[str, pd.DataFrame] | None = None) -> list[Assumed]:
    """Every input row that states an assumption no source does, by file, then in the table's
    canonical order (by its key, as `allocator check` lists them), not by row number: the same
    rows listed in another order in the file give the same list (only the rows cited differ);
    with the run's `tables`, those the plan relies on marked (`relied_on`)."""
    from allocator.data.schema import TABLES

    relied = relied_on(inp, tables) if tables is not None else set()
    out = []
    for field, (file, *_rest) in sorted(TABLES.items(), key=lambda item: item[1][0]):
        for row in getattr(inp, field):  # the loader's canonical order (sorted by key)
            if row.assumption.strip():
                where = f"{file} row {row.line}"
                out.append(Assumed(where, row.assumption.strip(), where in relied))
    return out


def relied_on(inp: Any, tables: dict[str, pd.DataFrame]) -> set[str]:
    """`file row N` of the input rows behind the limits that bind with a non-zero shadow price,
    and the programs.csv rows of the programs the plan funds."""
    from allocator.data.schema import TABLES
    from allocator.model.families import FAMILIES

    found: set[str] = set()
    prices = tables.get("shadow_prices")
    if prices is not None and {"family", "binding", "shadow_price"} <= set(prices.columns):
        priced = prices[
            prices["binding"].astype(bool) & (prices["shadow_price"].abs() >= ZERO_PRICE)
        ]
        finders: dict[str, Any] = {}
        for record in priced.to_dict("records"):
            family = FAMILIES.get(str(record["family"]))
            if family is None or family.source is None:
                continue
            labels = {d: record.get(d) for d in family.dims}
            name = str(record["family"])
            if name not in finders:
                finders[name] = family.source.rows_of(inp)
            row = finders[name](labels)
            if row is not None:
                found.add(f"{family.source.file} row {row.line}")
    by_phase = tables.get("allocation_by_phase")
    if by_phase is not None and {"program", "total_musd"} <= set(by_phase.columns):
        funded = set(by_phase.loc[by_phase["total_musd"] > 0, "program"].astype(str))
        file = TABLES["programs"][0]
        found |= {f"{file} row {r.line}" for r in inp.programs if r.program in funded}
    return found


def dataset_assumptions(
    info: dict[str, Any], tables: dict[str, pd.DataFrame] | None = None
) -> list[Assumed] | None:
    """The assumptions of the run's scenario (its dataset with the overrides and sets run.json
    records, as the run read it), those this plan relies on marked (`assumed`), if the dataset
    can still be read and the overrides still apply (else None: unknown)."""
    from pydantic import ValidationError

    from allocator.data.inputs import load_inputs
    from allocator.data.modelfile import apply_overrides
    from allocator.data.overrides import Override
    from allocator.errors import AllocatorError

    inputs = info.get("inputs") or {}
    folder = inputs.get("folder") if isinstance(inputs, dict) else None
    if not folder:
        return None
    try:
        inp = load_inputs(folder)
        overrides = [Override.model_validate(o) for o in _recorded_overrides(info)]
        if overrides:
            inp = apply_overrides(inp, overrides, "run.json")
        return assumptions_of(inp, tables)
    except (AllocatorError, ValidationError, OSError):
        return None


def _recorded_overrides(info: dict[str, Any]) -> list[Any]:
    """The overrides and sets a run record holds: its spec's scenario, else (a run written
    before the spec block) its options."""
    spec = info.get("spec")
    scenario = spec.get("scenario") if isinstance(spec, dict) else None
    if isinstance(scenario, dict):
        recorded = scenario.get("overrides")
    else:
        recorded = (info.get("options") or {}).get("overrides")
    return list(recorded) if isinstance(recorded, list) else []
