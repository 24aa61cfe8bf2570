"""The few errors allocator raises on purpose; the CLI maps each to a message and an exit code."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any


def printable(text: str) -> str:
    """`text` with control and format characters (ESC, NUL, bidi overrides) and the line and
    paragraph separators (U+2028, U+2029) written as escapes.

    Messages quote what the user's files hold; raw, those characters would recolour, rewrite or
    reverse the terminal line, or break the one-line message in two, instead of showing what is
    in the file.
    """
    return "".join(_escape(ch) if unicodedata.category(ch) in _ESCAPED else ch for ch in text)


_ESCAPED = ("Cc", "Cf", "Zl", "Zp")
"""Unicode categories written as escapes: control, format, line and paragraph separators."""


MAX_QUOTED = 60
"""Most characters of a user's name a message quotes; a longer one is cut (`quoted`)."""


def quoted(name: object) -> str:
    """`name` in quotes for a message, its first MAX_QUOTED characters and its length when it is
    longer: a 2 MB pool name pasted into a model file must not come back as a 2 MB line."""
    text = str(name)
    if len(text) <= MAX_QUOTED:
        return f"'{text}'"
    return f"'{text[:MAX_QUOTED]}...' ({len(text):,} characters)"


def _escape(ch: str) -> str:
    """One character as Python writes it in a string literal: \\x1b, \\u202e, \\U000e0001."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class PicklableError(Exception):
    """An exception pickled as its class, `args` and attributes, never by calling `__init__`
    again: a class whose `__init__` takes other arguments than its message (`InputErrors`,
    `data.numbers.NumberError`) is read back whole where a Dask worker or the workbook's child
    process (`report.parallel`) sends it, instead of failing to unpickle."""

    def __reduce__(self) -> tuple[Any, ...]:
        """The class, `args` and attributes (`_unpickled` reads them back)."""
        return (_unpickled, (type(self), self.args), dict(vars(self)))


def _unpickled(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    """An exception of `cls` holding `args`, made without its `__init__`; pickle then sets its
    attributes (`PicklableError.__reduce__`)."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class AllocatorError(PicklableError):
    """Base class: a problem the user can act on. Its message is one line, shown as is."""

    exit_code = 2


class InputError(AllocatorError):
    """Bad input data: names the file, row and column, and says what to do."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file, self.row, self.column, self.fix = file, row, column, fix
        self.reason = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        place = []
        if self.file:
            place.append(self.file)
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column:
            place.append(f"column '{self.column}'")
        where = ", ".join(place)
        text = f"{where}: {self.reason}" if where else self.reason
        return printable(f"{text}. Fix: {self.fix}" if self.fix else text)


MAX_LISTED = 20
"""Most problems one run lists; past it, a last line says how many more there are."""


class InputErrors(InputError):
    """Every problem of one kind a dataset has, so that one run shows all of them.

    The message is a one-line count; `details` holds one line per problem (file, row, column and
    fix), at most MAX_LISTED of them, then "and N more".
    """

    def __init__(self, errors: Sequence[InputError], header: str = "") -> None:
        self.errors = tuple(errors)
        shown = [f"  - {e}" for e in self.errors[:MAX_LISTED]]
        if len(self.errors) > MAX_LISTED:
            shown.append(f"  and {len(self.errors) - MAX_LISTED} more")
        self._details = tuple(shown)
        lead = f"{header}: " if header else ""
        super().__init__(
            f"{lead}{len(self.errors)} problem{'s' if len(self.errors) != 1 else ''} in the "
            "dataset, each below with its fix "
            "(fix them all, then run again)"
        )

    @property
    def details(self) -> tuple[str, ...]:
        """One line per problem, then "and N more" past MAX_LISTED."""
        return self._details


def raise_all(errors: Sequence[InputError], header: str = "") -> None:
    """Raise nothing, the one error, or all of them at once (sorted by file, row and column).

    Raises:
        InputError: the only problem, or `InputErrors` holding every one.
    """
    if not errors:
        return
    if len(errors) == 1 and not header:
        raise errors[0]
    ordered = sorted(errors, key=lambda e: (e.file or "", e.row or 0, e.column or "", str(e)))
    raise InputErrors(ordered, header)


class UsageError(AllocatorError):
    """A command-line option or output location that cannot be used."""


class NotOptimalError(AllocatorError):
    """The LP has no optimal solution (infeasible or unbounded)."""

    exit_code = 1


class InfeasibleError(NotOptimalError):
    """No allocation satisfies every constraint. Made complete where it is raised, read-only after.

    Args:
        message: the one-line reason and fix.
        details: the conflict in words, each line naming its input file and row.
        diagnosis: the conflicting rows by index (`solver.diagnosis.Diagnosis`), when the solver
            found it.
        lp: the compiled LP those indices refer to (for the solver layer; reports read the
            records).
        infeasibility: the diagnosis as records (`model.solution.Infeasibility`): named rows,
            bounds, input places and the least relaxation, which `details` puts into words.
    """

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[str] = (),
        diagnosis: object = None,
        lp: object = None,
        infeasibility: object = None,
    ) -> None:
        super().__init__(message)
        self._details = tuple(details)
        self._diagnosis = diagnosis
        self._lp = lp
        self._infeasibility = infeasibility

    def with_infeasibility(self, records: object, details: Sequence[str]) -> InfeasibleError:
        """A new, complete error: this one's message, diagnosis and LP, with `records` and the
        `details` that say them in words."""
        return InfeasibleError(
            str(self),
            details=details,
            diagnosis=self._diagnosis,
            lp=self._lp,
            infeasibility=records,
        )

    @property
    def infeasibility(self) -> object:
        """The conflict as records (`model.solution.Infeasibility`), or None if refused before
        solving or not yet diagnosed in words."""
        return self._infeasibility

    @property
    def details(self) -> tuple[str, ...]:
        """The conflict in words, with the input file and row of each part (may be empty)."""
        return self._details

    @property
    def diagnosis(self) -> object:
        """The conflicting rows by index (`solver.diagnosis.Diagnosis`), or None if refused before
        solving."""
        return self._diagnosis

    @property
    def lp(self) -> object:
        """The compiled LP that `diagnosis` indexes, or None."""
        return self._lp

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (a process pool sends it back) with its words and records; the compiled LP
        and its diagnosis, which hold the solving process's live HiGHS instance, stay there."""
        return (_infeasible_again, (str(self), self._details, self._infeasibility))


def _infeasible_again(message: str, details: Sequence[str], records: object) -> InfeasibleError:
    """An `InfeasibleError` read back from a pickle (`InfeasibleError.__reduce__`)."""
    return InfeasibleError(message, details=details, infeasibility=records)


class UnboundedError(NotOptimalError):
    """The objective can grow without limit: a constraint is missing from the data."""
