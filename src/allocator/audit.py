"""Audit a valid dataset: where the documents disagree by arithmetic, and what is assumed.

A stated total (`facts.csv`, `total_of`) is compared with the sum of its cited parts; a number
stated twice (`same_as`) with its other statement. Each finding carries both numbers and both
citations. Nothing here changes the data or the model: the audit only reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from allocator.errors import InputError
from allocator.schema import TABLES, Fact, Inputs, Row

KEYS: dict[str, tuple[str, ...]] = {
    "phases": ("phase",),
    "programs": ("program",),
    "pools": ("pool", "phase"),
    "groups": ("dimension", "member", "phase"),
    "markets": ("program", "export_category", "year"),
    "risks": ("risk",),
    "exposures": ("program", "risk"),
    "targets": ("kind", "dimension", "member", "year"),
}
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

    def describe(self) -> str:
        """One paragraph with both numbers and both citations."""
        unit = self.fact.unit
        what = "its parts add up to" if self.kind == "total" else "the same quantity is stated as"
        sources = "; ".join(sorted({p.source for p in self.parts}))
        share = self.difference / self.computed if self.computed else float("inf")
        return (
            f"{self.fact.fact}: stated {_fmt(self.fact.value)} {unit} ({self.fact.source}) but "
            f"{what} {_fmt(self.computed)} {unit} "
            f"({_group_labels(self.parts)}; {sources}): "
            f"differs by {_fmt(self.difference)} {unit} ({share:+.1%})"
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


def audit(inp: Inputs) -> Report:
    """Compare every stated total and repeated statement; list assumptions and warnings."""
    facts = {f.fact: f for f in inp.facts}
    comparisons = []
    for f in inp.facts:
        if f.total_of:
            parts = tuple(p for ref in _split(f.total_of) for p in resolve(inp, facts, f, ref))
            comparisons.append(Comparison(f, "total", sum(p.value for p in parts), parts))
        elif f.same_as:
            parts = resolve(inp, facts, f, f.same_as.strip())
            comparisons.append(Comparison(f, "same", sum(p.value for p in parts), parts))
    return Report(tuple(comparisons), tuple(assumptions(inp)), tuple(warnings(inp)))


def check_facts(inp: Inputs) -> None:
    """Every reference in facts.csv must resolve; raises InputError naming the cell."""
    facts = {f.fact: f for f in inp.facts}
    for f in inp.facts:
        for ref in _split(f.total_of or "") + _split(f.same_as or ""):
            resolve(inp, facts, f, ref)


def _split(refs: str) -> list[str]:
    return [r.strip() for r in refs.split(";") if r.strip()]


def resolve(inp: Inputs, facts: dict[str, Fact], owner: Fact, ref: str) -> tuple[Part, ...]:
    """The cited numbers a reference stands for; raises InputError naming the facts.csv cell."""
    column = "total_of" if owner.total_of else "same_as"
    if ref.startswith("fact:"):
        target = facts.get(ref.removeprefix("fact:"))
        if target is None:
            raise InputError(
                f"reference '{ref}' names no fact",
                file="facts.csv",
                row=owner.line,
                column=column,
                fix="use the id of a row of facts.csv",
            )
        return (Part(f"fact {target.fact}", target.value, target.source),)
    table, rows, col = _match(
        inp, ref, "facts.csv", owner.line, column, "is not fact:<id> or <table>:<key>:<column>"
    )
    return tuple(
        Part(f"{table}.csv row {r.line} {col}", float(getattr(r, col) or 0.0), r.source)
        for r in rows
    )


def resolve_rows(inp: Inputs, ref: str, line: int) -> tuple[str, list[Row], str]:
    """(table, matching rows, column) of an uncertainty.csv reference."""
    return _match(inp, ref, "uncertainty.csv", line, "ref", "is not <table>:<key>:<column>")


def _match(
    inp: Inputs, ref: str, file: str, line: int, column: str, shape: str
) -> tuple[str, list[Row], str]:
    def bad(why: str, fix: str) -> InputError:
        return InputError(f"reference '{ref}' {why}", file=file, row=line, column=column, fix=fix)

    pieces = ref.split(":")
    if len(pieces) != 3 or pieces[0] not in KEYS:
        raise bad(
            shape, f"name one of the tables {', '.join(KEYS)}, e.g. pools:*/phase1:budget_musd"
        )
    table, key, col = pieces
    model = TABLES[table][1]
    if col not in model.model_fields or col == "line":
        raise bad(f"names no column of {table}.csv", "use a numeric column of that table")
    wanted = key.split("/")
    if len(wanted) != len(KEYS[table]):
        raise bad(
            f"has {len(wanted)} key parts but {table}.csv has {len(KEYS[table])} "
            f"({' / '.join(KEYS[table])})",
            "give one part per key column, * for any",
        )
    rows = [r for r in getattr(inp, table) if _matches(r, KEYS[table], wanted)]
    if not rows:
        raise bad(f"matches no row of {table}.csv", "check the key against that table")
    return table, rows, col


def _matches(row: Row, names: tuple[str, ...], wanted: list[str]) -> bool:
    for name, want in zip(names, wanted, strict=True):
        have = getattr(row, name)
        if want != "*" and ("" if have is None else str(have)) != want:
            return False
    return True


def assumptions(inp: Inputs) -> list[Assumption]:
    """Every row whose source is `assumption`, or that names assumed columns."""
    found = []
    for name, (file, _model, key, _req) in TABLES.items():
        for row in getattr(inp, name, ()):
            text = row.assumption.strip()
            if row.source.strip().lower().startswith("assumption"):
                text = text or row.note.strip() or row.source.strip()
            if text:
                label = "/".join(str(getattr(row, k)) for k in key if getattr(row, k) is not None)
                found.append(Assumption(file, row.line, label, text))
    return found


def warnings(inp: Inputs) -> list[str]:
    """Things that are valid but probably not what the planner means."""
    out = []
    funded = {e.pool for e in inp.eligibility}
    for pool in sorted({p.pool for p in inp.pools} - funded):
        total = sum(p.budget_musd for p in inp.pools if p.pool == pool)
        out.append(
            f"pool {pool} may fund no program (eligibility.csv): its {_fmt(total)} musd "
            "will stay unspent"
        )
    for p in inp.programs:
        if p.jobs_per_musd == 0 and p.exports_per_musd == 0 and p.floor_musd == 0:
            out.append(
                f"program {p.program} creates no jobs or exports and has no floor: "
                "no objective will fund it"
            )
    served = {(d, str(getattr(p, d))) for p in inp.programs for d in ("sector", "export_category")}
    for t in inp.targets:
        if t.dimension != "total" and (t.dimension, str(t.member)) not in served:
            out.append(
                f"targets.csv row {t.line}: no program serves {t.dimension} {t.member}, "
                f"so its {t.kind} target for {t.year} cannot be met"
            )
    return out
