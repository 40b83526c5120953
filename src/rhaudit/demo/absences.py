"""The demo commune's absences: annual leave, ARTT days, short sick leaves and ASA drawn for each
agent within the rules (the commune is clean), then a few long leaves (CLM, maternity)."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt

from ..workcalendar import Calendar as TerritoryCalendar
from .model import Absence, Agent


class Calendar:
    """Working days of the year (Monday to Friday, public holidays of the territory calendar
    excluded), indexed for fast day counts when generating thousands of agents' absences."""

    def __init__(self, year: int):
        self.year = year
        public = set(TerritoryCalendar.load("metropole", year).public_holidays)
        days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
        self.working_dates = [d for d in (dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(days))
                              if d.weekday() < 5 and d not in public]

    def working_days(self, start: dt.date, end: dt.date) -> int:
        return bisect.bisect_right(self.working_dates, end) - bisect.bisect_left(self.working_dates, start)

    def week_from(self, monday: dt.date) -> tuple[dt.date, dt.date]:
        return monday, monday + dt.timedelta(days=4)

    def mondays(self, first: dt.date, last: dt.date) -> list[dt.date]:
        d = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        out = []
        while d + dt.timedelta(days=4) <= last:
            out.append(d)
            d += dt.timedelta(days=7)
        return out


def _presence(a: Agent, year: int) -> tuple[dt.date, dt.date]:
    return a.entry_date or dt.date(year, 1, 1), a.exit_date or dt.date(year, 12, 31)


def draw_absences(rng, a: Agent, year: int, cal: Calendar, delib: dict) -> list[Absence]:
    first, last = _presence(a, year)
    out: list[Absence] = []
    taken: set[dt.date] = set()

    def add(kind, start, end, label, motive="", working=True):
        days = cal.working_days(start, end) if working else (end - start).days + 1
        if days <= 0:
            return
        span = {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
        if span & taken:
            return
        taken.update(span)
        out.append(Absence(a.matricule, kind, start, end, float(days), motive, label))

    # Annual leave: under the entitlement (25 days × quotité, prorated to presence), whole weeks
    # between 1 May and 31 October so that no fractionnement day is earned.
    presence = ((last - first).days + 1) / ((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
    budget = int(25 * a.quotite * presence) - 2
    summer_first, summer_last = max(first, dt.date(year, 5, 1)), min(last, dt.date(year, 10, 31))
    weeks = cal.mondays(summer_first, summer_last)
    rng.shuffle(weeks)
    used = 0
    for monday in weeks:
        start, end = cal.week_from(monday)
        days = cal.working_days(start, end)
        if used + days > budget:
            continue
        add("conge_annuel", start, end, "Congé annuel")
        used += days
        if used >= budget - 2:
            break
    # ARTT days: at most 2/3 of the cycle's days (prorated), single days outside summer.
    cycle = next((c for c in delib["working_time"]["cycles"] if c["name"] == a.work_cycle), None)
    artt = int((cycle or {}).get("artt_days", 0) * a.quotite * presence * 2 / 3)
    candidates = [d for d in cal.working_dates if first <= d <= last and not (5 <= d.month <= 10)]
    if artt and candidates:
        for idx in sorted(rng.choice(len(candidates), size=min(artt, len(candidates)), replace=False)):
            d = candidates[int(idx)]
            add("rtt", d, d, "Jour ARTT")
    # Ordinary sick leave (never in December: the carence line is in the next payroll).
    if not a.ihts and rng.random() < 0.25:
        m = int(rng.integers(first.month, min(last.month, 11) + 1)) if first.month <= min(last.month, 11) else None
        if m and (a.exit_date is None or m < a.exit_date.month):
            start = dt.date(year, m, int(rng.integers(1, 20)))
            add("cmo", start, start + dt.timedelta(days=int(rng.integers(1, 9))), "Congé de maladie ordinaire", working=False)
    # ASA for a family event, within the délibération's grid.
    if rng.random() < 0.05:
        grant = delib["asa"][int(rng.integers(len(delib["asa"])))]
        mondays = cal.mondays(first, last)
        if mondays:
            start = mondays[int(rng.integers(len(mondays)))]
            end = start + dt.timedelta(days=int(grant["days"]) - 1)
            if cal.working_days(start, end) == (end - start).days + 1:
                add("asa", start, end, grant["label"], grant["motive"])
    return out


def draw_long_absences(rng, agents: list[Agent], year: int) -> list[Absence]:
    """A few CLM (whole months, RI suspended) and maternity leaves among eligible agents."""
    out = []
    eligible = [a for a in agents if a.is_fonctionnaire and not a.ihts and not a.astreinte
                and a.entry_date is None and a.exit_date is None and a.population == "agent"]
    for a in eligible:
        r = rng.random()
        if r < 0.01:
            m = int(rng.integers(2, 7))
            end_m = m + int(rng.integers(1, 4))
            out.append(Absence(a.matricule, "clm", dt.date(year, m, 1), dt.date(year, end_m, calendar.monthrange(year, end_m)[1]),
                               0.0, "", "Congé de longue maladie"))
        elif r < 0.02 and a.gender == "F" and a.birth_date.year > year - 42:
            start = dt.date(year, int(rng.integers(1, 8)), int(rng.integers(1, 28)))
            out.append(Absence(a.matricule, "maternite", start, start + dt.timedelta(days=111), 0.0, "", "Congé de maternité"))
    for ab in out:
        ab.days = float((ab.end - ab.start).days + 1)
    return out

