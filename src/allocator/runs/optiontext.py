"""Options given as text, read by the number rules of a data cell: the command line's and the
Python API's one reader (`cli.options` for the command line, `runs.spec` for a caller's
keywords: `keywords_read`, `keyword_number`, `rate_given`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from allocator.errors import UsageError

if TYPE_CHECKING:
    from allocator.data.overrides import Override


def number_of(option: str, text: str, kind: str = "share", example: str = "0.02") -> float:
    """An option's number, by the number rule of a data cell (`data.numbers`): `kind` "share"
    (0.02 or 2%), "count" (20000 or 20K) or "money" (US$ million: 1, 500K, 1.5B). float()
    would read `1_0` as 10, `nan` and `inf` as numbers, and `1e-400` as 0; the rule refuses
    them in one line.

    Raises:
        UsageError: naming the option, the text and the fix.
    """
    from allocator.data.numbers import parse_count, parse_money, parse_share
    from allocator.errors import UsageError

    parse = {"share": parse_share, "count": parse_count, "money": parse_money}[kind]
    try:
        return parse(text) + 0.0  # + 0.0: -0.0 is 0
    except ValueError as exc:
        fix = getattr(exc, "fix", None) or f"give a number, e.g. {option} {example}"
        raise UsageError(f"{option} {text}: {exc}. Fix: {fix}") from None


def weights_of(text: str) -> dict[str, float]:
    """`jobs=0.7,exports=0.3`, each number by the rule of a data cell, the weights by the rule
    model files follow too (checks.check_weights)."""
    from allocator.data.checks import check_weights
    from allocator.data.numbers import parse_number
    from allocator.errors import UsageError

    weights = {}
    try:
        for part in text.split(","):
            name, equals, value = part.partition("=")
            if not equals:
                raise ValueError(f"'{part}' is not name=number")
            weights[name.strip()] = parse_number(value, {"": 1.0})
        return check_weights(weights)
    except ValueError as exc:
        fix = getattr(exc, "fix", None) or (
            "give jobs and exports weights from 0 to 1e6, not all 0, "
            "e.g. --weights jobs=0.7,exports=0.3"
        )
        raise UsageError(f"--weights '{text}': {exc}. Fix: {fix}") from None


def set_overrides(sets: Sequence[str] | None) -> list[Override]:
    """Each `--set TABLE.KEY.COLUMN=VALUE`, checked against the schema before any work, as an
    override applied after those of the model file (`data/cellset.py`): the one reader of
    `--set` text, the command line's and a Python caller's (`sets_read`)."""
    from allocator.data.cellset import parse_set
    from allocator.data.overrides import Override

    return [Override(set_cell=parse_set(text, "--set")) for text in sets or []]


def sets_read(given: object) -> object:
    """A caller's overrides (`overrides=`, compare's `sets=`) with each text read as `--set`
    reads it (`set_overrides`: `"pools.public/p1.budget_musd=60"`); one text alone is one set,
    not a list of letters. Other entries (an `Override`, a mapping of its fields) are left to
    the spec to check.

    Raises:
        UsageError: a text `--set` refuses, naming its place (`overrides[1]: --set ...`).
    """
    entries = [given] if isinstance(given, str) else given
    if not isinstance(entries, list | tuple):
        return given
    read: list[object] = []
    for i, entry in enumerate(entries):
        try:
            read += set_overrides([entry]) if isinstance(entry, str) else [entry]
        except UsageError as exc:
            raise UsageError(f"overrides[{i}]: {exc}") from None
    return read


def rate_given(value: object) -> float | None:
    """A discount rate as a caller gives it (None: not given): a number, or text by the rule
    of `--discount-rate` and a model file's `discount_rate` (`0.05` or `5%`).

    Raises:
        UsageError: text the rule refuses, or a value that is no number, in one line.
    """
    from allocator.data.numbers import parse_share

    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    fix = "give a share a year, e.g. discount_rate=0.05 or '5%'"
    if not isinstance(value, str):
        raise UsageError(f"discount_rate {value!r} is not a number. Fix: {fix}")
    try:
        return parse_share(value) + 0.0  # + 0.0: -0.0 is 0
    except ValueError as exc:
        raise UsageError(
            f"discount_rate {value!r}: {exc}. Fix: {getattr(exc, 'fix', None) or fix}"
        ) from None


TEXT_NUMBERS = {"beta": ("share", "0.9"), "cvar_cap": ("count", "20000")}
"""The number keywords a caller may give as their options take them (`--beta 90%`, `--cvar-cap
20K`): the kind of number (`runs.optiontext.number_of`) and an example. (`discount_rate`: read by
`rate_given`.)"""


def keywords_read(options: dict[str, Any]) -> dict[str, Any]:
    """A Python caller's keywords with each text value read as its option reads it: `weights`
    as `--weights` (`jobs=0.7,exports=0.3`), `beta` and `cvar_cap` by `TEXT_NUMBERS`, each text
    of `overrides` as `--set` (`sets_read`); others as given (`discount_rate` is read by
    `rate_given`).

    Raises:
        UsageError: text the option's rule refuses, naming the keyword.
    """
    read = dict(options)
    if "overrides" in read:  # `--set` text, as the option takes it
        read["overrides"] = sets_read(read["overrides"])
    if isinstance(read.get("weights"), str):
        read["weights"] = weights_of(read["weights"])
    for name, (kind, example) in TEXT_NUMBERS.items():
        if isinstance(read.get(name), str):
            read[name] = keyword_number(name, read[name], kind, example)
    return read


def keyword_number(name: str, value: object, kind: str = "share", example: str = "0.02") -> float:
    """A number keyword (`slack`, `beta`, ...) as its option reads it: a number as given, text
    by the option's rule (`runs.optiontext.number_of`: 0.02 or 2%, 20000 or 20K).

    Raises:
        UsageError: a value that is no number, or text the rule refuses, naming the keyword.
    """
    if isinstance(value, str):
        return number_of(name, value, kind, example)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{name}={value!r} is not a number. Fix: e.g. {name}={example}")
    return value
