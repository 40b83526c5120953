"""`rhaudit payroll`: the payroll mass per year, its parts, and why it changed (docs/masse_salariale.md).

Per year and group (statut, catégorie, service): headcount at 31/12, ETP, ETPT, gross pay and its
parts (from the pay-line categories), employer contributions by fund, total cost, SMPT; for each
pair of consecutive years: RMPP, entrants and leavers, and the decomposition of the change of
the gross mass into effet de masse, mesures générales, GVT positif, effet de noria, effet de
structure and the residual (what these parts leave unexplained, shown, never hidden). Elected
officials' indemnités are not personnel charges (chapter 65): they are left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .. import model
from ..classify import classify_lines
from ..configfile import load_yaml_model
from ..enrich import read_enriched
from ..fmt import fr_amount, fr_number
from ..params import ParameterError, Parameters, default_parameters
from ..workspace import Workspace

AXES = {"statut": "Statut", "categorie": "Catégorie", "service": "Service"}
UNKNOWN = "(non renseigné)"
POINT = "point_indice.valeur_annuelle"
UNIFORM_POINTS = "mesures_generales.points_uniformes"

# Parts of the gross pay, in display order (French labels). Categories are read from the model
# at call time, so a category another module adds falls in its family or in « autres ».
PART_LABELS = {
    "traitement": "Traitement indiciaire",
    "nbi": "NBI",
    "indemnite_residence": "Indemnité de résidence",
    "sft": "SFT",
    "regime_indemnitaire": "Régime indemnitaire",
    "heures_supplementaires": "Heures supplémentaires",
    "autres": "Autres éléments",
}


class PayrollError(Exception):
    """Bad input for the payroll analysis (French message naming the file and what to do)."""


def part_of(category: str) -> str:
    """Family of the gross pay a pay-line category belongs to."""
    if category in ("traitement", "carence", "retenue_absence"):
        return "traitement"
    if category in ("nbi", "indemnite_residence", "sft"):
        return category
    if category in model.RI_NET_CATEGORIES or category == "prime_fin_annee":
        return "regime_indemnitaire"
    if category.startswith("ihts") or category == "heures_complementaires":
        return "heures_supplementaires"
    return "autres"


# --- agent-year table ------------------------------------------------------------------------

# Roles (model.CATEGORY_ROLES) of the lines that make up the gross pay.
GROSS_ROLES = ("brut", "deduction_brut", "nature")
# Categories tracked one by one because the decomposition needs them.
TRACKED = ("gipa", "indemnite_differentielle")
INDICIAIRE_PARTS = ("traitement", "nbi", "indemnite_residence")  # all follow the point d'indice


def agent_years(slips: pd.DataFrame, lines: pd.DataFrame | list[pd.DataFrame]) -> pd.DataFrame:
    """One row per agent and year (elected officials left out): months paid, ETPT, quotités,
    31/12 presence, gross, gross parts (part:*), employer contributions (fund:*), tracked
    categories (cat:*), and the statut, catégorie and service of the last month paid."""
    slips = slips[slips["population"].fillna("agent").ne("elu")]
    key = ["matricule", "year", "month"]
    s = slips[key + ["quotite", "gross", "statut", "categorie", "service"]].copy()
    s["quotite"] = s["quotite"].astype("float64").fillna(1.0)
    s["gross"] = s["gross"].astype("float64").fillna(0.0)
    s = s.sort_values(key, kind="stable")
    months = s.groupby(key, sort=False).agg(quotite=("quotite", "max"), gross=("gross", "sum"),
                                           statut=("statut", "last"), categorie=("categorie", "last"),
                                           service=("service", "last")).reset_index()
    g = months.groupby(["matricule", "year"], sort=True)
    ay = g.agg(months=("month", "nunique"), etpt=("quotite", "sum"), q_min=("quotite", "min"),
               q_max=("quotite", "max"), gross=("gross", "sum"), statut=("statut", "last"),
               categorie=("categorie", "last"), service=("service", "last"))
    ay["etpt"] = ay["etpt"] / 12.0
    dec = months[months["month"] == 12].groupby(["matricule", "year"])["quotite"].max()
    ay["dec_etp"] = dec.reindex(ay.index).fillna(0.0)
    ay["dec_present"] = dec.reindex(ay.index).notna().astype(int)
    for axis in AXES:
        ay[axis] = ay[axis].astype("object").where(ay[axis].notna(), UNKNOWN)
    # Line sums chunk by chunk (a year at a time from a workspace: a third of the memory); the
    # left join drops the lines of elected officials' payslips.
    chunks = [line_sums(part) for part in (lines if isinstance(lines, list) else [lines])]
    ay = ay.join(pd.concat(chunks) if len(chunks) > 1 else chunks[0])
    for col in [c for c in ay.columns if c.startswith(("part:", "fund:", "cat:"))]:
        ay[col] = ay[col].fillna(0.0)
    for p in PART_LABELS:
        if f"part:{p}" not in ay.columns:
            ay[f"part:{p}"] = 0.0
    for c in TRACKED:
        if f"cat:{c}" not in ay.columns:
            ay[f"cat:{c}"] = 0.0
    return ay


def line_sums(lines: pd.DataFrame) -> pd.DataFrame:
    """Pay-line amounts per agent and year: part:*, fund:* and cat:* columns."""
    if lines.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["matricule", "year"]))
    # Categorical columns: a few distinct values over millions of lines. The categories of
    # rhaudit.enrich; frames built without it (tests) are classified by label here.
    cats = lines["category"] if "category" in lines else pd.Series(pd.NA, index=lines.index, dtype="string")
    if cats.isna().any():
        cats = cats.fillna(classify_lines(lines))
    cats = cats.fillna("non_classe").astype("category")
    kinds = lines["kind"].fillna("").astype("category")
    per = pd.DataFrame({"matricule": lines["matricule"], "year": lines["year"], "cat": cats, "kind": kinds,
                        "amount": lines["amount"].astype("float64").fillna(0.0)})
    per = per.groupby(["matricule", "year", "cat", "kind"], sort=False, observed=True)["amount"].sum().reset_index()
    per["cat"], per["kind"] = per["cat"].astype(str), per["kind"].astype(str)
    # The role of each line in the payslip (model.CATEGORY_ROLES; an unclassified line: its kind's).
    role = per["cat"].map(model.CATEGORY_ROLES).fillna("selon_nature")
    role = role.where(role.ne("selon_nature"), per["kind"].map(model.KIND_ROLE)).fillna("")
    cols = []
    gross = per[role.isin(GROSS_ROLES)]
    cols.append(gross.assign(col="part:" + gross["cat"].map(part_of)))
    # Employer charges by fund: the suffix of « cot_pat_* », else the category (« non_classe »:
    # an unclassified kind C line).
    employer = per[role.eq("patronal")]
    funds = employer["cat"].where(~employer["cat"].str.startswith("cot_pat_"), employer["cat"].str.slice(len("cot_pat_")))
    cols.append(employer.assign(col="fund:" + funds))
    tracked = per[per["cat"].isin(TRACKED) & role.isin(GROSS_ROLES)]
    cols.append(tracked.assign(col="cat:" + tracked["cat"]))
    long = pd.concat(cols, ignore_index=True)
    wide = long.pivot_table(index=["matricule", "year"], columns="col", values="amount", aggfunc="sum", fill_value=0.0)
    wide.columns.name = None
    return wide


# --- indicators ------------------------------------------------------------------------------

def _funds(ay: pd.DataFrame) -> list[str]:
    return sorted(c[5:] for c in ay.columns if c.startswith("fund:"))


def _summed(ay: pd.DataFrame) -> list[str]:
    return ["gross", "etpt", "dec_present", "dec_etp"] + [c for c in ay.columns if c.startswith(("part:", "fund:"))]


def indicators(ay: pd.DataFrame) -> dict:
    """Headcount, ETP, ETPT, gross, parts, employer contributions, total cost, SMPT of a set of agent-years."""
    return _indicators(ay[_summed(ay)].sum(), len(ay))


def grouped_indicators(ay: pd.DataFrame, keys) -> list[tuple]:
    """(group key, indicators) for each group of `keys` (one groupby, not one sum per group)."""
    sums = ay[_summed(ay)].groupby(keys, sort=True).sum()
    persons = ay.groupby(keys, sort=True).size()
    return [(k, _indicators(row, int(persons[k]))) for k, row in sums.iterrows()]


def _indicators(sums: pd.Series, persons: int) -> dict:
    gross, etpt = float(sums["gross"]), float(sums["etpt"])
    funds = {c[5:]: _r(v) for c, v in sorted(sums.items()) if c.startswith("fund:")}
    employer = float(sum(funds.values()))
    parts = {p: _r(sums[f"part:{p}"]) for p in PART_LABELS}
    return {
        "headcount_31_12": int(sums["dec_present"]), "etp_31_12": _r(sums["dec_etp"], 4),
        "etpt": _r(etpt, 4), "persons": persons,
        "gross": _r(gross), "gross_parts": parts,
        "lines_gap": _r(gross - sum(parts.values())),
        "employer_contributions": funds, "employer_total": _r(employer), "total_cost": _r(gross + employer),
        "smpt": _r(gross / etpt) if etpt else None,
    }


def _r(x, digits: int = 2):
    return round(float(x), digits) + 0.0  # + 0.0: no "-0,00"


def _groups(ay: pd.DataFrame, by: list[str]) -> pd.Series:
    if not by:
        return pd.Series("Ensemble", index=ay.index)
    out = ay[by[0]].astype(str)
    for b in by[1:]:
        out = out + " / " + ay[b].astype(str)
    return out


# --- general measures ------------------------------------------------------------------------

def mean_point(params: Parameters, year: int) -> float:
    """Average over the twelve months of the point value in force on the 1st of each month."""
    return float(np.mean(list(params.monthly_series(POINT, year).values())))


def mean_uniform_points(params: Parameters, year: int) -> float:
    """Yearly mean of the index points granted to every agent (mesures_generales.points_uniformes);
    0 when the parameter folder does not define them."""
    try:
        return float(np.mean(list(params.monthly_series(UNIFORM_POINTS, year).values())))
    except ParameterError:
        return 0.0


def decompose(ay: pd.DataFrame, y0: int, y1: int, params: Parameters, structure_by: list[str]) -> dict:
    """Decomposition of the change of the gross mass from y0 to y1 (formulas in docs/masse_salariale.md)."""
    a0 = ay.xs(y0, level="year")
    a1 = ay.xs(y1, level="year")
    m0, m1 = float(a0["gross"].sum()), float(a1["gross"].sum())
    e0, e1 = float(a0["etpt"].sum()), float(a1["etpt"].sum())
    smpt0, smpt1 = m0 / e0, m1 / e1
    both = a0.index.intersection(a1.index)
    entrants = a1.index.difference(a0.index)
    leavers = a0.index.difference(a1.index)
    # RMPP: the twelve months of both years, one quotité throughout.
    full = both[(a0.loc[both, "months"] == 12).to_numpy() & (a1.loc[both, "months"] == 12).to_numpy()]
    q = pd.DataFrame({"a": a0.loc[full, "q_min"], "b": a0.loc[full, "q_max"],
                      "c": a1.loc[full, "q_min"], "d": a1.loc[full, "q_max"]})
    rmpp_ids = full[(q.nunique(axis=1) == 1).to_numpy()]
    n_r = len(rmpp_ids)
    r0 = a0.loc[rmpp_ids]
    r1 = a1.loc[rmpp_ids]
    rmpp0 = float(r0["gross"].sum()) / n_r if n_r else None
    rmpp1 = float(r1["gross"].sum()) / n_r if n_r else None
    rmpp_rate = rmpp1 / rmpp0 - 1 if n_r and rmpp0 else None
    # General measures on the staff in place (euros), then as a rate of their y0 pay.
    p0, p1 = mean_point(params, y0), mean_point(params, y1)
    indiciaire0 = float(sum(r0[f"part:{p}"].sum() for p in INDICIAIRE_PARTS))
    q_in_place = float(r1["q_max"].sum())  # one quotité throughout for these agents
    measures = {
        "point": indiciaire0 * (p1 / p0 - 1),
        "uniform_points": (mean_uniform_points(params, y1) - mean_uniform_points(params, y0)) * p1 * q_in_place,
        "gipa": float(r1["cat:gipa"].sum() - r0["cat:gipa"].sum()),
        "minimum_wage": float(r1["cat:indemnite_differentielle"].sum() - r0["cat:indemnite_differentielle"].sum()),
    }
    g_rate = sum(measures.values()) / float(r0["gross"].sum()) if n_r and r0["gross"].sum() else 0.0
    gvt_rate = rmpp_rate - g_rate if rmpp_rate is not None else None
    # Noria: leavers of y0 replaced by entrants of y1, on the ETPT replaced.
    ent_etpt, lea_etpt = float(a1.loc[entrants, "etpt"].sum()), float(a0.loc[leavers, "etpt"].sum())
    smpt_ent = float(a1.loc[entrants, "gross"].sum()) / ent_etpt if ent_etpt else None
    smpt_lea = float(a0.loc[leavers, "gross"].sum()) / lea_etpt if lea_etpt else None
    replaced = min(ent_etpt, lea_etpt)
    noria = replaced * (smpt_ent - smpt_lea) if smpt_ent is not None and smpt_lea is not None else 0.0
    # Structure: the change of the ETPT shares of the groups at the y0 pay per ETPT of each group.
    g0, g1 = _groups(a0, structure_by), _groups(a1, structure_by)
    etpt0, etpt1 = a0["etpt"].groupby(g0).sum(), a1["etpt"].groupby(g1).sum()
    smpt0_g = a0["gross"].groupby(g0).sum() / etpt0.replace(0, np.nan)
    labels = etpt0.index.union(etpt1.index)
    w0 = (etpt0 / e0).reindex(labels, fill_value=0.0)
    w1 = (etpt1 / e1).reindex(labels, fill_value=0.0)
    unit = smpt0_g.reindex(labels).fillna(smpt0)  # a group absent in y0: valued at the mean SMPT
    structure = e1 * float(((w1 - w0) * unit).sum())
    parts = {
        "effet_masse": (e1 - e0) * smpt0,
        "mesures_generales": g_rate * smpt0 * e1 if rmpp_rate is not None else 0.0,
        "gvt_positif": gvt_rate * smpt0 * e1 if gvt_rate is not None else 0.0,
        "effet_noria": noria,
        "effet_structure": structure,
    }
    change = m1 - m0
    residual = change - sum(parts.values())
    return {
        "from": y0, "to": y1,
        "gross_from": _r(m0), "gross_to": _r(m1), "change": _r(change),
        "change_rate": _r(change / m0, 6) if m0 else None,
        "etpt_from": _r(e0, 4), "etpt_to": _r(e1, 4), "smpt_from": _r(smpt0), "smpt_to": _r(smpt1),
        "rmpp_agents": n_r, "rmpp_from": _opt(rmpp0), "rmpp_to": _opt(rmpp1), "rmpp_rate": _opt(rmpp_rate, 6),
        "general_measures": {k: _r(v) for k, v in measures.items()},
        "point_mean_from": _r(p0, 4), "point_mean_to": _r(p1, 4),
        "general_measures_rate": _r(g_rate, 6), "gvt_positif_rate": _opt(gvt_rate, 6),
        "entrants": len(entrants), "leavers": len(leavers), "stayers": len(both),
        "entrants_etpt": _r(ent_etpt, 4), "leavers_etpt": _r(lea_etpt, 4),
        "smpt_entrants": _opt(smpt_ent), "smpt_leavers": _opt(smpt_lea),
        "parts": {k: _r(v) for k, v in parts.items()},
        "residual": _r(residual),
        "residual_share": _r(residual / change, 6) if change else None,
        "gvt_solde": _r(parts["gvt_positif"] + noria),
    }


def _opt(x, digits: int = 2):
    return None if x is None else _r(x, digits)


# --- budget ----------------------------------------------------------------------------------

class BudgetYear(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chapitre_012: float = Field(ge=0)
    chapitre_013: float = Field(default=0.0, ge=0)
    recettes_reelles_fonctionnement: float | None = Field(default=None, gt=0)
    depenses_reelles_fonctionnement: float | None = Field(default=None, gt=0)
    recettes_services: dict[str, float] = Field(default_factory=dict)


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    annees: dict[int, BudgetYear]


BUDGET_HINT = ("Format attendu : « annees: {2025: {chapitre_012: ..., chapitre_013: ..., "
               "recettes_reelles_fonctionnement: ..., depenses_reelles_fonctionnement: ...}} » "
               "(voir docs/masse_salariale.md).")


def load_budget(path: Path) -> Budget:
    return load_yaml_model(path, Budget, PayrollError, BUDGET_HINT)


class ServiceMap(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fonctions: dict[str, list[str]]


def load_service_map(path: Path) -> dict[str, str]:
    """service (upper case) -> function, from a file « fonctions: {Fonction: [SERVICE, ...]} »."""
    spec = load_yaml_model(path, ServiceMap, PayrollError,
                           "Format attendu : « fonctions: {Restauration scolaire: [RESTAURATION SCOLAIRE]} ».")
    out: dict[str, str] = {}
    for function, services in spec.fonctions.items():
        for s in services:
            key = s.strip().upper()
            if key in out and out[key] != function:
                raise PayrollError(f"{path} : le service « {s} » est rattaché à deux fonctions "
                                   f"(« {out[key]} » et « {function} »). Gardez-en une.")
            out[key] = function
    return out


def budget_view(budget: Budget, per_year: dict[int, dict]) -> list[dict]:
    rows = []
    for year, b in sorted(budget.annees.items()):
        net = b.chapitre_012 - b.chapitre_013
        payroll = per_year.get(year, {}).get("total_cost")
        rows.append({
            "year": year, "chapitre_012": b.chapitre_012, "chapitre_013": b.chapitre_013, "net_charges": _r(net),
            "rigidity_gross": _ratio(b.chapitre_012, b.recettes_reelles_fonctionnement),
            "rigidity_net": _ratio(net, b.recettes_reelles_fonctionnement),
            "share_of_expenditure": _ratio(b.chapitre_012, b.depenses_reelles_fonctionnement),
            "payroll_total_cost": payroll, "payroll_share_of_012": _ratio(payroll, b.chapitre_012),
        })
    return rows


def _ratio(a, b):
    return _r(a / b, 6) if a is not None and b else None


# --- the whole analysis ----------------------------------------------------------------------

def cagr(start: float, end: float, years: int) -> float | None:
    """Compound annual growth rate: (end / start)^(1 / years) - 1."""
    if years <= 0 or not start or start <= 0 or end <= 0:
        return None
    return (end / start) ** (1.0 / years) - 1.0


def analyse(slips: pd.DataFrame, lines: pd.DataFrame | list[pd.DataFrame], by: list[str] | None = None,
            params: Parameters | None = None, budget: Budget | None = None,
            service_map: dict[str, str] | None = None, gvt_what_if: float | None = None) -> dict:
    """The payroll-mass analysis as JSON-ready values (see module docstring)."""
    params = params or default_parameters()
    by = [b for b in (by or []) if b]
    for b in by:
        if b not in AXES:
            raise PayrollError(f"Axe inconnu « {b} » dans --by : choisissez parmi {', '.join(AXES)}.")
    ay = agent_years(slips, lines)
    if ay.empty:
        raise PayrollError("Aucun bulletin d'agent dans l'espace de travail : importez d'abord la paie.")
    years = sorted(int(y) for y in ay.index.get_level_values("year").unique())
    per_year = {y: indicators(ay.xs(y, level="year", drop_level=False)) for y in years}
    by_group = []
    if by:
        keys = [ay.index.get_level_values("year"), _groups(ay, by).rename("group")]
        by_group = [{"year": int(year), "group": label, **ind} for (year, label), ind in grouped_indicators(ay, keys)]
    pairs = [decompose(ay, y0, y1, params, by or ["categorie"]) for y0, y1 in zip(years, years[1:])
             if y1 == y0 + 1 and per_year[y0]["etpt"] > 0 and per_year[y1]["etpt"] > 0]
    for p in pairs:
        p1 = per_year[p["to"]]
        p1["entrants"], p1["leavers"] = p["entrants"], p["leavers"]
    growth = None
    if len(years) > 1:
        n = years[-1] - years[0]
        growth = {"from": years[0], "to": years[-1],
                  "gross": _opt(cagr(per_year[years[0]]["gross"], per_year[years[-1]]["gross"], n), 6),
                  "total_cost": _opt(cagr(per_year[years[0]]["total_cost"], per_year[years[-1]]["total_cost"], n), 6)}
    last = years[-1]
    if gvt_what_if is None and pairs and pairs[-1]["gvt_positif_rate"] is not None:
        gvt_what_if = pairs[-1]["gvt_positif_rate"]
    services = _service_costs(ay.xs(last, level="year", drop_level=False), service_map, gvt_what_if,
                              budget.annees.get(last).recettes_services if budget and last in budget.annees else {})
    return {
        "years": years, "by": by, "per_year": {str(y): v for y, v in per_year.items()},
        "by_group": by_group, "decomposition": pairs, "cagr": growth,
        "services": {"year": last, "gvt_rate": gvt_what_if, "rows": services},
        "budget": budget_view(budget, per_year) if budget else None,
        "notes": _notes(years, pairs),
    }


def _service_costs(ay: pd.DataFrame, service_map, gvt_rate, revenues: dict) -> list[dict]:
    label = ay["service"].astype(str)
    if service_map:
        label = label.str.strip().str.upper().map(service_map).fillna("(service non rattaché)")
    rows = []
    revenues = {k.strip().upper(): v for k, v in revenues.items()}
    for name, ind in grouped_indicators(ay, label):
        cost = ind["total_cost"]
        rev = revenues.get(str(name).strip().upper())
        rows.append({"service": name, "etpt": ind["etpt"], "gross": ind["gross"], "employer_total": ind["employer_total"],
                     "total_cost": cost, "what_if_cost": _r(cost * (1 + gvt_rate)) if gvt_rate is not None else None,
                     "revenue": rev, "coverage_rate": _ratio(rev, cost)})
    return rows


def _notes(years: list[int], pairs: list[dict]) -> list[str]:
    notes = ["Hors indemnités des élus (chapitre 65). Brut = MtBrut des bulletins ; ses composantes viennent "
             "des catégories de rubriques (rhaudit rubriques) ; ETPT = somme des quotités mensuelles / 12."]
    if len(years) > 1 and len(pairs) < len(years) - 1:
        notes.append("Années non consécutives : la décomposition n'est faite qu'entre années qui se suivent.")
    for p in pairs:
        if p["residual"] and p["change"]:
            notes.append(f"{p['from']}→{p['to']} : les effets expliquent la variation à {fr_amount(p['residual'])} EUR près "
                         f"(résidu, {fr_amount(100 * (p['residual_share'] or 0))} % de la variation).")
        if not p["rmpp_agents"]:
            notes.append(f"{p['from']}→{p['to']} : aucun agent présent 24 mois à quotité constante : pas de RMPP, "
                         f"GVT et mesures générales non mesurés (dans le résidu).")
    return notes


SLIP_COLUMNS = ["matricule", "year", "month", "population", "quotite", "gross", "statut", "categorie", "service"]
LINE_COLUMNS = ["matricule", "year", "month", "kind", "code", "label", "amount", "category"]


def run_payroll(ws: Workspace, **kw) -> dict:
    # Categories and populations as `rhaudit check --year` sees them (rhaudit.enrich), a year at
    # a time: all the columns of one year are read, only the columns used are kept.
    slips, lines = [], []
    for year in ws.years() or [None]:
        tables = read_enriched(ws, None if year is None else [year])
        slips.append(tables["payslips"][SLIP_COLUMNS])
        lines.append(tables["pay_lines"][LINE_COLUMNS])
    return analyse(pd.concat(slips, ignore_index=True) if len(slips) > 1 else slips[0], lines, **kw)


# --- French tables -----------------------------------------------------------------------------

FUND_LABELS = {"cnracl": "CNRACL", "rafp": "RAFP", "ircantec": "IRCANTEC", "urssaf": "URSSAF",
               "autre": "Autres cotisations", "non_classe": "Non classées"}


def _year_row(ind: dict, funds: list[str]) -> dict:
    row = {"Effectif 31/12": ind["headcount_31_12"], "ETP 31/12": ind["etp_31_12"], "ETPT": ind["etpt"],
           "Brut": ind["gross"]}
    row.update({PART_LABELS[p]: v for p, v in ind["gross_parts"].items()})
    row["Écart bulletins / lignes"] = ind["lines_gap"]
    row.update({f"Cotisations {FUND_LABELS.get(f, f)}": ind["employer_contributions"].get(f, 0.0) for f in funds})
    row.update({"Charges patronales": ind["employer_total"], "Coût total": ind["total_cost"], "SMPT": ind["smpt"]})
    return row


GROUP_COLUMNS = ("Effectif 31/12", "ETP 31/12", "ETPT", "Brut", "Régime indemnitaire", "Heures supplémentaires",
                 "Charges patronales", "Coût total", "SMPT")

DECOMP_LABELS = {
    "effet_masse": "Effet de masse (ETPT)", "mesures_generales": "Mesures générales",
    "gvt_positif": "GVT positif", "effet_noria": "Effet de noria", "effet_structure": "Effet de structure",
}


def tables(data: dict) -> dict[str, pd.DataFrame]:
    funds = sorted({f for v in data["per_year"].values() for f in v["employer_contributions"]}
                   | {f for g in data["by_group"] for f in g["employer_contributions"]})
    out: dict[str, pd.DataFrame] = {}
    # Indicators as rows, years as columns: twenty indicators do not fit a terminal's width.
    per_year = {y: {**_year_row(v, funds), "Entrants": v.get("entrants"), "Sortants": v.get("leavers")}
                for y, v in data["per_year"].items()}
    out["Masse salariale par année"] = pd.DataFrame(
        [{"Indicateur": k, **{y: per_year[y][k] for y in per_year}} for k in next(iter(per_year.values()))], dtype=object)
    if data["by_group"]:
        axis = " / ".join(AXES[b] for b in data["by"])
        out[f"Par {axis.lower()}"] = pd.DataFrame(
            [{"Année": g["year"], axis: g["group"], **{k: v for k, v in _year_row(g, funds).items() if k in GROUP_COLUMNS}}
             for g in data["by_group"]])
    for p in data["decomposition"]:
        rows = [("Masse brute " + str(p["from"]), p["gross_from"], None),
                ("Masse brute " + str(p["to"]), p["gross_to"], None),
                ("Variation observée", p["change"], p["change_rate"])]
        rows += [(DECOMP_LABELS[k], v, v / p["gross_from"] if p["gross_from"] else None) for k, v in p["parts"].items()]
        rows += [("Résidu (non expliqué)", p["residual"], p["residual"] / p["gross_from"] if p["gross_from"] else None),
                 ("GVT solde (GVT positif + noria)", p["gvt_solde"], None),
                 (f"RMPP {p['from']} ({p['rmpp_agents']} agents)", p["rmpp_from"], None),
                 (f"RMPP {p['to']}", p["rmpp_to"], p["rmpp_rate"]),
                 ("Taux des mesures générales", None, p["general_measures_rate"]),
                 ("  dont point d'indice", p["general_measures"]["point"], None),
                 ("  dont points d'indice uniformes", p["general_measures"]["uniform_points"], None),
                 ("  dont GIPA", p["general_measures"]["gipa"], None),
                 ("  dont indemnité différentielle (SMIC)", p["general_measures"]["minimum_wage"], None),
                 ("Taux de GVT positif", None, p["gvt_positif_rate"]),
                 (f"SMPT {p['from']}", p["smpt_from"], None), (f"SMPT {p['to']}", p["smpt_to"], None),
                 (f"Entrants ({p['entrants']}), SMPT", p["smpt_entrants"], None),
                 (f"Sortants ({p['leavers']}), SMPT", p["smpt_leavers"], None)]
        out[f"Évolution {p['from']}-{p['to']}"] = pd.DataFrame(
            [{"Effet": a, "Montant (EUR)": b, "Taux (%)": None if c is None else round(100 * c, 3)} for a, b, c in rows])
    if data["cagr"]:
        c = data["cagr"]
        out["Croissance annuelle moyenne"] = pd.DataFrame([
            {"Période": f"{c['from']}-{c['to']}", "Indicateur": "Brut",
             "TCAM (%)": None if c["gross"] is None else round(100 * c["gross"], 3)},
            {"Période": f"{c['from']}-{c['to']}", "Indicateur": "Coût total",
             "TCAM (%)": None if c["total_cost"] is None else round(100 * c["total_cost"], 3)}])
    svc = data["services"]
    rate = svc["gvt_rate"]
    what_if = f"Coût avec GVT {fr_number(100 * rate, 2)} %" if rate is not None else "Coût avec GVT"
    out[f"Coût par service {svc['year']}"] = pd.DataFrame(
        [{"Service": r["service"], "ETPT": r["etpt"], "Brut": r["gross"], "Charges patronales": r["employer_total"],
          "Coût complet": r["total_cost"], what_if: r["what_if_cost"], "Recettes": r["revenue"],
          "Taux de couverture (%)": None if r["coverage_rate"] is None else round(100 * r["coverage_rate"], 2)}
         for r in svc["rows"]])
    if data["budget"]:
        out["Budget (chapitres 012 et 013)"] = pd.DataFrame([
            {"Année": b["year"], "Chapitre 012": b["chapitre_012"], "Chapitre 013": b["chapitre_013"],
             "Charges nettes": b["net_charges"],
             "Rigidité brute (%)": _pct(b["rigidity_gross"]), "Rigidité nette (%)": _pct(b["rigidity_net"]),
             "012 / DRF (%)": _pct(b["share_of_expenditure"]), "Coût de la paie": b["payroll_total_cost"],
             "Paie / 012 (%)": _pct(b["payroll_share_of_012"])} for b in data["budget"]])
    return out


def _pct(x):
    return None if x is None else round(100 * x, 2)
