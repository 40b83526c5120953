"""`rhaudit absenteeism`: absenteeism indicators of the rapport social unique (RSU) and of the
audit chambers, per motive group, for the whole collectivité and by service, catégorie, statut,
age band and sex.

Definitions (printed with the results):
- mean headcount = agents paid (population "agent"), counted each month of the year that has
  payslips, averaged over those months; in persons and in ETP (sum of the quotités);
- absence days are counted from each record's first and last day, clipped to the year: calendar
  days, and worked days (Monday to Friday minus the public holidays and local days off of the
  territory's calendar, rhaudit.workcalendar); half-days are counted as whole days;
- rate_calendar = calendar days / (mean headcount × days of the year);
- rate_worked = worked days / (mean headcount × worked days of the year);
- a stop is a record, or a chain of records of the same group that follow each other without a
  day between them (a prolongation is not a new stop); frequency = stops per 100 agents (mean
  headcount); mean_length = calendar days in the year / stops; share_agents_absent = agents
  with at least one stop / agents paid in the year (persons);
- cost = pay maintained during the absences: gross pay of each month × share of the month's
  calendar days absent. Replacement contracts are not identified in the data: not computed.

An agent's service, catégorie and statut are those of their last payslip of the year, so that
every agent counts in one value of each dimension and the groups add up to the whole.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tabulate import tabulate

from ..workcalendar import Calendar
from ..fmt import fr_amount, fr_number
from ..params import ParameterError, Parameters
from ..absence_chains import chain_ids
from ..model import FAMILY_LEAVE_TYPES, LONG_SICK_LEAVE_TYPES, WORK_INJURY_TYPES

# Normalised absence types (model.ABSENCE_TYPES) of each motive group. Annual leave, ARTT, CET
# and training are not absenteeism.
MOTIVE_GROUPS: dict[str, tuple[str, ...]] = {
    "cmo": ("cmo",),
    "clm_cld_cgm": LONG_SICK_LEAVE_TYPES,
    "accident_maladie_pro": WORK_INJURY_TYPES,
    "maternite_paternite_adoption": FAMILY_LEAVE_TYPES,
    "autres": ("asa", "greve", "autre"),
}
MOTIVE_LABELS = {
    "cmo": "Maladie ordinaire",
    "clm_cld_cgm": "Longue maladie, longue durée, grave maladie",
    "accident_maladie_pro": "Accident de service / trajet, maladie professionnelle",
    "maternite_paternite_adoption": "Maternité, paternité, adoption",
    "autres": "Autres absences (ASA, grève, autres)",
    "compressible": "Absentéisme compressible (maladie ordinaire + accidents)",
    "total": "Total",
}
COMPRESSIBLE = ("cmo", "accident_maladie_pro")
DIMENSIONS = {"service": "Service", "categorie": "Catégorie", "statut": "Statut", "age": "Tranche d'âge", "sexe": "Sexe"}
BASES = {"calendaire": "jours calendaires", "ouvre": "jours ouvrés du calendrier du territoire"}
AGE_BANDS = [(0, 30, "moins de 30 ans"), (30, 40, "30 à 39 ans"), (40, 50, "40 à 49 ans"), (50, 60, "50 à 59 ans"),
             (60, 200, "60 ans et plus")]
UNKNOWN = "(non renseigné)"
TYPE_GROUP = {t: g for g, types in MOTIVE_GROUPS.items() for t in types}


class AbsenteeismError(Exception):
    """No payslip for the year, unknown dimension or base (French message)."""


@dataclass
class Report:
    year: int
    base: str
    territory: str
    headcount: float
    headcount_etp: float
    months: list[int]
    persons: int
    rows: list[dict]
    evolution: list[dict] = field(default_factory=list)
    benchmark: dict | None = None
    ignored_absences: int = 0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "year": self.year,
            "headcount_mean": round(self.headcount, 2),
            "headcount_mean_etp": round(self.headcount_etp, 2),
            "headcount_method": headcount_method(self.months),
            "base": self.base,
            "territory": self.territory,
            "rows": self.rows,
            "evolution": self.evolution,
            "benchmark": self.benchmark,
            "cost_replacement": None,
            "ignored_absences": self.ignored_absences,
            "notes": self.notes,
        }


def headcount_method(months: list[int]) -> str:
    return (f"agents payés (population « agent »), comptés chaque mois puis moyennés sur {len(months)} mois "
            f"de paie ; en personnes et en ETP (somme des quotités)")


# --- computation ---------------------------------------------------------------------------------


def _agent_attributes(slips: pd.DataFrame, agents: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per matricule paid in `year`: service, categorie, statut (last payslip), age band, sexe."""
    last = slips.sort_values(["month"]).drop_duplicates("matricule", keep="last").set_index("matricule")
    out = pd.DataFrame(index=last.index)
    for col in ("service", "categorie", "statut"):
        out[col] = last[col].astype("string").fillna(UNKNOWN).replace("", UNKNOWN)
    ref = agents.drop_duplicates("matricule", keep="last").set_index("matricule") if not agents.empty else None
    birth = ref["birth_date"].reindex(out.index) if ref is not None else pd.Series(pd.NaT, index=out.index)
    gender = ref["gender"].reindex(out.index) if ref is not None else pd.Series(pd.NA, index=out.index)
    age = year - pd.to_datetime(birth).dt.year  # age reached in the year
    out["age"] = UNKNOWN
    for low, high, label in AGE_BANDS:
        out.loc[(age >= low) & (age < high), "age"] = label
    # "F", "M", "H", "Femme", "Homme", "Masculin"...: the first letter decides.
    out["sexe"] = gender.astype("string").str.strip().str[:1].str.upper().map(
        {"F": "Femmes", "M": "Hommes", "H": "Hommes"}).fillna(UNKNOWN)
    return out


def _year_absences(absences: pd.DataFrame, year: int, cal: Calendar) -> pd.DataFrame:
    """Absence records of the motive groups overlapping `year`, with calendar and worked days in it."""
    ab = absences[absences["type"].isin(list(TYPE_GROUP)) & absences["start"].notna() & absences["end"].notna()].copy()
    first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    ab = ab[(ab["start"] <= last) & (ab["end"] >= first)]
    ab["group"] = ab["type"].map(TYPE_GROUP)
    ab["matricule"] = ab["matricule"].astype(str)
    s = ab["start"].clip(lower=first).to_numpy(dtype="datetime64[D]")
    e = ab["end"].clip(upper=last).to_numpy(dtype="datetime64[D]")
    ab["cal_days"] = (e - s).astype(int) + 1
    off = np.array(sorted(cal.days_off()), dtype="datetime64[D]")
    ab["worked_days"] = np.busday_count(s, e + 1, holidays=off) if len(ab) else np.array([], dtype=int)
    ab["clip_start"], ab["clip_end"] = s, e
    ab["stop"] = chain_ids(ab, ["matricule", "group"])
    return ab


def worked_days_of_year(cal: Calendar) -> int:
    first = np.datetime64(dt.date(cal.year, 1, 1), "D")
    off = np.array(sorted(cal.days_off()), dtype="datetime64[D]")
    return int(np.busday_count(first, np.datetime64(dt.date(cal.year + 1, 1, 1), "D"), holidays=off))


def _cost(ab: pd.DataFrame, slips: pd.DataFrame) -> pd.Series:
    """Pay maintained during each record: Σ over its months of gross × days absent / days of the month."""
    if ab.empty:
        return pd.Series(dtype=float)
    gross = slips.groupby(["matricule", "month"])["gross"].sum()
    months = ab[["matricule", "clip_start", "clip_end"]].copy()
    months["m0"] = pd.DatetimeIndex(months["clip_start"]).month
    months["m1"] = pd.DatetimeIndex(months["clip_end"]).month
    months["month"] = [list(range(a, b + 1)) for a, b in zip(months["m0"], months["m1"])]
    ex = months.explode("month")
    ex["month"] = ex["month"].astype(int)
    year = pd.DatetimeIndex(ex["clip_start"]).year.to_numpy()
    mstart = pd.to_datetime(pd.DataFrame({"year": year, "month": ex["month"].to_numpy(), "day": 1}))
    mend = mstart + pd.offsets.MonthEnd(0)
    s = np.maximum(pd.DatetimeIndex(ex["clip_start"]).values, mstart.values)
    e = np.minimum(pd.DatetimeIndex(ex["clip_end"]).values, mend.values)
    days = (e - s).astype("timedelta64[D]").astype(int) + 1
    share = days / mend.dt.day.to_numpy()
    g = gross.reindex(list(zip(ex["matricule"], ex["month"]))).fillna(0.0).to_numpy()
    return pd.Series(g * share, index=ex.index).groupby(level=0).sum()


def _indicator_rows(ab: pd.DataFrame, headcount: float, persons: int, year_days: int, year_worked: int) -> list[dict]:
    rows = []
    groups = list(MOTIVE_GROUPS) + ["compressible", "total"]
    for g in groups:
        if g == "total":
            sel = ab
        elif g == "compressible":
            sel = ab[ab["group"].isin(COMPRESSIBLE)]
        else:
            sel = ab[ab["group"] == g]
        days, worked = float(sel["cal_days"].sum()), float(sel["worked_days"].sum())
        # A stop is a chain of one group; in the aggregates each chain still counts once.
        stops = int(sel["stop"].nunique())
        agents = int(sel["matricule"].nunique())
        rows.append({
            "motive": g,
            "motive_label": MOTIVE_LABELS[g],
            "days": days,
            "worked_days": worked,
            "stops": stops,
            "agents": agents,
            "rate_calendar": days / (headcount * year_days) if headcount else None,
            "rate_worked": worked / (headcount * year_worked) if headcount else None,
            "frequency": 100 * stops / headcount if headcount else None,
            "mean_length": days / stops if stops else None,
            "share_agents_absent": agents / persons if persons else None,
            "cost": float(sel["cost"].sum()),
        })
    return rows


def _year_report(payslips, absences, agents, year: int, by: list[str], base: str, cal: Calendar) -> tuple:
    slips = payslips[(payslips["year"] == year)
                     & payslips["population"].astype("string").fillna("agent").eq("agent")].copy()
    if slips.empty:
        raise AbsenteeismError(f"Aucun bulletin d'agent pour {year} : importez les paies de l'année ou corrigez --year.")
    slips["matricule"] = slips["matricule"].astype(str)
    per_month = slips.drop_duplicates(["matricule", "month"])
    months = sorted(int(m) for m in per_month["month"].dropna().unique())
    attrs = _agent_attributes(slips, agents, year)
    counts = per_month.groupby("month")["matricule"].nunique()
    etp = per_month.assign(q=per_month["quotite"].astype(float).fillna(1.0).clip(upper=1.0)).groupby("month")["q"].sum()
    headcount, headcount_etp = float(counts.mean()), float(etp.mean())
    year_days = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
    year_worked = worked_days_of_year(cal)
    ab_all = _year_absences(absences, year, cal)
    paid = set(attrs.index)
    ab = ab_all[ab_all["matricule"].isin(paid)].copy()
    ab["cost"] = _cost(ab, slips).reindex(ab.index).fillna(0.0)
    rows = [{"group": "ensemble", "value": None, "headcount": round(headcount, 2), **r}
            for r in _indicator_rows(ab, headcount, len(paid), year_days, year_worked)]
    for dim in by:
        value_of = attrs[dim]
        monthly = per_month.assign(v=per_month["matricule"].map(value_of)).groupby(["v", "month"]).size()
        hc = monthly.groupby(level=0).sum() / len(months)
        persons = value_of.value_counts()
        ab_v = ab.assign(v=ab["matricule"].map(value_of))
        for value in sorted(hc.index):
            sub = ab_v[ab_v["v"] == value]
            rows += [{"group": dim, "value": value, "headcount": round(float(hc[value]), 2), **r}
                     for r in _indicator_rows(sub, float(hc[value]), int(persons.get(value, 0)), year_days, year_worked)]
    for r in rows:
        r["rate"] = r["rate_calendar"] if base == "calendaire" else r["rate_worked"]
    ignored = len(ab_all) - len(ab)
    return rows, headcount, headcount_etp, months, len(paid), ignored


def absenteeism(payslips: pd.DataFrame, absences: pd.DataFrame, agents: pd.DataFrame, params: Parameters,
                year: int | None = None, by: list[str] | None = None, base: str = "calendaire",
                territory: str = "metropole") -> Report:
    """Indicators of `year` (default: the last year with payslips), with the other years' totals."""
    by = list(by or [])
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise AbsenteeismError(f"Dimension inconnue : {', '.join(unknown)} (attendu : {', '.join(DIMENSIONS)}).")
    if base not in BASES:
        raise AbsenteeismError(f"Base inconnue : {base} (attendu : {', '.join(BASES)}).")
    years = sorted(int(y) for y in payslips["year"].dropna().unique())
    if not years:
        raise AbsenteeismError("Aucun bulletin importé : importez d'abord les paies (rhaudit import).")
    year = year or years[-1]
    cal = Calendar.load(territory, year)
    rows, headcount, etp, months, persons, ignored = _year_report(payslips, absences, agents, year, by, base, cal)
    evolution = []
    for y in years:
        ens = rows if y == year else _year_report(payslips, absences, agents, y, [], base, Calendar.load(territory, y))[0]
        total = next(r for r in ens if r["group"] == "ensemble" and r["motive"] == "total")
        comp = next(r for r in ens if r["group"] == "ensemble" and r["motive"] == "compressible")
        evolution.append({"year": y, "rate_calendar": total["rate_calendar"], "rate_worked": total["rate_worked"],
                          "compressible_rate_calendar": comp["rate_calendar"], "headcount": total["headcount"]})
    notes = [f"Calendrier : {cal.label} ; {worked_days_of_year(cal)} jours ouvrés en {year}, "
             f"{(dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1} jours calendaires.",
             "Coût : rémunération brute maintenue pendant les absences (brut du mois × part du mois absent). "
             "Contrats de remplacement : non calculés (les données n'identifient pas les remplacements)."]
    if ignored:
        notes.append(f"{ignored} absence(s) d'agents sans bulletin d'agent en {year} non comptée(s).")
    return Report(year, base, cal.label, headcount, etp, months, persons, rows, evolution,
                  _benchmark(params, year), ignored, notes)


def _benchmark(params: Parameters, year: int) -> dict | None:
    try:
        r = params.resolve("absenteisme.repere_national", dt.date(year, 12, 31))
    except ParameterError:
        return None
    return {**r.value, "since": r.since.isoformat(), "source": r.source}


# --- rendering -----------------------------------------------------------------------------------

def _pct(x) -> str:
    return "" if x is None else f"{fr_number(100 * x, 2)} %"


def _num(x, digits=1) -> str:
    return "" if x is None else fr_number(x, digits)


TABLE_COLUMNS = ["Périmètre", "Valeur", "Motif", "Effectif moyen", "Jours calendaires", "Jours ouvrés", "Arrêts",
                 "Agents absents", "Taux ({base})", "Taux calendaire", "Taux jours ouvrés", "Fréquence (arrêts / 100 agents)",
                 "Durée moyenne (j)", "Part d'agents absents", "Coût maintenu (EUR)"]


def display_frame(report: Report) -> pd.DataFrame:
    """The rows with French headers, rates as percentages (text, csv, xlsx)."""
    out = []
    for r in report.rows:
        out.append([
            "Collectivité" if r["group"] == "ensemble" else DIMENSIONS[r["group"]], r["value"] or "", r["motive_label"],
            _num(r["headcount"], 2), _num(r["days"], 1), _num(r["worked_days"], 1), r["stops"], r["agents"],
            _pct(r["rate"]), _pct(r["rate_calendar"]), _pct(r["rate_worked"]), _num(r["frequency"], 1),
            _num(r["mean_length"], 1), _pct(r["share_agents_absent"]), fr_amount(r["cost"]),
        ])
    cols = [c.format(base=BASES[report.base]) for c in TABLE_COLUMNS]
    return pd.DataFrame(out, columns=cols)


def _header(report: Report) -> list[str]:
    lines = [
        f"Absentéisme {report.year} — {report.territory}",
        f"Effectif moyen : {fr_number(report.headcount, 2)} agents ({fr_number(report.headcount_etp, 2)} ETP) — "
        f"{headcount_method(report.months)}.",
        f"Base des taux : {BASES[report.base]} (taux calendaire = jours calendaires / (effectif moyen × jours de l'année) ; "
        f"taux jours ouvrés = jours ouvrés d'absence / (effectif moyen × jours ouvrés de l'année)).",
    ]
    return lines + report.notes


def _benchmark_lines(report: Report) -> list[str]:
    b = report.benchmark
    if not b:
        return ["Repère national : aucun repère en vigueur pour cette année (configs/parametres/absenteisme.yaml)."]
    ens = {r["motive"]: r for r in report.rows if r["group"] == "ensemble"}
    without_mat = ens["total"]["days"] - ens["maternite_paternite_adoption"]["days"]
    own = without_mat / (report.headcount * ((dt.date(report.year, 12, 31) - dt.date(report.year, 1, 1)).days + 1))
    return [
        f"Repère national (base calendaire ; données {b['since'][:4]} ; {b['source']}) :",
        f"  taux hors maternité {_pct(b['taux_hors_maternite'])} (collectivité : {_pct(own)}) ; "
        f"avec maternité {_pct(b['taux_avec_maternite'])} (collectivité : {_pct(ens['total']['rate_calendar'])}) ; "
        f"durée moyenne d'un arrêt {fr_number(b['duree_moyenne_arret_jours'])} j "
        f"(collectivité : {_num(ens['total']['mean_length'])} j).",
    ]


def render_text(report: Report) -> str:
    frame = display_frame(report)
    short = frame.drop(columns=[frame.columns[9], frame.columns[10], frame.columns[5]])
    parts = _header(report) + [""]
    parts.append(tabulate(short.values.tolist(), headers=list(short.columns), tablefmt="simple", disable_numparse=True))
    parts += [""] + _benchmark_lines(report)
    if len(report.evolution) > 1:
        parts += ["", "Évolution (collectivité, tous motifs) :"]
        parts.append(tabulate([[e["year"], _pct(e["rate_calendar"]), _pct(e["rate_worked"]), _pct(e["compressible_rate_calendar"])]
                               for e in report.evolution],
                              headers=["Année", "Taux calendaire", "Taux jours ouvrés", "Taux compressible (calendaire)"],
                              disable_numparse=True))
    return "\n".join(parts)


def indicator_table(report: Report, rows: list[dict], title: str = "", source: str = ""):
    """The indicators as a typed table of the presentation layer (rates as percentages, days, EUR)."""
    from ..present.document import Column, Table

    cols = [Column("perimeter", "Périmètre"), Column("value", "Valeur", wrap=25), Column("motive_label", "Motif", wrap=40),
            Column("headcount", "Effectif moyen", "number"), Column("days", "Jours calendaires", "number"),
            Column("worked_days", "Jours ouvrés", "number"), Column("stops", "Arrêts", "int"),
            Column("agents", "Agents absents", "int"), Column("rate", f"Taux ({BASES[report.base]})", "pct"),
            Column("frequency", "Arrêts pour 100 agents", "number"), Column("mean_length", "Durée moyenne (j)", "number"),
            Column("share_agents_absent", "Part d'agents absents", "pct"), Column("cost", "Rémunération maintenue", "eur")]
    data = [{**r, "perimeter": "Collectivité" if r["group"] == "ensemble" else DIMENSIONS[r["group"]],
             "value": r["value"] or ""} for r in rows]
    return Table(cols, data, title=title, source=source)


def write_xlsx(report: Report, path: Path, service_rows: list[dict]) -> None:
    """Méthode, Indicateurs, Évolution and Graphiques (rate by motive, by service) through the
    presentation layer: rates as real percentages, French formats, page set-up."""
    from .. import __version__
    from ..present.document import Chart, Column, Document, Table, Text
    from ..present.excel import write_workbook

    doc = Document(f"Absentéisme {report.year}", period=str(report.year), version=__version__,
                   sources=["bulletins et absences de l'espace de travail"])
    doc.sheet("Méthode", f"Absentéisme {report.year} — méthode et repère national").add(
        *[Text(line) for line in _header(report) + _benchmark_lines(report)])
    doc.sheet("Indicateurs", f"Indicateurs d'absentéisme {report.year}").add(indicator_table(report, report.rows))
    doc.sheet("Évolution", "Évolution de l'absentéisme (collectivité, tous motifs)").add(Table(
        [Column("year", "Année"), Column("rate_calendar", "Taux calendaire", "pct"),
         Column("rate_worked", "Taux jours ouvrés", "pct"), Column("compressible_rate_calendar", "Taux compressible", "pct")],
        [{**e, "year": str(e["year"])} for e in report.evolution]))
    motives = [r for r in report.rows if r["group"] == "ensemble" and r["motive"] in MOTIVE_GROUPS]
    services = [r for r in service_rows if r["motive"] == "total"]
    label = f"Taux ({BASES[report.base]}), %"
    doc.sheet("Graphiques", f"Absentéisme {report.year} en graphiques").add(
        Chart("Taux d'absentéisme par motif (%)", [r["motive_label"] for r in motives],
              {label: [round(100 * (r["rate"] or 0), 3) for r in motives]}, y_label="%"),
        Chart("Taux d'absentéisme par service (%), tous motifs", [str(r["value"]) for r in services],
              {label: [round(100 * (r["rate"] or 0), 3) for r in services]}, y_label="%"))
    write_workbook(doc, path)


def render(report: Report, fmt: str, out: Path | None, service_rows: list[dict] | None = None) -> str:
    """Text, json or csv as a string (also written to `out` if given); xlsx written to `out`."""
    if fmt == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1, default=str)
    elif fmt == "csv":
        text = display_frame(report).to_csv(sep=";", index=False)
    elif fmt == "xlsx":
        if out is None:
            raise AbsenteeismError("--format xlsx demande --out FICHIER.xlsx.")
        write_xlsx(report, out, service_rows or [])
        return f"Indicateurs d'absentéisme écrits dans {out}."
    else:
        text = render_text(report)
    if out is not None:
        out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        return f"Indicateurs d'absentéisme écrits dans {out}."
    return text
