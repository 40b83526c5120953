"""Tabular payroll exports (CSV, XLSX) read through an import profile.

The usual export shape: one row per pay line, the payslip fields (matricule, period, statut,
grade, indice, quotité, gross...) repeated on each row. Both canonical frames are built from it:
`pay_lines` (one per kept row) and `payslips` (one per matricule, month and establishment, with
the payslip fields of its first line). When the profile maps no gross column, the gross pay is
the sum of the gross-kind lines (model.GROSS_KINDS), as in the PES MtBrut.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..model import GROSS_KINDS, PAY_LINE_FIELDS, PAYSLIP_FIELDS, PAYSLIP_KEY, conform, empty_frame
from .base import PLAUSIBLE_YEARS, ParsedFile
from .profiles import CellError, CellParser, convert_rows, field_label, load_profile, read_mapped

# Year and month come from `year` + `month` columns or from one `period` column.
REQUIRED = ["matricule", "code", "amount", "kind", ("period", "year"), ("period", "month")]
UNKNOWN_ESTABLISHMENT = "non renseigné"
_HANDLED = {"matricule", "code", "amount", "kind", "period", "year", "month", "establishment"}
_OTHER_FIELDS = [f.name for f in PAYSLIP_FIELDS + PAY_LINE_FIELDS if f.name not in _HANDLED]
# Payslip fields read from the rows (the key and the provenance are set apart).
_PAYSLIP_VALUES = [f.name for f in PAYSLIP_FIELDS if f.name not in PAYSLIP_KEY + ["source_file", "source_line"]]


def _convert_row(parser: CellParser, raw: dict[str, Any]) -> dict[str, Any]:
    rec = parser.convert_all(raw, _OTHER_FIELDS)
    rec["matricule"] = parser.required("matricule", raw.get("matricule"))
    if raw.get("period") is not None:
        rec["year"], rec["month"] = parser.period(raw["period"])
    else:
        rec["year"] = parser.required("year", raw.get("year"))
        rec["month"] = parser.required("month", raw.get("month"))
        if not 1 <= rec["month"] <= 12:
            raise CellError(f"{field_label('paie', 'month')} impossible : « {raw['month']} » (attendu de 1 à 12)")
    if not PLAUSIBLE_YEARS[0] <= rec["year"] <= PLAUSIBLE_YEARS[1]:
        raise CellError(f"{field_label('paie', 'year')} impossible : {rec['year']} (attendu entre {PLAUSIBLE_YEARS[0]} "
                        f"et {PLAUSIBLE_YEARS[1]})")
    rec["establishment"] = parser.convert("establishment", raw.get("establishment")) or UNKNOWN_ESTABLISHMENT
    for fld in ("code", "kind", "amount"):
        rec[fld] = parser.required(fld, raw.get(fld))
    return rec


def _payslips(rows: pd.DataFrame, gross_mapped: bool) -> tuple[pd.DataFrame, list[str]]:
    """One payslip per key: the first non-empty value of each payslip field, and the warnings."""
    present = [c for c in _PAYSLIP_VALUES if c in rows.columns]
    groups = rows.groupby(PAYSLIP_KEY, sort=False)
    payslips = groups[present].first()
    payslips["source_file"] = groups["source_file"].first()
    payslips["source_line"] = groups["source_line"].min()
    warnings = []
    varying = (groups[present].nunique() > 1).sum()
    for col, count in varying[varying > 0].items():
        warnings.append(
            f"{count} bulletin(s) portent des valeurs différentes de « {field_label('paie', col)} » "
            f"d'une ligne à l'autre : la valeur de la première ligne est retenue."
        )
    if not gross_mapped:
        gross_lines = rows["amount"].where(rows["kind"].isin(GROSS_KINDS), 0.0).astype(float)
        payslips["gross"] = gross_lines.groupby([rows[k] for k in PAYSLIP_KEY], sort=False).sum()
    return payslips.reset_index(), warnings


def parse_payroll_table(path: Path, profile: str | Path | None = None) -> ParsedFile:
    """Read a CSV/XLSX payroll export with `profile` (default: paie_generique)."""
    path = Path(path)
    prof = load_profile(profile, "paie")
    table = read_mapped(path, prof, REQUIRED)
    kept, rejected = convert_rows(table, "ligne de paie", _convert_row)
    warnings = list(table.warnings)
    if "establishment" not in table.fields:
        warnings.append(
            f"Aucune colonne d'établissement (profil {prof.label}) : les bulletins sont rattachés à "
            f"l'établissement « {UNKNOWN_ESTABLISHMENT} ». Ajoutez la colonne ou une constante "
            f"« establishment » au profil."
        )
    if kept:
        rows = pd.DataFrame(kept)
        blank = int((rows["establishment"] == UNKNOWN_ESTABLISHMENT).sum())
        if blank and "establishment" in table.fields:
            warnings.append(f"{blank} ligne(s) sans établissement : rattachées à l'établissement « {UNKNOWN_ESTABLISHMENT} ».")
        payslips, payslip_warnings = _payslips(rows, "gross" in table.fields)
        tables = {"payslips": conform(payslips, "payslips"), "pay_lines": conform(rows, "pay_lines")}
        warnings += payslip_warnings
    else:
        tables = {"payslips": empty_frame("payslips"), "pay_lines": empty_frame("pay_lines")}
    return ParsedFile(path=path, kind="paie_tableur", tables=tables, records_read=table.records_read,
                      rejected=rejected, warnings=warnings)
