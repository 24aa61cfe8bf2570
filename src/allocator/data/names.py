"""Names that become file and folder names: a scenario's name (a model file's `name`, serve's
Save) and the parts of a default run folder's name (`results/<dataset>-<objective>-...`).

A plain name is 1 to 64 characters: letters, marks and digits of any script (Unicode categories
L, M and N: `escenario_año`, Hindi and Tamil with their vowel signs), `_`, `.`, `-`, and the
joiners ZWNJ and ZWJ that Persian and Indic names need; its first character a letter or digit,
its last a letter, mark or digit (Windows drops a trailing dot). No path separator, no control
or space, nothing that starts with `.` (a hidden file) or `-` (read as an option).
"""

from __future__ import annotations

import unicodedata

MAX_NAME = 64
_JOINERS = "\u200c\u200d"


def _in_name(ch: str) -> bool:
    return ch in "_.-" or ch in _JOINERS or unicodedata.category(ch)[0] in "LMN"


def _starts(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


def is_plain_name(text: str) -> bool:
    """Whether `text` is a plain name (see the module)."""
    return (
        0 < len(text) <= MAX_NAME
        and _starts(text[0])
        and _ends(text[-1])
        and all(_in_name(c) for c in text)
    )


def _ends(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def plain_name(text: str, default: str = "scenario") -> str:
    """`text` made a plain name: each run of other characters as one `_`, what comes before the
    first letter or digit dropped, cut to 64 characters (`default` if nothing is left)."""
    out: list[str] = []
    for ch in text:
        if _in_name(ch):
            out.append(ch)
        elif not out or out[-1] != "_":
            out.append("_")
    plain = "".join(out)
    while plain and not _starts(plain[0]):
        plain = plain[1:]
    plain = plain[:MAX_NAME]
    while plain and not _ends(plain[-1]):
        plain = plain[:-1]
    return plain if plain and is_plain_name(plain) else default
