"""Annual working-time count of one regime: days, hours and the gap to 1,607 h.

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
import math
from dataclasses import asdict, dataclass, field

from ..workcalendar import Calendar
from ..configfile import ConfigError
from ..deliberations import WorkRegime
from ..fmt import fr_number
from ..params import Parameters, default_parameters
from .garanties import WEEKDAYS


class ScenarioError(ConfigError):
    """A scenario file that cannot be used (French message naming the file and the field)."""


# The two counting methods and their French labels.
METHOD_LABELS = {"norme": "Décompte forfaitaire (norme)", "calendrier": "Calendrier réel"}


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
