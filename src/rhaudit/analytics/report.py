"""Writing a set of named French tables as text, CSV, JSON or an Excel workbook.

Shared by `rhaudit payroll` and `rhaudit project`: each builds an ordered dict
{title: DataFrame} with French column labels; this module renders it in the chosen format.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from tabulate import tabulate

from ..fmt import fr_amount, fr_number

FORMATS = ("text", "xlsx", "csv", "json")


RAW_COLUMNS = ("Année", "Période")  # integers shown as they are (no thousands separator)


def _cell(value, column: str = "") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return fr_amount(float(value))
    if isinstance(value, (int, np.integer)) and not column.startswith(RAW_COLUMNS):
        return fr_number(int(value), 0)
    return str(value)


def render_text(tables: dict[str, pd.DataFrame], notes: list[str] = ()) -> str:
    out = []
    for title, df in tables.items():
        out.append(f"{title} :")
        if df.empty:
            out.append("  (aucune donnée)\n")
            continue
        rows = [[_cell(v, c) for v, c in zip(row, df.columns)] for row in df.itertuples(index=False, name=None)]
        align = tuple("left" if any(isinstance(v, str) for v in df[c]) else "right" for c in df.columns)
        out.append(tabulate(rows, headers=list(df.columns), tablefmt="simple", disable_numparse=True,
                            colalign=align) + "\n")
    out += list(notes)
    return "\n".join(out).rstrip() + "\n"


def long_csv(tables: dict[str, pd.DataFrame]) -> str:
    """All tables in one CSV (French separators): one block per table, its title on the first column."""
    parts = []
    for title, df in tables.items():
        df = df.map(lambda v: f"{v:.6f}".rstrip("0").rstrip(".").replace(".", ",") if isinstance(v, float) and not pd.isna(v) else v)
        parts.append(df.assign(**{"Tableau": title})[["Tableau"] + list(df.columns)].to_csv(sep=";", index=False))
    return "\n".join(parts)


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name (31 characters, no []:*?/\\), unique in the workbook."""
    base = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    name, n = base, 2
    while name in used:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def write_xlsx(tables: dict[str, pd.DataFrame], out: Path, notes: list[str] = (), title: str | None = None) -> dict[str, str]:
    """Write one sheet per table (plus a « Notes » sheet) through the presentation layer (French
    formats, title block, page set-up); return {title: sheet name}. Each table's header row is the
    first row of its sheet's filter (`ws.auto_filter.ref`)."""
    from .. import __version__
    from ..present.document import Document, Text
    from ..present.excel import write_workbook
    from ..present.frames import frame_table

    doc = Document(title or next(iter(tables), "Tableaux"), version=__version__)
    names: dict[str, str] = {}
    for title, df in tables.items():
        sheet = doc.sheet(title, title)
        names[title] = sheet.name
        sheet.add(frame_table(df) if not df.empty else Text("(aucune donnée)"))
    if notes:
        doc.sheet("Notes", "Notes").add(*[Text(n) for n in notes])
    write_workbook(doc, out)
    return names


def emit(tables: dict[str, pd.DataFrame], data, fmt: str, out: Path | None, default_xlsx: str,
         notes: list[str] = (), xlsx_hook=None) -> str:
    """Render in `fmt`; write to `out` when given (always for xlsx). Return the text to print."""
    if fmt == "xlsx":
        target = out or Path(default_xlsx)
        names = write_xlsx(tables, target, notes, Path(default_xlsx).stem.replace("_", " ").capitalize())
        if xlsx_hook:
            xlsx_hook(target, names)
        return f"Classeur écrit : {target}"
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=1)
    elif fmt == "csv":
        text = long_csv(tables)
    else:
        text = render_text(tables, notes)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        return f"Fichier écrit : {out}"
    return text
