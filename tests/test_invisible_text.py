"""Invisible characters in a name: a zero-width space, a word joiner, a byte-order mark inside
a cell, a soft hyphen, a Hangul filler or a stray tag character shows as nothing, so two names
that look the same could differ (a program in a report that is not the one a planner typed).
Refused in every one-line cell (names, ids, references) and every one-line string of a model
file, in one line naming file, row, column and the character; free text (notes, sources) may
hold them, as text pasted from a PDF or a web page does; the joiners (ZWJ, ZWNJ), variation
selectors and an emoji flag's tag sequence are text and round-trip (rule and reasons:
data/plaintext.py). Copies of tests/data/greedy, in-process.
"""

from __future__ import annotations

import sys
import unicodedata

import pytest

from allocator.data import plaintext
from conftest import invoke
from test_hunt_control import dataset, refusal

ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
"""The flag of England: a black flag, the tags 'gbeng' and the cancel tag."""

INVISIBLE = {
    "\u200b": "U+200B (ZERO WIDTH SPACE",
    "\u2060": "U+2060 (WORD JOINER",
    "\ufeff": "U+FEFF (ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "U+00AD (SOFT HYPHEN",
    "\u3164": "U+3164 (HANGUL FILLER",
    "\U000e0067": "U+E0067 (TAG LATIN SMALL LETTER G",
    "\U000e0001": "U+E0001 (LANGUAGE TAG",
    "\u2063": "U+2063 (INVISIBLE SEPARATOR",
}


@pytest.mark.parametrize("ch", list(INVISIBLE))
def test_an_invisible_character_in_a_name_is_refused_naming_it(tmp_path, ch):
    res = invoke("check", "--inputs", dataset(tmp_path, name=f"copper{ch} mine"))
    line = refusal(res, "programs.csv, row 2, column 'name': ")
    assert INVISIBLE[ch] in line
    assert "shows as nothing" in line


def test_a_zero_width_space_in_a_note_is_kept(tmp_path):
    """Free text pasted from a web page keeps what it holds."""
    from allocator.data.inputs import load_inputs

    note = "see p.\u00ad12\u200b of the plan\ufeff"
    assert load_inputs(dataset(tmp_path, note=note)).programs[0].note == note


@pytest.mark.parametrize(
    "name",
    [
        f"flag {ENGLAND} team",  # a tag sequence inside an emoji flag
        "scientist \U0001f469\u200d\U0001f52c",  # ZWJ
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # ZWNJ (Persian)
        "mining \u26cf\ufe0f",  # a variation selector
    ],
)
def test_joiners_selectors_and_flag_tags_are_text(tmp_path, name):
    from allocator.data.inputs import load_inputs

    assert load_inputs(dataset(tmp_path, name=name)).programs[0].name == name


def test_a_cancel_tag_without_its_flag_is_refused(tmp_path):
    res = invoke("check", "--inputs", dataset(tmp_path, name="flag \U000e0067\U000e007f"))
    assert "U+E0067" in refusal(res, "programs.csv, row 2, column 'name': ")


def test_a_model_files_one_line_string_refuses_a_zero_width_space(tmp_path):
    root = dataset(tmp_path)
    model = tmp_path / "m.yaml"
    model.write_text(f'dataset: "{root}\\u200b"\nobjective: jobs\n', encoding="utf-8")
    res = invoke("solve", str(model), "--out", str(tmp_path / "run"))
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.splitlines()
    assert "U+200B (ZERO WIDTH SPACE" in line
    assert "m.yaml at line 1" in line
    assert "a model file's description" in line  # where it may stand
    assert not (tmp_path / "run").exists()


def test_the_refused_set_is_unicodes_format_characters_but_those_that_are_text():
    """The hand-written class is checked against unicodedata: every format character (Cf) that
    is not a bidirectional control (refused as such), a joiner, or a prepended or script format
    mark that shows is refused (the tags too, but inside a flag: the test above), and the two
    Hangul fillers that stand alone."""
    kept = {0x200C, 0x200D} | set(range(0x600, 0x606)) | {0x6DD, 0x70F, 0x890, 0x891, 0x8E2}
    kept |= {0x110BD, 0x110CD} | set(range(0x13430, 0x13439)) | set(range(0x1BCA0, 0x1BCA4))
    kept |= set(range(0x1D173, 0x1D17B)) | {0x180E}  # Mongolian: shapes the letters around it
    bidi = {0x61C, 0x200E, 0x200F} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
    want = {
        c
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) == "Cf" and c not in kept | bidi
    } | {0x3164, 0xFFA0}
    got = {c for c in range(sys.maxunicode + 1) if plaintext.INVISIBLE.match(chr(c))}
    assert got == want
