"""Audit a valid dataset: where the documents disagree by arithmetic, and what is assumed.

A stated total (`facts.csv`, `total_of`) is compared with the sum of its cited parts; a number
stated twice (`same_as`) with its other statement. Each finding carries both numbers and both
citations. Nothing here changes the data or the model: the audit only reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from allocator.data.cellrefs import CELL_UNITS, TARGET_UNITS, match_reference
from allocator.data.evidence import Fact
from allocator.data.graphs import cycle_in
from allocator.data.links import link_programs
from allocator.data.numbers import SETTINGS_FILE
from allocator.data.schema import TABLES, Inputs
from allocator.errors import InputError, raise_all

DEFAULT_TOLERANCE = 0.005


@dataclass(frozen=True)
class Part:
    """One cited number a reference resolved to."""

    label: str
    value: float
    source: str


@dataclass(frozen=True)
class Comparison:
    """A stated number against what its parts (or its other statement) say."""

    fact: Fact
    kind: str  # "total" or "same"
    computed: float
    parts: tuple[Part, ...]

    @property
    def difference(self) -> float:
        """Stated minus computed."""
        return self.fact.value - self.computed

    @property
    def agrees(self) -> bool:
        """Within the fact's tolerance (relative to the larger of the two)."""
        tol = DEFAULT_TOLERANCE if self.fact.tolerance is None else self.fact.tolerance
        scale = max(abs(self.fact.value), abs(self.computed), 1e-12)
        return abs(self.difference) <= tol * scale

    def describe_agreement(self) -> str:
        """One line for a comparison that agrees: exactly, or with the gap and the tolerance that
        lets it pass (a source table that rounds its rows), so no gap is agreed in silence."""
        unit = self.fact.unit
        if self.difference == 0:
            return f"{self.fact.fact}: {_fmt(self.fact.value)} {unit}, exactly"
        what = "its parts add up to" if self.kind == "total" else "the same quantity is stated as"
        tol = DEFAULT_TOLERANCE if self.fact.tolerance is None else self.fact.tolerance
        share = f" ({self.difference / self.computed:+.2%})" if self.computed else ""
        return (
            f"{self.fact.fact}: stated {_fmt(self.fact.value)} {unit}, {what} "
            f"{_fmt(self.computed)} {unit}: a gap of {_fmt(self.difference)} {unit}{share}, "
            f"within the tolerance of {tol:.1%} (rounding in the source)"
        )

    def describe(self) -> str:
        """One paragraph with both numbers and both citations."""
        unit = self.fact.unit
        what = "its parts add up to" if self.kind == "total" else "the same quantity is stated as"
        sources = "; ".join(sorted({p.source for p in self.parts}))
        # a share of nothing is no number: parts that add up to 0 get the difference alone
        share = f" ({self.difference / self.computed:+.1%})" if self.computed else ""
        return (
            f"{self.fact.fact}: stated {_fmt(self.fact.value)} {unit} ({self.fact.source}) but "
            f"{what} {_fmt(self.computed)} {unit} "
            f"({_group_labels(self.parts)}; {sources}): "
            f"differs by {_fmt(self.difference)} {unit}{share}"
        )


@dataclass(frozen=True)
class Assumption:
    """A row, or some of its columns, with no seed behind it."""

    file: str
    line: int
    key: str
    text: str


@dataclass(frozen=True)
class Report:
    """Everything `allocator check` prints after validation."""

    comparisons: tuple[Comparison, ...]
    assumptions: tuple[Assumption, ...]
    warnings: tuple[str, ...]

    @property
    def disagreements(self) -> tuple[Comparison, ...]:
        """The comparisons whose numbers differ beyond tolerance."""
        return tuple(c for c in self.comparisons if not c.agrees)


def _group_labels(parts: tuple[Part, ...]) -> str:
    """`programs.csv rows 6, 7, 9 (cap_musd)` instead of one label per part."""
    groups: dict[tuple[str, str], list[str]] = {}
    for p in parts:
        words = p.label.split(" ")
        if len(words) == 4 and words[1] == "row":
            groups.setdefault((words[0], words[3]), []).append(words[2])
        else:
            groups.setdefault((p.label, ""), [])
    shown = []
    for (head, column), rows in groups.items():
        if not column:
            shown.append(head)
            continue
        nums = sorted(rows, key=int)
        shown.append(f"{head} row{'s' if len(nums) > 1 else ''} {', '.join(nums)} ({column})")
    return "; ".join(shown)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def written_sum(values: Iterable[float]) -> float:
    """The sum of numbers as they are written (each float's shortest decimal, `repr`), added
    exactly and rounded once: 2,181.8 + 3,636.4 + 2,181.8 is 8,000 and 0.1 + 0.2 is 0.3, where
    adding binary floats leaves noise (8,000.000000000001) that would read as a gap."""
    return float(sum((Decimal(repr(float(v))) for v in values), Decimal(0)))


def audit(inp: Inputs) -> Report:
    """Compare every stated total and repeated statement; list assumptions and warnings."""
    facts = {f.fact: f for f in inp.facts}
    comparisons = []
    for f in inp.facts:
        refs = references(f)
        if refs:
            parts = tuple(p for ref in refs for p in resolve(inp, facts, f, ref))
            kind = "total" if f.total_of is not None else "same"
            comparisons.append(Comparison(f, kind, written_sum(p.value for p in parts), parts))
    return Report(tuple(comparisons), tuple(assumptions(inp)), tuple(warnings(inp)))


def check_facts(inp: Inputs) -> None:
    """Every reference in facts.csv must resolve to numbers of the fact's unit, and no fact may
    lead back to itself; raises InputError naming the cell (InputErrors: every broken one)."""
    raise_all(fact_problems(inp))


def fact_problems(inp: Inputs) -> list[InputError]:
    """Every broken reference of facts.csv, one per cell and reference; then, if none, a cycle."""
    facts = {f.fact: f for f in inp.facts}
    found: list[InputError] = []
    for f in inp.facts:
        try:
            refs = references(f)
        except InputError as exc:
            found.append(exc)
            continue
        for ref in refs:
            try:
                resolve(inp, facts, f, ref)
            except InputError as exc:
                found.append(exc)
    if not found:
        try:
            _check_cycles(inp.facts, facts)
        except InputError as exc:
            found.append(exc)
    return found


def references(fact: Fact) -> list[str]:
    """The references of a fact row: the parts of a total, or the one other statement.

    Raises:
        InputError: a total that lists no reference, or a same_as that lists several.
    """
    text = fact.total_of if fact.total_of is not None else fact.same_as
    if text is None:
        return []
    refs = _split(text)
    if not refs:
        raise _fact_error(
            fact,
            f"'{text}' lists no reference",
            "list the parts separated by ;, e.g. pools:*/phase1:budget_musd, or clear the cell",
        )
    if fact.same_as is not None and ";" in text:
        raise _fact_error(
            fact,
            f"same_as takes one reference, not the list '{text}'",
            "name the other statement of this number, or use total_of for a sum of parts",
        )
    return refs


def _split(refs: str) -> list[str]:
    return [r.strip() for r in refs.split(";") if r.strip()]


def _fact_error(owner: Fact, why: str, fix: str) -> InputError:
    column = "total_of" if owner.total_of is not None else "same_as"
    return InputError(why, file="facts.csv", row=owner.line, column=column, fix=fix)


def resolve(inp: Inputs, facts: dict[str, Fact], owner: Fact, ref: str) -> tuple[Part, ...]:
    """The cited numbers a reference stands for, all in the owner's unit.

    Raises:
        InputError: naming the facts.csv cell, when the reference matches nothing, names a cell
            that holds no number, names the row itself, or names a number of another unit.
    """
    if ref.startswith("fact:"):
        return (_fact_part(facts, owner, ref),)
    column = "total_of" if owner.total_of is not None else "same_as"
    table, rows, col = match_reference(
        inp, ref, "facts.csv", owner.line, column, "is not fact:<id> or <table>:<key>:<column>"
    )
    units = CELL_UNITS[table]
    if col not in units:
        raise _fact_error(
            owner,
            f"reference '{ref}' names column '{col}' of {table}.csv, which holds no numbers",
            f"refer to a number column of {table}.csv ({', '.join(units)})",
        )
    for r in rows:
        unit = TARGET_UNITS[r.kind] if units[col] == "" else units[col]  # type: ignore[attr-defined]
        _same_unit(owner, ref, unit, f"{table}.csv row {r.line}")
    return tuple(
        Part(f"{table}.csv row {r.line} {col}", float(getattr(r, col) or 0.0), r.source)
        for r in rows
    )


def _fact_part(facts: dict[str, Fact], owner: Fact, ref: str) -> Part:
    target = facts.get(ref.removeprefix("fact:"))
    if target is None:
        raise _fact_error(
            owner, f"reference '{ref}' names no fact", "use the id of a row of facts.csv"
        )
    if target is owner:
        # a number compared with itself always agrees: the check would prove nothing
        raise _fact_error(
            owner,
            f"reference '{ref}' is this row itself",
            "name the other statement of this number (another fact or a table cell)",
        )
    _same_unit(owner, ref, target.unit, f"facts.csv row {target.line}")
    return Part(f"fact {target.fact}", target.value, target.source)


def _same_unit(owner: Fact, ref: str, unit: str, where: str) -> None:
    if unit != owner.unit:
        raise _fact_error(
            owner,
            f"reference '{ref}' is in {unit} ({where}) but this fact is in {owner.unit}",
            f"refer to a number in {owner.unit}, or correct the unit of the row that is wrong",
        )


def _check_cycles(rows: tuple[Fact, ...], facts: dict[str, Fact]) -> None:
    """Refuse facts whose references lead back to themselves (a -> b -> a): each would be
    checked against a number that is checked against it."""
    edges = {
        f.fact: [r.removeprefix("fact:") for r in references(f) if r.startswith("fact:")]
        for f in rows
    }
    cycle = cycle_in(edges, lambda name: facts[name].line)
    if cycle is not None:
        raise _cycle_error(facts, cycle)


def _cycle_error(facts: dict[str, Fact], cycle: list[str]) -> InputError:
    """Named at the cycle's first row in the file (`cycle_in` starts it there)."""
    owner = facts[cycle[0]]
    step = cycle[1] if len(cycle) > 1 else cycle[0]
    return _fact_error(
        owner,
        f"reference 'fact:{step}' leads back to this row ({' -> '.join([*cycle, cycle[0]])})",
        "a fact cannot be checked against itself: keep the reference on one of these rows "
        "and refer to the cited table cells instead",
    )


def assumptions(inp: Inputs) -> list[Assumption]:
    """Every row whose source is `assumption`, or that names assumed columns: the tables', then
    settings.csv's (its optional columns are those of every table)."""
    found = []
    for name, (file, _model, key, _req) in TABLES.items():
        for row in getattr(inp, name, ()):
            text = assumed_text(row.source, row.assumption, row.note)
            if text:
                label = "/".join(str(getattr(row, k)) for k in key if getattr(row, k) is not None)
                found.append(Assumption(file, row.line, label, text))
    for line, cells in inp.settings:
        text = assumed_text(*(cells.get(c, "") for c in ("source", "assumption", "note")))
        if text:
            found.append(Assumption(SETTINGS_FILE, line, cells.get("setting", ""), text))
    return found


def assumed_text(source: str, assumption: str, note: str) -> str:
    """The assumption a row states: its `assumption` cell, else (a row whose source is
    `assumption`) its note, else its source; empty: none."""
    text = assumption.strip()
    if source.strip().lower().startswith("assumption"):
        text = text or note.strip() or source.strip()
    return text


def warnings(inp: Inputs) -> list[str]:
    """Things that are valid but probably not what the planner means."""
    out = []
    funded = {e.pool for e in inp.eligibility}
    for pool in sorted({p.pool for p in inp.pools} - funded):
        total = written_sum(p.budget_musd for p in inp.pools if p.pool == pool)
        out.append(
            f"pool {pool} may fund no program (eligibility.csv): its {_fmt(total)} musd "
            "will stay unspent"
        )
    enabling = {p for link in inp.links for p in link_programs(inp, link)[0]}
    for p in inp.programs:
        idle = p.jobs_per_musd == 0 and p.exports_per_musd == 0 and p.floor_musd == 0
        if idle and p.program not in enabling:
            out.append(
                f"program {p.program} creates no jobs or exports, has no floor and enables "
                "nothing (links.csv): no objective will fund it"
            )
    by_name = {q.program: q for q in inp.programs}
    for link in inp.links:
        dependent = link_programs(inp, link)[1]
        if link.quantity == "exports" and not any(
            by_name[q].exports_per_musd > 0 for q in dependent
        ):
            out.append(
                f"links.csv row {link.line}: link {link.link} limits exports of programs that "
                "export nothing, so it holds nothing back"
            )
    served = {(d, str(getattr(p, d))) for p in inp.programs for d in ("sector", "export_category")}
    for t in inp.targets:
        if t.dimension != "total" and (t.dimension, str(t.member)) not in served:
            out.append(
                f"targets.csv row {t.line}: no program serves {t.dimension} {t.member}, "
                f"so its {t.kind} target for {t.year} cannot be met"
            )
    return out
