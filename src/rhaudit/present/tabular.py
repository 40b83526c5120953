"""CSV and JSON of the presentation layer.

CSV: French headers (the columns' labels), `;` separator, decimal comma, UTF-8 with BOM (Excel
opens it as is), integers written as integers (`2025`, never `2025,0`), dates as JJ/MM/AAAA.
JSON: always valid (NaN and infinities become null, numpy and pandas scalars plain values).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path

from .document import Table, clean_value, is_number


def csv_cell(v, kind: str = "text") -> str:
    v = clean_value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "oui" if v else "non"
    if kind in ("int", "year") and is_number(v):
        return str(int(round(v)))
    if isinstance(v, int):
        return str(v)
    if kind in ("eur", "hours", "number") and is_number(v):
        return f"{v:.2f}".replace(".", ",")
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(round(v, 4)).replace(".", ",")
    if isinstance(v, (dt.date, dt.datetime)):
        return f"{v:%d/%m/%Y}"
    return str(v)


def table_csv(t: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow([c.label for c in t.columns])
    for r in t.rows:
        w.writerow([csv_cell(r.get(c.key), c.kind) for c in t.columns])
    return buf.getvalue()


def write_csv(t: Table, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table_csv(t), encoding="utf-8-sig")
    return path


def json_safe(obj):
    """`obj` with every non-finite float as None and numpy/pandas scalars as Python values."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    v = clean_value(obj)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def to_json(obj, indent: int | None = 1) -> str:
    return json.dumps(json_safe(obj), ensure_ascii=False, indent=indent, allow_nan=False, default=str)
