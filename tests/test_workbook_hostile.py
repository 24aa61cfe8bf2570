"""Issue 24, workbook datasets: what a careless or hostile workbook does to `--inputs plan.xlsx`.

Cells are read as Excel shows them or refused by cell (merged ranges, a stale `<dimension>`,
TRUE); errors across sheets name the sheet and cell; the facts sheet warns as facts.csv does;
bombs stop at the CSV table limits within a memory limit; broken parts are one line, exit 2; a
file of another kind says what it is and how to save it as .xlsx. The bombs are built here with
zipfile, small on disk.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.data.bookwriter import write_inputs_workbook
from allocator.data.inputs import load_inputs
from allocator.errors import InputError, InputErrors
from conftest import BASELINE, DATA

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def baseline_book(tmp_path_factory) -> Path:
    """The bundled dataset as one workbook (export-inputs), written once; copy before editing."""
    path = tmp_path_factory.mktemp("book") / "plan.xlsx"
    write_inputs_workbook(load_inputs(BASELINE), path)
    return path


def _copy(book: Path, tmp_path: Path, name: str = "plan.xlsx") -> Path:
    return Path(shutil.copy(book, tmp_path / name))


def _column(ws, name: str) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def _error(path, strict=True) -> InputError:
    with pytest.raises(InputError) as info:
        load_inputs(path, strict=strict)
    return info.value


def _check(path) -> str:
    """`allocator check --inputs PATH`: exit 2 and one line without a traceback, returned."""
    res = CliRunner().invoke(app, ["check", "--inputs", str(path)])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    line = ANSI.sub("", res.stderr).strip()
    assert (res.exit_code, res.stdout) == (2, ""), (res.exit_code, line, res.stdout)
    assert "\n" not in line, line
    assert "Traceback" not in line, line
    assert "Fix: " in line, line
    return line


# 1-3: cells read as Excel shows them, or refused


def test_cells_merged_over_two_rows_are_refused_naming_the_range(baseline_book, tmp_path):
    path = _copy(baseline_book, tmp_path)
    wb = load_workbook(path)
    ws = wb["programs"]
    j = ws.max_column + 1
    ws.cell(1, j).value = "floor_musd"  # the export leaves out a column no row uses
    ws.cell(2, j).value = 50
    ws.merge_cells(start_row=2, start_column=j, end_row=3, end_column=j)
    wb.save(path)
    letter = ws.cell(2, j).column_letter
    err = _error(path, strict=False)
    assert str(err).startswith(
        f"plan.xlsx, sheet programs, cell {letter}2, row 2, column 'floor_musd': "
        f"cells {letter}2:{letter}3 are merged"
    ), err
    assert "Unmerge" in str(err)


def _sheet_part(path: Path, sheet: str) -> str:
    """The zip member of `sheet` (from the workbook's sheet list and relationships)."""
    with zipfile.ZipFile(path) as z:
        book, rels = z.read("xl/workbook.xml").decode(), z.read("xl/_rels/workbook.xml.rels")
    rid = re.search(rf'<sheet name="{sheet}" sheetId="\d+" r:id="(rId\d+)"', book)[1]
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                       rels.decode())  # fmt: skip
    return "xl/" + (target[1] or target[2]).removeprefix("/xl/")


def _rewrite(path: Path, member: str, edit) -> None:
    """Replace one member of the zip at `path` by `edit(its text)`."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts[member] = edit(parts[member].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_rows_past_a_stale_dimension_are_read(baseline_book, tmp_path):
    path = _copy(baseline_book, tmp_path)
    member = _sheet_part(path, "programs")
    stale = (r'<dimension ref="A1:([A-Z]+)[0-9]+"', r'<dimension ref="A1:\g<1>3"')
    _rewrite(path, member, lambda x: re.sub(*stale, x))  # all columns, rows 1 to 3 only
    with zipfile.ZipFile(path) as z:
        assert re.search(r'<dimension ref="A1:[A-Z]+3"', z.read(member).decode())
    assert load_inputs(path).programs == load_inputs(BASELINE).programs


def test_a_true_cell_is_read_as_excel_shows_it(baseline_book, tmp_path):
    path = _copy(baseline_book, tmp_path)
    wb = load_workbook(path)
    ws = wb["programs"]
    ws.cell(2, _column(ws, "name")).value = True  # Excel turns a typed TRUE into a boolean
    program = ws.cell(2, _column(ws, "program")).value
    pools = wb["pools"]
    pools.cell(2, _column(pools, "carry_over")).value = False
    wb.save(path)
    inp = load_inputs(path)
    assert {p.program: p.name for p in inp.programs}[program] == "TRUE"
    assert [p.carry_over for p in inp.pools if p.line == 2] == [False]  # a yes/no column


# 4-5: problems across sheets named by sheet and cell; one rule with the CSV dataset


def test_errors_across_sheets_name_the_sheet_and_cell_not_a_csv_file(baseline_book, tmp_path):
    path = _copy(baseline_book, tmp_path)
    wb = load_workbook(path)
    gone = wb["programs"].cell(5, 1).value
    wb["programs"].delete_rows(5)
    wb.save(path)
    err = _error(path)
    assert isinstance(err, InputErrors)
    lines = [e for e in err.errors if f"'{gone}'" in str(e)]
    assert len(lines) >= 3, err.details
    for e in err.errors:
        assert ".csv" not in str(e), e
        assert re.match(r"plan\.xlsx, sheet [a-z_]+, cell [A-Z]+\d+, row \d+, column '", str(e)), e
    assert any(str(e).startswith("plan.xlsx, sheet eligibility, cell B") for e in lines), lines


def _csv_and_book(tmp_path, edit_csv, edit_book, baseline_book):
    folder = Path(shutil.copytree(BASELINE, tmp_path / "csv"))
    edit_csv(folder)
    book = _copy(baseline_book, tmp_path)
    wb = load_workbook(book)
    edit_book(wb)
    wb.save(book)
    return folder, book


def _outcome(path, strict):
    """(refused, the messages or notes with file names made comparable)."""
    try:
        inp = load_inputs(path, strict=strict)
    except InputErrors as exc:
        return True, sorted(_plain(str(e)) for e in exc.errors)
    except InputError as exc:
        return True, [_plain(str(exc))]
    return False, sorted(_plain(n) for n in inp.notes)


def _plain(text: str) -> str:
    """A message with 'x.csv' and 'plan.xlsx, sheet x, cell B2' both written 'x'."""
    text = re.sub(r"plan\.xlsx, sheet ([a-z_]+), cell [A-Z]+\d+", r"\1", text)
    return re.sub(r"\b([a-z_]+)\.csv\b|\bsheet ([a-z_]+)\b", lambda m: m[1] or m[2], text)


def _bad_fact_csv(folder):
    text = (folder / "facts.csv").read_text().splitlines()
    header = text[0].split(",")
    cells = next(__import__("csv").reader([text[1]]))
    cells[header.index("value")] = "lots"
    text[1] = ",".join(f'"{c}"' for c in cells)
    (folder / "facts.csv").write_text("\n".join(text) + "\n")


def _bad_fact_book(wb):
    ws = wb["facts"]
    ws.cell(2, _column(ws, "value")).value = "lots"


def _no_korea2_csv(folder):
    lines = (folder / "pools.csv").read_text().splitlines(keepends=True)
    (folder / "pools.csv").write_text("".join(x for x in lines if not x.startswith("korea,phase2")))


def _no_korea2_book(wb):
    ws = wb["pools"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "korea"
               and ws.cell(r, 2).value == "phase2")  # fmt: skip
    ws.delete_rows(row)


@pytest.mark.parametrize(
    ("edit_csv", "edit_book"),
    [(_bad_fact_csv, _bad_fact_book), (_no_korea2_csv, _no_korea2_book)],
    ids=["a_bad_fact_cell", "a_pools_row_deleted"],
)
def test_solve_and_check_treat_the_workbook_as_the_csv_dataset(
    edit_csv, edit_book, baseline_book, tmp_path
):
    folder, book = _csv_and_book(tmp_path, edit_csv, edit_book, baseline_book)
    for strict in (True, False):  # check, solve
        csv_way, book_way = _outcome(folder, strict), _outcome(book, strict)
        assert book_way == csv_way, (strict, csv_way, book_way)
    assert _outcome(book, True)[0]  # check refuses both


def test_a_bad_fact_in_the_workbook_is_a_note_naming_its_cell(baseline_book, tmp_path):
    _, book = _csv_and_book(tmp_path, lambda f: None, _bad_fact_book, baseline_book)
    notes = load_inputs(book).notes
    assert notes[0].startswith("plan.xlsx, sheet facts, cell "), notes
    assert "sheet facts is read only by the audit" in notes[0]


def _warnings(path: Path, out: Path) -> list[str]:
    """The warnings `allocator solve --inputs PATH` prints; it must plan (exit 0)."""
    res = CliRunner().invoke(app, ["solve", "--inputs", str(path), "--out", str(out)])
    assert res.exit_code == 0, (res.output, res.exception)
    lines = ANSI.sub("", res.stderr).splitlines()
    return [line.removeprefix("warning: ") for line in lines if line.startswith("warning: ")]


def test_solve_warns_for_a_broken_uncertainty_row_of_a_workbook_as_of_a_folder(tmp_path):
    """A row of uncertainty refers to a program that is not there: solve plans and warns that
    sweep refuses it, for the workbook as for the folder, naming the sheet and cell."""
    bad = ["programs:nope:jobs_per_musd", "-10%", "+10%", "uniform", "no such program"]
    folder = Path(shutil.copytree(DATA / "sweep", tmp_path / "csv"))
    with (folder / "uncertainty.csv").open("a") as f:
        f.write(",".join(bad) + "\n")
    book = tmp_path / "plan.xlsx"
    with warnings.catch_warnings():  # xlsxwriter: a dropdown's error title over 32 characters
        warnings.simplefilter("ignore", UserWarning)
        write_inputs_workbook(load_inputs(DATA / "sweep"), book)
    wb = load_workbook(book)
    wb["uncertainty"].append(bad)
    wb.save(book)
    csv_way = _warnings(folder, tmp_path / "run_csv")
    book_way = _warnings(book, tmp_path / "run_book")
    assert len(csv_way) == 1, csv_way
    assert csv_way[0].startswith("sweep and --risk refuse uncertainty.csv, row 6,"), csv_way
    assert [_plain(w) for w in book_way] == [_plain(w) for w in csv_way], (csv_way, book_way)
    assert book_way[0].startswith("sweep and --risk refuse plan.xlsx, sheet uncertainty, cell A6,")
    assert book_way[0].endswith("(solve does not read sheet uncertainty: solving goes on)")


# 6: bombs, bounded in time and memory (a subprocess under a memory limit)

_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
    'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{}</Types>'
)
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CHART_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"


def make_book(path: Path, sheets: dict, strings=None, states=None, kinds=None) -> Path:
    """A workbook from parts: `sheets` maps a name to its sheet XML (text, or an iterable of
    text chunks, streamed so a bomb is never whole in memory); `strings` likewise for the
    shared-strings part; `states` (hidden, veryHidden) and `kinds` (chartsheet) by name."""
    states, kinds = states or {}, kinds or {}
    listed, rels, types = [], [], []
    for i, name in enumerate(sheets, start=1):
        kind = kinds.get(name, "worksheet")
        folder = "worksheets" if kind == "worksheet" else "chartsheets"
        state = f' state="{states[name]}"' if name in states else ""
        listed.append(f'<sheet name="{name}" sheetId="{i}"{state} r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{RELS}/{kind}" '
                    f'Target="{folder}/sheet{i}.xml"/>')  # fmt: skip
        ctype = _SHEET_TYPE if kind == "worksheet" else _CHART_TYPE
        types.append(f'<Override PartName="/xl/{folder}/sheet{i}.xml" ContentType="{ctype}"/>')
    if strings is not None:
        types.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        rels.append(f'<Relationship Id="rIdS" Type="{RELS}/sharedStrings" '
                    'Target="sharedStrings.xml"/>')  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _TYPES.format("".join(types)))
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
                   f'{"".join(listed)}</sheets></workbook>')  # fmt: skip
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">'
                   f'{"".join(rels)}</Relationships>')  # fmt: skip
        for i, (name, xml) in enumerate(sheets.items(), start=1):
            folder = "worksheets" if kinds.get(name, "worksheet") == "worksheet" else "chartsheets"
            _stream(z, f"xl/{folder}/sheet{i}.xml", xml)
        if strings is not None:
            _stream(z, "xl/sharedStrings.xml", strings)
    return path


def _stream(z: zipfile.ZipFile, member: str, xml) -> None:
    with z.open(member, "w", force_zip64=True) as out:
        for chunk in [xml] if isinstance(xml, str) else xml:
            out.write(chunk.encode())


def sheet(rows: str, head: str = "") -> str:
    body = f"{head}<sheetData>{rows}</sheetData>"
    return f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">{body}</worksheet>'


def _repeat(before: str, unit: str, times: int, after: str, per: int = 100_000):
    yield before
    for done in range(0, times, per):
        yield unit * min(per, times - done)
    yield after


BOMBS = {
    "wide_row": (
        lambda p: make_book(
            p,
            {
                "programs": _repeat(
                    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">',
                    "<c/>",
                    3_000_000,
                    "</row></sheetData></worksheet>",
                )
            },
        ),  # fmt: skip
        "past column XFD",
    ),
    "long_shared_string": (
        lambda p: make_book(
            p,
            {"programs": sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')},
            strings=_repeat(
                f'<sst xmlns="{MAIN}"><si><t>', "a", 20_000_000, "</t></si></sst>", per=10_000_000
            ),  # fmt: skip
        ),
        "hold a string (number 0) of more than 131,072 characters",
    ),
    "long_inline_cell": (
        lambda p: make_book(
            p,
            {
                "programs": _repeat(
                    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
                    '<c r="A1" t="inlineStr"><is><t>',
                    "a",
                    20_000_000,
                    "</t></is></c></row></sheetData></worksheet>",
                    per=10_000_000,
                )
            },
        ),
        "more than 131,072 characters",
    ),  # fmt: skip
    "huge_dimension": (
        lambda p: make_book(
            p,
            {
                "programs": sheet(
                    '<row r="1"><c r="A1" t="inlineStr"><is><t>program</t></is></c></row>'
                    + "".join(
                        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 10_002)
                    ),
                    '<dimension ref="A1:XFD1048576"/>',
                )
            },
        ),  # fmt: skip
        "sheet phases: sheet is missing",  # read past the dimension's million rows at once
    ),
    "many_shared_strings": (
        lambda p: make_book(
            p,
            {"programs": sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')},
            strings=_repeat(f'<sst xmlns="{MAIN}">', "<si><t>ab</t></si>", 1_100_000, "</sst>"),
        ),
        "more than 1,000,000 strings",
    ),
    "too_many_rows": (
        lambda p: make_book(
            p,
            {
                "programs": _repeat(
                    f'<worksheet xmlns="{MAIN}"><sheetData><row>'
                    '<c t="inlineStr"><is><t>program</t></is>'
                    "</c></row>",
                    "<row><c><v>1</v></c></row>",
                    100_001,
                    "</sheetData></worksheet>",
                )
            },
        ),
        "more than 100,000 rows",
    ),  # fmt: skip
    "billion_laughs": (
        lambda p: make_book(
            p,
            {
                "programs": '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a '
                '"aaaaaaaaaa">'
                + "".join(
                    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
                )
                + f']><worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" '
                't="inlineStr"><is><t>&j;</t></is></c></row></sheetData></worksheet>'
            },
        ),
        "declares a DTD",
    ),  # fmt: skip
    "huge_tag": (
        lambda p: make_book(
            p,
            {
                "programs": _repeat(
                    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" x="',
                    "a",
                    30_000_000,
                    '"/></row></sheetData></worksheet>',
                    per=10_000_000,
                )
            },
        ),
        "XML tag of megabytes",
    ),  # fmt: skip
}

_CHILD = """
import resource, sys
from allocator.data.inputs import load_inputs
from allocator.errors import InputError
def used():
    for line in open("/proc/self/status"):
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
limit = used() + 300 * 2**20
resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
for path in sys.argv[1:]:
    try:
        load_inputs(path, strict=True)
        print("READ", path)
    except InputError as exc:
        print(str(exc).replace("\\n", " "))
"""


def test_workbook_bombs_stop_at_a_limit_within_300_mb(tmp_path):
    paths = [BOMBS[name][0](tmp_path / f"{name}.xlsx") for name in BOMBS]
    assert max(p.stat().st_size for p in paths) < 400_000  # small on disk
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, paths)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.splitlines()
    assert len(lines) == len(BOMBS), res.stdout
    for (name, (_make, words)), line in zip(BOMBS.items(), lines, strict=True):
        assert line.startswith(f"{name}.xlsx, "), (name, line)
        assert "sheet " in line or "shared strings" in line, line
        assert words in line, (name, line)


# 7: broken parts and cells: one line, exit 2


def _cells(xml: str) -> dict:
    return {"programs": sheet(f'<row r="1"><c r="A1" t="inlineStr"><is><t>program</t></is></c>'
                              f"</row><row r=\"2\">{xml}</row>")}  # fmt: skip


BROKEN = {
    "malformed_xml": ({"programs": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c>'}, {},
                      "sheet programs: is not well-formed XML"),
    "text_in_a_number_cell": (_cells('<c r="A2"><v>abc</v></c>'), {},
                              "sheet programs, cell A2, row 2, column 'program': the number cell "
                              "holds 'abc'"),
    "shared_string_past_the_table": (_cells('<c r="A2" t="s"><v>7</v></c>'),
                                     {"strings": f'<sst xmlns="{MAIN}"><si><t>x</t></si></sst>'},
                                     "cell A2, row 2, column 'program': the cell refers to "
                                     "shared string 7, but the workbook has 1"),
    "cell_past_xfd": (_cells('<c r="XFE2"><v>1</v></c>'), {}, "a cell past column XFD"),
    "boolean_maybe": (_cells('<c r="A2" t="b"><v>maybe</v></c>'), {},
                      "cell A2, row 2, column 'program': the true/false cell holds 'maybe'"),
    "chart_sheet_as_a_table": ({"programs": f'<chartsheet xmlns="{MAIN}"/>'},
                               {"kinds": {"programs": "chartsheet"}},
                               "sheet programs: is a chart sheet, not a sheet of cells"),
}  # fmt: skip


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_workbook_is_one_line_naming_sheet_and_cell(case, tmp_path):
    sheets, extra, words = BROKEN[case]
    line = _check(make_book(tmp_path / "plan.xlsx", sheets, **extra))
    assert line.startswith("error: plan.xlsx, "), line
    assert words in line, line


# 8: other files named as what they are; hidden sheets said; no warnings leak

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _ods(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return path


@pytest.mark.parametrize(
    ("name", "make", "words", "fix"),
    [
        ("plan.xlsx", lambda p: p.write_bytes(_OLE), "Excel 97-2003 workbook (.xls)", "Save As"),
        ("plan.xls", lambda p: p.write_bytes(_OLE), "Excel 97-2003 workbook (.xls)", "Save As"),
        ("plan.xlsx", _ods, "OpenDocument spreadsheet (.ods)", "Save As"),
        ("plan.ods", _ods, "OpenDocument spreadsheet (.ods)", "Save As"),
        (
            "plan.xlsx",
            lambda p: p.write_bytes(_OLE + "EncryptedPackage".encode("utf-16-le")),
            "password-protected",
            "remove the password",
        ),  # fmt: skip
    ],
)
def test_another_kind_of_file_is_named_with_how_to_save_it(name, make, words, fix, tmp_path):
    make(tmp_path / name)
    line = _check(tmp_path / name)
    assert line.startswith(f"error: {name}: is "), line
    assert words in line, line
    assert fix in line.split("Fix: ")[1], line


def test_hidden_sheets_are_said(baseline_book, tmp_path):
    path = _copy(baseline_book, tmp_path)
    wb = load_workbook(path)
    wb["markets"].sheet_state = "veryHidden"
    wb.create_sheet("scratch").sheet_state = "hidden"
    wb.save(path)
    inp = load_inputs(path)
    assert inp.markets == load_inputs(BASELINE).markets  # read, and said
    said = [n for n in inp.notes if "sheet markets" in n]
    assert len(said) == 1, inp.notes
    assert "very hidden" in said[0], said
    assert "is read" in said[0], said
    assert "Visible" in said[0]
    assert any("sheet scratch" in n and "not read" in n for n in inp.notes), inp.notes


def test_modern_dropdowns_and_data_bars_warn_nothing(tmp_path):
    ext = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.'
        'microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1">'
        '<x14:dataValidation type="list"><x14:formula1><xm:f xmlns:xm="http://schemas.microsoft'
        '.com/office/excel/2006/main">pools!$A$2:$A$9</xm:f></x14:formula1><xm:sqref xmlns:xm='
        '"http://schemas.microsoft.com/office/excel/2006/main">A2</xm:sqref></x14:dataValidation>'
        "</x14:dataValidations></ext></extLst>"
    )
    xml = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
           f"program</t></is></c></row></sheetData>{ext}</worksheet>")  # fmt: skip
    path = make_book(tmp_path / "plan.xlsx", {"programs": xml})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        err = _error(path)
    assert [str(w.message) for w in caught] == []
    assert "sheet phases: sheet is missing" in str(err)


def test_a_csv_file_given_as_the_dataset_says_to_pass_its_folder(tmp_path):
    shutil.copy(DATA / "greedy" / "programs.csv", tmp_path / "programs.csv")
    line = _check(tmp_path / "programs.csv")
    assert line.startswith("error: programs.csv: is one CSV table"), line


def test_a_missing_or_corrupt_sheet_part_is_one_line(tmp_path):
    good = make_book(tmp_path / "good.xlsx", _cells('<c r="A2"><v>1</v></c>'))
    with zipfile.ZipFile(good) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    with zipfile.ZipFile(tmp_path / "missing.xlsx", "w") as z:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                z.writestr(name, data)
    assert "sheet programs: cannot be unzipped" in _check(tmp_path / "missing.xlsx")
    data = bytearray(good.read_bytes())
    start = data.index(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    data[start + 2 : start + 40] = b"\xff" * 38  # inside the deflated sheet
    (tmp_path / "corrupt.xlsx").write_bytes(bytes(data))
    assert "sheet programs: cannot be unzipped" in _check(tmp_path / "corrupt.xlsx")
