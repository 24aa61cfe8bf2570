"""Text a dataset or a model file may hold: no character that a terminal, an editor or a
spreadsheet acts on instead of showing.

Refused in every cell and every YAML string: the C0 controls but TAB, LF and CR (ESC starts the
terminal sequences that clear a screen, recolour or forge a line), DEL, the C1 controls
(U+0080-U+009F: U+009B is a one-byte ESC [), and the bidirectional controls (U+202A-U+202E
embeddings and overrides, U+2066-U+2069 isolates, U+200E, U+200F and U+061C marks), which make
a row read in another order than the one allocator reads it ("Trojan Source"). A name, an id or
a reference is one line, so it may not hold TAB, LF, CR or the line and paragraph separators
(U+2028, U+2029) either; free text (`FREE_TEXT`) may. Nor may it hold a character that shows
as nothing (`INVISIBLE`), so that two names that look the same are the same: Unicode's format
characters (category Cf: the zero-width space, the word joiner, a byte-order mark inside text,
the soft hyphen, the invisible operators, the deprecated format controls, the interlinear
annotation marks, the language tag) and the two Hangul fillers that stand alone (U+3164,
U+FFA0); free text pasted from a PDF or a web page often holds them, and may. The format
characters that are text stay: the joiners (ZWJ U+200D, ZWNJ U+200C, needed by Persian, Indic
scripts and emoji), the prepended marks that show (Arabic number signs, U+0600-U+0605 ...), the
Egyptian, Duployan and musical format controls of their scripts, the Mongolian vowel separator
(U+180E, which shapes the letters around it), and the tags U+E0020-U+E007F
inside an emoji flag's tag sequence (U+1F3F4, tags, U+E007F: the flag of England). Variation
selectors, accents, CJK and emoji are text and are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BREAK = "\t\n\r\u2028\u2029"
_REFUSED = re.compile(f"[{_CONTROL}{_BIDI}]")
_REFUSED_BIDI = re.compile(f"[{_BIDI}]")
_HIDDEN = (
    "\u00ad\u200b\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0001\U000e0020-\U000e007f"
)
INVISIBLE = re.compile(f"[{_HIDDEN}]")
"""Characters that show as nothing, refused in one-line text (checked against unicodedata's
categories by tests/test_invisible_text.py); the tags are text inside a flag (`_FLAG`)."""
_FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_MULTI_LINE = re.compile(f"[{_CONTROL}{_BIDI}{_BREAK}{_HIDDEN}]")

FREE_TEXT = frozenset({"source", "derivation", "assumption", "note"})
"""Columns of free text, where a line break or a tab may stand (a spreadsheet cell typed with
Alt+Enter holds one); every other column holds one line."""

_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL"}
_NAMES |= {0x85: "NEL", 0x9B: "CSI", 0x9D: "OSC"}
_EXCERPT = 24
"""Characters shown on each side of the refused one in a long text."""


def text_problem(text: str, one_line: bool = True) -> tuple[str, str] | None:
    """What is wrong with `text` and the fix, or None when it holds only characters that show.

    Args:
        text: a cell, a YAML string or key, as read (the caller escapes it when it prints).
        one_line: refuse TAB, LF, CR, U+2028 and U+2029 too (a name, an id, a reference).
    """
    found = (_MULTI_LINE if one_line else _REFUSED).search(_FLAG.sub(_flag_shown, text))
    if found is None:
        return None
    ch = found.group()
    shown = f"'{_excerpt(text, found.start())}'"
    if INVISIBLE.match(ch):
        return (
            f"{shown} holds {_what(ch)}, which shows as nothing: two names that look the same "
            "would differ",
            "delete the character (it does not show where you edit the text: retype the text; "
            f"it may stand only in free text: {', '.join(sorted(FREE_TEXT))}, a model file's "
            "description)",
        )
    if ch in _BREAK:
        return (
            f"{shown} holds {_what(ch)}, but this text is one line",
            "put it on one line (line breaks and tabs may stand only in free text: "
            f"{', '.join(sorted(FREE_TEXT))}, a model file's description)",
        )
    if _REFUSED_BIDI.match(ch):
        return (
            f"{shown} holds {_what(ch)}, which shows the text around it in another order than "
            "it is read",
            "delete the character (it does not show where you edit the text: retype the text; "
            "right-to-left words show in their order without it)",
        )
    return (
        f"{shown} holds {_what(ch)}, which a terminal or an editor acts on instead of showing",
        "delete the character (it may not show where you edit the text: retype the text, or "
        "use the spreadsheet's CLEAN())",
    )


def cells_problem(
    cells: Iterable[tuple[str, str]], is_number: Callable[[str], bool]
) -> tuple[str, str, str] | None:
    """(column, what is wrong, fix) of the first refused cell of a row given as (column, text)
    pairs; each column is one line but those of `FREE_TEXT` and those `is_number` says are
    read as numbers (whose own rule refuses a line break as no number)."""
    for column, text in cells:
        if not may_hold(text):
            continue
        problem = text_problem(text, one_line=False)
        if problem is None and column not in FREE_TEXT and not is_number(column):
            # space around a cell is dropped, and with it a line break or a tab there
            problem = text_problem(text.strip(), one_line=True)
        if problem is not None:
            return column, *problem
    return None


def may_hold(text: str) -> bool:
    """Whether `text` may need a closer look (a quick test for a whole row's cells at once)."""
    return _MULTI_LINE.search(text) is not None


def _flag_shown(flag: re.Match[str]) -> str:
    """An emoji flag's tag sequence with its tags as letters: text, not hidden characters."""
    return flag.group()[0] + "f" * (len(flag.group()) - 1)


def _what(ch: str) -> str:
    """`U+001B (ESC, a control character)`, `U+202E (RIGHT-TO-LEFT OVERRIDE, ...)`."""
    code = ord(ch)
    if ch in _BREAK:
        kind = "a tab" if ch == "\t" else "a line break"
        return f"{kind} (U+{code:04X})"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        name = _NAMES.get(code)
        return f"U+{code:04X} ({name + ', ' if name else ''}a control character)"
    if INVISIBLE.match(ch):
        return f"U+{code:04X} ({unicodedata.name(ch)})"
    return f"U+{code:04X} ({unicodedata.name(ch)}, a bidirectional control)"


def _excerpt(text: str, at: int) -> str:
    """`text`, or the part of a long one around position `at`."""
    if len(text) <= 2 * _EXCERPT + 8:
        return text
    start, end = max(at - _EXCERPT, 0), at + _EXCERPT + 1
    return f"{'...' if start else ''}{text[start:end]}{'...' if end < len(text) else ''}"
