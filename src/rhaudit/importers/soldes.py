"""Leave balances (CSV, XLSX) read through an import profile: one row per agent, leave year and
type of balance (congés annuels, ARTT, compte épargne-temps).

Within one file a (matricule, year, type) given twice keeps its first line, the later ones are
rejected naming it. Against the workspace, a balances file replaces the stored rows of the keys
it covers (the most recently imported file wins, Workspace.read), so that a corrected export can
be imported again without doubling the counters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..model import LEAVE_BALANCE_FIELDS, LEAVE_BALANCE_KEY, LEAVE_BALANCE_TYPES
from .base import PLAUSIBLE_YEARS, ParsedFile
from .profiles import CellError, CellParser, parse_keyed_table

REQUIRED = ["matricule", "year", "leave_type"]
_DAY_FIELDS = [f.name for f in LEAVE_BALANCE_FIELDS if f.name.startswith(("days_", "balance_"))]


def _convert_row(parser: CellParser, raw: dict[str, Any]) -> dict[str, Any]:
    rec = parser.convert_all(raw, _DAY_FIELDS)
    rec["matricule"] = parser.required("matricule", raw.get("matricule"))
    rec["year"] = parser.required("year", raw.get("year"))
    if not PLAUSIBLE_YEARS[0] <= rec["year"] <= PLAUSIBLE_YEARS[1]:
        raise CellError(f"année de congé impossible : {rec['year']} (attendu entre {PLAUSIBLE_YEARS[0]} et {PLAUSIBLE_YEARS[1]})")
    rec["type"] = parser.required("leave_type", raw.get("leave_type"))
    negative = [f for f in _DAY_FIELDS if rec.get(f) is not None and rec[f] < 0]
    if negative:
        raise CellError(f"nombre de jours négatif : {', '.join(f'{f} = {rec[f]}' for f in negative)}")
    if all(rec.get(f) is None for f in _DAY_FIELDS):
        raise CellError("aucun nombre de jours (droits, pris, report, solde) : la ligne ne dit rien")
    return rec


def parse_balances(path: Path, profile: str | Path | None = None) -> ParsedFile:
    """Read a leave balances file with `profile` (default: soldes_generique); one row per
    (matricule, year, type)."""
    return parse_keyed_table(
        path, profile, "soldes", "leave_balances", REQUIRED, "solde", _convert_row,
        key=lambda rec: tuple(rec[k] for k in LEAVE_BALANCE_KEY),
        describe=lambda rec: f"solde {LEAVE_BALANCE_TYPES[rec['type']]} {rec['year']}")

def replaced_warning(parsed: ParsedFile, stored: pd.DataFrame) -> None:
    """Say how many stored balances the file replaces (re-import semantics, docs/import.md)."""
    new = parsed.tables["leave_balances"]
    if new.empty or stored.empty:
        return
    again = new[LEAVE_BALANCE_KEY].merge(stored[LEAVE_BALANCE_KEY].drop_duplicates(), on=LEAVE_BALANCE_KEY)
    if len(again):
        parsed.warnings.append(
            f"{len(again)} solde(s) déjà présent(s) dans l'espace de travail (même agent, année et type) : les "
            f"valeurs de ce fichier remplacent les précédentes.")
