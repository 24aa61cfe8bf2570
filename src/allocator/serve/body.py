"""What a request to the served page says: its JSON body (a bounded object, no NaN, Infinity
or number of a thousand digits), its revision (`?rev=N`) and its cells to set, each refused with
an `ApiError` (status and words) before it reaches the model."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.requests import ClientDisconnect, Request

from allocator.errors import PicklableError
from allocator.serve.guard import json_refused

MAX_BODY = 64 * 1024
"""Bytes a request body may have: a thousand cell sets fit many times over."""

DIGITS = re.compile(r"[0-9]{1,9}")
"""A revision or a Content-Length: ASCII digits only ('²'.isdigit() is True, int('²') fails)."""

MAX_DIGITS = 30
"""Digits a number in a request body may have: no field of the API takes a number at all."""


class ApiError(PicklableError):
    """A request refused before it reaches the model: status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def read_body(request: Request) -> dict[str, Any]:
    """The JSON object of a request body, read up to MAX_BODY bytes; a body of a request
    carrying the cookie alone must be application/json (`json_refused`: 415 otherwise)."""
    refused = json_refused(request.headers)
    if refused is not None:
        raise ApiError(415, refused)
    too_big = ApiError(413, f"the request body is over {MAX_BODY:,} bytes. Fix: send fewer sets")
    declared = request.headers.get("content-length", "0")
    if not DIGITS.fullmatch(declared) or int(declared) > MAX_BODY:
        raise too_big
    data = bytearray()
    try:
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY:
                raise too_big
    except ClientDisconnect:  # nobody reads the answer: no fault of the program
        raise ApiError(400, "the request body ended before it was whole. Fix: send again") from None
    if not data:
        return {}
    try:
        body = json.loads(data, parse_constant=_no_constant, parse_int=_int, parse_float=_float)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise ApiError(400, 'the request body is not JSON. Fix: send {"set": [...]}') from None
    if not isinstance(body, dict):
        raise ApiError(400, 'the request body is not a JSON object. Fix: send {"set": [...]}')
    return body


def _no_constant(name: str) -> float:
    """NaN, Infinity or -Infinity in a body: Python's json reads them, JSON has no such number."""
    raise ApiError(
        400,
        f"the request body has {name}, which is not a number in JSON (nor in allocator). "
        'Fix: send each number as text inside a set, e.g. {"set": ["TABLE.KEY.COLUMN=6700"]}',
    )


def _int(text: str) -> int:
    """An integer of a body, refused past MAX_DIGITS digits (Python refuses 4,301 and up)."""
    _refuse_long(text)
    return int(text)


def _float(text: str) -> float:
    """A decimal number of a body, refused past MAX_DIGITS characters or past a float's range
    (1e400 would be Infinity)."""
    _refuse_long(text)
    value = float(text)
    if not math.isfinite(value):
        _no_constant(text)
    return value


def _refuse_long(text: str) -> None:
    if len(text) > MAX_DIGITS:
        raise ApiError(
            400,
            f"the request body has a number of {len(text):,} digits. Fix: send each number as "
            'text inside a set, e.g. {"set": ["TABLE.KEY.COLUMN=6700"]}',
        )


def read_rev(value: str | None) -> int:
    """`?rev=N`: a revision number (1 and up), ASCII digits only."""
    if value is None or not DIGITS.fullmatch(value) or int(value) < 1:
        raise ApiError(
            400,
            f"rev={value or ''} is not a revision of the plan. Fix: ask for "
            "/api/details?rev=N with the rev of the answer to show",
        )
    return int(value)


def read_texts(value: object) -> list[str]:
    """`set` as a list of texts (one text is a list of one)."""
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ApiError(
            400,
            'set is a list of texts TABLE.KEY.COLUMN=VALUE. Fix: send {"set": '
            '["pools.ecosystem/phase3.budget_musd=6700"]}',
        )
    return texts
