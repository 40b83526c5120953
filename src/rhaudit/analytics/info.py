"""`rhaudit info`: what a workspace holds, per period, and headcount by statut and catégorie."""

from __future__ import annotations

import pandas as pd

from ..enrich import configs_fingerprint, read_enriched
from ..model import PAY_CATEGORIES
from ..workspace import Workspace

_UNKNOWN = "(non renseigné)"


def workspace_info(ws: Workspace) -> dict:
    """Counts per year and month, totals and headcount, as plain JSON-ready values."""
    tables = read_enriched(ws)  # as `rhaudit check` sees them, with the current configs
    slips, lines = tables["payslips"], tables["pay_lines"]
    periods = []
    by_period = slips.groupby(["year", "month"], sort=True)
    lines_by_period = {k: g for k, g in lines.groupby(["year", "month"], sort=True)}
    for (year, month), group in by_period:
        pl = lines_by_period.get((year, month), lines.iloc[0:0])
        periods.append({
            "year": int(year), "month": int(month),
            "payslips": len(group),
            "agents": int(group["matricule"].nunique()),
            "gross": _money(group["gross"].sum()),
            "lines_by_kind": _counts(pl["kind"]),
            "lines_by_category": _counts(pl["category"]),
        })
    headcount: dict[str, dict] = {}
    for year, group in slips.groupby("year", sort=True):
        headcount[str(int(year))] = {
            "statut": _distinct_agents(group, "statut"),
            "categorie": _distinct_agents(group, "categorie"),
        }
    return {
        "periods": periods,
        "missing_months": _missing_months(periods),
        "total": {
            "payslips": len(slips),
            "agents": int(slips["matricule"].nunique()),
            "gross": _money(slips["gross"].sum()),
            "absences": len(ws.read("absences")),  # stored absence records
            "agents_reference": len(tables["agents"]),  # matricules of the agents reference
        },
        "headcount": headcount,
        "files": len(ws.read_log()),
        # Payroll files whose stored derived columns (category, population...) were computed with
        # other configs than today's: the commands recompute them, other engines would not.
        "stale_derived_files": _stale_derived(ws),
    }


def _stale_derived(ws: Workspace) -> int:
    current = configs_fingerprint()
    return sum(1 for e in ws.read_log() if e.get("derived_with") and e["derived_with"] != current)


def _missing_months(periods: list[dict]) -> list[str]:
    """Months ("AAAA-MM") without any payslip between the first and the last imported month:
    usually a monthly file forgotten at import, which would bias every annual total."""
    present = {p["year"] * 12 + p["month"] - 1 for p in periods}
    if not present:
        return []
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(min(present), max(present) + 1) if m not in present]


def _money(x) -> float:
    return round(float(x), 2) if pd.notna(x) else 0.0


def _counts(col: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in col.fillna(_UNKNOWN).value_counts().sort_index().items()}


def _distinct_agents(df: pd.DataFrame, col: str) -> dict[str, int]:
    """Distinct agents per value of `col` (an agent whose value changes in the year counts in each)."""
    counts = df.assign(**{col: df[col].fillna(_UNKNOWN)}).groupby(col)["matricule"].nunique()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


def render_info(data: dict, wide: bool = False) -> str:
    """French text tables of `workspace_info` (presentation layer: 100 columns, French labels of
    the statuts and catégories, a total line)."""
    from ..present.document import Column, Table
    from ..present.labels import label
    from ..present.terminal import render_table

    if not data["periods"]:
        return f"Aucun bulletin dans l'espace de travail ({data['files']} fichier(s) importé(s))."
    kinds = sorted({k for p in data["periods"] for k in p["lines_by_kind"]})
    cols = [Column("month", "Mois"), Column("payslips", "Bulletins", "int", total=True), Column("agents", "Agents", "int"),
            Column("gross", "Brut", "eur", total=True)]
    if wide:  # the lines by nature per month; otherwise per year below (twelve columns would not fit)
        cols += [Column(f"k_{k}", f"Nature {k}", "int", total=True) for k in kinds]
    rows = [{"month": f"{p['month']:02d}/{p['year']}", "payslips": p["payslips"], "agents": p["agents"], "gross": p["gross"],
             **{f"k_{k}": p["lines_by_kind"].get(k, 0) for k in kinds}} for p in data["periods"]]
    t = data["total"]
    out = [
        f"{data['files']} fichier(s) importé(s) ; {t.get('absences', 0)} absence(s) et "
        f"{t.get('agents_reference', 0)} agent(s) au référentiel agents.\n",
        "Bulletins, agents, brut (EUR)" + (" et lignes par nature" if wide else "") + ", par mois :",
        render_table(Table(cols, rows, totals_label="Total"), wide=wide),
        f"Agents distincts sur toute la période : {t['agents']}.",
    ]
    if data.get("stale_derived_files"):
        out.append(f"{data['stale_derived_files']} fichier(s) de paie importé(s) avec une autre version des tables de "
                   "configs/ (rubriques, grades, paramètres) : rhaudit recalcule catégories et populations à chaque "
                   "lecture ; pour mettre à jour les colonnes stockées (lues par d'autres outils), réimportez avec "
                   "--replace.")
    if data.get("missing_months"):
        months = ", ".join(f"{m[5:]}/{m[:4]}" for m in data["missing_months"])
        out.append(f"\nAttention, aucun bulletin pour : {months} (entre le premier et le dernier mois importés). "
                   f"Importez le fichier de ce mois s'il manque : les totaux annuels en dépendent.")
    # Categories by year (twelve month columns would not fit a terminal).
    years = sorted({p["year"] for p in data["periods"]})
    year_cols = [Column(str(y), str(y), "int", total=True) for y in years]
    for key, title, labels in (("lines_by_kind", "Nature", {}), ("lines_by_category", "Catégorie de rubrique", PAY_CATEGORIES)):
        values = sorted({c for p in data["periods"] for c in p[key]})
        rows = [{"code": c, "value": labels.get(c, ""),
                 **{str(y): sum(p[key].get(c, 0) for p in data["periods"] if p["year"] == y) for y in years}} for c in values]
        first = [Column("code", title)] + ([Column("value", "Libellé", wrap=50)] if labels else [])
        out += [f"\nLignes par {title.lower()} et par année :",
                render_table(Table(first + year_cols, rows, totals_label="Total"), wide=wide)]
    for axis, title in (("statut", "Statut"), ("categorie", "Catégorie")):
        values = sorted({v for h in data["headcount"].values() for v in h[axis]})
        hc_years = sorted(data["headcount"])
        hc_rows = [{"value": label(axis, v), **{y: data["headcount"][y][axis].get(v, 0) for y in hc_years}} for v in values]
        out += [f"\nEffectifs (agents distincts) par {title.lower()} :",
                render_table(Table([Column("value", title)] + [Column(y, y, "int") for y in hc_years], hc_rows), wide=wide)]
    return "\n".join(out)
