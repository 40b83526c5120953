"""Annual working-time simulator (`rhaudit worktime`): days, hours and the gap to 1,607 h.

Two counting methods, both always reported:

* norme — the legal derivation of the circulars and of the audit chambers' summaries:
  365 − 104 weekend days − 8 public holidays − 25 days of leave = 228 days × 7 h = 1,596 h,
  rounded to 1,600 h by the décret (the "norm rounding", +4 h, shown on its own line) + 7 h of
  journée de solidarité = 1,607 h. Counts scale with the days worked per week (4.5-day week:
  × 4.5/5).
* calendrier — the real calendar of the year and territory (calendar.Calendar): weekdays of
  the cycle, public holidays and local days off falling on them, listed by date.

Days are "days of the cycle" of average length (weekly hours / days per week); a half day of a
4.5-day week weighs 0.5. Part time (quotité) prorates every day count of leave and ARTT and the
hours; the reference becomes 1,607 h × quotité.

ARTT solver: the ARTT days that keep the year at the reference, rounded DOWN to the whole day
(rounding up would take the year under 1,607 h): ARTT = floor(available days − target / daily
hours), target = 1,607 − 7 (solidarity) − the norm rounding in the norme method. In the norme
method this is the usual table 228 × (W − 35) / W: 36 h → 6, 37 h → 12, 37.5 h → 15, 38 h → 18,
39 h → 23. Reverse: the minutes per day to add so that the extra days cost nothing.

Every legal number comes from configs/parametres/temps_travail.yaml, in force on 1 January of
the simulated year.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tabulate import tabulate

from ..calendar import Calendar, CalendarError, territory_text
from ..configfile import ConfigError, read_yaml, validation_problems
from ..deliberations import WorkRegime
from ..fmt import fr_amount, fr_number
from ..params import ParameterError, Parameters, default_parameters
from ..quotite import with_quotite
from .garanties import WEEKDAYS


class ScenarioError(ConfigError):
    """A scenario file that cannot be used (French message naming the file and the field)."""


class ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2002, le=2100)
    territory: str = "metropole"
    headcount: float | None = Field(default=None, gt=0)
    etp_cost: float | None = Field(default=None, gt=0)
    scenarios: list[WorkRegime] = Field(min_length=1)

    _territory = field_validator("territory", mode="before")(territory_text)


# --- legal parameters of a year ----------------------------------------------------------------


@dataclass(frozen=True)
class Norms:
    """The temps_travail parameters in force on 1 January of `year`."""

    year: int
    annual_hours: float  # 1,607
    weekly_hours: float  # 35
    solidarity_hours: float  # 7
    norm_weekend_days: float  # 104
    norm_holidays: float  # 8
    norm_leave_days: float  # 25
    norm_year_days: float  # 365
    norm_rounded_hours: float  # 1,600
    leave_weeks: float  # 5
    tolerance_hours: float  # 4
    sources: dict[str, str]
    garanties: dict = field(default_factory=dict)  # temps_travail.garanties_minimales (limits in hours)
    garanties_source: str = ""

    @classmethod
    def of(cls, year: int, params: Parameters | None = None) -> "Norms":
        params = params or default_parameters()
        names = {
            "annual_hours": "duree_annuelle_heures", "weekly_hours": "duree_hebdomadaire_heures",
            "solidarity_hours": "journee_solidarite_heures", "norm_weekend_days": "norme_jours_weekend",
            "norm_holidays": "norme_jours_feries", "norm_leave_days": "norme_jours_conges",
            "norm_year_days": "norme_jours_annee", "norm_rounded_hours": "norme_heures_arrondies",
            "leave_weeks": "conges_annuels_semaines", "tolerance_hours": "tolerance_heures",
        }
        resolved = {k: params.resolve(f"temps_travail.{n}", dt.date(year, 1, 1)) for k, n in names.items()}
        garanties = params.resolve("temps_travail.garanties_minimales", dt.date(year, 1, 1))
        return cls(year=year, sources={f"temps_travail.{names[k]}": str(r) for k, r in resolved.items()},
                   garanties=dict(garanties.value), garanties_source=garanties.source,
                   **{k: float(r.value) for k, r in resolved.items()})

    @property
    def norm_days_per_week(self) -> float:
        """Days per week of the norm's derivation (25 days of leave = 5 weeks of 5 days)."""
        return self.norm_leave_days / self.leave_weeks

    @property
    def norm_rounding_hours(self) -> float:
        """1,600 − 228 × 7 = 4 h: the rounding written in the décret's own derivation."""
        days = self.norm_year_days - self.norm_weekend_days - self.norm_holidays - self.norm_leave_days
        return self.norm_rounded_hours - days * self.weekly_hours / self.norm_days_per_week


# --- a regime's week ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """Hours per weekday (0 = Monday) and the average day of a regime."""

    hours: tuple[float, ...]  # 7 values
    days_per_week: float

    @classmethod
    def of(cls, regime: WorkRegime) -> "Week":
        if regime.weekday_hours:
            unknown = sorted(set(regime.weekday_hours) - set(WEEKDAYS))
            if unknown:
                raise ScenarioError(f"{regime.name} : jours inconnus dans weekday_hours : {', '.join(unknown)} "
                                    f"(attendu : {', '.join(WEEKDAYS)})")
            hours = tuple(float(regime.weekday_hours.get(d, 0)) for d in WEEKDAYS)
            dpw = regime.days_per_week if "days_per_week" in regime.model_fields_set else sum(h > 0 for h in hours)
            return cls(hours, float(dpw))
        dpw = float(regime.days_per_week)
        if not 0 < dpw <= 7:
            raise ScenarioError(f"{regime.name} : days_per_week doit être entre 0 et 7 (reçu {dpw})")
        daily = regime.daily_hours if regime.weekly_hours is None else regime.weekly_hours / dpw
        # Whole days from Monday, the fraction (half day of a 4.5-day week) on the next day.
        hours = tuple(daily * min(1.0, max(0.0, dpw - i)) for i in range(7))
        return cls(hours, dpw)

    @property
    def weekly_hours(self) -> float:
        return sum(self.hours)

    @property
    def daily_hours(self) -> float:
        return self.weekly_hours / self.days_per_week

    def weight(self, weekday: int) -> float:
        """How many average days a weekday counts for (0.5 for the half day)."""
        return self.hours[weekday] / self.daily_hours


# --- one count ---------------------------------------------------------------------------------


@dataclass
class Count:
    """One scenario counted by one method (the JSON object of `rhaudit worktime --format json`)."""

    name: str
    method: str  # norme | calendrier
    year: int
    territory: str
    weekly_hours: float
    days_per_week: float
    quotite: float
    year_days: float
    weekend_days: float
    holidays_on_workdays: float
    local_days_off: float
    annual_leave_days: float
    fractionnement_days: float
    artt_days: float
    artt_computed: bool
    extra_days: float
    extra_days_detail: dict[str, float]
    asa_days: float
    solidarity: str
    solidarity_days: float  # a holiday worked as the journée de solidarité (calendrier)
    days_worked: float
    daily_hours: float
    hours_from_days: float
    norm_rounding_hours: float
    solidarity_hours: float  # solidarity hours outside the days (worked day in the norme, spread)
    annual_hours: float
    reference_hours: float
    gap_hours: float
    gap_etp: float | None
    gap_cost: float | None
    minutes_per_day_to_add: int
    extra_days_hours: float  # what the extra-legal days cost per agent
    notes: list[str] = field(default_factory=list)
    counted_dates: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}


def count_regime(regime: WorkRegime, method: str, norms: Norms, calendar: Calendar | None = None,
                 headcount: float | None = None, etp_cost: float | None = None) -> Count:
    """Count one regime by `method` ("norme" or "calendrier", the latter needs `calendar`)."""
    week = Week.of(regime)
    daily, dpw, q = week.daily_hours, week.days_per_week, regime.quotite
    scale = dpw / norms.norm_days_per_week
    notes: list[str] = []
    dates: list[dict] = []
    solidarity_days = 0.0
    if method == "norme":
        year_days = norms.norm_year_days
        weekend = year_days - (year_days - norms.norm_weekend_days) * scale
        holidays, local = norms.norm_holidays * scale, 0.0
        rounding = norms.norm_rounding_hours
    elif method == "calendrier":
        if calendar is None:
            raise ValueError("calendar required for the calendrier method")
        year_days, weekend, holidays, local, dates = _calendar_days(week, calendar)
        rounding = 0.0
    else:
        raise ValueError(f"unknown method {method}")
    leave = regime.annual_leave_days if regime.annual_leave_days is not None else norms.leave_weeks * dpw
    extra = sum(regime.extra_days.values())
    open_days = year_days - weekend - holidays - local
    days_off = leave + regime.fractionnement_days + extra + regime.asa_days
    if days_off > open_days:
        raise ScenarioError(f"{regime.name} : {fr_number(days_off)} jours de congés, fractionnement, jours extra-légaux "
                            f"et absences pour {fr_number(open_days)} jours ouvrés du cycle "
                            f"({METHOD_LABELS[method].lower()}) : vérifiez annual_leave_days, extra_days et asa_days")
    available = open_days - days_off

    solidarity_hours = 0.0
    whit_monday = calendar.holiday_named("Pentecôte") if calendar is not None and method == "calendrier" else None
    # Before the journée de solidarité (loi 2004-626) its parameter is 0 h: no day worked, no ARTT removed.
    solidarity = regime.solidarity if norms.solidarity_hours > 0 else "sans objet"
    if solidarity == "sans objet":
        notes.append(f"Pas de journée de solidarité en {norms.year} (temps_travail.journee_solidarite_heures = 0 h).")
    elif solidarity == "worked_day":
        if whit_monday is not None and week.weight(whit_monday.weekday()) > 0 and calendar.in_worked_period(whit_monday):
            solidarity_days = week.weight(whit_monday.weekday())
            notes.append(f"Journée de solidarité travaillée le lundi de Pentecôte ({whit_monday:%d/%m/%Y}).")
        else:
            solidarity_hours = norms.solidarity_hours
    elif solidarity == "spread":
        solidarity_hours = norms.solidarity_hours
        notes.append(f"Journée de solidarité : {fr_number(norms.solidarity_hours)} h réparties sur l'année.")
    elif solidarity == "none":
        notes.append(f"Journée de solidarité non appliquée : {fr_number(norms.solidarity_hours * q)} h manquent.")

    notes += garanties_warnings(week, norms)
    solved = regime.artt_days is None
    target = norms.annual_hours - norms.solidarity_hours - rounding
    artt = max(0.0, math.floor(available - target / daily + 1e-9)) if solved else float(regime.artt_days)
    if solved:
        notes.append(f"ARTT calculés : {fr_number(artt)} j (arrondi au jour inférieur pour ne pas passer sous "
                     f"{fr_number(norms.annual_hours)} h).")
    if solidarity == "artt":
        if artt >= 1:
            artt -= 1
            notes.append("Journée de solidarité : un jour ARTT retiré.")
        else:
            notes.append(f"Journée de solidarité par retrait d'un jour ARTT, mais aucun jour ARTT : "
                         f"{fr_number(norms.solidarity_hours * q)} h manquent.")

    days_worked = available - artt + solidarity_days
    hours_from_days = days_worked * daily
    annual = (hours_from_days + rounding + solidarity_hours) * q
    reference = norms.annual_hours * q
    gap = annual - reference
    gap_etp = gap * headcount / norms.annual_hours if headcount else None
    gap_cost = gap_etp * etp_cost if gap_etp is not None and etp_cost else None
    minutes = math.ceil(-gap / q / days_worked * 60 - 1e-9) if gap < 0 and days_worked > 0 else 0
    return Count(
        name=regime.name, method=method, year=norms.year, territory=calendar.territory if calendar else "",
        weekly_hours=week.weekly_hours, days_per_week=dpw, quotite=q, year_days=year_days,
        weekend_days=weekend, holidays_on_workdays=holidays, local_days_off=local,
        annual_leave_days=leave * q, fractionnement_days=regime.fractionnement_days * q,
        artt_days=artt * q, artt_computed=solved, extra_days=extra * q, extra_days_detail=dict(regime.extra_days),
        asa_days=regime.asa_days * q, solidarity=regime.solidarity, solidarity_days=solidarity_days * q,
        days_worked=days_worked * q, daily_hours=daily, hours_from_days=hours_from_days * q,
        norm_rounding_hours=rounding * q, solidarity_hours=solidarity_hours * q, annual_hours=annual,
        reference_hours=reference, gap_hours=gap, gap_etp=gap_etp, gap_cost=gap_cost,
        minutes_per_day_to_add=minutes, extra_days_hours=extra * daily * q, notes=notes, counted_dates=dates,
    )


def garanties_warnings(week: Week, norms: Norms) -> list[str]:
    """Warnings for a regime whose week cannot respect the garanties minimales (a cycle repeating
    this week): more than the weekly maximum, the 12-week average maximum, or the daily maximum."""
    limits = norms.garanties
    if not limits:
        return []
    out = []
    source = f"garanties minimales, {norms.garanties_source}"
    weekly, daily = week.weekly_hours, max(week.hours)
    if weekly > limits["duree_hebdomadaire_max"]:
        out.append(f"Attention : {fr_number(weekly)} h par semaine dépassent la durée hebdomadaire maximale de "
                   f"{fr_number(limits['duree_hebdomadaire_max'])} h ({source}) : ce cycle ne peut pas être appliqué.")
    elif weekly > limits["moyenne_12_semaines_max"]:
        out.append(f"Attention : {fr_number(weekly)} h chaque semaine dépassent la moyenne maximale de "
                   f"{fr_number(limits['moyenne_12_semaines_max'])} h sur {limits['semaines_moyenne']} semaines "
                   f"consécutives ({source}).")
    if daily > limits["duree_quotidienne_max"]:
        out.append(f"Attention : {fr_number(daily)} h par jour dépassent la durée quotidienne maximale de "
                   f"{fr_number(limits['duree_quotidienne_max'])} h ({source}).")
    return out


def _calendar_days(week: Week, cal: Calendar):
    """Year days, rest days of the cycle, public holidays and local days off on worked days."""
    all_dates = cal.dates()
    days_off = cal.days_off()
    open_days = sum(week.weight(d.weekday()) for d in all_dates if cal.in_worked_period(d))
    holidays = local = 0.0
    listed = []
    for d, label in sorted(days_off.items()):
        w = week.weight(d.weekday()) if cal.in_worked_period(d) else 0.0
        is_local = d not in cal.public_holidays  # a legal holiday also listed locally stays a holiday
        if is_local:
            local += w
        else:
            holidays += w
        listed.append({"date": d.isoformat(), "label": label, "kind": "local" if is_local else "ferie",
                       "counted_days": round(w, 4)})
    return float(len(all_dates)), len(all_dates) - open_days, holidays, local, listed


def artt_for_weekly_hours(weekly_hours: float, norms: Norms, days_per_week: float = 5,
                          method: str = "norme", calendar: Calendar | None = None, quotite: float = 1.0) -> float:
    """ARTT days for a weekly duration (solver only, default leave, no extra day)."""
    regime = WorkRegime(name=f"{weekly_hours} h", weekly_hours=weekly_hours, days_per_week=days_per_week, quotite=quotite)
    return count_regime(regime, method, norms, calendar).artt_days


# --- the scenario file -------------------------------------------------------------------------


_SCENARIO_HINT = "Voir l'exemple configs/worktime/protocole_exemple.yaml et docs/temps_de_travail.md."


def load_scenarios(path: Path) -> ScenarioFile:
    raw = read_yaml(path, ScenarioError, _SCENARIO_HINT)
    try:
        return ScenarioFile.model_validate(raw or {})
    except ValidationError as exc:
        raise ScenarioError(f"{path} : fichier de scénarios invalide : {validation_problems(exc)}. {_SCENARIO_HINT}") from exc


def simulate(spec: ScenarioFile, params: Parameters | None = None) -> tuple[list[Count], Calendar, Norms]:
    """Both counts of every scenario, in order: norme first, then calendrier."""
    norms = Norms.of(spec.year, params)
    try:
        cal = Calendar.load(spec.territory, spec.year)
    except CalendarError as exc:
        raise ScenarioError(str(exc)) from exc
    counts = [count_regime(r, m, norms, cal, spec.headcount, spec.etp_cost)
              for m in ("norme", "calendrier") for r in spec.scenarios]
    return counts, cal, norms


# --- reports -----------------------------------------------------------------------------------

ROWS: list[tuple[str, str]] = [
    ("weekly_hours", "Durée hebdomadaire (h)"),
    ("days_per_week", "Jours travaillés par semaine"),
    ("quotite", "Quotité"),
    ("year_days", "Jours de l'année"),
    ("weekend_days", "Repos hebdomadaires et jours hors cycle"),
    ("holidays_on_workdays", "Jours fériés sur jours travaillés"),
    ("local_days_off", "Jours chômés locaux"),
    ("annual_leave_days", "Congés annuels"),
    ("fractionnement_days", "Jours de fractionnement"),
    ("artt_days", "Jours ARTT"),
    ("extra_days", "Jours extra-légaux"),
    ("asa_days", "Autorisations d'absence prévues"),
    ("solidarity_days", "Jour férié travaillé (solidarité)"),
    ("days_worked", "Jours travaillés"),
    ("daily_hours", "Durée quotidienne (h)"),
    ("hours_from_days", "Heures des jours travaillés"),
    ("norm_rounding_hours", "Arrondi légal du décompte (h)"),
    ("solidarity_hours", "Heures de solidarité hors jours (h)"),
    ("annual_hours", "Durée annuelle (h)"),
    ("reference_hours", "Durée légale (h)"),
    ("gap_hours", "Écart à la durée légale (h)"),
    ("gap_etp", "Écart en ETP"),
    ("gap_cost", "Écart en EUR par an"),
    ("minutes_per_day_to_add", "Minutes à ajouter par jour"),
]
METHOD_LABELS = {"norme": "Décompte forfaitaire (norme)", "calendrier": "Calendrier réel"}
DELTA_ROWS = ("days_worked", "annual_hours", "gap_hours", "gap_etp", "gap_cost")


def comparison_frame(counts: list[Count], method: str) -> pd.DataFrame:
    """Rows = quantities, columns = scenarios, then the differences against the first scenario."""
    chosen = [c for c in counts if c.method == method]
    data = {c.name: [getattr(c, key) for key, _ in ROWS] for c in chosen}
    frame = pd.DataFrame(data, index=[label for _, label in ROWS], dtype="object")
    first = chosen[0]
    for c in chosen[1:]:
        frame[f"Écart {c.name} / {first.name}"] = [
            (getattr(c, key) - getattr(first, key)) if key in DELTA_ROWS and getattr(c, key) is not None
            and getattr(first, key) is not None else None for key, _ in ROWS
        ]
    frame.index.name = METHOD_LABELS[method]
    return frame


def dates_frame(counts: list[Count], cal: Calendar) -> pd.DataFrame:
    """The days off of the year and what each scenario counted for it."""
    rows = {}
    for c in (c for c in counts if c.method == "calendrier"):
        for d in c.counted_dates:
            day = dt.date.fromisoformat(d["date"])
            row = rows.setdefault(d["date"], {"Date": f"{day:%d/%m/%Y}", "Jour": _weekday_fr(day), "Libellé": d["label"],
                                              "Nature": "jour chômé local" if d["kind"] == "local" else "jour férié"})
            row[f"Jours décomptés ({c.name})"] = d["counted_days"]
    frame = pd.DataFrame(list(rows.values()))
    frame.attrs["title"] = f"Jours fériés et chômés {cal.year} — {cal.label}"
    return frame


def _weekday_fr(day: dt.date) -> str:
    return ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")[day.weekday()]


def norm_derivation(norms: Norms) -> str:
    """The norm's own derivation, as the circulars print it."""
    days = norms.norm_year_days - norms.norm_weekend_days - norms.norm_holidays - norms.norm_leave_days
    base = days * norms.weekly_hours / norms.norm_days_per_week
    return (f"{fr_number(norms.norm_year_days)} − {fr_number(norms.norm_weekend_days)} − {fr_number(norms.norm_holidays)} − "
            f"{fr_number(norms.norm_leave_days)} = {fr_number(days)} jours × {fr_number(norms.weekly_hours / norms.norm_days_per_week)} h = "
            f"{fr_number(base)} h, arrondies à {fr_number(norms.norm_rounded_hours)} h (+{fr_number(norms.norm_rounding_hours)} h) "
            f"+ {fr_number(norms.solidarity_hours)} h de solidarité = {fr_number(norms.annual_hours)} h.")


def render_text(counts: list[Count], cal: Calendar, norms: Norms, tablefmt: str = "simple") -> str:
    parts = []
    for method in ("norme", "calendrier"):
        frame = comparison_frame(counts, method)
        parts.append(f"{METHOD_LABELS[method]} — {norms.year}, {cal.label}\n")
        if method == "norme":
            parts.append(f"Dérivation de la norme : {norm_derivation(norms)}\n")
        parts.append(tabulate(_display(frame), headers=[frame.index.name, *frame.columns], tablefmt=tablefmt,
                              disable_numparse=True))
        notes = [f"- {c.name} : {n}" for c in counts if c.method == method for n in c.notes]
        parts.append("\n" + "\n".join(notes) + "\n")
    dates = dates_frame(counts, cal)
    parts.append(dates.attrs["title"] + "\n")
    parts.append(tabulate([[_cell(v) for v in row] for row in dates.values.tolist()], headers=list(dates.columns), tablefmt=tablefmt,
                          disable_numparse=True) if not dates.empty else "(aucun)")
    parts.append("\nSources : " + " ; ".join(norms.sources.values()))
    return "\n".join(parts)


def _display(frame: pd.DataFrame) -> list[list[str]]:
    return [[label, *(_cell(v) for v in row)] for label, row in zip(frame.index, frame.values.tolist())]


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return fr_amount(v).removesuffix(",00")
    return str(v)


def long_frame(counts: list[Count]) -> pd.DataFrame:
    """One row per scenario and method, French headers (csv export)."""
    labels = {"name": "Scénario", "method": "Méthode", **dict(ROWS)}
    rows = [{labels[k]: (METHOD_LABELS[c.method] if k == "method" else getattr(c, k)) for k in labels} for c in counts]
    return pd.DataFrame(rows)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Values to the hundredth: float noise (1591.311111 h, -67.80000000000018 h) is unreadable in a negotiation."""
    return frame.map(lambda v: round(v, 2) if isinstance(v, float) else v)


def notes_frame(counts: list[Count], norms: Norms) -> pd.DataFrame:
    """The norm's derivation and every scenario's notes (ARTT solved, solidarity), as printed in text."""
    rows = [{"Méthode": METHOD_LABELS["norme"], "Scénario": "", "Note": f"Dérivation de la norme : {norm_derivation(norms)}"}]
    rows += [{"Méthode": METHOD_LABELS[c.method], "Scénario": c.name, "Note": n} for c in counts for n in c.notes]
    return pd.DataFrame(rows)


def write_xlsx(counts: list[Count], cal: Calendar, norms: Norms, out: Path, spec: ScenarioFile | None = None,
               source: Path | None = None) -> None:
    """A workbook for negotiators through the presentation layer: values to the hundredth, the
    assumptions (year, territory, headcount, ETP cost) on every sheet, holidays as real dates, a
    chart of the annual hours per scenario against the legal duration."""
    from ..present.excel import write_workbook

    write_workbook(worktime_document(counts, cal, norms, spec, source), out)


def worktime_document(counts: list[Count], cal: Calendar, norms: Norms, spec: ScenarioFile | None = None,
                      source: Path | None = None):
    from .. import __version__
    from ..present.document import Chart, Column, Document, Table, Text

    assumptions = [f"année {norms.year}", f"territoire : {cal.label}"]
    if spec is not None:
        assumptions += [f"effectif : {fr_number(spec.headcount)} agents" if spec.headcount else "effectif non renseigné",
                        f"coût d'un ETP : {fr_number(spec.etp_cost)} EUR" if spec.etp_cost else "coût d'un ETP non renseigné"]
    doc = Document(f"Simulation du temps de travail {norms.year}", period=str(norms.year),
                   version=__version__, assumptions=", ".join(assumptions) + ".",
                   sources=([f"scénarios : {Path(source).name}"] if source else [])
                   + ["paramètres légaux datés de configs/parametres/ (feuille Sources)"])
    for method, name in (("norme", "Norme"), ("calendrier", "Calendrier réel")):
        frame = _rounded(comparison_frame(counts, method))
        cols = [Column("label", frame.index.name, wrap=45)] + [Column(str(c), str(c), "number") for c in frame.columns]
        rows = [{"label": label, **{str(c): v for c, v in zip(frame.columns, values)}}
                for label, values in zip(frame.index, frame.values.tolist())]
        sheet = doc.sheet(name, f"{METHOD_LABELS[method]} — {norms.year}, {cal.label}")
        if method == "norme":
            sheet.add(Text(f"Dérivation de la norme : {norm_derivation(norms)}"))
        sheet.add(Table(cols, rows, filters=False))
        chosen = [c for c in counts if c.method == method]
        sheet.add(Chart(f"Durée annuelle par scénario ({METHOD_LABELS[method].lower()})", [c.name for c in chosen],
                        {"Durée annuelle (h)": [round(c.annual_hours, 2) for c in chosen]}, y_label="heures",
                        reference=(f"Durée légale {fr_number(norms.annual_hours)} h", norms.annual_hours)))
    dates = dates_frame(counts, cal)
    date_cols = [Column("Date", "Date", "date"), Column("Jour", "Jour"), Column("Libellé", "Libellé", wrap=40),
                 Column("Nature", "Nature")] + [Column(c, c, "number") for c in dates.columns[4:]]
    date_rows = [{**r, "Date": dt.datetime.strptime(r["Date"], "%d/%m/%Y")} for r in dates.to_dict("records")]
    doc.sheet("Jours fériés", dates.attrs["title"]).add(Table(date_cols, date_rows))
    notes = notes_frame(counts, norms)
    doc.sheet("Notes", "Notes du décompte").add(Table(
        [Column("Méthode", "Méthode", wrap=30), Column("Scénario", "Scénario", wrap=30), Column("Note", "Note", wrap=100)],
        notes.to_dict("records")))
    doc.sheet("Sources", "Paramètres et sources").add(Table(
        [Column("name", "Paramètre", wrap=40), Column("source", "Valeur et source", wrap=100)],
        [{"name": k, "source": v} for k, v in norms.sources.items()]))
    return doc


def run_worktime(path: Path, fmt: str = "table", out: Path | None = None) -> str:
    """`rhaudit worktime`: the text to print (the export path when a file is written)."""
    spec = load_scenarios(path)
    try:
        counts, cal, norms = simulate(spec)
    except (ScenarioError, ParameterError) as exc:
        raise ScenarioError(f"{path} : {exc}") from exc
    if fmt == "xlsx":
        target = out or Path("temps_de_travail.xlsx")
        write_xlsx(counts, cal, norms, target, spec, path)
        return f"Classeur écrit : {target}"
    if fmt == "json":
        text = json.dumps([c.to_dict() for c in counts], ensure_ascii=False, indent=1)
    elif fmt == "csv":
        text = _rounded(long_frame(counts)).to_csv(sep=";", index=False, decimal=",")
    elif fmt == "md":
        text = render_text(counts, cal, norms, tablefmt="github")
    else:
        text = render_text(counts, cal, norms)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        return f"Fichier écrit : {out}"
    return text


# --- per-agent actual time (used by the TEMPS rules of `rhaudit check`) --------------------------


def assign_cycles(payslips: pd.DataFrame, agents: pd.DataFrame, working_time, year: int) -> pd.DataFrame:
    """One row per agent (not elected officials) paid in `year`: matricule, cycle, mean quotité, months paid.

    The quotité is the **work** quotité (rhaudit.quotite: 80 % part time paid 6/7 is 0.8), the
    fraction of full time the leave and ARTT entitlements follow (25 × 0.8 = 20 days, not 21.4).

    The cycle is the agents file's work_cycle, else the first cycle whose services match the
    agent's service (exact name or regular expression, case ignored), else the default cycle.
    """
    slips = payslips[(payslips["year"] == year) & payslips["population"].fillna("agent").ne("elu")]  # no cycle for élus
    if slips.empty:
        return pd.DataFrame(columns=["matricule", "cycle", "quotite", "months", "service"])
    slips = with_quotite(slips)
    per = slips.sort_values("month").groupby("matricule", as_index=False).agg(
        quotite=("work_quotite", "mean"), months=("month", "nunique"), service=("service", "last"))
    per["quotite"] = per["quotite"].fillna(1.0).clip(upper=1.0).astype(float)
    declared = {}
    if not agents.empty and "work_cycle" in agents:
        declared = agents.dropna(subset=["work_cycle"]).set_index("matricule")["work_cycle"].to_dict()
    names = {c.name for c in working_time.cycles}

    def cycle_of(row) -> str | None:
        if declared.get(row.matricule) in names:
            return declared[row.matricule]
        service = "" if pd.isna(row.service) else str(row.service)
        for c in working_time.cycles:
            if any(s.lower() == service.lower() or _fullmatch(s, service) for s in c.services):
                return c.name
        return working_time.default_cycle

    per["cycle"] = [cycle_of(r) for r in per.itertuples(index=False)]
    return per


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text, flags=re.IGNORECASE) is not None
    except re.error:
        return False


def _days_outside_period(leave: pd.DataFrame, year: int, rule: dict) -> pd.Series:
    """Per leave record, its `days` taken outside 1 May–31 Oct of `year` (split pro rata of the
    record's weekdays outside the period); vectorised, a year of a large city has many records."""
    first = np.datetime64(f"{year}-{rule['periode_debut']}", "D")
    last = np.datetime64(f"{year}-{rule['periode_fin']}", "D")
    start = leave["start"].to_numpy(dtype="datetime64[D]")
    end = leave["end"].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")  # busday_count excludes the end
    total = np.busday_count(start, end)
    inside = np.busday_count(np.maximum(start, first), np.maximum(np.minimum(end, last + np.timedelta64(1, "D")),
                                                                   np.maximum(start, first)))
    share = np.divide(total - inside, total, out=np.zeros(len(total)), where=total > 0)
    return pd.Series(leave["days"].astype(float).to_numpy() * share, index=leave.index)


def _fractionnement_granted(outside_days: float, rule: dict) -> float:
    return float(max((granted for threshold, granted in rule["seuils"].items()
                      if outside_days + 1e-9 >= float(threshold)), default=0))


def fractionnement_earned(leave: pd.DataFrame, year: int, rule: dict) -> float:
    """Fractionnement days earned by annual leave taken outside 1 May–31 Oct of `year`."""
    if leave.empty:
        return 0.0
    return _fractionnement_granted(float(_days_outside_period(leave, year, rule).sum()), rule)


FRACTIONNEMENT_LABEL = r"(?i)fraction"


_NO_ABSENCE = {"leave": 0.0, "frac": 0.0, "outside": 0.0, "sick": 0.0, "rtt": 0.0}


def _absence_totals(absences: pd.DataFrame, year: int, frac_rule: dict, sick_types) -> dict[str, dict]:
    """Per matricule, days of the absences starting in `year`: annual leave (fractionnement days
    apart), leave days outside 1 May–31 Oct, sick days that reduce ARTT, RTT days."""
    if absences.empty:
        return {}
    a = absences[absences["start"].dt.year == year]
    if a.empty:
        return {}
    days = a["days"].astype(float).fillna(0.0)
    leave = a["type"].eq("conge_annuel").fillna(False)
    is_frac = leave & (a["motive"].fillna("").str.contains(FRACTIONNEMENT_LABEL)
                       | a["source_label"].fillna("").str.contains(FRACTIONNEMENT_LABEL))
    plain_leave = leave & ~is_frac
    outside = pd.Series(0.0, index=a.index)
    if plain_leave.any():
        outside[plain_leave] = _days_outside_period(a[plain_leave], year, frac_rule)
    table = pd.DataFrame({
        "matricule": a["matricule"],
        "leave": days.where(plain_leave, 0.0),
        "frac": days.where(is_frac, 0.0),
        "outside": outside,
        "sick": days.where(a["type"].isin(list(sick_types)).fillna(False), 0.0),
        "rtt": days.where(a["type"].eq("rtt").fillna(False), 0.0),
    })
    return table.groupby("matricule").sum().to_dict("index")


def agent_balances(absences: pd.DataFrame, assigned: pd.DataFrame, cycles: dict[str, WorkRegime], year: int,
                   params: Parameters | None = None) -> pd.DataFrame:
    """Per agent of `assigned`: obligation, leave and ARTT entitlements against what was taken.

    Entitlements are prorated by the work quotité and by the months paid in the year (an agent
    present 6 months has half the days); fractionnement days earned are not prorated (décret
    85-1250 art. 1: one or two days by the number of days taken outside 1 May-31 October,
    whatever the quotité, the usual reading of the text); ARTT are reduced by one day for every Q days of sick leave,
    Q = days of the cycle before ARTT / ARTT days (loi 2010-1657 art. 115). Fractionnement days
    taken are annual leave records whose label or motive mentions it.
    """
    params = params or default_parameters()
    norms = Norms.of(year, params)
    frac_rule = params.value("temps_travail.fractionnement", dt.date(year, 1, 1))
    sick_types = params.value("temps_travail.artt_absences_reductrices", dt.date(year, 1, 1))
    per_agent = _absence_totals(absences, year, frac_rule, sick_types)
    full_of = {name: count_regime(c.model_copy(update={"quotite": 1.0}), "norme", norms) for name, c in cycles.items()}
    rows = []
    for a in assigned.itertuples(index=False):
        full = full_of.get(a.cycle)
        if full is None:
            continue
        share = float(a.quotite) * min(int(a.months), 12) / 12
        t = per_agent.get(a.matricule, _NO_ABSENCE)
        artt_full = full.artt_days
        n1 = full.days_worked + artt_full - full.solidarity_days
        reduction = math.floor(t["sick"] / (n1 / artt_full) + 1e-9) if artt_full > 0 and t["sick"] > 0 else 0
        rows.append({
            "matricule": a.matricule, "cycle": a.cycle, "quotite": float(a.quotite), "months": int(a.months),
            "daily_hours": full.daily_hours, "obligation_hours": norms.annual_hours * share,
            "leave_entitlement": full.annual_leave_days * share, "leave_taken": t["leave"],
            "fractionnement_earned": _fractionnement_granted(t["outside"], frac_rule),
            "fractionnement_taken": t["frac"],
            "artt_entitlement": max(0.0, artt_full * share - reduction), "artt_reduction": reduction,
            "artt_taken": t["rtt"], "sick_days": t["sick"],
        })
    return pd.DataFrame(rows)
