"""The rows of finished samples appended to a sweep's tables (sweep.csv, sweep_programs.csv,
sweep_plan.csv) as they come in, each batch whole or not at all (`sweepstream`)."""

from __future__ import annotations

from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import numpy as np

from allocator.studies.sweepstream import AppendFile, csv_text

OUTCOMES = ["sample", "status", "objective", "jobs", "exports_musd", "targets_missed", "message"]
"""sweep.csv's columns before the sampled values', one row a sample."""


class StreamWriter:
    """Appends finished samples to sweep.csv, sweep_programs.csv and sweep_plan.csv, so a killed
    or stopped sweep keeps what it finished and `--resume` continues it (`sweepstream`): each
    batch is on disk whole or not at all, its sweep.csv rows (the samples' commit) last."""

    def __init__(
        self, folder: Path, labels: list[str], values: np.ndarray, plan: list[str] | None = None
    ) -> None:
        from allocator.studies.plantable import PlanTable

        self.values, self.labels = values, labels
        with ExitStack() as opened:  # a file that cannot be opened closes those before it
            self.plan = PlanTable(folder / "sweep_plan.csv", plan or [])
            opened.callback(self.plan.close)
            self.prog = AppendFile(folder / "sweep_programs.csv")
            opened.callback(self.prog.close)
            self.main = AppendFile(folder / "sweep.csv")
            opened.callback(self.main.close)
            # a file left empty (stopped before its first row) gets its header, like a new one
            if self.prog.size() == 0:
                self.prog.append(csv_text([["sample", "program", "invest_musd"]]))
            if self.main.size() == 0:
                self.main.append(csv_text([OUTCOMES + labels]))
            opened.pop_all()

    def write(self, rows: list[dict[str, Any]]) -> int:
        """Append the rows of finished samples; a fault (a full disk, Ctrl-C) cuts the batch off
        again and closes the files, so --resume solves its samples again."""
        sizes = [f.size() for f in self._files()]
        try:
            return self._write(rows)
        except BaseException:
            for f, size in zip(self._files(), sizes, strict=True):
                with suppress(OSError):  # cutting a file shorter frees space: it works
                    f.rollback(size)
            self.close()
            raise

    def _files(self) -> list[AppendFile]:
        return [self.plan.file, self.prog, self.main]

    def _write(self, rows: list[dict[str, Any]]) -> int:
        main, prog = [], []
        for r in rows:
            k = int(r["sample"])
            main.append(
                [
                    k,
                    r["status"],
                    _g(r.get("objective")),
                    _g(r.get("jobs")),
                    _g(r.get("exports")),
                    _g(r.get("targets_missed")),
                    r.get("message", ""),
                ]
                + [_g(v) for v in self.values[k]]
            )
            prog += [[k, p, _g(musd)] for p, musd in sorted(r.get("programs", {}).items())]
            self.plan.write(k, r.get("plan"))
        self.plan.flush()
        self.prog.append(csv_text(prog))
        self.main.append(csv_text(main))  # last: a sample is done once its row is here
        return len(rows)

    def close(self) -> None:
        """Close the tables (a second close does nothing)."""
        self.plan.close()
        self.prog.close()
        self.main.close()


def _g(v: Any) -> str:
    return "" if v is None else f"{v:.12g}"
