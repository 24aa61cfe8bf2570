"""The sweep's tables as append-only streams that a fault cannot leave half-written: each batch of
rows is appended unbuffered (`AppendFile`), and a batch that meets a fault (a full disk, Ctrl-C) is
cut off again (`rollback`); what a killed process left past the last whole CSV record is dropped
before the next append (`committed_size`). sweep.csv's row of a sample is written last, so it is
the sample's commit: rows of the other tables whose sample has none are dropped when the sweep
finishes (`sweepfolder.finish_tables`)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

CHUNK = 1 << 20
"""Bytes read at a time to count a table's quotes (a sweep_programs.csv may hold millions of
rows: it is never read whole into memory to find its last record)."""


def committed_size(path: Path | str) -> int:
    """The length of `path` up to the end of its last whole CSV record: a record ends at a line
    break outside quotes (a quoted field may hold line breaks, its quotes doubled, so an even
    count of quotes before a line break means that break ends a record)."""
    with open(path, "rb") as f:
        quotes = sum(chunk.count(b'"') for chunk in iter(lambda: f.read(CHUNK), b""))
        end = f.tell()
        while end > 0:
            start = max(0, end - CHUNK)
            f.seek(start)
            block = f.read(end - start)
            cut = _last_record_end(block, quotes)
            if cut is not None:
                return start + cut
            if start == 0:
                return 0
            quotes -= block.count(b'"')
            end = start
    return 0


def _last_record_end(block: bytes, quotes: int) -> int | None:
    """Within `block` (the last bytes read, with `quotes` quotes from the file's start to its
    end), the end of the last whole record, or None if it holds none."""
    end = len(block)
    while end > 0:
        if block[end - 1 : end] == b"\n" and quotes % 2 == 0:
            return end
        start = block.rfind(b"\n", 0, end - 1) + 1  # the last line of block[:end] starts here
        if start == 0:
            return None  # the record may begin before this block: read further back
        quotes -= block.count(b'"', start, end)
        end = start
    return None


class AppendFile:
    """One table of the sweep, appended unbuffered. Opening drops a partial last record (a
    process killed mid-row); `rollback` cuts the file back to a size `size` gave earlier.
    Links are not followed: the folder's own file is written, never another through it."""

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        self.fd = os.open(path, flags, 0o666)
        try:
            kept = committed_size(path)
            if kept < os.fstat(self.fd).st_size:
                os.ftruncate(self.fd, kept)
        except BaseException:
            os.close(self.fd)
            raise

    def fileno(self) -> int:
        """The file's descriptor."""
        return self.fd

    def size(self) -> int:
        """The file's length now."""
        return os.fstat(self.fd).st_size

    def append(self, text: str) -> None:
        """Append `text` (UTF-8) whole: a short write is continued; a fault raises."""
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(self.fd, data) :]

    def rollback(self, size: int) -> None:
        """Cut the file back to `size` (never lengthen it)."""
        if self.size() > size:
            os.ftruncate(self.fd, size)

    def close(self) -> None:
        """Close the file (a second close does nothing)."""
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


def csv_text(rows: list[list[Any]]) -> str:
    """`rows` as CSV text, one record per row, as the sweep's tables write them."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue()
