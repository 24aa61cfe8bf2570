"""follow: four follow-ups of the API work (apifix2): Save's notes told to the page, one reader
of a discount rate, sweep's seed from its spec, and run.json's reader in its own module.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from allocator.cli.commands import app as cli_app
from allocator.runs.spec import RunSpec
from allocator.serve.app import HEADER, create_app
from allocator.serve.held import HeldModel
from conftest import DATA

GREEDY = DATA / "greedy"
TOKEN = "follow-token"
AUTH = {HEADER: TOKEN}
LOOP = "fact,value,unit,total_of,same_as,source\na,100,musd,,fact:b,x\nb,100,musd,,fact:a,x\n"


def _broken_project(root: Path) -> Path:
    """A project whose dataset has a fact that leads back to itself (a note, not an error)."""
    data = shutil.copytree(GREEDY, root / "inputs" / "greedy")
    (data / "facts.csv").write_text(LOOP, encoding="utf-8")
    return data


def test_the_page_and_save_tell_the_notes_as_solve_says_them_not_on_the_console(tmp_path):
    """Save ran `runs.solve.solve` without `warn=`: each note of the dataset became a Python
    `AllocatorWarning` printed on the server's stderr, and the page said nothing of it (nor
    did the plan's answer). Now both answers carry solve's `warning:` lines."""
    data = _broken_project(tmp_path)
    asgi = create_app(
        HeldModel(RunSpec(inputs=data)),
        TOKEN,
        tmp_path / "models",
        tmp_path / "results",
        ("testserver",),
    )
    client = TestClient(asgi)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shown = client.get("/api/plan", headers=AUTH)
        saved = client.post("/api/save", json={"name": "looped"}, headers=AUTH)
    assert saved.status_code == 200, saved.text
    assert [str(w.message) for w in caught] == []
    res = CliRunner().invoke(
        cli_app, ["solve", str(tmp_path / "models" / "looped.yaml"), "--out", str(tmp_path / "r")]
    )
    assert res.exit_code == 0, res.stderr
    said = [line for line in res.stderr.splitlines() if line.startswith("warning: ")]
    assert len(said) == 1
    assert "leads back" in said[0]
    assert saved.json()["warnings"] == said
    assert shown.json()["warnings"] == said


# Two readers of a discount rate: the command line's (`cli.options.rate_of`, range checked at
# once) and the API's (`runs.optiontext.rate_given`, range left to `measure_of`, in words that
# name no keyword, and a number taken as given: nan, inf). Each input is read by both surfaces;
# they must agree on the value, or refuse it for the same reason, each naming its own option.

RATES = [
    "5%", "0.05", "5 %", "1e-1", ",05", "0,05", "-0", "nan", "inf", "1_000", "", "  ", "2",
    "-0.05", "101%", "1e-400", "1,000", "5K", "100%",
]  # fmt: skip


def _read(call) -> tuple[str, object]:
    """("rate", the spec's discount rate) or ("refused", (the text shown, the reason, the fix)):
    a message `OPTION TEXT: REASON. Fix: FIX`, one line."""
    from allocator.errors import UsageError

    try:
        return "rate", call().discount_rate
    except UsageError as exc:
        said = str(exc)
        assert "\n" not in said, said
        head, _, rest = said.partition(": ")
        reason, _, fix = rest.partition(". Fix: ")
        return "refused", (head, reason, fix)


def _both(measure: str, cli_text: str, api_value: object) -> tuple[tuple, tuple]:
    """The command line's reading of `--discount-rate cli_text` and the API's of
    `discount_rate=api_value`, the option names taken out of what they say."""
    from allocator.cli.options import run_spec
    from allocator.runs.spec import layered

    cli = _read(lambda: run_spec(None, GREEDY, None, None, None, measure, cli_text))
    api = _read(lambda: layered(None, inputs=GREEDY, measure=measure, discount_rate=api_value))
    return _unnamed(cli, "--discount-rate", "discount_rate="), _unnamed(api, "discount_rate")


def _unnamed(read: tuple[str, object], option: str, other: str = "--discount-rate") -> tuple:
    """`read` with its refusal's option name taken out, after checking it names `option` first
    and its fix names no other option and no dataset setting (an option is no data cell)."""
    if read[0] != "refused":
        return read
    head, reason, fix = read[1]  # type: ignore[misc]
    assert head.startswith(option), read
    assert fix, read
    assert other not in fix, read
    assert "settings.csv" not in fix, read
    return "refused", reason  # the value shown as each surface writes it: 5x, '5x'


@pytest.mark.parametrize("text", RATES)
def test_a_discount_rate_text_reads_the_same_on_the_command_line_and_in_python(text):
    cli, api = _both("discounted", text, text)
    assert cli == api


@pytest.mark.parametrize("text", ["-0.05", "2"])
def test_a_rate_out_of_range_is_refused_as_such_also_without_the_discounted_measure(text):
    """Without --measure discounted the CLI refused -0.05 as out of range, the API as a rate
    the measure does not read."""
    cli, api = _both("final", text, text)
    assert cli == api
    assert "not in [0, 1]" in cli[1]


@pytest.mark.parametrize(
    ("number", "text"), [(float("nan"), "nan"), (float("inf"), "inf"), (2, "2"), (-0.0, "-0")]
)
def test_a_discount_rate_number_reads_as_its_text(number, text):
    """A number given to the API reads as its text does on the command line (nan and inf were
    taken, then refused as out of range in words that name no keyword)."""
    cli, api = _both("discounted", text, number)
    assert cli == api


# sweep(RunSpec(..., seed=7)) sampled with sweep's own `seed=` keyword default (0): the spec's
# seed was dropped in silence. docs/api.md: any RunSpec field as a keyword on top of the spec.

SWEEP = DATA / "sweep"


class _Sampled(Exception):
    """Raised by the stubbed sampler with the seed it was given: no sample is solved."""


@pytest.mark.parametrize(
    ("spec_seed", "keywords", "used"),
    [(7, {}, 7), (7, {"seed": 3}, 3), (None, {}, 0), (None, {"seed": 5}, 5)],
    ids=["the-specs", "the-keyword-on-top", "the-default", "the-keyword"],
)
def test_a_sweep_samples_with_the_specs_seed_unless_a_keyword_is_laid_on_top(
    tmp_path, monkeypatch, spec_seed, keywords, used
):
    import allocator
    from allocator.studies import sweeprun

    def sampled(study, samples, seed, *_args, **_kwargs):
        raise _Sampled(seed)

    monkeypatch.setattr(sweeprun, "run_sweep", sampled)
    spec = RunSpec(inputs=SWEEP) if spec_seed is None else RunSpec(inputs=SWEEP, seed=spec_seed)
    with pytest.raises(_Sampled) as caught:
        allocator.sweep(spec, samples=2, out=tmp_path / "s", warn=lambda _note: None, **keywords)
    assert caught.value.args == (used,)


# runs/spec.py held the run.json reader beside the spec (458 lines, house limit about 400): the
# reader is its own module, runs/record.py (which imports runs.spec, so runs.spec cannot
# re-export it without an import cycle, tests/test_layers.py).


def test_the_run_json_reader_is_its_own_module_and_the_spec_module_is_under_400_lines():
    import allocator.runs.spec as spec_module
    from allocator.runs import record

    for name in ("read_record", "spec_of_record", "with_model_file_now"):
        assert getattr(record, name).__module__ == "allocator.runs.record", name
    lines = Path(spec_module.__file__).read_text(encoding="utf-8").count("\n")
    assert lines <= 400, lines
