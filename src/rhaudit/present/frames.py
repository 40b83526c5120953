"""A pandas DataFrame with French column labels as a typed `Table` (kinds inferred from the values
and the labels), for the commands that build their tables as DataFrames (payroll, project)."""

from __future__ import annotations

import pandas as pd

from .document import Column, Table, clean_value, is_number

RAW_PREFIXES = ("Année", "Période")  # years are labels, not quantities (no thousands separator)
MONEY_WORDS = ("brut", "charges", "coût", "cout", "eur", "€", "smpt", "rmpp", "montant", "masse", "cotisation",
               "traitement", "indemnit", "écart", "ecart", "dépenses", "recettes", "chapitre")


def column_kind(label: str, values: list) -> str:
    numbers = [v for v in values if is_number(v)]
    if str(label).startswith(RAW_PREFIXES) or not numbers or len(numbers) < len([v for v in values if v is not None]):
        return "text"
    low = str(label).lower()
    if "%" in low:
        return "number"
    if all(float(v).is_integer() for v in numbers):
        return "int"
    return "eur" if any(w in low for w in MONEY_WORDS) else "number"


def frame_table(df: pd.DataFrame, title: str = "", source: str = "", note: str = "") -> Table:
    rows = [{str(k): clean_value(v) for k, v in r.items()} for r in df.to_dict("records")]
    cols = []
    for c in df.columns:
        kind = column_kind(str(c), [r[str(c)] for r in rows])
        if kind == "text":
            for r in rows:
                v = r[str(c)]
                r[str(c)] = None if v is None else (str(int(v)) if is_number(v) and float(v).is_integer() else v)
        cols.append(Column(str(c), str(c), kind, wrap=45 if kind == "text" else None))
    return Table(cols, rows, title=title, source=source, note=note)
