"""What every importer returns, and helpers shared by the importers."""

from __future__ import annotations

import hashlib
import re
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
    kind: str  # "pes", "dsn", "paie_tableur", "absences", "agents"
    tables: dict[str, pd.DataFrame]  # canonical table name -> frame
    records_read: int  # payslips (PES) or rows (tabular payroll: one per pay line; absences, agents) in the input
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # DSN only: the declarations of the file (establishment, year, month, type, line range).
    declarations: list[dict] = field(default_factory=list)

    @property
    def records_imported(self) -> int:
        # A tabular payroll export has one row per pay line: its records are the pay lines.
        main = {"pes": "payslips", "dsn": "payslips", "paie_tableur": "pay_lines", "absences": "absences", "agents": "agents"}[self.kind]
        df = self.tables.get(main)
        return 0 if df is None else len(df)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# A French social security number (NIR): sex digit, year, month, department (2A/2B for
# Corsica), commune, order, optional 2-digit key; 13 or 15 characters once spaces are removed.
_NIR = re.compile(r"^[1-478]\d{4}(\d{2}|2[AB])\d{6}(\d{2})?$")


def looks_like_nir(value) -> bool:
    """Whether a matricule is in fact a NIR (Excel may give it as 1850799123456.0)."""
    return bool(_NIR.match(re.sub(r"\s", "", str(value)).removesuffix(".0").upper()))
