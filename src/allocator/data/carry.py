"""Model-file exclusions carried through to the tables that only refer to rows: a range in
uncertainty.csv, or a cited fact in facts.csv, on a row that `exclude_pool` or `exclude_program`
removed is set aside with a note, not refused. The user never touched those files; the row they
name is simply not in this scenario.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from allocator.data.audit import references, resolve
from allocator.data.cellrefs import resolve_rows
from allocator.data.evidence import Fact
from allocator.data.overrides import source_words
from allocator.data.schema import Inputs, Row
from allocator.errors import InputError


def carry_exclusions(before: Inputs, after: Inputs, source: str) -> Inputs:
    """`after` (the dataset with a model file's overrides) without the uncertainty.csv rows and
    facts whose references matched rows of `before` but match none of `after`.

    Args:
        before: the dataset as read.
        after: the dataset after the overrides of the model file `source`.
        source: the model file, named in the notes.
    """
    removed = _removed_keys(before, after)
    if not removed:
        return after
    source = source_words(source)  # no model file: the caller's `overrides=`
    notes = list(after.notes)
    ranges = []
    for u in after.uncertainty:
        lost = _lost(functools.partial(_ref_rows, ref=u.ref, line=u.line), before, after)
        if lost is None:
            ranges.append(u)
        else:
            notes.append(
                f"uncertainty.csv row {u.line}: the range on '{u.ref}' is left out: "
                f"{source} removes {_names(lost, removed)}"
            )
    facts = _kept_facts(before, after, source, removed, notes)
    return after.model_copy(
        update={"uncertainty": tuple(ranges), "facts": facts, "notes": tuple(notes)}
    )


def _kept_facts(
    before: Inputs, after: Inputs, source: str, removed: set[str], notes: list[str]
) -> tuple[Fact, ...]:
    """The facts whose every reference still resolves, dropping (with a note) those that lost
    their rows, and then those that refer to a dropped fact."""
    facts = {f.fact: f for f in before.facts}
    kept = {f.fact: f for f in after.facts}
    for f in after.facts:
        for ref in _refs(f):
            lost = _lost(functools.partial(_rows, facts=facts, owner=f, ref=ref), before, after)
            if lost is not None and not ref.startswith("fact:"):
                kept.pop(f.fact, None)
                notes.append(
                    f"facts.csv row {f.line}: fact {f.fact} is left out of the audit: its "
                    f"reference '{ref}' names {_names(lost, removed)}, which {source} removes"
                )
                break
    changed = True
    while changed:  # a fact citing a dropped fact cannot be compared either
        changed = False
        for f in list(kept.values()):
            gone = [r for r in _refs(f) if r.startswith("fact:") and r[5:] not in kept]
            if gone and gone[0][5:] in facts:
                del kept[f.fact]
                notes.append(
                    f"facts.csv row {f.line}: fact {f.fact} is left out of the audit: it "
                    f"cites '{gone[0]}', which is left out above"
                )
                changed = True
    return tuple(f for f in after.facts if f.fact in kept)


def _refs(fact: Fact) -> list[str]:
    try:
        return references(fact)
    except InputError:  # a malformed cell is the audit's to report, not a removed row
        return []


def _ref_rows(inp: Inputs, ref: str, line: int) -> list[Row]:
    """The rows of `inp` an uncertainty.csv reference (`ref`, on `line`) matches."""
    return resolve_rows(inp, ref, line)[1]


def _rows(inp: Inputs, facts: dict[str, Fact], owner: Fact, ref: str) -> list[Row]:
    if ref.startswith("fact:"):
        return []
    resolve(inp, facts, owner, ref)  # raises when nothing matches
    return resolve_rows(inp, ref, owner.line)[1]


def _lost(
    rows_in: Callable[[Inputs], list[Row]], before: Inputs, after: Inputs
) -> list[Row] | None:
    """The rows of `before` a reference matched, when it matches nothing in `after`; else None
    (it still matches, or it was broken before the overrides too: then it is reported as is)."""
    try:
        rows_in(after)
        return None
    except InputError:
        pass
    try:
        return rows_in(before)
    except InputError:
        return None


def _removed_keys(before: Inputs, after: Inputs) -> set[str]:
    """`pool korea`, `program gold_processing`: what the overrides removed."""
    gone = {f"pool {p}" for p in {r.pool for r in before.pools} - {r.pool for r in after.pools}}
    programs = {r.program for r in before.programs} - {r.program for r in after.programs}
    return gone | {f"program {p}" for p in programs}


def _names(rows: list[Row], removed: set[str]) -> str:
    """The removed pools and programs behind `rows`, e.g. `pool korea`."""
    hit = sorted(
        f"{kind} {getattr(r, kind)}"
        for r in rows
        for kind in ("pool", "program")
        if f"{kind} {getattr(r, kind, None)}" in removed
    )
    return ", ".join(dict.fromkeys(hit)) or "the rows it names"
