"""The document every output is built as, before it is rendered to Excel, HTML or the terminal.

A `Document` is a list of `Sheet`s; a sheet holds blocks: `Text` (paragraphs, legal text, method
notes), `Table` (typed columns, rows, an optional totals row, a numbered title and a source line)
and `Chart` (bars or lines, with an optional reference line such as 1,607 h). The renderers
(excel.py, html.py, terminal.py, tabular.py) only lay out what the document says, so that the
same figures reach every output.

Column kinds drive the formats: text, int, eur (`# ##0,00 €`), pct (`0,0 %`, values as ratios),
hours and number (`# ##0,00`), year (a number without thousands separator), date (real dates).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

KINDS = ("text", "int", "year", "eur", "pct", "hours", "number", "date")
NUMERIC_KINDS = ("int", "year", "eur", "pct", "hours", "number")


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"
    total: bool = False  # summed in the totals row
    wrap: int | None = None  # text wider than this many characters is wrapped (None: default)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind}")


@dataclass
class Table:
    columns: list[Column]
    rows: list[dict]
    title: str = ""  # "Effectifs par statut" (the number is added by the document)
    source: str = ""  # "Source : fichiers de paie 2025, calcul rhaudit"
    note: str = ""  # method note under the table
    totals_label: str | None = None  # "Total": a totals row summing the columns with total=True
    links: dict[int, str] = field(default_factory=dict)  # row index -> sheet name (first column links to it)
    number: int | None = None  # set by Document.number_tables()
    filters: bool = True

    def totals(self) -> dict:
        out: dict[str, Any] = {}
        for c in self.columns:
            if c.total:
                out[c.key] = round(sum(v for r in self.rows if is_number(v := r.get(c.key))), 2)
        if self.columns and self.totals_label:
            out.setdefault(self.columns[0].key, self.totals_label)
        return out

    @property
    def heading(self) -> str:
        if self.number is None:
            return self.title
        return f"Tableau n° {self.number} — {self.title}" if self.title else f"Tableau n° {self.number}"


@dataclass
class Text:
    text: str
    style: str = "normal"  # normal | heading | legal | note | warning


@dataclass
class Chart:
    title: str
    categories: list[str]
    series: dict[str, list[float]]  # name -> values, one per category
    kind: str = "bar"  # bar | line
    y_label: str = ""
    reference: tuple[str, float] | None = None  # ("1 607 h", 1607.0): a horizontal line


@dataclass
class Sheet:
    name: str  # Excel sheet name (<= 31 characters, no []:*?/\)
    title: str
    blocks: list = field(default_factory=list)

    def add(self, *blocks) -> "Sheet":
        self.blocks.extend(blocks)
        return self

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass
class Document:
    title: str  # "Audit RH et paie 2025"
    collectivite: str = ""
    period: str = ""
    sources: list[str] = field(default_factory=list)  # source files (names, with hashes when known)
    version: str = ""
    run_date: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    sheets: list[Sheet] = field(default_factory=list)
    assumptions: str = ""  # e.g. the simulator's year, territory, headcount, ETP cost

    def sheet(self, name: str, title: str) -> Sheet:
        s = Sheet(safe_sheet_name(name, {x.name for x in self.sheets}), title)
        self.sheets.append(s)
        return s

    def number_tables(self) -> None:
        """Number the titled tables in reading order: "Tableau n° 1 — …"."""
        n = 0
        for s in self.sheets:
            for t in s.tables():
                if t.title:
                    n += 1
                    t.number = n


def safe_sheet_name(name: str, taken: set[str] = frozenset()) -> str:
    clean = "".join("-" if ch in '[]:*?/\\' else ch for ch in name).strip("'")[:31] or "Feuille"
    out, i = clean, 2
    while out in taken:
        suffix = f" ({i})"
        out, i = clean[: 31 - len(suffix)] + suffix, i + 1
    return out


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and not math.isfinite(v))


def clean_value(v):
    """A JSON/Excel-safe value: NaN, NaT, infinities and pandas NA become None; numpy scalars
    become Python ones; a float with no fraction stays a float (its column kind decides)."""
    if v is None:
        return None
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, pd.Timestamp):
            return v.to_pydatetime()
    except ImportError:  # pragma: no cover
        pass
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
