"""Reading files: what a table really is, its encoding and line ends, its size, and model-file YAML.

The corpus (tests/broken: latin1_cr_line_ends, gzip_file, utf16_as_csv, zip_as_csv, xlsx_as_csv,
huge_cell) covers the static cases through `check` and `solve`; this file covers what cannot be a
static file (folders, links, devices, FIFOs, files past a size limit) and the model-file loader.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from allocator.data import inputs, modelfile
from allocator.data.inputs import load_inputs
from allocator.data.modelfile import load_model_file
from allocator.errors import InputError, UsageError
from conftest import DATA, ROOT, copy_dataset

PROGRAMS = (DATA / "greedy" / "programs.csv").read_bytes()


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return copy_dataset(DATA / "greedy", tmp_path / "inputs")


def refusal(folder: Path) -> str:
    with pytest.raises(InputError) as err:
        load_inputs(folder)
    return str(err.value)


def printable(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


# --- line ends and encodings -----------------------------------------------------------------


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_a_latin1_cell_is_named_whatever_the_line_ends(dataset, end):
    data = PROGRAMS.replace(
        b"b,s1,2025,2026,100,0,6,hand-solved", b"b,s1,2025,2026,100,0,6,Caf\xe9"
    )
    (dataset / "programs.csv").write_bytes(data.replace(b"\n", end))
    message = refusal(dataset)
    assert message.startswith(
        r"programs.csv, row 3, column 'source': 'Caf\xe9 test case' is not UTF-8 text"
    ), message


def test_old_mac_line_ends_read_like_unix_ones(dataset):
    (dataset / "programs.csv").write_bytes(PROGRAMS.replace(b"\n", b"\r"))
    programs = load_inputs(dataset).programs
    assert [(p.program, p.line, p.cap_musd, p.jobs_per_musd) for p in programs] == [
        ("a", 2, 60, 10),
        ("b", 3, 100, 6),
        ("c", 4, 100, 2),
    ]


UTF16_LE_NO_BOM = PROGRAMS.decode().encode("utf-16-le")
UTF16_BE = PROGRAMS.decode().encode("utf-16-be")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (UTF16_LE_NO_BOM, "UTF-16 text"),
        (b"\xfe\xff" + UTF16_BE, "UTF-16 text"),
        (UTF16_BE, "UTF-16 text"),
        (PROGRAMS.decode().encode("utf-32"), "UTF-32 text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "an Excel 97-2003 workbook (.xls)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
    ],
    ids=["utf16le-no-bom", "utf16be-bom", "utf16be-no-bom", "utf32", "xls", "pdf"],
)
def test_the_real_kind_of_a_file_is_named(dataset, data, kind):
    (dataset / "programs.csv").write_bytes(data)
    message = refusal(dataset)
    assert message.startswith(f"programs.csv: the file is {kind}"), message
    assert "Latin-1" not in message
    assert "CSV UTF-8" in message.split("Fix: ", 1)[1]
    assert printable(message), repr(message)


def test_an_ods_spreadsheet_is_named(dataset):
    import zipfile

    with zipfile.ZipFile(dataset / "programs.csv", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    assert refusal(dataset).startswith(
        "programs.csv: the file is an OpenDocument spreadsheet (.ods), not CSV text"
    )


def test_control_characters_in_a_file_are_shown_escaped(dataset):
    (dataset / "programs.csv").write_bytes(
        b"program,\x1b[31mred\x07\n" + PROGRAMS.split(b"\n", 1)[1]
    )
    message = refusal(dataset)
    assert printable(message), repr(message)
    assert r"\x1b[31mred\x07" in message, message


def test_bidi_controls_in_a_cell_are_shown_escaped(dataset):
    # U+202E would reverse the rest of the terminal line, hiding what the cell really says
    (dataset / "pools.csv").write_text(
        "pool,phase,budget_musd,source\npub\u202elic,p1,120,x\n", encoding="utf-8"
    )
    message = refusal(dataset)
    assert message.startswith("pools.csv, row 2, column 'pool'"), message
    assert printable(message), repr(message)
    assert r"'pub\u202elic' holds U+202E" in message, message  # refused as such


# --- what is at the path ---------------------------------------------------------------------


def _folder(path: Path) -> None:
    path.mkdir()


def _loop(path: Path) -> None:
    other = path.with_name("other.csv")
    other.symlink_to(path.name)
    path.symlink_to(other.name)


def _dangling(path: Path) -> None:
    path.symlink_to("gone.csv")


def _devnull(path: Path) -> None:
    path.symlink_to(os.devnull)


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_folder, "programs.csv: is a folder, not a file"),
        (_loop, "programs.csv: is a symbolic link that loops"),
        (_dangling, "programs.csv: is a symbolic link to 'gone.csv', which does not exist"),
        (_devnull, "programs.csv: is a character device (such as /dev/null), not a file"),
    ],
    ids=["folder", "loop", "dangling", "devnull"],
)
def test_what_is_at_the_path_is_said(dataset, make, said):
    (dataset / "programs.csv").unlink()
    make(dataset / "programs.csv")
    message = refusal(dataset)
    assert message.startswith(said), message
    assert "missing" not in message


def test_an_optional_table_that_is_a_folder_is_refused_not_skipped(dataset):
    (dataset / "facts.csv").mkdir()
    assert refusal(dataset).startswith("facts.csv: is a folder, not a file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_is_refused_without_waiting_for_a_writer(dataset):
    (dataset / "programs.csv").unlink()
    os.mkfifo(dataset / "programs.csv")
    # nothing ever writes to the pipe: an open() that waits for a writer hangs until the timeout
    res = subprocess.run(
        [sys.executable, "-m", "allocator.cli", "check", "--inputs", str(dataset)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "programs.csv: is a named pipe (FIFO), not a file" in lines[0]


# --- sizes -----------------------------------------------------------------------------------


def test_a_table_past_the_size_limit_is_refused_before_it_is_read(dataset):
    # a sparse file: the size is there, the bytes (NULs, which would read as "binary") are not
    with open(dataset / "programs.csv", "r+b") as fh:
        fh.truncate(inputs.MAX_TABLE_BYTES + 1)
    message = refusal(dataset)
    assert message.startswith(
        f"programs.csv: the file is {inputs.MAX_TABLE_BYTES + 1:,} bytes, more than the limit "
        f"of {inputs.MAX_TABLE_BYTES:,}"
    ), message


def test_the_stated_limits_are_generous_and_documented():
    assert inputs.MAX_TABLE_BYTES >= 10_000_000
    assert inputs.MAX_TABLE_ROWS >= 50_000
    assert modelfile.MAX_OVERRIDES >= 1_000
    pages = ("README.md", "inputs/README.md", "docs/trust.md")
    docs = "".join((ROOT / page).read_text(encoding="utf-8") for page in pages)
    for value in (inputs.MAX_TABLE_BYTES, inputs.MAX_TABLE_ROWS, modelfile.MAX_OVERRIDES):
        assert f"{value:,}" in docs, value


def test_a_table_past_the_row_limit_names_the_first_row_too_many(dataset, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_TABLE_ROWS", 3)
    assert len(load_inputs(dataset).programs) == 3  # exactly the limit is fine
    (dataset / "programs.csv").write_bytes(PROGRAMS + b"d,s2,2025,2026,1,0,1,x\n")
    message = refusal(dataset)
    assert message.startswith("programs.csv, row 5: the table has more than 3 rows"), message


def test_a_huge_quoted_cell_names_its_row_and_column(dataset):
    cell = '"' + "line\n" * 30_000 + '"'  # 150,000 characters over 30,001 physical lines
    (dataset / "programs.csv").write_text(
        f"program,source,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd\n"
        f"a,ok,s1,2025,2026,60,0,10\nb,{cell},s1,2025,2026,100,0,6\n",
        encoding="utf-8",
    )
    message = refusal(dataset)
    assert message.startswith(
        "programs.csv, row 3, column 'source': the cell holds 150,000 characters, more than the "
        "limit of 131,072"
    ), message
    assert "quotes" not in message


# --- model files -----------------------------------------------------------------------------


def model(tmp_path: Path, text: str) -> Path:
    (tmp_path / "models").mkdir(exist_ok=True)
    (tmp_path / "inputs").mkdir(exist_ok=True)
    path = tmp_path / "models" / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def model_refusal(path: Path) -> str:
    with pytest.raises(UsageError) as err:
        load_model_file(path)
    return str(err.value)


def test_a_duplicate_key_is_refused_with_both_lines(tmp_path):
    path = model(
        tmp_path, "dataset: ../inputs\nobjective: jobs\ntargets: off\nobjective: exports\n"
    )
    message = model_refusal(path)
    assert message.startswith(
        f"{path} at line 4: not a valid model file (key 'objective' appears twice, first at line 2)"
    ), message


def test_a_duplicate_key_inside_an_override_is_refused(tmp_path):
    path = model(
        tmp_path,
        "dataset: ../inputs\noverrides:\n  - scale_budget:\n      pool: public\n"
        "      factor: 2\n      factor: 0.5\n",
    )
    assert "at line 6: not a valid model file (key 'factor' appears twice" in model_refusal(path)


def test_merge_keys_are_not_duplicates(tmp_path):
    path = model(
        tmp_path,
        "dataset: ../inputs\noverrides:\n  - scale_budget: &s {pool: public, factor: 2}\n"
        "  - scale_budget:\n      <<: *s\n      factor: 0.5\n",
    )
    mf, _ = load_model_file(path)
    assert [(o.scale_budget.pool, o.scale_budget.factor) for o in mf.overrides] == [
        ("public", 2),
        ("public", 0.5),
    ]


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path):
    path = model(tmp_path, "dataset: ../inputs\ndescription: " + "[" * 10_000 + "]" * 10_000 + "\n")
    message = model_refusal(path)
    assert message.startswith(f"{path} at line 2: not a valid model file (nested more than"), (
        message
    )


def test_python_tags_are_still_refused(tmp_path):
    path = model(tmp_path, "dataset: !!python/object/apply:os.system ['echo hacked']\n")
    assert "not a valid model file" in model_refusal(path)


def test_too_many_overrides_are_refused_before_validation(tmp_path):
    count = modelfile.MAX_OVERRIDES + 1
    path = model(tmp_path, "dataset: ../inputs\noverrides:\n" + "- exclude_pool: x\n" * count)
    message = model_refusal(path)
    assert message.startswith(
        f"{path}: {count:,} overrides, more than the limit of {modelfile.MAX_OVERRIDES:,}"
    ), message


def test_a_model_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = model(tmp_path, "dataset: ../inputs\n")
    with open(path, "r+b") as fh:
        fh.truncate(modelfile.MAX_MODEL_FILE_BYTES + 1)
    message = model_refusal(path)
    assert message.startswith(
        f"{path}: the file is {modelfile.MAX_MODEL_FILE_BYTES + 1:,} bytes, more than the limit "
        f"of {modelfile.MAX_MODEL_FILE_BYTES:,}"
    ), message
    assert "CSV tables" in message.split("Fix: ", 1)[1]


def test_a_model_file_under_a_file_is_not_found_not_a_traceback(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    path = tmp_path / "notes.txt" / "m.yaml"
    assert model_refusal(path).startswith(f"model file {path} not found")


def test_a_model_file_that_is_a_folder_is_said(tmp_path):
    path = tmp_path / "models" / "m.yaml"
    path.mkdir(parents=True)
    assert model_refusal(path).startswith(f"{path}: is a folder, not a file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_model_file_that_is_a_fifo_does_not_block(tmp_path):
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "m.yaml"
    os.mkfifo(path)
    res = subprocess.run(
        [sys.executable, "-m", "allocator.cli", "solve", str(path), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert res.returncode == 2, res.stderr
    assert f"{path}: is a named pipe (FIFO), not a file" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
