"""What the docs promise is what the program does (task docs4): every `allocator ...` line of the
pages parses as the CLI parses it, every option, source path and constant they name exists,
every column they list for a written table is in that table (and every column written is
listed), and every quoted terminal output marked `<!-- output: allocator ... -->` is what that
command prints today. tests/test_docs.py builds the site and checks its generated pages; this
module reads the Markdown sources only, and runs each quoted command once."""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import BASELINE, ROOT, run_cli

DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", ROOT / "inputs" / "README.md", *sorted(DOCS.glob("*.md"))]
SRC = ROOT / "src" / "allocator"

# Flags of other tools the pages show (pip, mkdocs, ruff, the bench scripts), never allocator's
OTHER_TOOLS = {"--help", "--strict", "--upgrade", "--exclude", "--check"}
BENCH = {"--repeat", "--repeats", "--sizes", "--nnz", "--hedging"}
# Outputs of a build, not files of the repository
BUILT = {"site/"}
# The label columns a table of rows or columns may carry (outputs.md: "index labels")
LABELS = {
    "kind",
    "dimension",
    "member",
    "level",
    "program",
    "pool",
    "risk",
    "link",
    "phase",
    "year",
}


def text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def name(page: Path) -> str:
    """A page as the messages name it (two pages are called README.md)."""
    return page.relative_to(ROOT).as_posix()


def words(value: str) -> str:
    """Text with rich's box borders and every run of white space made one space."""
    return " ".join(value.replace("│", " ").split())


@cache
def commands() -> dict:
    """The CLI's click commands by name, as typer builds them."""
    import typer

    from allocator.cli import app  # every command registered (the package's __getattr__)

    return dict(typer.main.get_command(app).commands)


def fenced(page_text: str) -> list[str]:
    """The fenced blocks of a page."""
    return re.findall(r"```[a-z]*\n(.*?)```", page_text, flags=re.S)


def prose(page_text: str) -> str:
    """A page without its fenced blocks."""
    return re.sub(r"```.*?```", "", page_text, flags=re.S)


def block_commands(page_text: str) -> list[str]:
    """Every `allocator ...` command of a page's fenced blocks (a `$ ` prompt, a `#` comment,
    `\\` continuations, `&&` and `|` chains handled)."""
    found = []
    for block in fenced(page_text):
        for line in block.replace("\\\n", " ").splitlines():
            for part in re.split(r"&&|\|", line.strip().removeprefix("$ ")):
                part = re.sub(r"\s+#.*$", "", part).strip()
                if part.startswith("allocator "):
                    found.append(part)
    return found


def inline_commands(page_text: str) -> list[str]:
    """Every `allocator ...` code span of a page's prose, up to a pipe; a line allocator prints
    (`allocator serve: stopped`: the program's name, a colon) is quoted output, not a command."""
    spans = re.findall(r"`(allocator (?![a-z-]+:)[^`]+)`", prose(page_text))
    return [span.split("|")[0].strip() for span in spans if "<command>" not in span]


def options_of(command) -> set[str]:
    return {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}


def test_every_command_line_in_a_block_parses_as_the_cli_parses_it():
    """Each command shown to be typed is one the CLI accepts: the command exists, every option
    exists and takes the value given, and no argument is left over (click's own parse, with
    typer's conversions; what the command then does with the files is not run here)."""
    checked = 0
    for page in PAGES:
        for line in block_commands(text(page)):
            args = shlex.split(line)[1:]
            assert args[0] in commands(), f"{name(page)}: no command {args[0]!r}: {line}"
            try:
                commands()[args[0]].make_context(args[0], args[1:])
            except Exception as exc:  # click's UsageError, BadParameter, NoSuchOption, ...
                pytest.fail(f"{name(page)}: {line!r} does not parse: {exc}")
            checked += 1
    assert checked >= 60


def test_every_command_and_option_named_in_prose_exists():
    """A code span `allocator CMD --opt ...` in the prose names a command and options it has;
    and every `--flag` a page names anywhere is an option of some command (or one of the few
    flags of other tools the pages show)."""
    every = set().union(*(options_of(c) for c in commands().values()))
    checked = 0
    for page in PAGES:
        page_text = text(page)
        for span in inline_commands(page_text):
            args = shlex.split(span.replace("[", " ").replace("]", " "))[1:]
            assert args[0] in commands(), f"{name(page)}: no command {args[0]!r}: {span}"
            mine = options_of(commands()[args[0]])
            unknown = [a for a in args if a.startswith("--") and a.split("=")[0] not in mine]
            assert not unknown, f"{name(page)}: `{span}`: {args[0]} has no {unknown}"
            checked += 1
        flags = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9](?![\w-])", page_text))
        strange = flags - every - OTHER_TOOLS - BENCH
        assert not strange, f"{name(page)} names options no command has: {sorted(strange)}"
    assert checked >= 30


def source_paths(page_text: str) -> list[str]:
    """Code spans that name a file or folder of the repository (`data/links.py`, `tests/`)."""
    found = []
    for span in re.findall(r"`([^`\n]+)`", page_text):
        head = span.split(" ")[0]
        if re.fullmatch(r"[\w./-]+(\.py|\.sh|\.yaml|/)", head) and head not in BUILT:
            found.append(head)
    return found


def exists(path: str) -> bool:
    """A path as the pages write it: from the project root, from `src/` or `src/allocator/`; a
    bare file name anywhere in the package or in models/."""
    bases = (ROOT, ROOT / "src", SRC, ROOT / "models")
    if any((base / path).exists() for base in bases):
        return True
    return "/" not in path and any(SRC.rglob(path))


@cache
def package_source() -> str:
    """Every module of the package, one text."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py")))


def defined(name: str) -> bool:
    """A constant assigned at the start of a line somewhere in the package."""
    return re.search(rf"^\s*{name}\s*[:=]", package_source(), flags=re.M) is not None


def resolves(dotted: str) -> bool:
    """`allocator.a.b.name`: the longest importable module, then attributes."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(value, attribute):
                return False
            value = getattr(value, attribute)
        return True
    return False


def test_every_source_path_constant_and_api_name_the_pages_name_exists():
    missing = []
    for page in PAGES:
        page_text = text(page)
        missing += [(name(page), p) for p in source_paths(page_text) if not exists(p)]
        spans = set(re.findall(r"`([^`\n]+)`", page_text))
        for span in spans:
            for constant in re.findall(r"(?:^|\.)([A-Z][A-Z0-9]*_[A-Z0-9_]+)$", span):
                if not defined(constant):
                    missing.append((name(page), span))
            if re.fullmatch(r"allocator(\.\w+)+", span) and not resolves(span):
                missing.append((name(page), span))
    assert not missing


def test_every_page_is_in_the_nav_and_linked_from_the_home_page():
    config = yaml.safe_load(text(ROOT / "mkdocs.yml"))
    assert config["docs_dir"] == "docs"

    def leaves(entry) -> list[str]:
        if isinstance(entry, str):
            return [entry]
        if isinstance(entry, list):
            return [leaf for item in entry for leaf in leaves(item)]
        return [leaf for value in entry.values() for leaf in leaves(value)]

    pages = {p.name for p in DOCS.glob("*.md")}
    listed = leaves(config["nav"])
    assert sorted(listed) == sorted(pages)  # each page once
    linked = set(re.findall(r"\]\(([\w-]+\.md)(?:#[\w-]+)?\)", text(DOCS / "index.md")))
    assert linked == pages - {"index.md"}


def listed_tables(page_text: str) -> dict[str, str]:
    """file -> its `columns` cell, from a page's tables of (file | one row is | columns)."""
    rows = re.findall(r"^\| `([\w.]+\.csv)` \|[^|\n]*\|(.*)\|\s*$", page_text, flags=re.M)
    return dict(rows)


def top_level(cell: str) -> list[str]:
    """The parts of a columns cell separated by commas outside brackets."""
    parts, depth, current = [], 0, ""
    for char in cell:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


def one_sided_columns() -> list[str]:
    """The columns outputs.md's "One-sided rates" paragraph names, after Excel's."""
    paragraph = text(DOCS / "outputs.md").split("**One-sided rates.**")[1].split("\n\n")[0]
    return re.findall(r"`([a-z]+_[a-z_]+)`", paragraph)


def listed_columns(cell: str) -> tuple[list[str], set[str]]:
    """(the columns a cell names, the placeholders it uses: `index labels`, `<phase>_musd`, ...)."""
    names, placeholders = [], set()
    for part in top_level(cell):
        part = re.sub(r"^then ", "", part)
        if part.startswith("index labels"):
            placeholders.add("labels")
            continue
        if part.startswith("the one-sided columns"):
            names += one_sided_columns()
            continue
        if "<phase>_musd" in part or "@YEAR" in part or "every uncertain number" in part:
            placeholders.add(part)
            continue
        for piece in re.split(r"(?:^|\s+)and\s+", re.sub(r"\(.*", "", part)):
            head = piece.strip().strip("`").split(":")[0]  # `why_unspent: in words, ...`
            if re.fullmatch(r"[A-Za-z_@][\w@]*", head):
                names.append(head)
    return names, placeholders


def check_columns(table: str, cell: str, written: list[str]) -> None:
    names, placeholders = listed_columns(cell)
    missing = [n for n in names if n not in written]
    assert not missing, f"outputs.md lists columns {table} does not have: {missing}"
    rest = [c for c in written if c not in names]
    if "labels" in placeholders:
        rest = [c for c in rest if c not in LABELS]
    if any("<phase>_musd" in p for p in placeholders):
        rest = [c for c in rest if not re.fullmatch(r"phase\d+_musd", c)]
    if any("@YEAR" in p for p in placeholders):
        rest = [c for c in rest if "@" not in c]
    if any("every uncertain number" in p for p in placeholders):
        rest = [c for c in rest if ":" not in c]
    assert not rest, f"{table} has columns outputs.md does not list: {rest}"


def test_every_run_table_has_the_columns_the_output_page_lists(baseline_run):
    tables = listed_tables(text(DOCS / "outputs.md"))
    run_tables = sorted(p.name for p in baseline_run.glob("*.csv"))
    assert set(run_tables) <= set(tables), "a CSV table of a run folder is not on outputs.md"
    for table in run_tables:
        written = pd.read_csv(baseline_run / table, nrows=0).columns.tolist()
        check_columns(table, tables[table], written)


@pytest.fixture(scope="module")
def quoted(tmp_path_factory, baseline_solve):
    """`quoted(LINE)`: (run folder or None, what it printed on stdout and stderr) of a command
    line, run once per module from the project root, `--out` added where the command writes a
    folder; `allocator solve` alone is the session's baseline solve (conftest)."""
    folder, ran = baseline_solve
    made = {"allocator solve": (folder, ran.stdout + ran.stderr)}

    def run(line: str) -> tuple[Path | None, str]:
        if line not in made:
            args = shlex.split(line)[1:]
            out = None
            if "--out" in options_of(commands()[args[0]]) and "--out" not in args:
                out = tmp_path_factory.mktemp("quoted") / "run"
                args += ["--out", str(out)]
            res = run_cli(*args)
            assert res.exit_code in (0, 1), f"{line}: exit {res.exit_code}: {res.stderr[-2000:]}"
            assert "Traceback" not in res.stderr, res.stderr
            made[line] = (out, res.stdout + res.stderr)
        return made[line]

    return run


@pytest.fixture(scope="module")
def sweep_run(quoted):
    """The baseline swept as uncertainty.md quotes it (20 samples, seed 0), in this process."""
    return quoted("allocator sweep --samples 20 --serial")


def test_every_sweep_table_has_the_columns_the_output_page_lists(sweep_run):
    folder, _ = sweep_run
    section = text(DOCS / "outputs.md").split("## Sweep folders")[1].split("\n## ")[0]
    tables = listed_tables(section)
    written = sorted(p.name for p in folder.glob("*.csv"))
    assert written == sorted(tables)
    for table in written:
        check_columns(table, tables[table], pd.read_csv(folder / table, nrows=0).columns.tolist())


def quoted_outputs() -> list[tuple[str, str, str]]:
    """(page, command, block) for every fenced block a page marks as a command's output with
    `<!-- output: allocator ... -->` on the line before it."""
    found = []
    for page in PAGES:
        pattern = r"<!-- output: (allocator [^>]*?) -->\n```[a-z]*\n(.*?)```"
        found += [(name(page), c, b) for c, b in re.findall(pattern, text(page), flags=re.S)]
    return found


def test_every_quoted_output_is_what_the_command_prints(quoted):
    """Each line of a marked block (an ellipsis line dropped; a line ending in `...` up to it)
    is printed by its command today, white space and table borders aside."""
    marked = quoted_outputs()
    assert {page for page, _, _ in marked} >= {
        "docs/shadow-prices.md",
        "docs/uncertainty.md",
        "docs/runs.md",
    }
    for page, line, block in marked:
        printed = words(quoted(line)[1])
        for shown in block.splitlines():
            shown = words(shown.removesuffix("..."))
            if shown and shown != "...":
                assert shown in printed, f"{page}: `{line}` does not print: {shown!r}"


def test_the_shadow_price_quoted_is_the_baseline_row_and_range(baseline_run):
    """shadow-prices.md's table row is shadow_prices.csv's row of the baseline, cell by cell, and
    its allowable increase and decrease are sensitivity.csv's."""
    page = text(DOCS / "shadow-prices.md")
    table = re.search(r"^(\| constraint \|.*\|)\n\|[-|]+\|\n((?:\|.*\|\n)+)", page, flags=re.M)
    header = [c.strip() for c in table[1].strip("|").split("|")]
    prices = pd.read_csv(baseline_run / "shadow_prices.csv").set_index("constraint")
    for row in table[2].splitlines():
        cells = [c.strip().strip("`") for c in row.strip("|").split("|")]
        written = prices.loc[cells[0]]
        for column, cell in zip(header[1:], cells[1:], strict=True):
            value = written[column]
            if isinstance(value, str) or value is True or value is False or column == "binding":
                assert cell == str(value), (column, cell, value)
            else:
                assert float(cell.replace(",", "")) == pytest.approx(value, abs=0.05), column
    ranges = re.search(r"allowable increase ([\d,]+), allowable decrease ([\d,]+)", page)
    sensitivity = pd.read_csv(baseline_run / "sensitivity.csv").set_index("name")
    row = sensitivity.loc[table[2].split("`")[1]]
    assert float(ranges[1].replace(",", "")) == pytest.approx(row["allowable_increase"], abs=0.5)
    assert float(ranges[2].replace(",", "")) == pytest.approx(row["allowable_decrease"], abs=0.5)


def test_the_money_line_quoted_on_the_runs_page_is_printed(baseline_solve):
    _, printed = baseline_solve
    span = re.search(r"\(`(money: budget [^`]+)`\)", text(DOCS / "runs.md"))[1]
    assert words(span) in words(printed.stdout)


def test_the_datasets_the_pages_cite_exist_and_say_what_they_quote():
    """The bundled dataset declares the number style the pages say it does, and every test
    dataset a page cites (`tests/data/infeasible`) exists."""
    settings = pd.read_csv(BASELINE / "settings.csv", dtype=str).set_index("setting")
    assert settings.loc["number_style", "value"] == "point"
    assert "declares `number_style,point`" in words(text(ROOT / "inputs" / "README.md"))
    cited = 0
    for page in PAGES:
        for data in re.findall(r"`(tests/data/\w+)`", text(page)):
            assert (ROOT / data).is_dir(), (name(page), data)
            cited += 1
    assert cited >= 3


def dictionary_columns() -> dict[str, list[str]]:
    """table -> the columns of the first table under its `### \\`table.csv\\`` heading in
    inputs/README.md (a row may name two columns: `first_year`, `last_year`)."""
    parts = re.split(r"^### `(\w+)\.csv`", text(ROOT / "inputs" / "README.md"), flags=re.M)
    found = {}
    for table, body in zip(parts[1::2], parts[2::2], strict=True):
        first = re.search(r"^\| column \|.*\n\|[-|]+\|\n((?:\|.*\|\n)+)", body, flags=re.M)
        rows = re.findall(r"^\| ([^|]+) \|", first[1], flags=re.M) if first else []
        found[table] = [c for row in rows for c in re.findall(r"`(\w+)`", row)]
    return found


def test_the_data_dictionary_lists_every_column_of_every_table():
    """Each table's columns in inputs/README.md are the schema's fields of its rows, both ways;
    the columns every table has (source, derivation, ...) are the conventions table's."""
    import typing

    from allocator.data.rows import Row
    from allocator.data.schema import Inputs

    listed = dictionary_columns()
    common = [c for c in Row.model_fields if not Row.model_fields[c].exclude]
    conventions = text(ROOT / "inputs" / "README.md").split("## Conventions for every table")[1]
    assert re.findall(r"^\| `(\w+)` \|", conventions.split("\n\n")[1], flags=re.M) == common
    tables = 0
    for table, field in Inputs.model_fields.items():
        (row,) = typing.get_args(field.annotation)[:1] or (None,)
        if not (isinstance(row, type) and issubclass(row, Row)):
            continue
        columns = [c for c in row.model_fields if c not in Row.model_fields]
        assert table in listed, f"inputs/README.md has no section for {table}.csv"
        assert sorted(listed[table]) == sorted(columns), table
        tables += 1
    assert tables >= 15


def test_an_option_row_that_lists_commands_lists_every_command_that_takes_it():
    """runs.md's option table: a row that names the commands an option is on (`--set`: "On
    `solve`, `compare`, ...") names exactly the commands that have it."""
    rows = re.findall(r"^\| `(--[a-z-]+)[^|]*\|(.*)\|\s*$", text(DOCS / "runs.md"), flags=re.M)
    checked = 0
    for option, cell in rows:
        named = set(re.findall(r"`([a-z-]+)`", cell)) & set(commands())
        if len(named) >= 3:
            having = {n for n, c in commands().items() if option in options_of(c)}
            assert named | {"solve"} == having, f"runs.md, {option}: {sorted(named)}"
            checked += 1
    assert checked >= 2


def test_compare_writes_the_files_its_page_and_its_help_name(baseline_run, tmp_path):
    """workflow.md's "writes `compare.csv`, ..." and `compare --out`'s help name what compare
    writes (two copies of the baseline's run folder compared: nothing solved)."""
    import shutil

    for label in ("a", "b"):
        shutil.copytree(baseline_run, tmp_path / label)
    res = run_cli("compare", tmp_path / "a", tmp_path / "b", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.stderr
    written = sorted(p.name for p in (tmp_path / "c").iterdir())
    sentence = re.search(r"and writes (.*?)\. Each row", words(text(DOCS / "workflow.md")))[1]
    assert sorted(re.findall(r"`([\w.]+)`", sentence)) == written
    (out,) = [p for p in commands()["compare"].params if "--out" in p.opts]
    assert sorted(re.findall(r"[\w]+\.\w+", out.help)) == written


def prose_columns(page: str, table: str) -> str:
    """The column list a page gives in brackets after a table's name (`ranges.csv` (a, b, ...)),
    up to its first semicolon."""
    after = text(DOCS / page).split(f"`{table}` (", 1)[1]
    depth, end = 1, 0
    while depth:
        depth += {"(": 1, ")": -1}.get(after[end], 0)
        end += 1
    return words(after[: end - 1].split(";")[0])


@pytest.mark.parametrize(
    ("page", "table", "line"),
    [
        ("alternatives.md", "ranges.csv", "allocator alternatives"),
        (
            "core.md",
            "core.csv",
            "allocator core --inputs tests/data/core --samples 8 --seed 3 --threshold 5",
        ),
    ],
)
def test_the_columns_a_page_lists_in_prose_are_written(page, table, line, quoted):
    folder, _ = quoted(line)
    written = pd.read_csv(folder / table, nrows=0).columns.tolist()
    check_columns(table, prose_columns(page, table), written)


def test_the_counts_the_trust_page_quotes_are_the_repositorys():
    """trust.md's "(111 broken datasets in `tests/broken/`)" counts the corpus' folders."""
    said = re.search(r"\((\d+) broken datasets in `tests/broken/`\)", text(DOCS / "trust.md"))
    corpus = [p for p in (ROOT / "tests" / "broken").iterdir() if p.is_dir()]
    assert int(said[1]) == len(corpus)


def examples(page: str, after: str, until: str) -> list[str]:
    """The code spans of a page's text between two phrases (white space made single)."""
    part = words(text(ROOT / page)).split(after, 1)[1].split(until, 1)[0]
    return re.findall(r"`([^`]+)`", part)


# (page, (refused undeclared: between, and), (kept undeclared: between, and))
NUMBER_RULES = [
    ("inputs/README.md", ("unit around them: ", ") is refused"), ("undeclared: ", " - **Decl")),
    ("docs/trust.md", ("not starting with 0 (", ", whatever"), ("undeclared: ", " - **Decl")),
]


@pytest.mark.parametrize(("page", "refused", "kept"), NUMBER_RULES)
def test_the_number_examples_read_as_the_pages_say(page, refused, kept):
    """The money examples read as the page says (`3.5B` (= 3,500), `500K` = 0.5); the examples
    it says are refused undeclared are refused there and read in the point style (a percentage
    aside: a bound, not money); those it says keep working undeclared read without a style."""
    from allocator.data.numbers import NumberError, number_style, parse_money

    for shown, value in re.findall(r"`([^`]+)` \(?= ([\d,.]+)\)?", words(text(ROOT / page))):
        assert parse_money(shown) == float(value.replace(",", "")), shown
    ambiguous = [e for e in examples(page, *refused) if not e.endswith("%")]
    working = examples(page, *kept)
    assert len(ambiguous) >= 5
    assert len(working) >= 8
    for shown in ambiguous:
        with pytest.raises(NumberError, match="reads as"):
            parse_money(shown)
        with number_style("point"):
            parse_money(shown)
    for shown in working:
        parse_money(shown)  # no NumberError


def kib(value: int) -> str:
    return str(value // 1024)


def thousands(value: int) -> str:
    return f"{value:,}"


def spelt(value: int) -> str:
    return {12: "twelve"}.get(value, str(value))


# (page, the words that quote a number, module, constant, how the page writes it)
QUOTED_CONSTANTS = [
    ("docs/serve.md", r"at most (\d+) KiB", "allocator.serve.app", "MAX_BODY", kib),
    ("docs/trust.md", r"at most (\d+) KiB", "allocator.serve.app", "MAX_BODY", kib),
    ("docs/trust.md", r"at most ([\d,]+) cells", "allocator.serve.held", "MAX_SETS", thousands),
    (
        "docs/uncertainty.md",
        r"must answer within (\d+) s",
        "allocator.studies.daskclient",
        "CONNECT_TIMEOUT_S",
        str,
    ),
    (
        "docs/uncertainty.md",
        r"whole number from 0 to ([\d,]+)",
        "allocator.data.uncertainty",
        "MAX_SEED",
        thousands,
    ),
    ("docs/shadow-prices.md", r"the (\d+) limits whose", "allocator.solver.units", "LISTED", str),
    (
        "docs/serve.md",
        r"numbers of more than (\d+) digits",
        "allocator.serve.body",
        "MAX_DIGITS",
        str,
    ),
    (
        "docs/trust.md",
        r"numbers of more than (\d+) digits",
        "allocator.serve.body",
        "MAX_DIGITS",
        str,
    ),
    (
        "docs/outputs.md",
        r"on a model of more than ([\d,]+) nonzeros, `EXTEND_UP_TO`",
        "allocator.solver.units",
        "EXTEND_UP_TO",
        thousands,
    ),
    (
        "docs/workbooks.md",
        r"the (\w+) largest shadow",
        "allocator.report.pricehtml",
        "TOP_PRICES",
        spelt,
    ),
]


@pytest.mark.parametrize(("page", "pattern", "module", "constant", "shown"), QUOTED_CONSTANTS)
def test_a_number_a_page_quotes_is_its_constant(page, pattern, module, constant, shown):
    import importlib

    value = getattr(importlib.import_module(module), constant)
    assert re.search(pattern, words(text(ROOT / page)))[1] == shown(value), (page, constant)


def default(command: str, option: str) -> str:
    """An option's default as its command declares it, written as the pages write it."""
    (param,) = [p for p in commands()[command].params if option in p.opts]
    value = param.default
    return f"{float(value) * 100:g}" if option == "--slack" else str(value)


# (page, the words that state a default, command, option)
QUOTED_DEFAULTS = [
    ("docs/alternatives.md", r"# ranges per program within (\d+)%", "alternatives", "--slack"),
    ("docs/core.md", r"# per program: (\d+) samples", "core", "--samples"),
    ("docs/core.md", r"# per program: \d+ samples and the plans within (\d+)%", "core", "--slack"),
    ("docs/core.md", r"The default threshold is (\d+) US\$ million", "core", "--threshold"),
    ("docs/uncertainty.md", r"Dask LocalCluster, (\d+) workers", "sweep", "--workers"),
    ("docs/uncertainty.md", r"`--scenarios N` \(default (\d+)\)", "solve", "--scenarios"),
    ("docs/workflow.md", r"the frontier between them has (\d+) points", "frontier", "--points"),
]


@pytest.mark.parametrize(("page", "pattern", "command", "option"), QUOTED_DEFAULTS)
def test_a_default_a_page_states_is_the_options(page, pattern, command, option):
    said = re.search(pattern, words(text(ROOT / page)))
    assert said, (page, pattern)
    assert said[1] == default(command, option), (page, option)


def test_the_default_discount_rate_is_the_specs():
    from allocator.runs.spec import DEFAULT_DISCOUNT_RATE

    said = re.search(r"default the model file's, else (\d+(?:\.\d+)?)", text(DOCS / "runs.md"))
    assert float(said[1]) == DEFAULT_DISCOUNT_RATE


def test_the_side_ends_the_pages_name_are_the_baselines(baseline_run, baseline_solve):
    """outputs.md's `; down: then no plan` and shadow-prices.md's "for 6,200 musd, then no plan
    is feasible" are what the baseline's ecosystem budget says, in its CSV and in its words."""
    outputs = words(text(DOCS / "outputs.md"))
    assert "`; down: then no plan`" in outputs
    assert "`; up: at least`" in outputs
    rows = pd.read_csv(baseline_run / "shadow_prices.csv").set_index("constraint")
    assert rows.loc["budget(ecosystem,phase3)", "one_sided"] == "re-solved; down: then no plan"
    said = re.search(
        r"`(for [\d,]+ musd, then no plan is feasible)`", text(DOCS / "shadow-prices.md")
    )
    assert f"({said[1]})" in words(baseline_solve[1].stdout).replace("-10.6 jobs per musd ", "")


# (page, the words a page quotes, the command that prints them)
QUOTED_REFUSALS = [
    (
        "docs/workflow.md",
        "pools.csv needs a value there, so it cannot be empty",
        ("check", "--set", "pools.ecosystem/phase3.budget_musd="),
    ),
    (
        "docs/workflow.md",
        "'maybe' is not yes or no. Fix: write yes or no",
        ("check", "--set", "pools.ecosystem/phase3.carry_over=maybe"),
    ),
    (
        "docs/workflow.md",
        "column 'sector' of programs.csv is text, not a number: --set changes numbers and yes/no "
        "cells. Fix: edit programs.csv, or set one of",
        ("check", "--set", "programs.copper_processing.sector=x"),
    ),
    (
        "docs/workflow.md",
        "facts.csv has numbers, but --set changes only the numbers of",
        ("check", "--set", "facts.x.y=1"),
    ),
    (
        "docs/workflow.md",
        "did you mean ecosystem? (ids are matched exactly, case and spaces included)",
        ("check", "--set", "pools.Ecosystem/phase3.budget_musd=1"),
    ),
]


@pytest.mark.parametrize(("page", "quoted", "args"), QUOTED_REFUSALS)
def test_a_refusal_a_page_quotes_is_printed(page, quoted, args):
    """The one-line refusals the pages quote are the words the command prints (exit 2)."""
    assert quoted in words(text(ROOT / page))
    res = run_cli(*args, "--inputs", BASELINE)
    assert res.exit_code == 2, res.stderr
    assert quoted in words(res.stderr)


def test_text_with_a_bidirectional_control_is_refused_as_trust_says(tmp_path):
    """trust.md's "Text is plain text": a name holding U+202E is refused by file, row and column
    with the words the page quotes."""
    from conftest import copy_dataset

    page = words(text(DOCS / "trust.md"))
    quoted = re.search(r"'\.\.\.\\u202e' (holds U\+202E .*? Fix: delete the character)", page)
    folder = copy_dataset(BASELINE, tmp_path / "ds")
    programs = folder / "programs.csv"
    lines = programs.read_text(encoding="utf-8").split("\n")
    cells = lines[1].split(",")
    cells[1] += "\u202e"
    lines[1] = ",".join(cells)
    programs.write_text("\n".join(lines), encoding="utf-8")
    res = run_cli("check", "--inputs", folder)
    assert res.exit_code == 2
    assert "programs.csv, row 2, column 'name':" in res.stderr
    assert quoted[1] in words(res.stderr)
