"""A fix names the place with one article: "choose an OUT_FILE", "a --out", and the default
run folder (no --out given) as itself, never "a the default run folder"."""

from __future__ import annotations

from allocator.report.faults import a_label
from allocator.report.folders import DEFAULT_FOLDER


def test_each_label_has_one_article():
    assert a_label("OUT_FILE") == "an OUT_FILE"
    assert a_label("RUN_DIR") == "a RUN_DIR"
    assert a_label("--out") == "a --out"
    assert a_label(DEFAULT_FOLDER) == DEFAULT_FOLDER
    assert not a_label(DEFAULT_FOLDER).startswith("a the")
