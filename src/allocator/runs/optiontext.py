"""Options given as text, read by the number rules of a data cell: the command line's and the
Python API's one reader (`cli.options` for the command line, `runs.spec` for a caller's
keywords: `keywords_read`, `keyword_number`, `rate_given`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allocator.errors import UsageError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from allocator.data.overrides import Override


def number_of(
    option: str,
    text: str,
    kind: str = "share",
    example: str = "0.02",
    takes: tuple[Callable[[float], bool], str] | None = None,
) -> float:
    """An option's number, by the number rule of a data cell (`data.numbers`): `kind` "share"
    (0.02 or 2%), "count" (20000 or 20K) or "money" (US$ million: 1, 500K, 1.5B). float()
    would read `1_0` as 10, `nan` and `inf` as numbers, and `1e-400` as 0; the rule refuses
    them in one line. `takes`: the values the option takes and, in words, what it is: a
    number read two ways is offered only in the readings it takes.

    Raises:
        UsageError: naming the option, the text and the fix.
    """
    from allocator.data.ambiguity import option_fix_taken
    from allocator.data.numbers import AmbiguousError, parse_count, parse_money, parse_share

    parse = {"share": parse_share, "count": parse_count, "money": parse_money}[kind]
    try:
        return parse(text) + 0.0  # + 0.0: -0.0 is 0
    except ValueError as exc:
        fix = option_fix_of(exc) or f"give a number, e.g. {option} {example}"
        if isinstance(exc, AmbiguousError) and takes is not None:
            taken = tuple(takes[0](parse(t)) for t in exc.texts)
            fix = option_fix_taken(option, exc.texts, taken, takes[1], example) or fix
        raise UsageError(f"{option} {text}: {exc}. Fix: {fix}") from None


def option_fix_of(exc: ValueError) -> str | None:
    """The fix the number rule gives for an option's text (None: none): a number read two ways
    offers its two readings as the option takes them (`ambiguity.option_fix`: no dataset's
    number style reads an option, so declaring one is no fix)."""
    from allocator.data.ambiguity import option_fix
    from allocator.data.numbers import AmbiguousError

    if isinstance(exc, AmbiguousError):
        return option_fix(exc.texts)
    return getattr(exc, "fix", None)


SLACK_RANGE = "is the share of the optimum that may be given up, in [0, 1)"
"""What --slack is, for its refusal (`slack_of`); `studies.alternatives.held_model` and
`studies.core.CoreSettings.check` say the same of a Python caller's value."""


def slack_of(text: str) -> float:
    """`--slack` as typed (0.02 or 2%, `number_of`), held to [0, 1) at once, before any work;
    a refusal echoes the text as typed (`--slack 1e1`, not the float 10.0).

    Raises:
        UsageError: naming the option, the text and the fix.
    """
    slack = number_of("--slack", text, example="0.02", takes=(lambda v: 0 <= v < 1, SLACK_RANGE))
    if not 0 <= slack < 1:
        raise UsageError(
            f"--slack {typed_text(text, '--slack')} {SLACK_RANGE}. Fix: e.g. --slack 0.02 for 2%"
        )
    return slack


def weights_of(text: str) -> dict[str, float]:
    """`jobs=0.7,exports=0.3`, each number by the rule of a data cell, the weights by the rule
    model files follow too (checks.check_weights)."""
    from allocator.data.checks import check_weights
    from allocator.data.numbers import parse_number

    weights = {}
    try:
        for part in text.split(","):
            name, equals, value = part.partition("=")
            if not equals:
                raise ValueError(f"'{part}' is not name=number")
            weights[name.strip()] = parse_number(value, {"": 1.0})
        return check_weights(weights)
    except ValueError as exc:
        fix = option_fix_of(exc) or (
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


def overrides_listed(given: object) -> list[object] | tuple[object, ...] | None:
    """A caller's overrides as the list they apply in: one text alone is one set, not a list of
    letters; a pandas Series or 1-D numpy array is its list; None for anything else that is no
    collection (a mapping, an `Override`: left to the spec to check).

    Raises:
        UsageError: a set or another iterable without an order of its own (a generator, read
            once), which `overrides=` cannot take: overrides apply in the order given.
    """
    from collections.abc import Iterable, Mapping

    entries = [given] if isinstance(given, str) else given
    if hasattr(entries, "tolist") and getattr(entries, "ndim", None) == 1:
        entries = entries.tolist()  # a DataFrame column (Series) or a 1-D array, as its list
    if isinstance(entries, list | tuple):
        return entries
    if isinstance(entries, Iterable) and not isinstance(entries, Mapping):
        raise UsageError(
            f"overrides= is a {type(given).__name__}: overrides apply in the order given. "
            "Fix: give a list, e.g. overrides=['pools.public/p1.budget_musd=60']"
        )
    return None


def sets_read(given: object) -> object:
    """A caller's overrides (`overrides=`, compare's `sets=`) with each text read as `--set`
    reads it (`set_overrides`: `"pools.public/p1.budget_musd=60"`); one text alone is one set,
    not a list of letters; a pandas Series or 1-D numpy array is its list. Other entries (an
    `Override`, a mapping of its fields) are left to the spec to check.

    Raises:
        UsageError: a text `--set` refuses, naming its place (`overrides[1]: --set ...`).
    """
    entries = overrides_listed(given)
    if entries is None:
        return given
    read: list[object] = []
    for i, entry in enumerate(entries):
        try:
            read.append(placed(set_overrides([entry])[0], i) if isinstance(entry, str) else entry)
        except UsageError as exc:
            raise UsageError(f"overrides[{i}]: {exc}") from None
    return read


def placed(entry: object, index: int) -> object:
    """A caller's override (an `Override`, or a mapping of its fields) given its place in
    `overrides=` (`overrides[1]`), which every refusal of it names first where it is applied
    (`Override.place`; a set's: `data.cellset.CellSet.place`), never as the model file's.
    Another entry, one placed already, a model file's set, and a mapping the spec refuses, as
    given."""
    from pydantic import ValidationError

    from allocator.data.overrides import Override

    if isinstance(entry, dict):
        try:
            entry = Override.model_validate(entry)
        except ValidationError:
            return entry  # the spec refuses it, naming the keyword
    if not isinstance(entry, Override) or entry.place:
        return entry
    if entry.set_cell is not None and entry.set_cell.origin != "--set":
        return entry  # a model file's set: its origin names the file
    return entry.placed_at(f"overrides[{index}]")


RATE_EXAMPLES = {
    "--discount-rate": "--discount-rate 0.05 or 5%",
    "discount_rate": "discount_rate=0.05 or '5%'",
}
"""How each surface writes a discount rate, for the fix of a refusal: the command line's option
and a Python caller's keyword."""


def rate_given(value: object, option: str = "discount_rate") -> float | None:
    """A discount rate as `option` gives it (None: not given): THE reader of a rate, the command
    line's (`--discount-rate`, `cli.options.rate_of`) and a Python caller's (`discount_rate=`).
    Text is read by the number rule of a share cell (`0.05`, `5%`; `-0` and `0%` are 0, no
    discounting), a number as its text (`nan` and `inf` are no rate), and the rate is checked
    at once: a negative one (later years would weigh more) or one past 100% a year is refused,
    whatever the measure.

    Raises:
        UsageError: one line naming `option`, the value and the fix.
    """
    from allocator.model.measures import MAX_RATE

    if value is None:
        return None
    example = RATE_EXAMPLES.get(option, f"{option} 0.05")
    given = f"{option} {_shown(value, option)}"
    if isinstance(value, str):
        rate = _rate_text(value, given, example)
    else:
        rate = _rate_number(value, given, example)
    if not 0 <= rate <= MAX_RATE:
        raise UsageError(
            f"{given}: discount rate {rate:g} is not in [0, {MAX_RATE:g}]: it is a share a "
            f"year (0: no discounting). Fix: e.g. {example}"
        )
    return rate


def _rate_number(value: object, given: str, example: str) -> float:
    """A rate given as a number of any kind (int, float, a numpy scalar, Decimal, Fraction) as
    its value, by the rule of its shortest text (`nan` and `inf` are no rate); a whole number
    too large for a float as a rate past the range.

    Raises:
        UsageError: a value that is no number (a bool is none), naming the option as `given`.
    """
    import numbers
    from decimal import Decimal

    from allocator.model.measures import MAX_RATE

    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise UsageError(f"{given} is not a number. Fix: give a share a year, e.g. {example}")
    try:
        number = float(value)
    except OverflowError:  # a whole number past any float: far past the range, either side
        raise UsageError(
            f"{given}: discount rate {'-' if value < 0 else ''}1e+308 or more is not in "
            f"[0, {MAX_RATE:g}]: it is a share a year (0: no discounting). Fix: e.g. {example}"
        ) from None
    import numpy as np

    # a numpy float by its own shortest text (float32's 0.05 is 0.05, not 0.0500000007...)
    text = str(value) if isinstance(value, np.floating) else repr(number)
    return _rate_text(text, given, example)


def _rate_text(text: str, given: str, example: str) -> float:
    """`text` by the number rule of a share cell; refused naming the option as `given`, in one
    line (the rule's words quote the text: a line break in it is written as `\\n`)."""
    from allocator.data.numbers import AmbiguousError, parse_share
    from allocator.errors import printable

    try:
        return parse_share(text) + 0.0  # + 0.0: -0.0 is 0
    except ValueError as exc:
        fix = option_fix_of(exc) or f"give a share a year, e.g. {example}"
        if "," in text and not isinstance(
            exc, AmbiguousError
        ):  # a dataset's style is for its cells, not options
            fix = f"write the rate with a decimal point, e.g. {example} (options take the "
            fix += "point whatever the dataset's number style)"
        raise UsageError(f"{given}: {printable(str(exc))}. Fix: {fix}") from None


def typed_text(text: str, option: str) -> str:
    """An option's text in a message as typed (in quotes when it is empty, has spaces around
    it or is long)."""
    return _shown(text, option)


def _shown(value: object, option: str) -> str:
    """The value in a message as its surface writes it: an option's text as typed (in quotes
    when it is empty, has spaces around it or is long), a keyword's value as Python writes it
    (`'5x'`, `nan`)."""
    from allocator.errors import printable, quoted

    if not option.startswith("--"):
        written = printable(_repr(value))
        return written if len(written) <= 40 else f"{written[:40]}... ({len(written):,} characters)"
    text = str(value)
    plain = text and text == text.strip() and len(text) <= 40
    return printable(text) if plain else quoted(printable(text))


def _repr(value: object) -> str:
    """`repr(value)`, or for a whole number too long to write (Python's int-to-str limit) its
    size in digits."""
    try:
        return repr(value)
    except ValueError:
        digits = int(abs(value).bit_length() * 0.30103) + 1 if isinstance(value, int) else 0
        return f"<a whole number of about {digits:,} digits>"


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


def value_shown(value: object, width: int = 60, kind: bool = True) -> str:
    """A caller's value in a one-line message: a text or number as Python writes it, anything
    else (a pandas Series, a numpy array: a repr of several lines) by its kind (unless `kind`
    is False: the message names it) and its repr on one line, each cut at `width` characters."""
    from allocator.errors import printable

    written = " ".join(repr(value).split())
    cut = written if len(written) <= width else f"{written[:width]}..."
    if not kind or value is None or isinstance(value, str | int | float):
        return printable(cut)
    return printable(f"{type(value).__name__} {cut}")


def spec_refusal(exc: ValidationError) -> str:
    """pydantic's refusal of a spec in one line: the first field refused, what is wrong and the
    fix."""
    e = exc.errors()[0]
    at = ".".join(str(p) for p in e["loc"]) or "the spec"
    fix = "give the RunSpec fields of docs/api.md, each as its option takes it"
    return f"{at}: {e['msg']}. Fix: {fix}"


def fields_read(data: Any, default_rate: float) -> Any:
    """A spec's fields given flat (`RunSpec(...)`, `model_validate`) with each text read as the
    function's keyword reads it (`keywords_read`: weights, beta, cvar_cap, overrides;
    `rate_given`: a discount rate's text); numbers and stored values as given. A rate not
    given is the measure's own (`default_rate` for discounted, else 0), as `laid` fills it."""
    if not isinstance(data, dict):
        return data
    read = keywords_read(data)
    rate = read.get("discount_rate")
    if isinstance(rate, str):
        read["discount_rate"] = rate_given(rate)
    elif rate is None and isinstance(read.get("measure", "final"), str):
        kind = read.get("measure", "final")  # not given: the measure's own, as `laid` fills it
        read["discount_rate"] = default_rate if kind == "discounted" else 0.0
    return read


def model_path(model: object) -> Path | None:
    """A model file as a caller gives it: a path, or its text as `solve` takes it (None: none).

    Raises:
        UsageError: a value of another kind, naming it and the fix.
    """
    if model is None or isinstance(model, Path):
        return model
    if isinstance(model, str | os.PathLike):
        return Path(model)
    raise UsageError(
        f"model file {value_shown(model, kind=False)} ({type(model).__name__}) is not a path. "
        "Fix: give the model file's path, e.g. 'models/baseline.yaml'"
    )


def given_sets(options: dict[str, Any]) -> tuple[dict[str, Any], Sequence[Any]]:
    """A caller's `overrides=` (a list, read) taken out of `options`: laid after the base's own,
    as `--set` is; any other value is left in `options` for the spec to refuse by name."""
    given = options.get("overrides")
    if not isinstance(given, list | tuple):
        return options, ()
    sets = tuple(placed(entry, i) for i, entry in enumerate(given))  # each named by its place
    return {k: v for k, v in options.items() if k != "overrides"}, sets
