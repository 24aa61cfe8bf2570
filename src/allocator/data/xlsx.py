"""The parts of an .xlsx workbook a dataset needs, read in streaming mode within stated limits.

An .xlsx file is a zip archive of XML parts. This module opens the archive and reads the sheet
list, the styles (which number formats are dates) and the shared strings (`xlsxcells.py` streams
the cells of one sheet), with expat hardened as defusedxml hardens it (no DTD, so no entity is
ever declared or expanded, and nothing external is fetched). openpyxl's read-only mode trusts a
sheet's stored `<dimension>` (rows past a stale one are lost, a huge one pads every row), cannot
give merged ranges, and holds every shared string as an object; defusedxml's iterparse runs the
pure-Python ElementTree parser, 2.7 times slower than expat's callbacks (6.9 s against 2.5 s for
1.2 million cells). Every limit stops reading at once with one line naming the part (or sheet)
and the limit.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from allocator.data.records import MAX_CELL_CHARS, MAX_TABLE_BYTES

MAX_COLUMNS = 16_384
"""Excel's own width: columns A to XFD."""
MAX_PARTS = 10_000
"""Most members of the zip archive (a workbook of 13 sheets has about 40)."""
MAX_PART_BYTES = 200_000_000
"""Most bytes of one XML part once decompressed (a sheet at the row and byte limits: ~60 MB)."""
MAX_TAGS = 8_000_000
"""Most XML tags (start and end) in one part: 100,000 rows of 16 cells have 6.6 million."""
MAX_SHARED_STRINGS = 1_000_000
"""Most strings in the shared-strings table (ten distinct texts per row of a table at its limit)."""
MAX_SHARED_CHARS = MAX_TABLE_BYTES
"""Most characters of all shared strings together."""
MAX_TOKEN_BYTES = 4_000_000
"""Most bytes expat may read without reporting anything (a tag or name of megabytes)."""
_CHUNK = 1 << 16


class BookError(Exception):
    """A problem with the workbook: `where` is a part or sheet; `reason`, `fix` as InputError's."""

    def __init__(self, where: str, reason: str, fix: str, cell: str | None = None) -> None:
        super().__init__(reason)
        self.where, self.reason, self.fix, self.cell = where, reason, fix, cell


RESAVE_FIX = "open it in Excel or LibreOffice and save it again as 'Excel Workbook (.xlsx)'"
LIMIT_FIX = (
    "split the data or drop what the model does not use; the limit keeps memory and time "
    "bounded (see inputs/README.md, Limits)"
)


def hardened_parser() -> Any:
    """An expat parser that refuses any DTD (so no entity is declared, expanded or fetched), as
    defusedxml's forbid_dtd, forbid_entities and forbid_external do; names are 'uri local'."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbidden
    parser.EntityDeclHandler = _forbidden
    parser.UnparsedEntityDeclHandler = _forbidden
    parser.ExternalEntityRefHandler = _forbidden
    parser.buffer_text = True
    parser.buffer_size = _CHUNK
    return parser


class _Forbidden(Exception):
    pass


def _forbidden(*_args: object) -> Any:  # expat's handlers' types differ; each raises
    raise _Forbidden("a DTD or entity declaration")


@functools.lru_cache(maxsize=1024)
def local(name: str) -> str:
    """'uri local' (or 'local') -> 'local'; cached, since a part has few distinct names."""
    return name.rpartition(" ")[2]


def attrs_local(attrs: dict[str, str]) -> dict[str, str]:
    """Attributes by local name (a relationship id 'r:id' becomes 'id')."""
    return {local(k): v for k, v in attrs.items()}


class Part:
    """One XML part parsed in streaming mode by handlers, within the part limits."""

    def __init__(self, archive: zipfile.ZipFile, path: str, label: str) -> None:
        self.archive, self.path, self.label = archive, path, label

    def parse(
        self,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None] | None = None,
        text: Callable[[str], None] | None = None,
    ) -> None:
        """Feed the part to `start(name, attrs)`, `end(name)` and `text(data)`; names are
        'uri local' (see `local`)."""
        parser = hardened_parser()
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        self._feed(parser)

    def _feed(self, parser: Any) -> None:
        read = tags = quiet = 0
        try:
            with self.archive.open(self.path) as stream:
                while chunk := stream.read(_CHUNK):
                    read += len(chunk)
                    tags += chunk.count(b"<")  # counted before expat sees them: no cost per tag
                    if read > MAX_PART_BYTES or tags > MAX_TAGS:
                        limit = (
                            f"{MAX_PART_BYTES:,} bytes of XML"
                            if read > MAX_PART_BYTES
                            else f"{MAX_TAGS:,} XML tags"
                        )
                        raise BookError(self.label, f"holds more than {limit}", LIMIT_FIX)
                    before = parser.CurrentByteIndex
                    parser.Parse(chunk, False)
                    quiet = quiet + len(chunk) if parser.CurrentByteIndex == before else 0
                    if quiet > MAX_TOKEN_BYTES:
                        raise BookError(self.label, "holds an XML tag of megabytes", RESAVE_FIX)
                parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise BookError(
                self.label, f"is not well-formed XML ({expat.ErrorString(exc.code)}, "
                f"line {exc.lineno}, column {exc.offset})", RESAVE_FIX,
            ) from None  # fmt: skip
        except _Forbidden:
            raise BookError(
                self.label, "declares a DTD or entities, which a workbook never does", RESAVE_FIX
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
            raise BookError(self.label, f"cannot be unzipped ({exc})", RESAVE_FIX) from None
        except (NotImplementedError, RuntimeError, ValueError) as exc:  # a method, a password
            raise BookError(self.label, f"cannot be unzipped ({exc})", RESAVE_FIX) from None


def start_events(
    archive: zipfile.ZipFile, path: str, label: str
) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of a small part (relationships, the workbook, styles), in order."""
    events: list[tuple[str, dict[str, str]]] = []
    Part(archive, path, label).parse(lambda n, a: events.append((local(n), attrs_local(a))))
    return events


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
        for n, a in start_events(archive, path, path)
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
    for name, a in start_events(archive, main, main):
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
    for name, a in start_events(book.archive, path, path):
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
