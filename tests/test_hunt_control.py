"""Control characters, bidirectional controls and terminal injection: a dataset's text (a CSV
cell, a workbook cell, a model file's YAML) holding ESC, another C0 or C1 control, DEL or a
bidirectional override, isolate or mark is refused at load in one line naming the file (or sheet
and cell), row and column; every line that quotes user text or a path shows such characters
escaped.

All run in-process (conftest's `invoke`) on copies of tests/data/greedy: `a` (10 jobs per US$
million, cap 60), `b` (6, cap 100), `c` (2, cap 100) and one pool of 120.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import DATA, invoke

GREEDY = DATA / "greedy"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters that must never reach a terminal line raw (TAB and LF are a line's own)."""


def dataset(tmp_path: Path, name: str = "", note: str = "", folder: str = "in") -> Path:
    """tests/data/greedy with programs.csv given a `name` and a `note` column, program a's cells
    `name` and `note` (written as one quoted CSV cell each), b and c's empty."""
    root = tmp_path / folder
    shutil.copytree(GREEDY, root)
    path = root / "programs.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = [_quoted(name), _quoted(note)]
    lines = [lines[0] + ",name,note", lines[1] + "," + ",".join(cells)] + [
        line + ",," for line in lines[2:]
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return root


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if text else ""


def refusal(res, start: str) -> str:
    """The one line of a refusal (exit 2, no traceback), which starts with 'error: ' + `start`
    and holds no raw control character."""
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 2, res.output
    assert not RAW.search(res.stderr + res.stdout), repr(res.stderr)
    lines = res.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: " + start), lines[0]
    assert "Fix: " in lines[0], lines[0]
    return lines[0]


# --- 1. Refused at load: C0 (but TAB, LF, CR in free text), DEL, C1, bidi controls ----------

REFUSED = {
    "esc": ("A\x1b[2JB", "\\x1b"),
    "bel": ("A\x07B", "\\x07"),
    "vertical tab": ("A\x0bB", "\\x0b"),
    "del": ("A\x7fB", "\\x7f"),
    "c1 csi": ("A\x9b2JB", "\\x9b"),
    "c1 nel": ("A\x85B", "\\x85"),
    "rlo": ("A\u202eB", "\\u202e"),
    "lre": ("A\u202aB", "\\u202a"),
    "rli": ("A\u2067B", "\\u2067"),
    "pdi": ("A\u2069B", "\\u2069"),
    "rlm": ("A\u200fB", "\\u200f"),
    "lrm": ("A\u200eB", "\\u200e"),
    "alm": ("A\u061cB", "\\u061c"),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_a_control_character_in_a_name_is_refused_at_load(tmp_path, kind):
    text, escaped = REFUSED[kind]
    folder = dataset(tmp_path, name=text)
    run = tmp_path / "run"
    res = invoke("solve", "--inputs", folder, "--out", run)
    line = refusal(res, "programs.csv, row 2, column 'name': ")
    assert f"A{escaped}" in line
    assert f"U+{ord(text[1]):04X}" in line
    assert not run.exists()


@pytest.mark.parametrize("kind", ["esc", "rlo", "c1 csi"])
def test_a_control_character_in_a_free_text_note_is_refused(tmp_path, kind):
    text, escaped = REFUSED[kind]
    res = invoke("check", "--inputs", dataset(tmp_path, note="cited " + text))
    assert f"A{escaped}" in refusal(res, "programs.csv, row 2, column 'note': ")


def test_a_control_character_in_an_id_is_refused_as_such(tmp_path):
    """`a\\x1b` in program: said as a control character, not only as a bad identifier."""
    root = dataset(tmp_path)
    path = root / "programs.csv"
    path.write_text(path.read_text().replace("\na,", "\na\x1b,", 1), encoding="utf-8")
    res = invoke("check", "--inputs", root)
    assert "U+001B" in refusal(res, "programs.csv, row 2, column 'program': ")


@pytest.mark.parametrize(("cut", "shown"), [("\n", "\\x0a"), ("\r", "\\x0d"), ("\t", "\\x09")])
def test_a_line_break_or_tab_in_a_name_is_refused(tmp_path, cut, shown):
    res = invoke("check", "--inputs", dataset(tmp_path, name=f"first{cut}second"))
    line = refusal(res, "programs.csv, row 2, column 'name': ")
    assert f"first{shown}second" in line
    assert "one line" in line


def test_a_line_break_in_a_note_is_kept(tmp_path):
    """Free text (source, derivation, assumption, note) may hold a spreadsheet's Alt+Enter."""
    from allocator.data.inputs import load_inputs

    inp = load_inputs(dataset(tmp_path, note="first line\r\nsecond\tline"))
    assert inp.programs[0].note == "first line\r\nsecond\tline"


JOINED = {
    "zwj": "scientist \U0001f469\u200d\U0001f52c",  # woman scientist: ZWJ joins two emoji
    "zwnj": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: ZWNJ keeps letters apart
    "accents": "Minería Ñandú Göteborg",
    "cjk": "秘鲁 采矿 供应商",
    "emoji": "\U0001f1f5\U0001f1ea mining \u26cf\ufe0f",
}


def test_joiners_and_non_ascii_names_round_trip_to_allocation_csv(tmp_path):
    """The control: ZWJ, ZWNJ, accents, CJK and emoji load and come back byte for byte."""
    root = tmp_path / "in"
    shutil.copytree(GREEDY, root)
    path = root / "programs.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    names = [JOINED["zwj"] + " " + JOINED["zwnj"], JOINED["accents"] + " " + JOINED["cjk"], "c"]
    lines = [lines[0] + ",name,note"] + [
        f"{line},{name},{JOINED['emoji']}" for line, name in zip(lines[1:], names, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    res = invoke("solve", "--inputs", root, "--out", run)
    assert res.exit_code == 0, res.output
    data = (run / "allocation.csv").read_bytes()
    for name in names[:2]:  # c is not funded
        assert name.encode("utf-8") in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert {r["program"]: r["name"] for r in rows} == {"a": names[0], "b": names[1]}


# --- 2. An error line quoting a cell shows its control characters escaped ----------------


def test_a_bad_number_cell_with_esc_is_quoted_escaped(tmp_path):
    root = dataset(tmp_path)
    path = root / "programs.csv"
    path.write_text(path.read_text().replace(",60,", ",6\x1b[2J0,", 1), encoding="utf-8")
    res = invoke("solve", "--inputs", root, "--out", tmp_path / "run")
    line = refusal(res, "programs.csv, row 2, column 'cap_musd': ")
    assert "'6\\x1b[2J0'" in line


def test_a_set_value_with_esc_is_quoted_escaped(tmp_path):
    res = invoke("check", "--inputs", GREEDY, "--set", "programs.a.cap_musd=6\x1b[2J0")
    assert "'6\\x1b[2J0'" in refusal(res, "--set 'programs.a.cap_musd=6\\x1b[2J0'")


# --- 3. Paths with control characters: every 'Wrote' and error line shows them escaped ------

BAD = "x\x1b[2J\u202ey\n"
SHOWN = "x\\x1b[2J\\u202ey\\x0a"


def _wrote(res) -> str:
    assert res.exit_code == 0, res.output
    assert not RAW.search(res.stdout + res.stderr), repr(res.stdout)
    return res.stdout


def test_export_inputs_says_its_paths_escaped(tmp_path):
    folder = shutil.copytree(GREEDY, tmp_path / f"data{BAD}")
    book = tmp_path / f"book{BAD}.xlsx"
    out = _wrote(invoke("export-inputs", book, "--inputs", folder))
    assert f"book{SHOWN}.xlsx" in out
    assert f"data{SHOWN}" in out


def test_report_and_alternatives_say_their_folders_escaped(tmp_path):
    run = tmp_path / f"run{BAD}"
    _wrote(invoke("solve", "--inputs", GREEDY, "--out", run))
    assert f"run{SHOWN}" in _wrote(invoke("report", run))
    alt = tmp_path / f"alt{BAD}"
    assert f"alt{SHOWN}" in _wrote(invoke("alternatives", "--inputs", GREEDY, "--out", alt))


def test_a_missing_dataset_folder_is_named_escaped(tmp_path):
    res = invoke("check", "--inputs", tmp_path / f"none{BAD}")
    assert f"none{SHOWN}" in refusal(res, "dataset folder ")


# --- 4. A workbook's _x001B_ escapes and YAML's "\e" go through the same refusal -----------


def _book(tmp_path: Path, raw: str) -> Path:
    """greedy exported as a workbook, program a's name cell then written `raw` in its XML."""
    book = tmp_path / "plan.xlsx"
    res = invoke("export-inputs", book, "--inputs", dataset(tmp_path, name="PLACEHOLDER"))
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(book) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    hits = [n for n, d in parts.items() if b"PLACEHOLDER" in d]
    assert hits
    for name in hits:
        parts[name] = parts[name].replace(b"PLACEHOLDER", raw.encode("utf-8"))
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return book


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("A_x001B_[2J", "A\\x1b[2J"), ("A\u202eB", "A\\u202eB"), ("A_x0085_", "A\\x85")],
)
def test_a_workbook_cell_with_a_control_character_is_refused(tmp_path, raw, shown):
    book = _book(tmp_path, raw)
    run = tmp_path / "run"
    res = invoke("solve", "--inputs", book, "--out", run)
    line = refusal(res, "plan.xlsx, sheet programs, cell ")
    assert "column 'name'" in line
    assert shown in line
    assert not run.exists()


def test_a_workbook_line_break_in_a_name_is_refused(tmp_path):
    res = invoke("check", "--inputs", _book(tmp_path, "A_x000A_B"))
    assert "one line" in refusal(res, "plan.xlsx, sheet programs, cell ")


def _model(tmp_path: Path, body: str) -> Path:
    """A project holding greedy and models/m.yaml with `body` after its dataset line."""
    shutil.copytree(GREEDY, tmp_path / "inputs" / "g")
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "m.yaml"
    path.write_text("dataset: ../inputs/g\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ('name: "my\\e[2Jrun"\n', "my\\x1b[2Jrun"),
        ('name: "my\\u202Erun"\n', "my\\u202erun"),
        ("name: my\u202erun\n", "my\\u202erun"),
        ('description: "d\\x9b2J"\n', "d\\x9b2J"),
        ('"key\\e": 1\n', "key\\x1b"),
        ('overrides:\n  - exclude_pool: "pub\\x1blic"\n', "pub\\x1blic"),
    ],
)
def test_a_model_file_string_with_a_control_character_is_refused(tmp_path, body, shown):
    model = _model(tmp_path, body)
    res = invoke("solve", model, "--out", tmp_path / "run")
    line = refusal(res, f"{model} at line {body.count(chr(10)) + 1}: ")
    assert shown in line
    assert not (tmp_path / "run").exists()
    assert not (tmp_path / "results").exists()


def test_a_model_file_name_on_two_lines_is_refused_but_a_description_is_not(tmp_path):
    model = _model(tmp_path, 'name: "my\\nrun"\n')
    res = invoke("solve", model, "--out", tmp_path / "run")
    assert "one line" in refusal(res, f"{model}")
    model.write_text(
        "dataset: ../inputs/g\nname: run\ndescription: |\n  first\n  second\n", encoding="utf-8"
    )
    assert invoke("solve", model, "--out", tmp_path / "run").exit_code == 0


def test_a_model_file_with_a_list_as_a_key_is_one_line(tmp_path):
    """A complex key (`? [a, b]`) is not a name the one-line rule can look up: no traceback."""
    model = _model(tmp_path, "? [a, b]\n: c\n")
    refusal(invoke("solve", model, "--out", tmp_path / "run"), f"{model}")
