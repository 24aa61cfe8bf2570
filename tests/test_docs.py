"""The docs site (mkdocs.yml, docs/) builds strictly, its generated pages follow the code, and the
README stays a short front page that links to it (issue 26 point 6, issue 24's trust section)."""

from __future__ import annotations

import html
import importlib
import importlib.util
import re
from pathlib import Path

import pytest
import typer

from conftest import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"


def hooks():
    """docs/hooks.py, the module mkdocs loads as a hook."""
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_site(folder: Path) -> Path:
    """The site built as `mkdocs build --strict` builds it, into `folder`."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(ROOT / "mkdocs.yml"), strict=True, site_dir=str(folder))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NO_MKDOCS_2_WARNING", "1")  # mkdocs-material's notice on stderr
        build(config)  # strict: any warning (a broken link, anchor or snippet) aborts the build
    return folder


def test_the_site_builds_strict_and_its_generated_pages_follow_the_code(tmp_path):
    """One build (about 3 s, a solve included) for every check of the built pages, so that the
    suite's workers do not each build it."""
    site = build_site(tmp_path / "site")
    check_pages_and_images(site)
    check_cli_reference(site)
    check_data_dictionary(site)
    check_first_solve_and_readme_example(site)
    check_modules_and_families(site)
    check_pages_quote_the_first_solve(site)


def page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def shown(site: Path, name: str) -> str:
    """A built page's text as a browser shows it (tags dropped, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page(site, name)))


def words(text: str) -> str:
    """Text with rich's box borders and every run of white space made one space."""
    return " ".join(text.replace("│", " ").split())


def check_pages_and_images(site):
    for name in ("getting-started", "runs", "trust", "data", "cli", "developer", "outputs"):
        assert (site / name / "index.html").is_file(), name
    for image in ("frontier-scarce-public-money.png", "report.png", "workbook-charts.png"):
        assert (site / image).stat().st_size == (DOCS / image).stat().st_size, image
    assert 'src="../report.png"' in page(site, "workbooks")
    assert not (site / "hooks.py").exists()  # the hook is build code, not a page's file


def check_cli_reference(site):
    from allocator.cli import app

    group = typer.main.get_command(app)
    built = words(page(site, "cli"))
    assert len(group.commands) >= 10
    for name, command in group.commands.items():
        assert f"Usage: allocator {name} [OPTIONS]" in built, name
        first = command.help.strip().split("\n\n")[0]
        assert words(first) in built, name


def test_the_cli_reference_is_generated_so_a_new_command_appears():
    toy = typer.Typer(name="allocator", add_completion=False)

    @toy.command("toy-plan")
    def _toy(budget: int = typer.Option(7, help="Budget of the toy plan.")) -> None:
        """Plan a toy allocation."""

    @toy.command("other")
    def _other() -> None:
        """Another command."""

    text = hooks().cli_reference(toy)
    assert "## `allocator toy-plan`" in text
    assert "Plan a toy allocation." in text
    assert "Budget of the toy plan." in text
    assert "\x1b[" not in text  # no terminal colours in the page


def check_data_dictionary(site):
    source = (ROOT / "inputs" / "README.md").read_text(encoding="utf-8")
    assert "--8<--" in (DOCS / "data.md").read_text(encoding="utf-8")
    built = page(site, "data")
    tables = re.findall(r"^### `(\w+\.csv)`", source, flags=re.MULTILINE)
    assert len(tables) >= 13
    for table in tables:
        assert f"<code>{table}</code>" in built, table
    # a paragraph of the dictionary, word for word: the file included, not a paraphrase
    paragraph = words(source.split("## Limits")[1].split("\n\n")[1]).replace("`", "")
    assert words(shown(site, "data")).count(paragraph) == 1


def check_first_solve_and_readme_example(site):
    built = shown(site, "getting-started")
    assert "$ allocator solve\nOptimal (inputs/peru2040, objective jobs): " in built
    assert "Wrote results/peru2040-jobs-<date>-<time>: allocation.csv" in built
    example = README.read_text(encoding="utf-8").split("```text\n$ allocator solve\n")[1]
    lines = [line for line in example.split("```")[0].splitlines() if line.strip() != "..."]
    assert len(lines) >= 15
    for line in lines:
        assert line in built.splitlines(), f"README's example line is not printed: {line!r}"


def check_modules_and_families(site):
    from allocator.model import families

    built = shown(site, "developer")
    for path in (ROOT / "src" / "allocator").rglob("*.py"):
        if path.name != "__init__.py":
            assert path.relative_to(ROOT / "src" / "allocator").as_posix() in built, path
    for name, entry in {**families.FAMILIES, **families.VARIABLES}.items():
        assert f"{name}\n{'row' if name in families.FAMILIES else 'column'}" in built, name
        assert entry.words in built, name


def limit_rows() -> list[tuple[str, int]]:
    """(constant, value) of every row of docs/trust.md's limit tables that names a constant."""
    text = (DOCS / "trust.md").read_text(encoding="utf-8")
    pattern = r"^\|[^|\n]*\|\s*([\d,]+)[^|\n]*\|\s*`(\w+)`"
    return [(name, int(value.replace(",", ""))) for value, name in re.findall(pattern, text, re.M)]


CONSTANT_HOMES = (
    "allocator.data.inputs",
    "allocator.data.modelfile",
    "allocator.data.yamlfile",
    "allocator.data.workbook",
    "allocator.data.xlsx",
    "allocator.data.xlsxparts",
    "allocator.data.sizes",
    "allocator.data.links",
    "allocator.report.book",
    "allocator.report.jsonfile",
    "allocator.errors",
    "allocator.runs.arguments",
    "allocator.runs.twostage",
    "allocator.studies.daskclient",
)


def constant(name: str) -> int | None:
    for home in CONSTANT_HOMES:
        if importlib.util.find_spec(home) is None:
            continue
        module = importlib.import_module(home)
        if hasattr(module, name):
            return int(getattr(module, name))
    return None


def test_the_trust_page_states_every_limit_as_the_code_has_it():
    rows = limit_rows()
    names = {name for name, _ in rows}
    assert {"MAX_TABLE_BYTES", "MAX_TABLE_ROWS", "MAX_CELL_CHARS", "MAX_MODEL_FILE_BYTES"} <= names
    assert {"MAX_OVERRIDES", "MAX_YAML_DEPTH", "MAX_ALIASED_VALUES", "MAX_BOOK_BYTES"} <= names
    missing = []
    for name, value in rows:
        found = constant(name)
        if found is None:
            missing.append(name)
        else:
            assert found == value, f"docs/trust.md says {name} = {value:,}, the code {found:,}"
    if missing and importlib.util.find_spec("allocator.data.xlsx") is not None:
        pytest.fail(f"docs/trust.md names constants the code does not have: {missing}")


def test_the_readme_is_short_and_keeps_the_set_up_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 10_000
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci.startswith("python3 -m venv .venv")
    assert f"```bash\n{ci}\n```" in text  # .ci/run runs the README's test command
    first = ci.replace('".[test]" && python -m pytest', ". && allocator solve")
    assert f"```bash\n{first}\n```" in text


def test_the_readme_links_every_page_and_names_the_limits():
    text = README.read_text(encoding="utf-8")
    links = set(re.findall(r"\]\((docs/[\w-]+\.md)(?:#[\w-]+)?\)", text))
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md")}
    assert links == pages
    trust = text.split("## Trust")[1]
    for limit in ("MAX_TABLE_BYTES", "MAX_TABLE_ROWS", "MAX_CELL_CHARS", "MAX_MODEL_FILE_BYTES"):
        assert f"{constant(limit):,}" in trust, limit
    assert f"{constant('MAX_BOOK_BYTES'):,}" in trust
    assert "number_style" in trust
    assert "settings.csv" in trust


def number(text: str) -> float:
    """A number as the pages write it (`545,333.54`)."""
    return float(text.replace(",", ""))


def check_pages_quote_the_first_solve(site):
    """The headline and milestone jobs quoted in the planner's guide are today's first solve's."""
    built = shown(site, "getting-started")
    headline = number(re.search(r"objective jobs\): ([\d,]+) direct jobs in 2040", built)[1])
    split = r"(?: \([\d,]+ existing \+ [\d,]+ new\))?"  # what exists before the plan, and new
    jobs = re.search(rf"jobs \(jobs\): 2030 ([\d,]+){split}, 2035 ([\d,]+){split}, 2040", built)
    jobs = jobs.groups()
    shadow = (DOCS / "shadow-prices.md").read_text(encoding="utf-8")
    bold = re.search(r"\*\*([\d,.]+) direct jobs in 2040\*\*", shadow)[1]
    assert abs(number(bold) - headline) < 1
    alternatives = words((DOCS / "alternatives.md").read_text(encoding="utf-8"))
    assert (
        abs(
            number(re.search(r"within 2% of the optimum's ([\d,.]+) direct jobs", alternatives)[1])
            - headline
        )
        < 1
    )
    runs = words((DOCS / "runs.md").read_text(encoding="utf-8"))
    assert f"On the baseline this reports {jobs[0]} jobs in 2030 and {jobs[1]} in 2035" in runs


# Numbers of the baseline before issue 25 (base levels, tranches, minerals): none may be quoted
STALE = (
    "596,022",
    "596022",
    "568,750",
    "195,441",
    "385,000",
    "95,441",
    "360,000",
    "497,004",
    "36,084",
    "484,651",
    "40,750",
    "9,485",
    "584,102",
    "656,247",
    "660,709",
    "582,354",
    "2.6 direct jobs",
    "5.4 jobs",
    "470 musd",
    "7.5 to 15",
    "12.5 jobs per musd",
)


def uncertainty_notes() -> str:
    """inputs/peru2040/NOTES.md's §9 "Uncertainty" part (§12 keeps the before -> after table)."""
    notes = (ROOT / "inputs" / "peru2040" / "NOTES.md").read_text(encoding="utf-8")
    return notes.split("### Uncertainty")[1].split("\n## 10.")[0]


def test_no_page_quotes_a_number_of_the_old_baseline():
    texts = {path.name: path.read_text(encoding="utf-8") for path in [README, *DOCS.glob("*.md")]}
    texts["NOTES.md §9 Uncertainty"] = uncertainty_notes()
    stale = [(name, old) for name, text in texts.items() for old in STALE if old in words(text)]
    assert not stale


def test_the_data_dictionary_states_the_number_style_and_documents_every_table():
    text = (ROOT / "inputs" / "README.md").read_text(encoding="utf-8")
    style = words(text.split("### How numbers are written")[1].split("\n## ")[0])
    for needed in ("number_style", "`point`", "`comma`", "`1,200,000`", "settings.csv"):
        assert needed in style, needed
    assert "refused" in style
    assert "^[1-9][0-9]{0,2}[.,][0-9]{3}$" in style
    assert "`1,200` (= 1,200)" not in text  # an undeclared 1,200 is refused since issue 24
    tables = re.findall(r"^### `(\w+\.csv)`", text, flags=re.MULTILINE)
    for table in ("settings.csv", "base.csv", "tranches.csv"):
        assert table in tables, table
    settings = text.split("### `settings.csv`")[1].split("\n### ")[0]
    assert "| `setting` |" in settings
    assert "| `value` |" in settings


def test_the_ties_line_names_the_docs_page(monkeypatch):
    from types import SimpleNamespace

    from allocator.cli import summary

    lines = []
    monkeypatch.setattr(summary, "_line", lines.append)
    run = SimpleNamespace(solution=SimpleNamespace(solver={"ties": 3}))
    summary.show_ties(run)
    assert len(lines) == 1
    assert "docs/outputs.md, 'Ties'" in lines[0]
    assert "README" not in lines[0]
    assert (DOCS / "outputs.md").read_text(encoding="utf-8").count("\n## Ties") == 1


def set_examples() -> list[tuple[str, str]]:
    """(page, set) for every `--set X` in a bash block and every entry of a `set:` list in a yaml
    block of the docs pages."""
    found = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
            found += [(path.name, s) for s in re.findall(r"--set\s+'?([^\s']+)", block)]
        for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
            entries = block.split("\nset:\n")[1:]
            for line in entries[0].splitlines() if entries else []:
                if line.startswith("  - "):
                    found.append((path.name, line[4:].strip()))
    return found


def test_every_set_example_in_the_docs_names_a_cell_of_the_baseline():
    """Each documented set parses and names one existing cell of the bundled dataset; a set the
    code refuses (a floor above its cap) is shown on its page with the code's own message."""
    from allocator.data.cellset import apply_set, parse_set
    from allocator.data.inputs import load_inputs
    from allocator.errors import UsageError
    from conftest import BASELINE

    examples = set_examples()
    assert {page for page, _ in examples} >= {"runs.md", "workflow.md"}
    assert len(examples) >= 6
    inputs = load_inputs(BASELINE)
    for page_name, text in examples:
        refused = refusal(lambda t=text: apply_set(inputs, parse_set(t)), UsageError)
        if refused:
            page_text = words((DOCS / page_name).read_text(encoding="utf-8")).replace("`", "")
            assert words(refused) in page_text, f"{page_name}: {text}: {refused}"
            assert "names no row" not in refused, text
            assert "unknown" not in refused, text


def refusal(call, error: type[Exception]) -> str:
    """The message of `error` if `call` raises it, else ""."""
    try:
        call()
    except error as exc:
        return str(exc)
    return ""
