"""The overrides a run is given after its model file's own (each `--set`, a caller's
`overrides=`), told apart from the file's: what a sweep's workers receive (`RunSpec.study`),
each worker reading the file's own from its text as the run read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from allocator.data.overrides import Override
    from allocator.runs.spec import Scenario


def given_overrides(scenario: Scenario) -> list[str | dict[str, Any]]:
    """The overrides given after the model file's own, as plain values: a `--set` as typed, any
    other as its mapping. A sweep's worker reads them after the file's by the one reader of
    `overrides=` (`studies.sweep.given_overrides`: `optiontext.sets_read`)."""
    return [
        o.set_cell.text if o.set_cell is not None and typed_set(o) else _mapping(o)
        for o in scenario.overrides[model_files_own(scenario) :]
    ]


def read_sent(scenario: Scenario) -> dict[str, str | None]:
    """The model file as the run read it (`Scenario.model_read`), for a study's workers
    (`RunSpec.study`): its text, from which each reads the file's own overrides and options,
    and its digest (a sweep's fingerprint); None without one."""
    read = scenario.model_read()
    return {
        "model_text": None if read is None else read.text,
        "model_sha256": None if read is None else read.sha256,
    }


def _mapping(override: Override) -> dict[str, Any]:
    """An override as the mapping a model file writes (its one key)."""
    plain: dict[str, Any] = override.model_dump(mode="json", exclude_none=True)
    return plain


def model_files_own(scenario: Scenario, sha256: str | None = None) -> int:
    """How many of the overrides lead as the model file's own: its overrides and sets as the
    run read the file (`Scenario.model_read`; 0 without one), when they lead the scenario's and
    the file is the one the overrides were read from (`sha256`: its digest as a run recorded
    it; None: not known, taken as the same). A scenario that holds them otherwise (a run's
    record of a file changed since) is told apart as run.json's reader does (`runs.record`):
    the trailing `--set`s are given, the rest is the file's (a file cut to a prefix of its old
    overrides would otherwise count its dropped ones as given)."""
    read = scenario.model_read()  # the run's one read of it: its overrides and digest
    if read is None:
        return 0
    own = read.model.overrides
    held = scenario.overrides[: len(own)]
    same = sha256 is None or sha256 == read.sha256
    if same and [plain_override(o) for o in held] == [plain_override(o) for o in own]:
        return len(own)
    count = len(scenario.overrides)
    while count and typed_set(scenario.overrides[count - 1]):
        count -= 1
    return count


def typed_texts(overrides: Sequence[Override]) -> list[str]:
    """The `TABLE.KEY.COLUMN=VALUE` texts of the `--set`s among `overrides` (`typed_set`)."""
    return [o.set_cell.text for o in overrides if o.set_cell is not None and typed_set(o)]


def typed_set(override: Override) -> bool:
    """Whether `override` is a `--set` (or a caller's text read as one)."""
    return override.set_cell is not None and override.set_cell.origin == "--set"


def plain_override(override: Override) -> dict[str, Any]:
    """An override as plain values, without a set's origin (which names the file as typed)."""
    plain: dict[str, Any] = override.model_dump(mode="json", exclude={"set_cell": {"origin"}})
    return plain
