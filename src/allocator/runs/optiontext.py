"""Options given as text, read by the number rules of a data cell: the command line's and the
Python API's one reader (`cli.options` for the command line, `runs.spec` for keywords)."""

from __future__ import annotations


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
