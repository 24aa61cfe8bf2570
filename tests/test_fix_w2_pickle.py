"""Task w2, item 2: every error class of allocator survives a pickle (a Dask sweep worker and
the workbook's child process, `report/parallel.py`, send errors back pickled). Before, an error
whose `__init__` takes other arguments than its message (`NumberError(message, fix)`) failed to
unpickle, and the parent said a pickling error (or "in the workbook's process: ...") instead of
the one-line message. The classes are found by walking allocator's modules, so a new one
without an example here fails the test."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import subprocess
import sys
from typing import Any

import pytest
import yaml

import allocator

EXAMPLES: dict[str, Any] = {
    "allocator.cli.console.OutputLost": lambda c: c(BrokenPipeError(32, "Broken pipe")),
    "allocator.data.numbers.AmbiguousError": lambda c: c(
        "'1.200' reads as 1.2 with a decimal point or 1200 with a thousands point",
        (("1.2",), ("1200",)),
    ),
    "allocator.data.numbers.NumberError": lambda c: c("'1_0' has an underscore", "write 10"),
    "allocator.data.numbers.TooSmallError": lambda c: c("1e-30"),
    "allocator.data.sheettext._CellError": lambda c: c("an error cell", "type it again"),
    "allocator.data.xlsxparts.BookError": lambda c: c("sheet1", "bad", "save it again", "B2"),
    "allocator.data.xlsxparts._Forbidden": lambda c: c("a DTD or entity declaration"),
    "allocator.data.yamlfile.Refused": lambda c: c(
        "a key given twice", yaml.Mark("m.yaml", 10, 2, 4, None, None), "keep one"
    ),
    "allocator.errors.AllocatorError": lambda c: c("a problem"),
    "allocator.errors.InfeasibleError": lambda c: c(
        "no plan is feasible. Fix: relax a row", details=("programs.csv row 2",)
    ),
    "allocator.errors.InputError": lambda c: c(
        "not a number", file="programs.csv", row=2, column="cap_musd", fix="write 10"
    ),
    "allocator.errors.InputErrors": lambda c: c(
        [
            allocator.errors.InputError("a", file="x.csv", row=2, column="c", fix="f"),
            allocator.errors.InputError("b", file="y.csv", row=3),
        ],
        "in the dataset",
    ),
    "allocator.errors.PicklableError": lambda c: c("a problem"),
    "allocator.errors.NotOptimalError": lambda c: c("not optimal"),
    "allocator.errors.UnboundedError": lambda c: c("unbounded. Fix: add a cap"),
    "allocator.errors.UsageError": lambda c: c("--slack 10 is not in [0, 1). Fix: 0.02"),
    "allocator.runs.notes.AllocatorWarning": lambda c: c("a broken fact"),
    "allocator.serve.body.ApiError": lambda c: c(413, "the request body is too big"),
    "allocator.serve.held.StaleError": lambda c: c(2, 5),
    "allocator.serve.stopping.ServeStopped": lambda c: c(),
    "allocator.studies.sweeprun.IncompleteSweepError": lambda c: c("3 samples unanswered"),
    "allocator.studies.sweeprun._SchedulerLost": lambda c: c("the scheduler went away"),
}


def _error_classes() -> dict[str, type[BaseException]]:
    """Every exception (and warning) class defined in allocator's modules, by qualified name."""
    import allocator.errors  # noqa: F401  (EXAMPLES names it)

    found: dict[str, type[BaseException]] = {}
    for module in pkgutil.walk_packages(allocator.__path__, "allocator."):
        if module.name.endswith("__main__"):
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.name
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


CLASSES = _error_classes()


def test_every_error_class_has_an_example():
    assert sorted(CLASSES) == sorted(EXAMPLES)


def _state(error: BaseException) -> dict[str, Any]:
    """What an error holds besides its message, comparable across a pickle."""
    return {k: str(v) for k, v in vars(error).items()}  # str: a yaml.Mark has no __eq__


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_error_unpickles_as_the_same_type_and_words(name):
    error = EXAMPLES[name](CLASSES[name])
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert [str(a) for a in again.args] == [str(a) for a in error.args]
    assert _state(again) == _state(error)


def test_the_number_errors_fix_and_readings_survive():
    from allocator.data.numbers import AmbiguousError

    error = EXAMPLES["allocator.data.numbers.AmbiguousError"](AmbiguousError)
    again = pickle.loads(pickle.dumps(error))
    assert again.fix == "write 1.2 or 1200, or " + error.fix.split(", or ", 1)[1]
    assert again.texts == ("1.2", "1200")
    assert again.words == error.words


def test_a_number_error_in_the_workbooks_process_reaches_the_parent_as_itself():
    """`report/parallel.py` runs a job in a child process and pickles its error back: the
    parent raises the same NumberError with its words (before: a RuntimeError "in the
    workbook's process: NumberError: ...", as the pickle could not be read back)."""
    script = """
import sys, tempfile
from pathlib import Path
from allocator.report import parallel
from allocator.data.numbers import NumberError

def job():
    raise NumberError("'1_0' has an underscore", "write 10")

try:
    parallel._finish(parallel._start(job, Path(tempfile.mkdtemp())))
except NumberError as exc:
    print(type(exc).__name__, exc, exc.fix, sep="|")
"""
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "NumberError|'1_0' has an underscore|write 10"
