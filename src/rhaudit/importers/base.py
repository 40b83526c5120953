"""What every importer returns, and helpers shared by the importers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


# A payroll year outside this range is a damaged or wrongly exported file (Annee 0, 99999).
PLAUSIBLE_YEARS = (1950, 2100)


@dataclass
class Rejection:
    """An input record that was not imported, and why (French)."""

    file: str
    position: int | None  # line in the file
    record: str  # "bulletin", "ligne de paie", "absence", "agent", "fichier"
    reason: str
    matricule: str | None = None
    year: int | None = None
    month: int | None = None

    def describe(self) -> str:
        where = f"{self.file}" + (f", ligne {self.position}" if self.position else "")
        who = f", agent {self.matricule}" if self.matricule else ""
        when = f", {self.month:02d}/{self.year}" if self.year and self.month else ""
        return f"{where}{who}{when} : {self.record} rejeté(e) — {self.reason}"


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
        main = {"pes": "payslips", "dsn": "payslips", "paie_tableur": "pay_lines", "absences": "absences", "agents": "agents",
                "soldes": "leave_balances"}[self.kind]
        df = self.tables.get(main)
        return 0 if df is None else len(df)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# A French social security number (NIR): sex digit (1, 2; 3, 4, 7, 8 for provisional numbers),
# year, month (01-12, or 20-99 when unknown), department (2A/2B for Corsica), commune, order,
# optional 2-digit key: 13 or 15 characters. People write it with spaces, dots, dashes,
# underscores or slashes between the groups ("1 85 07 99 123 456 78", "1.85.07.99.123.456-78"); a
# damaged export may leave a quote or a control character there (« 1" 85 »): one or two
# characters that are neither letters nor digits separate two groups.
_MONTH = r"(?:0[1-9]|1[0-2]|[2-9]\d)"
_NIR = re.compile(rf"^[1-478]\d{{2}}{_MONTH}(?:\d{{2}}|2[AB])\d{{6}}(?:\d{{2}})?$")
_SEPARATORS = re.compile(r"[\W_]")
_S = r"[\W_]{0,2}"  # an optional separator (one or two characters) between two groups
_NIR_IN_TEXT = re.compile(
    rf"(?<!\d)([1-478]){_S}(\d{{2}}){_S}({_MONTH}){_S}((?:\d{{2}}|2[AB])){_S}(\d{{3}}){_S}(\d{{3}})"
    rf"(?:{_S}(\d{{2}}))?(?!\d)",
    re.IGNORECASE,
)


_LONG_SPACED_NUMBER = re.compile(r"(?<!\d)\d(?:[ \u00a0\u202f]{0,2}\d){11,}(?!\d)")


def _compact(value) -> str:
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0", text):  # Excel gives 1850799123456.0
        text = text[:-2]
    return _SEPARATORS.sub("", text).upper()


def looks_like_nir(value) -> bool:
    """Whether a value (a matricule, a cell) is in fact a NIR, in any of its written forms."""
    if value is None or len(str(value)) < 13:  # 13 or 15 characters, and _compact only removes some
        return False
    return bool(_NIR.match(_compact(value)))


def contains_nir(value) -> bool:
    """Whether a value is a NIR or a text holding one ("agent 1 85 07 99 123 456 78")."""
    return masked_nir_in(value) is not None


def masked_nir_in(value) -> str | None:
    """The (first) NIR of a value, masked; None when it holds none."""
    if looks_like_nir(value):
        return mask_nir(value)
    m = _NIR_IN_TEXT.search(str(value))
    return mask_nir("".join(g for g in m.groups() if g)) if m else None


def mask_nir(value) -> str:
    """A NIR with only sex, year and month of birth shown: "1 85 07 ** *** *** **"."""
    nir = _compact(value)
    masked = f"{nir[0]} {nir[1:3]} {nir[3:5]} ** *** ***"
    return masked + (" **" if len(nir) == 15 else "")


def mask_nirs_in(text: str) -> str:
    """`text` with every NIR in it masked (mask_nir); other text unchanged."""
    text = str(text)
    if looks_like_nir(text):
        return mask_nir(text)
    text = _NIR_IN_TEXT.sub(lambda m: mask_nir("".join(g for g in m.groups() if g)), text)
    # What is left of a NIR cut in two by a CSV separator ("1;85 07 99 123 456 78") is still
    # personal: any other run of 12 digits or more spaced like a NIR is hidden too.
    return _LONG_SPACED_NUMBER.sub("[numéro masqué]", text)
