"""One XML part of an .xlsx archive, read in streaming mode within the part limits (`Part`,
`start_events`), with expat hardened as defusedxml hardens it: no DTD, so no entity is ever
declared or expanded, and nothing external is fetched. defusedxml's iterparse runs the
pure-Python ElementTree parser, 2.7 times slower than expat's callbacks (6.9 s against 2.5 s
for 1.2 million cells). A part over a limit stops reading at once (`BookError`, one line naming
the part and the limit). The workbook's sheets, styles and strings are read in `xlsx.py`."""

from __future__ import annotations

import functools
import zipfile
import zlib
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

from allocator.errors import PicklableError

MAX_PART_BYTES = 200_000_000
"""Most bytes of one XML part once decompressed (a sheet at the row and byte limits: ~60 MB)."""
MAX_TAGS = 8_000_000
"""Most XML tags (start and end) in one part: 100,000 rows of 16 cells have 6.6 million."""
MAX_SMALL_TAGS = 1_000_000
"""Most XML tags in a small part (relationships, the workbook's sheet list, its styles): Excel's
own limits of 65,490 cell formats and as many cell styles, a few tags each, fit; a part at the
limit is read in about a second, and only the tags asked for are kept (`start_events`)."""
MAX_KEPT_TAGS = 200_000
"""Most start tags of one name kept of a small part: 65,490 cell formats and as many cell styles
(the `xf` tags of the styles) fit, as do the 10,000 sheets or relationships of an archive at
MAX_PARTS; 200,000 `xf` tags take 50 MB (measured)."""


MAX_TOKEN_BYTES = 4_000_000
"""Most bytes expat may read without reporting anything (a tag or name of megabytes)."""
_CHUNK = 1 << 16


class BookError(PicklableError):
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

    def __init__(
        self, archive: zipfile.ZipFile, path: str, label: str, max_tags: int = MAX_TAGS
    ) -> None:
        self.archive, self.path, self.label, self.max_tags = archive, path, label, max_tags

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
                    if read > MAX_PART_BYTES or tags > self.max_tags:
                        limit = (
                            f"{MAX_PART_BYTES:,} bytes of XML"
                            if read > MAX_PART_BYTES
                            else f"{self.max_tags:,} XML tags"
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
    archive: zipfile.ZipFile, path: str, label: str, names: frozenset[str]
) -> list[tuple[str, dict[str, str]]]:
    """The start tags of a small part (relationships, the workbook, styles) whose local name is
    in `names`, in order, within MAX_SMALL_TAGS tags in the part and MAX_KEPT_TAGS kept of each
    name: a part of millions of tags is refused in one line; tags not asked for are not kept."""
    events: list[tuple[str, dict[str, str]]] = []
    kept = dict.fromkeys(names, 0)

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag in kept:
            kept[tag] += 1
            if kept[tag] > MAX_KEPT_TAGS:
                raise BookError(label, f"holds more than {MAX_KEPT_TAGS:,} {tag} tags", LIMIT_FIX)
            events.append((tag, attrs_local(attrs)))

    Part(archive, path, label, MAX_SMALL_TAGS).parse(start)
    return events
