"""The assumptions a plan rests on: every input row that states an assumption no source does,
marked where this plan relies on it (a limit that binds with a price, or a program it funds)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from allocator.errors import UsageError
from allocator.report.rates import ZERO_PRICE

_CSV_ROWS = re.compile(r"\b([a-z_]+)\.csv( rows?\b)?")
"""A table's CSV name, with `row`/`rows` after it if there (`pools.csv row 5`)."""


class Assumed(NamedTuple):
    """One input row that rests on an assumption."""

    where: str
    """`file row N`, e.g. `pools.csv row 5`; a workbook's `plan.xlsx, sheet pools, row 5`."""
    text: str
    """The assumption, as the row states it."""
    relied: bool = False
    """Whether this plan relies on the row: a binding limit with a price, or a funded program."""


def assumptions_of(
    inp: Any, tables: dict[str, pd.DataFrame] | None = None, relied: set[str] | None = None
) -> list[Assumed]:
    """Every input row that states an assumption no source does, by file, then in the table's
    canonical order (by its key, as `allocator check` lists them), not by row number: the same
    rows listed in another order in the file give the same list (only the rows cited differ);
    those the plan relies on marked: the places `relied` names (a study's reference plan, as
    its run.json records them: `recorded_relied`), else those of the run's `tables`
    (`relied_on`)."""
    from allocator.data.numbers import SETTINGS_FILE
    from allocator.data.schema import TABLES

    if relied is None:
        relied = relied_on(inp, tables) if tables is not None else set()
    book = book_of(inp.folder)
    stated = {  # (row, assumption) by file; settings.csv's as in every table
        file: [(row.line, row.assumption) for row in getattr(inp, field)]  # canonical order
        for field, (file, *_rest) in TABLES.items()
    }
    stated[SETTINGS_FILE] = [(n, c.get("assumption", "")) for n, c in inp.settings]
    out = []
    for file in sorted(stated):
        for line, text in stated[file]:
            if text.strip():
                where = row_place(book, file, line)
                out.append(Assumed(where, text.strip(), where in relied))
    return out


def relied_on(inp: Any, tables: dict[str, pd.DataFrame]) -> set[str]:
    """`file row N` of the input rows behind the limits that bind with a non-zero shadow price,
    and the programs.csv rows of the programs the plan funds."""
    from allocator.data.schema import TABLES
    from allocator.model.families import FAMILIES

    found: set[str] = set()
    book = book_of(inp.folder)
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
                found.add(row_place(book, family.source.file, row.line))
    by_phase = tables.get("allocation_by_phase")
    if by_phase is not None and {"program", "total_musd"} <= set(by_phase.columns):
        funded = set(by_phase.loc[by_phase["total_musd"] > 0, "program"].astype(str))
        file = TABLES["programs"][0]
        found |= {row_place(book, file, r.line) for r in inp.programs if r.program in funded}
    return found


def recorded_relied(info: dict[str, Any]) -> dict[str, list[int]] | None:
    """The input rows a study's reference plan relies on, as its run.json records them
    (`relied_on.rows`, `studies.reference`: `relied_positions`); None: not recorded, or a
    record no study writes (a position that is no whole number): the page then says the
    count is not recorded, never a count of rows it cannot name."""
    block = info.get("relied_on")
    rows = block.get("rows") if isinstance(block, dict) else None
    if not isinstance(rows, dict) or not all(isinstance(at, list) for at in rows.values()):
        return None
    found = {str(f): list(at) for f, at in rows.items()}
    if not all(type(k) is int for at in found.values() for k in at):
        return None
    return found


def relied_positions(inp: Any, places: set[str]) -> dict[str, list[int]]:
    """The input rows at `places` (`relied_on`'s) by file, each as its position in the
    loader's canonical order of its table (by key): the same record for the same rows listed
    in any order in the file, or in a workbook (run.json is then the same bytes)."""
    from allocator.data.schema import TABLES

    book, found = book_of(inp.folder), {}
    for field, (file, *_rest) in sorted(TABLES.items(), key=lambda item: item[1][0]):
        at = [
            k for k, r in enumerate(getattr(inp, field)) if row_place(book, file, r.line) in places
        ]
        if at:
            found[file] = at
    return found


def positions_places(inp: Any, positions: dict[str, list[int]]) -> set[str]:
    """`relied_positions` read back: the places (`pools.csv row 5`) of the rows recorded."""
    from allocator.data.schema import TABLES

    book, places = book_of(inp.folder), set()
    for field, (file, *_rest) in TABLES.items():
        rows = getattr(inp, field)
        places |= {row_place(book, file, rows[k].line) for k in positions.get(file, [])
                   if 0 <= k < len(rows)}  # fmt: skip
    return places


def has_prices(prices: pd.DataFrame | None) -> bool:
    """Whether a run's shadow_prices.csv holds its plan's prices: a `shadow_price` cell with a
    number (or no limit at all); a near-optimal plan's are all empty, and a two-stage run
    writes no such table: which limits bind with a price is then not known, never none."""
    if prices is None or "shadow_price" not in prices.columns:
        return False
    return prices.empty or bool(prices["shadow_price"].notna().any())


RELIED_PRICED = "limits that bind with a price, programs it funds"
RELIED_FUNDED = "programs it funds; which limits bind with a price is not known: no shadow prices"
"""What a plan's relied-on rows are, with and without its shadow prices (`relied_basis`)."""


def relied_basis(tables: dict[str, pd.DataFrame], info: dict[str, Any]) -> str:
    """What the rows a plan relies on are (`relied_on`), in the page's words: a study's as its
    run.json record says (`relied_on.priced`), else by the run's own shadow prices."""
    block = info.get("relied_on")
    if recorded_relied(info) is not None and isinstance(block, dict):
        priced = block.get("priced", True) is not False
    else:
        priced = has_prices(tables.get("shadow_prices"))
    return RELIED_PRICED if priced else RELIED_FUNDED


def plan_known(tables: dict[str, pd.DataFrame], info: dict[str, Any]) -> bool:
    """Whether a run folder says which plan its assumptions are counted for: one of its own
    (a plan's shadow prices or allocation by phase), or a study's reference plan run.json
    records; a study without either cannot say which assumed rows a plan relies on."""
    own = {"shadow_prices", "allocation_by_phase"} & set(tables)
    return bool(own) or recorded_relied(info) is not None


def book_of(dataset: str | Path) -> str | None:
    """The file name of a workbook dataset (`plan.xlsx`), as the loader tells a workbook from a
    folder of CSV tables (`data.inputs.load_inputs`); None: a folder."""
    from allocator.data.inputs import BOOK_SUFFIXES

    path = Path(dataset)
    book = (path.suffix.lower() in BOOK_SUFFIXES and not path.is_dir()) or path.is_file()
    return path.name if book else None


def row_place(book: str | None, file: str, line: int) -> str:
    """Where an input row is, in the loader's words: `pools.csv row 5` in a folder of CSV
    tables, `plan.xlsx, sheet pools, row 5` in a workbook (`book`, from `book_of`)."""
    if book is None:
        return f"{file} row {line}"
    return f"{book}, sheet {file.removesuffix('.csv')}, row {line}"


def cited_words(book: str | None, text: str) -> str:
    """A line that cites tables by their CSV names (`programs.csv rows 6, 7`), as a workbook
    dataset's user finds them: `plan.xlsx, sheet programs, rows 6, 7`; a table named without
    rows is `sheet programs`. Unchanged for a folder of CSV tables (`book` None)."""
    if book is None:
        return text
    from allocator.data.schema import TABLES

    sheets = {file.removesuffix(".csv") for file, *_rest in TABLES.values()}

    def sheet(m: re.Match[str]) -> str:
        if m[1] not in sheets:
            return m[0]
        return f"{book}, sheet {m[1]},{m[2]}" if m[2] else f"sheet {m[1]}"

    return _CSV_ROWS.sub(sheet, text)


REPORT_FIX = (
    "put the dataset back where run.json records it (inputs.absolute), or run allocator report "
    "from the folder the run was solved in"
)
"""The fix of a rebuilt report whose run's dataset is not found (`report` has no --inputs)."""


def dataset_path(info: dict[str, Any], folder: Path | None, fix: str) -> Path:
    """The dataset a run folder's run.json records, found by `find_dataset` from any working
    folder: the one finder of every reader of a run's dataset.

    Raises:
        UsageError: run.json records no dataset, or it is not found (`fix`: what the command
            offers, e.g. `pass --inputs ...`).
    """
    found = find_dataset(info, folder)
    if isinstance(found, str):
        record = "run.json" if folder is None else folder / "run.json"
        raise UsageError(f"{record}: {found}. Fix: {fix}")
    return found


def find_dataset(info: dict[str, Any], folder: Path | None) -> Path | str:
    """The dataset run.json (`info`) records, found by `find_recorded` from its `inputs.folder`
    and `inputs.absolute`; else why it is not found (a str)."""
    inputs = info.get("inputs")
    typed = inputs.get("folder") if isinstance(inputs, dict) else None
    if not isinstance(inputs, dict) or not isinstance(typed, str) or not typed:
        return "it records no dataset (inputs.folder)"
    absolute = inputs.get("absolute")
    found = find_recorded(typed, absolute if isinstance(absolute, str) else None, folder)
    if found is not None:
        return found
    at = f" (last at {absolute})" if absolute else ""
    return f"the run's dataset {typed}{at} is not found from here nor beside the run folder"


def recorded_inputs(typed: str | Path, hashes: dict[str, str] | None = None) -> dict[str, Any]:
    """run.json's `inputs` block of every command: the dataset as typed, its absolute path (so
    `find_recorded` finds it from any folder) and, given, its files' SHA-256."""
    block: dict[str, Any] = {"folder": str(typed), "absolute": os.path.abspath(typed)}
    if hashes is not None:
        block["sha256"] = dict(sorted(hashes.items()))
    return block


def changed_since(info: dict[str, Any], dataset: Path) -> list[str]:
    """`changed_files` of `dataset` (a folder of tables, or a workbook) against the SHA-256
    run.json (`info`) records, the files read for their hashes alone (no table is parsed)."""
    import contextlib
    import hashlib

    recorded = _recorded_hashes(info)
    base = dataset if dataset.is_dir() else dataset.parent
    now: dict[str, str] = {}
    for name in recorded:
        with contextlib.suppress(OSError):  # gone: changed
            now[name] = hashlib.sha256((base / name).read_bytes()).hexdigest()
    if dataset.is_dir():  # a table added since: read now, not then
        from allocator.data.numbers import SETTINGS_FILE
        from allocator.data.schema import TABLES

        for name in {file for file, *_ in TABLES.values()} | {SETTINGS_FILE}:
            if name not in recorded and (dataset / name).is_file():
                now[name] = ""
    return changed_files(recorded, now)


def changed_files(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    """The dataset's files whose SHA-256 `now` is not the `recorded` one (changed, or gone),
    then those `recorded` lacks (`name (new)`), by name: the one rule of `replan`, `report`,
    `core RUN` and `sweep --plan RUN`."""
    changed = [name for name, old in sorted(recorded.items()) if now.get(name) != old]
    return changed + [f"{name} (new)" for name in sorted(set(now) - set(recorded))]


def _recorded_hashes(info: dict[str, Any]) -> dict[str, str]:
    """The SHA-256 of each dataset file run.json (`info`) records ({} if none)."""
    inputs = info.get("inputs")
    recorded = inputs.get("sha256") if isinstance(inputs, dict) else None
    return dict(recorded) if isinstance(recorded, dict) else {}


def find_recorded(typed: str, absolute: str | None, folder: Path | None) -> Path | None:
    """A path run.json records (a dataset, a model file), tried in this order: the absolute
    path it records (as typed, if that is the same place from here), the path as typed from
    the working folder, then as typed from the run `folder`'s parents, nearest first (a project
    moved with its runs; none if `folder` is None). The first that exists, else None."""
    tried = [Path(absolute)] if absolute else []
    if absolute and os.path.abspath(typed) == absolute:
        tried = []  # the same place: said as the user typed it
    tried.append(Path(typed))
    if folder is not None:
        tried += [p / typed for p in Path(os.path.abspath(folder)).parents]
    return next((p for p in tried if p.exists()), None)


def dataset_assumptions(
    info: dict[str, Any],
    tables: dict[str, pd.DataFrame] | None = None,
    folder: Path | None = None,
) -> list[Assumed] | None:
    """The assumptions of the run's scenario (`run_assumptions`), or None: unknown."""
    return run_assumptions(info, tables, folder)[0]


def run_assumptions(
    info: dict[str, Any],
    tables: dict[str, pd.DataFrame] | None = None,
    folder: Path | None = None,
) -> tuple[list[Assumed] | None, str]:
    """The assumptions of the run's scenario (its dataset, found by `dataset_path` from the run
    `folder`, with the overrides and sets run.json records, as the run read it), those this plan
    relies on marked, and "" ; or None and why they are unknown (no dataset recorded, the
    dataset not found or no longer read, an override that no longer applies)."""
    from pydantic import ValidationError

    from allocator.data.applyoverrides import apply_overrides
    from allocator.data.inputs import load_inputs
    from allocator.data.overrides import Override
    from allocator.errors import AllocatorError

    inputs = info.get("inputs")
    if not isinstance(inputs, dict) or not inputs.get("folder"):
        return None, "the run compares plans with datasets of their own"
    path = find_dataset(info, folder)
    if isinstance(path, str):
        return None, f"{path}. Fix: {REPORT_FIX}"
    try:
        inp = load_inputs(path)
        recorded = _recorded_hashes(info)
        changed = changed_files(recorded, inp.file_hashes) if recorded else []
        if changed:  # its notes now may not be those the run read
            return None, (
                f"the dataset {path} changed since the run was solved ({', '.join(changed)}), "
                "so its assumptions now may not be those the run rests on. Fix: put the run's "
                "files back, or solve again"
            )
        overrides = [Override.model_validate(o) for o in _recorded_overrides(info)]
        if overrides:
            inp = apply_overrides(inp, overrides, "run.json")
        positions = recorded_relied(info)
        relied = None if positions is None else positions_places(inp, positions)
        return assumptions_of(inp, tables, relied), ""
    except (AllocatorError, ValidationError, OSError) as exc:
        why = " ".join(str(exc).split()).partition(" Fix: ")[0]
        return None, f"the dataset {path} could not be read as the run read it ({why})"


def _recorded_overrides(info: dict[str, Any]) -> list[Any]:
    """The overrides and sets a run record holds: its spec's scenario, else those its
    `relied_on` positions are counted in (a sweep's or core's: `studies.reference`), else (a
    run written before the spec block) its options."""
    spec = info.get("spec")
    scenario = spec.get("scenario") if isinstance(spec, dict) else None
    relied = info.get("relied_on")
    if isinstance(scenario, dict):
        recorded = scenario.get("overrides")
    elif isinstance(relied, dict) and "overrides" in relied:
        recorded = relied.get("overrides")
    else:
        recorded = (info.get("options") or {}).get("overrides")
    return list(recorded) if isinstance(recorded, list) else []
