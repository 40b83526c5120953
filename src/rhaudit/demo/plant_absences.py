"""Planted absence irregularities: ASA (rules/asa.py), jour de carence (rules/carence.py) and sick
pay (rules/maladie.py).

The expected hours and amounts are worked out here by hand from the planted facts and the law
(7 h a day = 35 h / 5; carence = 1/30 of the month's traitement, NBI and IFSE; CMO at 90 % from
1 March 2025, i.e. 10 % of the traitement × days / 30), not by the rules under test.
"""

from __future__ import annotations

import datetime as dt

from ..workcalendar import Calendar
from .model import Absence, Agent, Commune
from .payroll import CMO_WITHHOLDING_CODES
from .plants import AnswerKeyEntry, plant

DAY_HOURS = 7.0  # 35 h / 5 days (décret 2000-815)
MARRIAGE_LOCAL_DAYS = 7  # planted in the grid; the State reference grid gives 5
MARRIAGE_REFERENCE_DAYS = 5
BIRTH_TAKEN_DAYS = 5  # the délibération grants 3 for a birth
BIRTH_GRID_DAYS = 3
CMO_KEPT_SHARE = 0.9  # loi 2025-127 art. 189: 90 % of the traitement for CMO granted from 1 March 2025


def plain_agents(commune: Commune):
    """A staff agent present all year, no overtime, no sickness or long leave, no ASA."""
    def ok(a: Agent) -> bool:
        if a.population != "agent" or a.entry_date or a.exit_date or a.ihts or len(commune.payslips_of(a)) != 12:
            return False
        return all(ab.type in ("conge_annuel", "rtt") for ab in commune.absences_of(a))
    return ok


def _free_span(commune: Commune, a: Agent, working_days: int) -> tuple[dt.date, dt.date]:
    """The first span from a Monday (March to October) of `working_days` consecutive working days
    with no public holiday and no absence of the agent."""
    cal = Calendar.load(commune.deliberations.get("territory", "metropole"), commune.year)
    off = cal.days_off()
    busy = {ab.start + dt.timedelta(days=i) for ab in commune.absences_of(a) for i in range((ab.end - ab.start).days + 1)}
    day = dt.date(commune.year, 3, 3)
    while day.month <= 10:
        if day.weekday() == 0:
            span, d = [], day
            while len(span) < working_days:
                if d.weekday() < 5:
                    span.append(d)
                d += dt.timedelta(days=1)
            every = [day + dt.timedelta(days=i) for i in range((span[-1] - day).days + 1)]
            if not any(x in off or x in busy for x in every):
                return day, span[-1]
        day += dt.timedelta(days=1)
    raise LookupError


def _add_asa(commune: Commune, a: Agent, days: int, motive: str, label: str) -> dt.date:
    start, end = _free_span(commune, a, days)
    commune.absences.append(Absence(a.matricule, "asa", start, end, float(days), motive, label))
    return start


@plant("ASA-001")
def asa_grid_above_reference(commune: Commune, rng) -> list[AnswerKeyEntry]:
    grant = next(g for g in commune.deliberations["asa"] if g["motive"] == "mariage_agent")
    grant["days"] = MARRIAGE_LOCAL_DAYS
    a = commune.pick_agent(rng, plain_agents(commune))
    _add_asa(commune, a, MARRIAGE_LOCAL_DAYS, "mariage_agent", "ASA mariage ou PACS de l'agent")
    # (7 - 5) days taken beyond the reference x 7 h = 14 h (the other marriages of the demo take 5 days).
    hours = (MARRIAGE_LOCAL_DAYS - MARRIAGE_REFERENCE_DAYS) * DAY_HOURS
    return [AnswerKeyEntry("ASA-001", None, commune.year, None, hours=hours,
                           description=f"Grille d'ASA : mariage {MARRIAGE_LOCAL_DAYS} jours (référence "
                                       f"{MARRIAGE_REFERENCE_DAYS}) ; agent {a.matricule} a pris {MARRIAGE_LOCAL_DAYS} jours")]


@plant("ASA-002")
def asa_beyond_grid(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, plain_agents(commune))
    start = _add_asa(commune, a, BIRTH_TAKEN_DAYS, "naissance", "ASA naissance ou adoption")
    # 5 days taken - 3 days of the grid = 2 days x 7 h = 14 h.
    return [AnswerKeyEntry("ASA-002", a.matricule, commune.year, start.month,
                           hours=(BIRTH_TAKEN_DAYS - BIRTH_GRID_DAYS) * DAY_HOURS,
                           description=f"ASA naissance de {BIRTH_TAKEN_DAYS} jours (grille : {BIRTH_GRID_DAYS})")]


@plant("ASA-003")
def asa_motive_not_in_grid(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, plain_agents(commune))
    start = _add_asa(commune, a, 1, "demenagement", "ASA déménagement")
    # 1 day x 7 h.
    return [AnswerKeyEntry("ASA-003", a.matricule, commune.year, start.month, hours=DAY_HOURS,
                           description="ASA « déménagement » d'un jour, motif absent de la délibération")]


def _cmo(commune: Commune, a: Agent) -> list[Absence]:
    return [ab for ab in commune.absences_of(a) if ab.type == "cmo"]


@plant("CARENCE-001")
def carence_not_withheld(commune: Commune, rng) -> list[AnswerKeyEntry]:
    def ok(a: Agent) -> bool:
        stops = _cmo(commune, a)
        return (a.population == "agent" and a.legacy_bonus is None and len(stops) == 1
                and (a.matricule, stops[0].start.month + 1) in commune.payslips)
    a = commune.pick_agent(rng, ok)
    stop = _cmo(commune, a)[0]
    month = stop.start.month
    # The carence of the stop is withheld in the next payroll: remove it.
    commune.payslips[(a.matricule, month + 1)].remove_lines("carence")
    # Not withheld: 1 day x (traitement + NBI + IFSE of the month the stop began) / 30.
    slip = commune.payslips[(a.matricule, month)]
    monthly = sum(ln.amount for ln in slip.lines_of("traitement", "nbi", "ifse") if ln.amount > 0)
    return [AnswerKeyEntry("CARENCE-001", a.matricule, commune.year, month, amount=monthly / 30,
                           description=f"CMO du {stop.start:%d/%m/%Y} sans retenue du jour de carence")]


@plant("MALADIE-001")
def cmo_paid_in_full(commune: Commune, rng) -> list[AnswerKeyEntry]:
    def ok(a: Agent) -> bool:
        stops = _cmo(commune, a)
        return (a.is_fonctionnaire and not a.nbi_points and len(stops) == 1 and stops[0].start.month == stops[0].end.month
                and stops[0].start >= dt.date(2025, 3, 1))
    a = commune.pick_agent(rng, ok)
    stop = _cmo(commune, a)[0]
    slip = commune.payslips[(a.matricule, stop.start.month)]
    # The payroll "forgets" the 10 % withholding: the traitement stays whole.
    slip.lines = [ln for ln in slip.lines if ln.code != CMO_WITHHOLDING_CODES["traitement"]]
    traitement = sum(ln.amount for ln in slip.lines_of("traitement"))
    days = (stop.end - stop.start).days + 1
    # Paid in excess: traitement x (1 - 90 %) x days / 30 (first CMO of the year: first period).
    return [AnswerKeyEntry("MALADIE-001", a.matricule, commune.year, stop.start.month,
                           amount=traitement * (1 - CMO_KEPT_SHARE) * days / 30,
                           description=f"CMO de {days} jours du {stop.start:%d/%m/%Y} payé à plein traitement (90 % dû)")]
