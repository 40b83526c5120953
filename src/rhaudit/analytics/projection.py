"""`rhaudit project`: staffing-cost trajectories N+1…N+k under named scenarios (docs/masse_salariale.md).

The starting point is the last imported year of a workspace (gross, employer contributions by
fund and their bases, ETPT, staff at 31/12 with their birth dates), or the aggregate figures of
the projection file. Each year, per scenario:

    ETP_n   = (ETP_n-1 − (retirements_n + departures_n) × (1 − replacement_rate) + hires_n − deletions_n)
              × (1 + one_off_n)
    unit_n  = unit_n-1 × (1 + gvt_rate) × (1 + s × (point_n / point_n-1 − 1))
    gross_n = ETP_n × unit_n + new bonuses in force
    charges = Σ_fund (C_fund,0 + B_fund,0 × (rate_fund,n − rate_fund,0)) × gross_n / gross_0 + other charges × gross_n / gross_0

where point_n is the yearly mean of the point value (dated parameter × the scenario's dated
revaluations), s the share of the pay that follows the point (traitement, NBI, IR), rate_fund,n
the yearly mean of the dated employer rate (a 1 July change counts for six months), B the base
of each fund. Values are kept unrounded and rounded to the euro only in the output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..configfile import load_yaml_model
from ..enrich import read_enriched
from ..params import ParameterError, Parameters, default_parameters
from ..workspace import Workspace
from .payroll import INDICIAIRE_PARTS, LINE_COLUMNS, POINT, SLIP_COLUMNS, agent_years, indicators

# Employer rate of each fund modelled, as a dated parameter (configs/parametres/cotisations.yaml).
RATE_PARAMS = {
    "cnracl": "cotisations.cnracl_patronal",
    "rafp": "cotisations.rafp_patronal",
    "ircantec": "cotisations.ircantec_patronal_tranche_a",
    "urssaf": "cotisations.urssaf_vieillesse_deplafonnee_patronal",
}


class ProjectionError(Exception):
    """Bad projection file or inputs (French message)."""


class Base(BaseModel):
    model_config = ConfigDict(extra="forbid")
    personnel_charges: float | None = Field(default=None, gt=0)
    etp: float | None = Field(default=None, gt=0)
    headcount: int | None = Field(default=None, ge=0)
    indiciaire_share: float | None = Field(default=None, ge=0, le=1)
    assiettes: dict[str, float] = Field(default_factory=dict)  # annual base of each fund's employer rate


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    gvt_rate: float = 0.0
    point_indice: dict[dt.date, float] = Field(default_factory=dict)
    replacement_rate: float = Field(default=1.0, ge=0)
    one_off: dict[int, float] = Field(default_factory=dict)
    hires: dict[int, float] = Field(default_factory=dict)  # ETP recruited on new posts
    post_deletions: dict[int, float] = Field(default_factory=dict)  # ETP of posts deleted
    departures: dict[int, float] = Field(default_factory=dict)  # ETP leaving besides retirements
    retirement_age: int | None = Field(default=None, ge=50, le=75)
    new_bonuses: dict[dt.date, float] = Field(default_factory=dict)  # annual gross amount from a date


class ProjectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_year: int
    base: Base | None = None
    horizon: int = Field(ge=1, le=30)
    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self):
        names = [s.name for s in self.scenarios]
        if len(set(names)) != len(names):
            raise ValueError("deux scénarios portent le même nom")
        return self


HINT = "Voir configs/projections/exemple.yaml et docs/masse_salariale.md."


def load_projection(path: Path) -> ProjectionSpec:
    return load_yaml_model(path, ProjectionSpec, ProjectionError, HINT)


# --- starting point ----------------------------------------------------------------------------

class Start(BaseModel):
    """The base year's figures the projection starts from."""

    gross: float  # the mass that scales (the whole personnel charges in aggregate mode)
    charges: dict[str, float] = {}  # employer contributions by fund
    bases: dict[str, float] = {}  # base of each modelled fund's rate
    etp: float | None = None
    headcount: int | None = None
    share: float = 1.0  # part of the gross that follows the point d'indice
    retirements: dict[int, dict[int, float]] = {}  # retirement age -> year -> ETP
    from_workspace: bool = False


def mean_rate(params: Parameters, name: str, year: int) -> float:
    try:
        return float(np.mean(list(params.monthly_series(name, year).values())))
    except ParameterError as exc:
        raise ProjectionError(f"Taux introuvable pour {year} : {exc}") from exc


def start_from_workspace(ws: Workspace, year: int, params: Parameters, ages: set[int]) -> Start:
    tables = read_enriched(ws, [year], params)
    slips = tables["payslips"][SLIP_COLUMNS]
    if slips.empty:
        raise ProjectionError(f"Aucun bulletin de {year} dans {ws.root} : base_year doit être une année importée "
                              f"(années présentes : {', '.join(map(str, ws.years())) or 'aucune'}).")
    ay = agent_years(slips, tables["pay_lines"][LINE_COLUMNS])
    ind = indicators(ay)
    charges = dict(ind["employer_contributions"])
    bases = {f: charges[f] / mean_rate(params, p, year) for f, p in RATE_PARAMS.items() if f in charges and f != "urssaf"}
    if "urssaf" in charges:
        # The dated URSSAF rate (vieillesse déplafonnée) applies to agents outside the CNRACL.
        no_cnracl = ay["fund:cnracl"] == 0 if "fund:cnracl" in ay.columns else pd.Series(True, index=ay.index)
        bases["urssaf"] = float(ay.loc[no_cnracl, "gross"].sum())
    gross = ind["gross"]
    share = sum(ind["gross_parts"][p] for p in INDICIAIRE_PARTS) / gross if gross else 1.0
    retirements: dict[int, dict[int, float]] = {}
    agents = ws.read("agents", columns=["matricule", "birth_date"])
    if ages and not agents.empty:
        staff = ay[ay["dec_present"] == 1].reset_index()[["matricule", "dec_etp"]]
        born = staff.merge(agents[["matricule", "birth_date"]].drop_duplicates("matricule"), on="matricule", how="left")
        born = born[born["birth_date"].notna()]
        for age in ages:
            out = born.groupby(born["birth_date"].dt.year + age)["dec_etp"].sum()
            retirements[age] = {int(y): float(v) for y, v in out.items() if y > year}
    return Start(gross=gross, charges=charges, bases=bases, etp=ind["etpt"], headcount=ind["headcount_31_12"],
                 share=share, retirements=retirements, from_workspace=True)


def start_of(spec: ProjectionSpec, ws: Workspace | None, params: Parameters) -> Start:
    ages = {s.retirement_age for s in spec.scenarios if s.retirement_age}
    if ws is not None:
        start = start_from_workspace(ws, spec.base_year, params, ages)
    elif spec.base is None or spec.base.personnel_charges is None:
        raise ProjectionError("Sans --workspace, le fichier doit donner base.personnel_charges (charges de personnel "
                              f"de {spec.base_year}). {HINT}")
    else:
        start = Start(gross=spec.base.personnel_charges)
    b = spec.base
    if b is not None:  # explicit figures override the workspace's
        if b.personnel_charges is not None and ws is not None:
            scale = b.personnel_charges / (start.gross + sum(start.charges.values()))
            start.gross *= scale
            start.charges = {k: v * scale for k, v in start.charges.items()}
            start.bases = {k: v * scale for k, v in start.bases.items()}
        start.etp = b.etp if b.etp is not None else start.etp
        start.headcount = b.headcount if b.headcount is not None else start.headcount
        start.share = b.indiciaire_share if b.indiciaire_share is not None else start.share
        start.bases.update(b.assiettes)
    unknown = set(start.bases) - set(RATE_PARAMS)
    if unknown:
        raise ProjectionError(f"base.assiettes : caisse(s) inconnue(s) {', '.join(sorted(unknown))} "
                              f"(caisses modélisées : {', '.join(RATE_PARAMS)}).")
    return start


# --- the trajectory ----------------------------------------------------------------------------

def point_path_mean(params: Parameters, revaluations: dict[dt.date, float], year: int) -> float:
    """Yearly mean of the point value: the dated parameter × the scenario's revaluations in force."""
    values = []
    for m in range(1, 13):
        first = dt.date(year, m, 1)
        v = params.value(POINT, first)
        for when, rate in revaluations.items():
            if when <= first:
                v *= 1 + rate
        values.append(v)
    return float(np.mean(values))


def _months_in_force(since: dt.date, year: int) -> int:
    if since.year > year:
        return 0
    if since.year < year:
        return 12
    return 13 - since.month if since.day == 1 else 12 - since.month


def project(spec: ProjectionSpec, start: Start, params: Parameters) -> list[dict]:
    rows = []
    y0 = spec.base_year
    rates0 = {f: mean_rate(params, RATE_PARAMS[f], y0) for f in start.bases}
    total0 = start.gross + sum(start.charges.values())
    for sc in spec.scenarios:
        needs_etp = sc.hires or sc.post_deletions or sc.departures or sc.retirement_age
        if needs_etp and start.etp is None:
            raise ProjectionError(f"Scénario « {sc.name} » : recrutements, suppressions, départs et retraites sont en "
                                  f"ETP : donnez base.etp (ou --workspace). {HINT}")
        if sc.retirement_age and not start.from_workspace:
            raise ProjectionError(f"Scénario « {sc.name} » : retirement_age demande le référentiel agents d'un espace "
                                  f"de travail (--workspace) ; sans lui, donnez les départs en ETP (departures).")
        etp = start.etp if start.etp is not None else 1.0
        unit = start.gross / etp
        retire = start.retirements.get(sc.retirement_age, {}) if sc.retirement_age else {}
        previous_total = total0
        for n in range(1, spec.horizon + 1):
            year = y0 + n
            leaving = retire.get(year, 0.0) + sc.departures.get(year, 0.0)
            etp = etp - leaving * (1 - sc.replacement_rate) + sc.hires.get(year, 0.0) - sc.post_deletions.get(year, 0.0)
            etp *= 1 + sc.one_off.get(year, 0.0)
            if etp < 0:
                raise ProjectionError(f"Scénario « {sc.name} » : effectif négatif en {year} (départs et suppressions "
                                      f"supérieurs à l'effectif).")
            pf = point_path_mean(params, sc.point_indice, year) / point_path_mean(params, sc.point_indice, year - 1)
            unit *= (1 + sc.gvt_rate) * (1 + start.share * (pf - 1))
            bonus = sum(amount * _months_in_force(since, year) / 12 for since, amount in sc.new_bonuses.items())
            gross = etp * unit + bonus
            ratio = gross / start.gross
            charges = sum(start.charges.values()) * ratio
            charges += sum(b * (mean_rate(params, RATE_PARAMS[f], year) - rates0[f]) for f, b in start.bases.items()) * ratio
            total = gross + charges
            rows.append({
                "scenario": sc.name, "year": year,
                "personnel_charges": int(round(total)),
                "etp": round(etp, 2) if start.etp is not None else None,
                "growth_rate": round(total / previous_total - 1, 6),
                "headcount": int(round(start.headcount * etp / start.etp)) if start.headcount is not None and start.etp else None,
                "gross": int(round(gross)) if start.from_workspace else None,
                "employer_charges": int(round(charges)) if start.from_workspace else None,
            })
            previous_total = total
    first = {r["year"]: r["personnel_charges"] for r in rows if r["scenario"] == spec.scenarios[0].name}
    for r in rows:
        r["gap_to_first"] = r["personnel_charges"] - first[r["year"]]
    return rows


def run_projection(path: Path, ws: Workspace | None = None, params: Parameters | None = None) -> tuple[list[dict], Start, ProjectionSpec]:
    params = params or default_parameters()
    spec = load_projection(path)
    try:
        start = start_of(spec, ws, params)
        return project(spec, start, params), start, spec
    except ParameterError as exc:
        raise ProjectionError(f"{path} : {exc}") from exc


# --- French tables and the Excel chart ----------------------------------------------------------

def tables(rows: list[dict], start: Start, spec: ProjectionSpec) -> dict[str, pd.DataFrame]:
    detail = pd.DataFrame([{
        "Scénario": r["scenario"], "Année": r["year"], "Effectif": r["headcount"], "ETP": r["etp"],
        "Brut": r["gross"], "Charges patronales": r["employer_charges"], "Charges de personnel": r["personnel_charges"],
        "Évolution (%)": round(100 * r["growth_rate"], 3), f"Écart à « {spec.scenarios[0].name} »": r["gap_to_first"],
    } for r in rows]).dropna(axis=1, how="all")
    base_total = int(round(start.gross + sum(start.charges.values())))
    wide = pd.DataFrame({"Année": [spec.base_year] + list(range(spec.base_year + 1, spec.base_year + spec.horizon + 1))})
    for sc in spec.scenarios:
        wide[sc.name] = [base_total] + [r["personnel_charges"] for r in rows if r["scenario"] == sc.name]
    return {"Projection par scénario": detail, "Trajectoires": wide}


def add_chart(path: Path, sheets: dict[str, str]) -> None:
    """A native Excel line chart of the trajectories (one series per scenario)."""
    from openpyxl import load_workbook
    from openpyxl.chart import LineChart, Reference

    wb = load_workbook(path)
    ws = wb[sheets["Trajectoires"]]
    chart = LineChart()
    chart.title = "Charges de personnel par scénario"
    chart.y_axis.title = "EUR"
    chart.x_axis.title = "Année"
    # The table sits under the sheet's title block: its header is the first row of the filter.
    first, last = ws.auto_filter.ref.split(":")
    head, end = (int("".join(ch for ch in ref if ch.isdigit())) for ref in (first, last))
    width = ws.max_column
    data = Reference(ws, min_col=2, max_col=width, min_row=head, max_row=end)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=end))
    for series in chart.series:
        series.smooth = False  # a smoothed curve would draw values the projection does not give
    chart.width, chart.height = 22, 12
    ws.add_chart(chart, f"A{end + 3}")
    wb.save(path)


def notes(start: Start) -> list[str]:
    out = []
    if not start.from_workspace:
        out.append("Projection à partir de chiffres agrégés : les charges de personnel évoluent en bloc "
                   "(les taux de cotisation ne jouent que sur les assiettes données dans base.assiettes).")
    return out
