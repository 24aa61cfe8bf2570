"""Read a dataset folder into a validated `Inputs`: the only module that knows file formats.

Money cells may be written `3.5B`, `$800M`, `1,200` or `500K` and become US$ million; a cell that
could mean two things is an error naming file, row and column, never a guess.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.errors import InputError
from allocator.schema import TABLES, Inputs, Row, check_duplicates, check_references

_NUMBER = re.compile(
    r"^(?P<sign>[-+])?\s*\$?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:[eE](?P<exp>[-+]?\d+))?\s*(?P<suffix>[A-Za-z]+)?$"
)
_MONEY_SCALE = {"": 1.0, "k": 1e-3, "thousand": 1e-3, "m": 1.0, "mn": 1.0, "mm": 1.0,
                "million": 1.0, "musd": 1.0, "b": 1e3, "bn": 1e3, "billion": 1e3}
_COUNT_SCALE = {"": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


def parse_number(text: str, scales: dict[str, float]) -> float:
    """`3.5B` -> 3500.0 with money scales; raises ValueError with the reason."""
    m = _NUMBER.match(text.strip())
    suffix = (m.group("suffix") or "").lower() if m else ""
    if not m or suffix not in scales:
        raise ValueError(f"'{text}' is not a number in a known unit")
    value = float(m.group("num").replace(",", "")) * scales[suffix]
    if m.group("exp"):
        value *= 10.0 ** int(m.group("exp"))
    return -value if m.group("sign") == "-" else value


def parse_money(text: str) -> float:
    """A money cell in US$ million."""
    return parse_number(text, _MONEY_SCALE)


def parse_count(text: str) -> float:
    """A count (jobs) cell: `12,000`, `12K`, `1.5M`."""
    return parse_number(text, _COUNT_SCALE)


def parse_share(text: str) -> float:
    """A share cell: `0.2` or `20%`."""
    t = text.strip()
    if t.endswith("%"):
        return parse_number(t[:-1], {"": 1.0}) / 100.0
    return parse_number(t, {"": 1.0})


def parse_bool(text: str) -> bool:
    """yes/no, true/false, 1/0."""
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError(f"'{text}' is not yes or no")


_PARSERS = {"musd": parse_money, "count": parse_count, "share": parse_share, "bool": parse_bool}
_HOWTO = {
    "musd": "write an amount in US$ million such as 800, 1,200, 3.5B or $800M",
    "count": "write a number such as 12000, 12,000 or 12K",
    "share": "write a share between 0 and 1, such as 0.25 or 25%",
    "bool": "write yes or no",
}


def load_inputs(folder: str | Path) -> Inputs:
    """Load and validate every table of a dataset folder.

    Raises:
        InputError: the first problem found, naming file, row and column.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"dataset folder '{root}' not found", fix="pass --inputs DIR with the CSV tables")
    tables: dict[str, Any] = {"folder": str(root)}
    hashes: dict[str, str] = {}
    for field, (file, model, _key, required) in TABLES.items():
        path = root / file
        if not path.is_file():
            if required:
                raise InputError("file is missing", file=file,
                                 fix="add it (see inputs/README.md for its columns)")
            continue
        data = path.read_bytes()
        hashes[file] = hashlib.sha256(data).hexdigest()
        rows = tuple(_read_table(file, data, model))
        check_duplicates(field, rows)
        tables[field] = rows
    for field, (file, *_rest, required) in TABLES.items():
        if required and not tables.get(field):
            raise InputError("the table has no rows", file=file, row=2, fix="add at least one row")
    tables["phases"] = tuple(sorted(tables["phases"], key=lambda p: p.first_year))
    tables["milestones"] = tuple(sorted(tables["milestones"], key=lambda m: m.year))
    inputs = Inputs(file_hashes=hashes, **tables)
    check_references(inputs)
    return inputs


def _decode(file: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise InputError(f"byte {exc.start} is not UTF-8 text", file=file, row=row,
                         fix="save the file as 'CSV UTF-8' from the spreadsheet") from None
    if "\x00" in text:
        raise InputError("the file is binary, not CSV text", file=file,
                         fix="export the sheet as 'CSV UTF-8'")
    return text


def _header(file: str, raw: list[str], model: type[Row]) -> list[str]:
    names = [h.strip().lower() for h in raw]
    known = [n for n in model.model_fields if n != "line"]
    if len(names) == 1 and ";" in names[0]:
        raise InputError("columns are separated by semicolons", file=file, row=1,
                         fix="save as comma-separated CSV (in Excel: 'CSV UTF-8 (Comma delimited)')")
    for col, name in enumerate(names, start=1):
        if not name:
            raise InputError(f"column {col} has no name", file=file, row=1,
                             fix="give every column a header or delete the empty column")
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(known)}"
            raise InputError("unknown column", file=file, row=1, column=name,
                             fix=f"rename it ({hint})")
        if names.count(name) > 1:
            raise InputError("column appears twice", file=file, row=1, column=name,
                             fix="keep one of the two columns")
    for name, info in model.model_fields.items():
        if name != "line" and info.is_required() and name not in names:
            raise InputError("required column is missing", file=file, row=1, column=name,
                             fix="add the column (see inputs/README.md)")
    return names


def _read_table(file: str, data: bytes, model: type[Row]) -> list[Row]:
    text = _decode(file, data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise InputError(f"not valid CSV ({exc})", file=file, row=reader.line_num,
                         fix="check quotes in that row") from None
    if not lines or not any(c.strip() for c in lines[0]):
        raise InputError("the file is empty (no header row)", file=file, row=1,
                         fix="add the header row (see inputs/README.md)")
    names = _header(file, lines[0], model)
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            raise InputError(f"has {len(cells)} cells but the header has {len(names)}",
                             file=file, row=number,
                             fix="make every row have one cell per column (quote cells with commas)")
        rows.append(_row(file, number, dict(zip(names, cells, strict=True)), model))
    return rows


def _row(file: str, number: int, cells: dict[str, str], model: type[Row]) -> Row:
    values: dict[str, Any] = {"line": number}
    for name, raw in cells.items():
        cell = raw.strip()
        if not cell:
            continue
        extra = model.model_fields[name].json_schema_extra
        unit = extra.get("unit") if isinstance(extra, dict) else None
        if unit is None:
            values[name] = cell
            continue
        try:
            values[name] = _PARSERS[str(unit)](cell)
        except ValueError as exc:
            raise InputError(str(exc), file=file, row=number, column=name,
                             fix=_HOWTO[str(unit)]) from None
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _validation_error(file, number, cells, exc) from None


def _validation_error(file: str, number: int, cells: dict[str, str], exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    column = str(err["loc"][0]) if err["loc"] else None
    kind = err["type"]
    shown = cells.get(column or "", "").strip()
    if kind == "missing":
        return InputError("is empty but required", file=file, row=number, column=column,
                          fix="fill in the cell (see inputs/README.md)")
    if kind == "string_pattern_mismatch":
        return InputError(f"'{shown}' is not a valid identifier", file=file, row=number,
                          column=column, fix="use letters, digits, _ - . and start with a letter")
    msg = err["msg"].removeprefix("Value error, ")
    if column is None:  # a rule across columns: name the first column its message mentions
        column = next((w for w in re.findall(r"[a-z_]+", msg) if w in cells), None)
        shown = ""
    if column is not None:
        msg = f"'{shown}': {msg}" if shown else msg
        return InputError(msg, file=file, row=number, column=column,
                          fix="correct the value (see inputs/README.md)")
    return InputError(msg, file=file, row=number, fix="correct the row (see inputs/README.md)")
