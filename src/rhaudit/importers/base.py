"""What every importer returns, and helpers shared by the importers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..workspace import Rejection


class ImportError_(Exception):
    """A file cannot be imported at all (message in French, naming the file and what to do)."""


@dataclass
class ParsedFile:
    """The canonical tables read from one source file, and what was rejected."""

    path: Path
    kind: str  # "pes", "paie_tableur", "absences", "agents"
    tables: dict[str, pd.DataFrame]  # canonical table name -> frame
    records_read: int  # payslips (PES) or rows (tabular payroll: one per pay line; absences, agents) in the input
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def records_imported(self) -> int:
        # A tabular payroll export has one row per pay line: its records are the pay lines.
        main = {"pes": "payslips", "paie_tableur": "pay_lines", "absences": "absences", "agents": "agents"}[self.kind]
        df = self.tables.get(main)
        return 0 if df is None else len(df)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
