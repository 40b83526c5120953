"""Versions of a DSN month, applied when the workspace is read: a declaration "annule et remplace"
(type 03) replaces the earlier ones of the same establishment and month, "annule" (04) cancels
them; a stop reported again in each month's DSN is kept once. Both the workspace (which reads the
current rows) and the DSN importer (which tells a replacement from a duplicate) use it, so it sits
below both. The import log's entries carry each file's declarations (importers.dsn)."""

from __future__ import annotations

import pandas as pd

KIND = "dsn"  # import-log kind of a DSN file
# Declaration types (S20.G00.05.002): 01 normale, 02 néant, 03 annule et remplace, 04 annule.
REPLACES, CANCELS = "03", "04"


def _declarations_in_order(log: list[dict]) -> list[dict]:
    """Every DSN declaration of the import log, in import order (then file order)."""
    out = []
    for order, entry in enumerate(log):
        if entry.get("kind") != KIND:
            continue
        for d in entry.get("declarations") or []:
            out.append({**d, "file": entry["path"], "order": (order, d["first_line"])})
    return out


def _monthly(decls: list[dict]) -> list[dict]:
    """The monthly declarations (nature 01): an event report (arrêt, fin de contrat) replaces nothing."""
    return [d for d in decls if d.get("nature", "01") == "01"]


def _superseded(decls: list[dict]) -> list[dict]:
    """Declarations replaced (03) or cancelled (04) by a later one of the same establishment and month."""
    by_key: dict[tuple, list[dict]] = {}
    for d in sorted(decls, key=lambda d: d["order"]):
        by_key.setdefault((d["establishment"], d["year"], d["month"]), []).append(d)
    dropped = []
    for group in by_key.values():
        live: list[dict] = []
        for d in group:
            if d["type"] in (REPLACES, CANCELS):
                dropped += live
                live = [d] if d["type"] == REPLACES else []
                if d["type"] == CANCELS:
                    dropped.append(d)
            elif any(x["type"] == REPLACES for x in live):
                dropped.append(d)  # an original imported after its replacement
            else:
                live.append(d)
    return dropped


def _in_declarations(df: pd.DataFrame, decls: list[dict]) -> pd.Series:
    """Rows of `df` (source_file, source_line) that lie inside one of `decls`."""
    mask = pd.Series(False, index=df.index)
    lines = df["source_line"].astype("Float64")
    for d in decls:
        mask |= df["source_file"].eq(d["file"]).fillna(False) & lines.between(d["first_line"], d["last_line"]).fillna(False)
    return mask


def _declared_month(df: pd.DataFrame, decls: list[dict]) -> pd.Series:
    """Sort key of the declaration holding each row: (year, month, import order), as text."""
    key = pd.Series("", index=df.index, dtype="object")
    for d in decls:
        inside = _in_declarations(df, [d])
        key[inside] = f"{d['year'] or 0:04d}-{d['month'] or 0:02d}-{d['order'][0]:06d}-{d['first_line']:09d}"
    return key


def current_rows(df: pd.DataFrame, table: str, log: list[dict]) -> pd.DataFrame:
    """`df` (a workspace table) without the rows of DSN declarations replaced or cancelled since,
    and, for absences, with each stop repeated over several DSN files kept once (latest dates)."""
    if df.empty or table not in ("payslips", "pay_lines", "absences"):
        return df
    decls = _declarations_in_order(log)
    if not decls:
        return df
    dropped = _superseded(_monthly(decls))
    if dropped:
        df = df[~_in_declarations(df, dropped)]
    if table == "absences":
        files = {d["file"] for d in decls}
        from_dsn = df["source_file"].isin(files).fillna(False)
        if from_dsn.any():
            dsn = df[from_dsn].assign(_when=_declared_month(df[from_dsn], decls))
            dsn = dsn.sort_values("_when", kind="stable").drop_duplicates(["matricule", "motive", "start"], keep="last")
            df = pd.concat([df[~from_dsn], dsn.drop(columns="_when")]).sort_index()
    return df


def replacing(payslips: pd.DataFrame, declarations: list[dict], path: str, log: list[dict]) -> pd.Series:
    """Payslips of `path` that are not duplicates of stored ones although they share their key:
    those of an "annule et remplace" (or "annule") declaration, and those of a declaration
    already replaced by a stored one (an original imported after its replacement)."""
    if payslips.empty or not declarations:
        return pd.Series(False, index=payslips.index)
    own = [{**d, "file": path, "order": (len(log), d["first_line"])} for d in declarations]
    dropped = [d for d in _superseded(_monthly(_declarations_in_order(log) + own)) if d["file"] == path]
    decls = [d for d in own if d["type"] in (REPLACES, CANCELS)] + dropped
    return _in_declarations(payslips, decls) if decls else pd.Series(False, index=payslips.index)
