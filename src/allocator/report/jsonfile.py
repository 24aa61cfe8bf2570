"""A JSON file of allocator's read back (a run folder's run.json, a sweep's sweep.json): the one
reader of them, bounded in size and in depth, each fault one line naming the file and the fix.

Python's json module recurses once per level of nesting, so 5,000 `[` (10 KB) would be a
RecursionError traceback; reading stops at MAX_JSON_DEPTH levels instead, with a UsageError.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from allocator.errors import UsageError

MAX_JSON_BYTES = 200_000_000
"""Bytes of a run.json or sweep.json read (also by `folders`, telling whose folder it is): far
above any allocator writes (the baseline solve's run.json: 8 KB), so a larger file is not
allocator's and is never read whole."""

MAX_JSON_DEPTH = 100
"""Levels of nesting of a run.json or sweep.json read: allocator writes 8 at most, and Python's
json module recurses once a level (past about 1,000 levels: a RecursionError)."""


def read_json(path: Path, fix: str) -> Any:
    """The JSON value that the file at `path` holds.

    Raises:
        UsageError: the file cannot be read, is over MAX_JSON_BYTES bytes, is not JSON in UTF-8,
            or is nested more than MAX_JSON_DEPTH levels deep; each message names `path`, says
            why and ends with `fix`.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path} cannot be read ({exc.strerror or exc}). {fix}") from None
    if len(data) > MAX_JSON_BYTES:
        raise UsageError(
            f"{path} is over {MAX_JSON_BYTES:,} bytes, far larger than any allocator writes, "
            f"so it is not read. {fix}"
        )
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise _too_deep(path, fix) from None
    except ValueError as exc:  # UnicodeDecodeError and json.JSONDecodeError among them
        why = " ".join(str(exc).split())[:200]
        raise UsageError(f"{path} cannot be read as JSON ({why}). {fix}") from None
    if _depth_over(value, MAX_JSON_DEPTH):
        raise _too_deep(path, fix)
    return value


def _too_deep(path: Path, fix: str) -> UsageError:
    return UsageError(
        f"{path} is nested more than {MAX_JSON_DEPTH} levels deep (allocator writes 8 at most: "
        f"edited or damaged since?). {fix}"
    )


def _depth_over(value: Any, limit: int) -> bool:
    """Whether `value` holds lists or objects nested more than `limit` levels deep (walked
    without recursion, so a value just under Python's recursion limit is measured too)."""
    level = [value]
    for _ in range(limit):
        level = [
            inner
            for item in level
            if isinstance(item, dict | list)
            for inner in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return any(isinstance(item, dict | list) for item in level)
