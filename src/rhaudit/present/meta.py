"""What every output says about itself: collectivité, period, source files, version, run date."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from .document import Document

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")


def period_label(first: tuple[int, int] | None, last: tuple[int, int] | None) -> str:
    """(2025, 1), (2025, 12) -> "janvier à décembre 2025"."""
    if not first or not last:
        return ""
    (y1, m1), (y2, m2) = first, last
    if (y1, m1) == (y2, m2):
        return f"{MONTHS_FR[m1 - 1]} {y1}"
    if y1 == y2:
        return f"{MONTHS_FR[m1 - 1]} à {MONTHS_FR[m2 - 1]} {y1}"
    return f"{MONTHS_FR[m1 - 1]} {y1} à {MONTHS_FR[m2 - 1]} {y2}"


def workspace_document(ws, title: str, collectivite: str | None = None, years: list[int] | None = None) -> Document:
    """A document headed with the workspace's collectivité (the most frequent establishment of the
    payslips unless given), period (first and last month), and imported files with their hashes."""
    slips = ws.read("payslips", years, columns=["year", "month", "establishment"])
    distinct = slips[["year", "month"]].drop_duplicates()
    months = sorted({(int(y), int(m)) for y, m in zip(distinct["year"], distinct["month"])}) if len(slips) else []
    if collectivite is None and "establishment" in slips and slips["establishment"].notna().any():
        collectivite = str(slips["establishment"].dropna().astype(str).value_counts().index[0])
    sources = [f"{Path(e['path']).name} (SHA-256 {e['sha256'][:12]}…)" for e in ws.read_log()]
    return Document(title, collectivite=collectivite or "", period=period_label(months[0] if months else None,
                                                                                months[-1] if months else None),
                    sources=sources, version=__version__)
