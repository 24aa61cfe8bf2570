"""Bytes from a path, safely: what is there is checked (a folder, a link, a FIFO, a device), at
most a stated size is read, and a file that is not CSV text (a workbook, an archive, UTF-16) is
named as what it is."""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
import zipfile
from pathlib import Path

from allocator.errors import InputError


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path` (or of the file a link points to).

    It is opened without blocking, since a FIFO would wait for a writer, and checked on the open
    descriptor, so what is read is what was checked; at most `limit` bytes are ever read.

    Raises:
        FileNotFoundError: nothing is at `path` (not even a link).
        InputError: something other than a readable file is there, or it is over `limit`; the
            reason and fix, without a file name (the caller knows what to call it).
    """
    _check_kind(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno())
            if not stat.S_ISREG(mode.st_mode):  # swapped since _check_kind looked
                raise InputError(_KINDS.get(stat.S_IFMT(mode.st_mode), _OTHER), fix=_PUT_FILE)
            _check_size(mode.st_size, limit)
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror or exc})",
            fix="check the file's permissions or close the program locking it",
        ) from None
    _check_size(len(data), limit)  # grew after fstat
    return data


_KINDS = {
    stat.S_IFDIR: "is a folder, not a file",
    stat.S_IFIFO: "is a named pipe (FIFO), not a file",
    stat.S_IFCHR: "is a character device (such as /dev/null), not a file",
    stat.S_IFBLK: "is a block device (a disk), not a file",
    stat.S_IFSOCK: "is a socket, not a file",
}
_OTHER = "is not a regular file"
_PUT_FILE = "put the CSV file itself at this path (see inputs/README.md)"
_LINK_FIX = "point the link at the file, or replace the link with the file"


def _check_kind(path: Path) -> None:
    """Refuse what is at `path` unless it is a regular file or a link to one."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(path) from None  # nothing there, not even a dangling link
    except OSError as exc:  # e.g. a folder on the way that may not be searched
        raise InputError(f"cannot be read ({exc.strerror or exc})", fix=_PUT_FILE) from None
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(
            f"is a symbolic link to '{os.readlink(path)}', which does not exist", fix=_LINK_FIX
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("is a symbolic link that loops", fix=_LINK_FIX) from None
        raise InputError(f"cannot be read ({exc.strerror or exc})", fix=_PUT_FILE) from None
    if not stat.S_ISREG(mode):
        raise InputError(_KINDS.get(stat.S_IFMT(mode), _OTHER), fix=_PUT_FILE)


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise InputError(
            f"the file is {size:,} bytes, more than the limit of {limit:,}",
            fix="split the data or drop what the model does not use; the limit keeps memory "
            "bounded (see inputs/README.md, Limits)",
        )


_SAVE_AS = "open it in the spreadsheet and save the sheet as 'CSV UTF-8 (Comma delimited)'"
# Leading bytes of files that are often saved or renamed as .csv, longest prefixes first.
_MAGIC = (
    (b"\x00\x00\xfe\xff", "UTF-32 text", _SAVE_AS),
    (b"\xff\xfe\x00\x00", "UTF-32 text", _SAVE_AS),
    (b"\xff\xfe", "UTF-16 text", _SAVE_AS + " (Excel's 'Unicode Text' is UTF-16)"),
    (b"\xfe\xff", "UTF-16 text", _SAVE_AS + " (Excel's 'Unicode Text' is UTF-16)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls)", _SAVE_AS),
    (b"\x1f\x8b", "gzip-compressed", "decompress it (gunzip) to the CSV UTF-8 file"),
    (b"BZh", "bzip2-compressed", "decompress it (bunzip2) to the CSV UTF-8 file"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it (unxz) to the CSV UTF-8 file"),
    (b"%PDF-", "a PDF document", "export the table from its spreadsheet as 'CSV UTF-8'"),
)


def _kind(data: bytes) -> tuple[str, str] | None:
    """What a file that is not CSV text really is, and the fix; None if it may be CSV."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    for magic, kind, fix in _MAGIC:
        if data.startswith(magic):
            return kind, fix
    if _looks_utf16(data[:512]):
        return "UTF-16 text", _SAVE_AS + " (Excel's 'Unicode Text' is UTF-16)"
    return None


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: Latin text has a NUL beside every character."""
    if len(head) < 8:
        return False
    halves = head[0::2], head[1::2]
    nuls = [half.count(0) / len(half) for half in halves]
    return max(nuls) > 0.9 and min(nuls) < 0.1


def _zip_kind(data: bytes) -> tuple[str, str]:
    """An xlsx or ods workbook is a zip archive; which one it is shows in its member names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            small = "mimetype" in names and archive.getinfo("mimetype").file_size < 200
            mimetype = archive.read("mimetype") if small else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        names, mimetype = set(), b""
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx)", _SAVE_AS
    if b"opendocument.spreadsheet" in mimetype:
        return "an OpenDocument spreadsheet (.ods)", _SAVE_AS
    return "a zip archive", "unzip it and use the CSV UTF-8 file inside"


def decode_text(file: str, data: bytes) -> str:
    kind = _kind(data)
    if kind is not None:
        name, fix = kind
        not_what = "not UTF-8" if name.endswith("text") else "not CSV text"
        raise InputError(f"the file is {name}, {not_what}", file=file, fix=fix)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _encoding_error(file, data, exc.start) from None
    if "\x00" in text:
        raise InputError(
            "the file is binary, not CSV text", file=file, fix="export the sheet as 'CSV UTF-8'"
        )
    return text


_EOL = re.compile(rb"\r\n|\r|\n")


def _encoding_error(file: str, data: bytes, start: int) -> InputError:
    """Name the row, column and cell holding the first byte that is not UTF-8.

    Lines may end in LF, CRLF or CR alone (old Mac exports): the csv module must never see a
    line end inside the one line it is given.
    """
    before = data[:start]
    row = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    begin = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    after = _EOL.search(data, start)
    line = data[begin : len(data) if after is None else after.start()]
    first = _EOL.search(data)
    index = max(len(next(csv.reader([_show(data[begin:start])]), [])) - 1, 0)
    cells = next(csv.reader([_show(line)]), [])
    head = data[: len(data) if first is None else first.start()]
    header = [h.strip().lower() for h in next(csv.reader([_show(head)]), [])]
    column = header[index] if row > 1 and index < len(header) else None
    cell = cells[index] if index < len(cells) else _show(line)
    return InputError(
        f"'{cell}' is not UTF-8 text",
        file=file,
        row=row,
        column=column,
        fix="save the file as 'CSV UTF-8' from the spreadsheet (this looks like "
        "Latin-1 or Windows-1252)",
    )


def _show(raw: bytes) -> str:
    """Bytes as text, with bytes that are not UTF-8 shown as \\xNN."""
    return raw.decode("utf-8", errors="backslashreplace").strip("\ufeff")
