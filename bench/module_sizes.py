"""Module sizes, largest first: a report, not a test (issue 26: a size rule splits modules by
length, not meaning). Modules past 400 lines are marked, to be looked at for a seam.

    python bench/module_sizes.py
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "allocator"
LOOK_AT = 400


def main() -> None:
    sizes = sorted(
        ((p.read_text(encoding="utf-8").count("\n"), p.relative_to(PACKAGE)) for p in
         PACKAGE.rglob("*.py")),
        reverse=True,
    )  # fmt: skip
    for lines, path in sizes:
        mark = "  <- over 400 lines: is there a seam?" if lines > LOOK_AT else ""
        print(f"{lines:6d}  {path}{mark}")
    print(f"{len(sizes)} modules, {sum(n for n, _ in sizes):,} lines")


if __name__ == "__main__":
    main()
