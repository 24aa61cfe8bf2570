"""The parts of an .xlsx workbook a dataset needs, read in streaming mode within stated limits.

An .xlsx file is a zip archive of XML parts. This module opens the archive and reads the sheet
list, the styles (which number formats are dates) and the shared strings (`xlsxcells.py` streams
the cells of one sheet), each part with expat hardened as defusedxml hardens it (`xlsxparts.py`:
no DTD, so no entity is ever declared or expanded, and nothing external is fetched). openpyxl's
read-only mode trusts a sheet's stored `<dimension>` (rows past a stale one are lost, a huge one
pads every row), cannot give merged ranges, and holds every shared string as an object. Every
limit stops reading at once with one line naming the part (or sheet) and the limit.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from allocator.data.records import MAX_CELL_CHARS, MAX_TABLE_BYTES
from allocator.data.xlsxparts import LIMIT_FIX, RESAVE_FIX, BookError, Part, local, start_events

MAX_COLUMNS = 16_384
"""Excel's own width: columns A to XFD."""
MAX_PARTS = 10_000
"""Most members of the zip archive (a workbook of 13 sheets has about 40)."""
MAX_SHARED_STRINGS = 1_000_000
"""Most strings in the shared-strings table (ten distinct texts per row of a table at its limit)."""
MAX_SHARED_CHARS = MAX_TABLE_BYTES
"""Most characters of all shared strings together."""

_RELATIONSHIP = frozenset({"Relationship"})
_SHEET_LIST = frozenset({"workbookPr", "sheet"})
_STYLES = frozenset({"numFmt", "cellXfs", "cellStyleXfs", "dxfs", "xf"})
"""The start tags `start_events` keeps of a relationships part, the workbook, the styles."""


@dataclass
class SheetInfo:
    """A sheet as the workbook lists it."""

    name: str
    state: str  # visible, hidden or veryHidden
    kind: str  # worksheet, chartsheet, dialogsheet, macrosheet
    path: str


@dataclass
class Book:
    """An opened workbook: its sheets, date styles and the archive to read them from."""

    archive: zipfile.ZipFile
    sheets: list[SheetInfo]
    date1904: bool
    strings_path: str | None
    styles_path: str | None
    _strings: list[str] | None = field(default=None, repr=False)
    _dates: tuple[set[int], set[int]] | None = field(default=None, repr=False)
    _formats: list[str | None] | None = field(default=None, repr=False)
    _scaled: dict[int, str] | None = field(default=None, repr=False)
    _percents: set[int] | None = field(default=None, repr=False)

    def strings(self) -> list[str]:
        """The shared strings, read once, when a sheet first refers to one."""
        if self._strings is None:
            self._strings = [] if self.strings_path is None else read_strings(self)
        return self._strings

    def dates(self) -> tuple[set[int], set[int]]:
        """(style ids formatted as dates, those formatted as durations), read once."""
        if self._dates is None:
            self._dates = (set(), set()) if self.styles_path is None else read_dates(self)
        return self._dates

    def formats(self) -> list[str | None]:
        """The number format code of each cell style id (None: an unknown built-in), read once."""
        if self._formats is None:
            self._formats = [] if self.styles_path is None else read_formats(self)
        return self._formats

    def scaled(self) -> dict[int, str]:
        """Style ids whose number format divides the number it shows by 1,000 or more (a comma
        after the last digit: `#,##0,` shows 60000 as 60), with the format; read once."""
        if self._scaled is None:
            self._scaled = {i: f for i, f in enumerate(self.formats()) if f and scales(f)}
        return self._scaled

    def percents(self) -> set[int]:
        """Style ids whose number format shows the number as a percent (0.25 as 25%), read
        once."""
        if self._percents is None:
            self._percents = {i for i, f in enumerate(self.formats()) if f and is_percent(f)}
        return self._percents


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_of(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type's last word, resolved target) of `part`."""
    folder, name = posixpath.split(part)
    path = posixpath.join(folder, "_rels", f"{name}.rels")
    if path not in archive.NameToInfo:
        return {}
    return {
        a.get("Id", ""): (a.get("Type", "").rpartition("/")[2], _resolve(part, a.get("Target", "")))
        for n, a in start_events(archive, path, path, _RELATIONSHIP)
        if n == "Relationship" and a.get("TargetMode") != "External"
    }


def open_book(data: bytes) -> Book:
    """The sheet list of the .xlsx workbook in `data`.

    Raises:
        BookError: not a readable .xlsx workbook, or over a limit.
    """
    if data[:4] == b"PK\x03\x04" and data.count(b"PK\x01\x02") > MAX_PARTS:
        raise BookError("the archive", f"holds more than {MAX_PARTS:,} parts", RESAVE_FIX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BookError("the archive", f"cannot be unzipped ({exc})", RESAVE_FIX) from None
    _check_unique_parts(archive)
    main = next((t for k, t in _rels_of(archive, "").values() if k == "officeDocument"), None)
    main = main or "xl/workbook.xml"
    if main not in archive.NameToInfo:
        raise BookError("the archive", "holds no workbook part (xl/workbook.xml)", RESAVE_FIX)
    rels = _rels_of(archive, main)
    sheets, date1904 = [], False
    for name, a in start_events(archive, main, main, _SHEET_LIST):
        if name == "workbookPr":
            date1904 = a.get("date1904", "").lower() in ("1", "true")
        elif name == "sheet":
            kind, path = rels.get(a.get("id", ""), ("missing", ""))
            sheets.append(SheetInfo(a.get("name", ""), a.get("state", "visible"), kind, path))
    by_kind = dict(rels.values())
    return Book(
        archive,
        sheets,
        date1904,
        _present(archive, by_kind.get("sharedStrings")),
        _present(archive, by_kind.get("styles")),
    )


def _check_unique_parts(archive: zipfile.ZipFile) -> None:
    """Refuse an archive that stores two parts under one name: zipfile reads the last, another
    unzipper (or Excel) the first, so the same file would give two datasets."""
    if len(archive.NameToInfo) == len(archive.filelist):
        return
    seen: set[str] = set()
    for info in archive.filelist:
        if info.filename in seen:
            raise BookError("the archive", f"holds two parts named {info.filename}", RESAVE_FIX)
        seen.add(info.filename)


def _present(archive: zipfile.ZipFile, path: str | None) -> str | None:
    return path if path is not None and path in archive.NameToInfo else None


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """OOXML's escapes: `_x000D_` is a carriage return and `_x005F_` a literal underscore."""
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def read_strings(book: Book) -> list[str]:
    """The shared-strings table, within MAX_SHARED_STRINGS, MAX_SHARED_CHARS and, for each
    string, MAX_CELL_CHARS (Excel's own cell limit is 32,767 characters)."""
    path = book.strings_path or ""
    reader = _Strings(f"the shared strings ({path})")
    Part(book.archive, path, reader.label).parse(reader.start, reader.end, reader.text)
    return reader.strings


class _Strings:
    """The handlers of the shared-strings part: `<si>` strings of `<t>` texts, not `<rPh>`."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.chars = self.total = self.depth_t = self.depth_rph = 0

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "t":
            self.depth_t += 1
        elif tag == "rPh":
            self.depth_rph += 1

    def end(self, name: str) -> None:
        tag = local(name)
        if tag == "t":
            self.depth_t -= 1
        elif tag == "si":
            self._string()
        elif tag == "rPh":
            self.depth_rph -= 1

    def text(self, data: str) -> None:
        if self.depth_t and not self.depth_rph:
            self.chars += len(data)
            if self.chars > MAX_CELL_CHARS:
                raise BookError(
                    self.label, f"hold a string (number {len(self.strings)}) of more than "
                    f"{MAX_CELL_CHARS:,} characters, which no cell may hold", LIMIT_FIX,
                )  # fmt: skip
            self.parts.append(data)

    def _string(self) -> None:
        value = self.parts[0] if len(self.parts) == 1 else "".join(self.parts)
        self.parts, self.total, self.chars = [], self.total + self.chars, 0
        if len(self.strings) >= MAX_SHARED_STRINGS or self.total > MAX_SHARED_CHARS:
            limit = (
                f"more than {MAX_SHARED_STRINGS:,} strings"
                if len(self.strings) >= MAX_SHARED_STRINGS
                else f"more than {MAX_SHARED_CHARS:,} characters"
            )
            raise BookError(self.label, f"hold {limit}", LIMIT_FIX)
        self.strings.append(unescape(value))


def read_dates(book: Book) -> tuple[set[int], set[int]]:
    """Style ids whose number format shows a date (or a duration), as openpyxl decides."""
    from openpyxl.styles.numbers import is_date_format, is_timedelta_format

    formats = book.formats()
    dates = {i for i, f in enumerate(formats) if is_date_format(f)}
    return dates, {i for i in dates if is_timedelta_format(formats[i])}


def read_formats(book: Book) -> list[str | None]:
    """The number format code of each cell style (`cellXfs`), by style id."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    path = book.styles_path or ""
    custom: dict[str, str] = {}
    formats: list[str | None] = []
    in_xfs = False
    for name, a in start_events(book.archive, path, path, _STYLES):
        if name == "numFmt":
            custom[a.get("numFmtId", "")] = a.get("formatCode", "")
        elif name in ("cellXfs", "cellStyleXfs", "dxfs"):
            in_xfs = name == "cellXfs"
        elif name == "xf" and in_xfs:
            fid = a.get("numFmtId", "0")
            code = custom.get(fid)
            formats.append(code if code is not None else _builtin(BUILTIN_FORMATS, fid))
    return formats


_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|[_*].')
"""What a format code shows as it is: quoted text, an escaped character, [colour] or
[condition], and the character after _ (a space its width) or * (a fill)."""


def is_percent(code: str) -> bool:
    """Whether a number format shows the number times 100 with a % sign (`0%`, `0.00%`), in its
    first section (the one a positive number takes)."""
    return "%" in _LITERALS.sub("", code).split(";")[0]


def scales(code: str) -> bool:
    """Whether a number format divides the number it shows by 1,000 per comma that follows the
    section's last digit placeholder (`0.0,,"M"`), as Excel does; a comma between placeholders
    (`#,##0`) only groups thousands."""
    for section in _LITERALS.sub("", code).split(";"):
        last = max(section.rfind(c) for c in "0#?")
        if last >= 0 and "," in section[last:]:
            return True
    return False


def _builtin(formats: dict[int, str], fid: str) -> str | None:
    return formats.get(int(fid)) if fid.isdigit() else None
