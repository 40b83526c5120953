"""`rhaudit worktime`: read a scenario file, count every scenario by both methods (count.py),
and write the comparison as text, Markdown, CSV, JSON or an Excel workbook for negotiators."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tabulate import tabulate

from ..workcalendar import Calendar, CalendarError, territory_text
from ..configfile import read_yaml, validation_problems
from ..deliberations import WorkRegime
from ..fmt import fr_amount, fr_number
from ..params import ParameterError, Parameters
from .count import METHOD_LABELS, Count, Norms, ScenarioError, count_regime


# --- the scenario file -------------------------------------------------------------------------


class ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2002, le=2100)
    territory: str = "metropole"
    headcount: float | None = Field(default=None, gt=0)
    etp_cost: float | None = Field(default=None, gt=0)
    scenarios: list[WorkRegime] = Field(min_length=1)

    _territory = field_validator("territory", mode="before")(territory_text)


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
