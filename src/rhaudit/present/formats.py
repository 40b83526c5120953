"""French formats of values: Excel number formats and the text of a value for a terminal, HTML or CSV.

Excel stores number formats in a locale-neutral syntax that each reader displays with its own
separators: `#,##0.00 "€"` is shown `# ##0,00 €` by a French Excel. The `[$-40C]` prefix (French
(France)) makes LibreOffice use the French separators whatever the machine's locale.
"""

from __future__ import annotations

import datetime as dt
import math

from ..fmt import fr_cell, fr_grouped, fr_percent
from .document import is_number

FR = "[$-40C]"
EXCEL_FORMATS = {
    "int": FR + "#,##0",
    "year": "0",
    "eur": FR + '#,##0.00\\ "€"',
    "pct": FR + "0.0%",
    "hours": FR + "#,##0.00",
    "number": FR + "#,##0.00",
    "date": "DD/MM/YYYY",
    "text": "@",
}


def display(v, kind: str = "text") -> str:
    """A value as a French reader sees it in a cell of `kind` (Excel shows the same with its format)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if kind == "year" and is_number(v):
        return str(int(v))
    if kind in ("int",) and is_number(v):
        return fr_grouped(round(v), 0)
    if kind == "eur" and is_number(v):
        return fr_grouped(v, 2) + " €"
    if kind == "pct" and is_number(v):
        return fr_percent(v)
    if kind in ("hours", "number") and is_number(v):
        return fr_grouped(v, 2)
    if isinstance(v, (dt.date, dt.datetime)):
        return f"{v:%d/%m/%Y}"
    if isinstance(v, float):
        return fr_cell(v)
    return str(v)
