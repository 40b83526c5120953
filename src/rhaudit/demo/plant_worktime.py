"""Planted working-time irregularities (TEMPS-001 to TEMPS-007, rules/temps.py).

Three plants add a cycle to the in-memory délibération and move one agent to it (the agents
file's cycle wins over the service); the others add absence records to one full-time agent
present all year with no sick leave, so that the expected days are plain arithmetic.
configs/collectivites/demo.yaml itself stays clean (1,607 h everywhere).
"""

from __future__ import annotations

import datetime as dt

from ..workcalendar import Calendar
from ..params import default_parameters
from .model import Absence, Agent, Commune
from .plants import AnswerKeyEntry, plant

# Planted values (the arithmetic of the expected hours is in each plant).
BELOW_CYCLE = {"name": "Cycle 38h ateliers", "weekly_hours": 38, "artt_days": 20, "solidarity": "worked_day"}
MAYOR_DAYS = 2
EXTRA_CYCLE = {"name": "Cycle 35h médiathèque", "weekly_hours": 35, "artt_days": 0, "solidarity": "worked_day",
               "extra_days": {"jours du maire": MAYOR_DAYS}}
NO_SOLIDARITY_CYCLE = {"name": "Cycle 36h gardiens", "weekly_hours": 36, "artt_days": 6, "solidarity": "none"}
# Two-week cycle: 5 x 10 h = 50 h (over 48 h), then 4 x 7 h = 28 h; average 39 h.
LONG_WEEK_CYCLE = {
    "name": "Cycle saisonnier espaces verts", "weekly_hours": 39, "artt_days": 23, "solidarity": "worked_day",
    "schedule": [{d: "07:00-12:00, 13:00-18:00" for d in ("lun", "mar", "mer", "jeu", "ven")},
                 {d: "08:00-12:00, 13:00-16:00" for d in ("lun", "mar", "mer", "jeu")}],
}
EXCESS_DAYS = 2  # days of leave / ARTT / fractionnement taken beyond the right


def _steady(commune: Commune):
    """A full-time staff agent paid all year, no sick or long leave (entitlements = full rights)."""
    def ok(a: Agent) -> bool:
        if a.population != "agent" or a.quotite != 1.0 or a.entry_date or a.exit_date or not a.work_cycle:
            return False
        if len(commune.payslips_of(a)) != 12:
            return False
        return not any(ab.type not in ("conge_annuel", "rtt", "asa") for ab in commune.absences_of(a))
    return ok


def _cycle(commune: Commune, name: str) -> dict:
    return next(c for c in commune.deliberations["working_time"]["cycles"] if c["name"] == name)


def _add_cycle(commune: Commune, cycle: dict) -> dict:
    wt = commune.deliberations["working_time"]
    added = {**cycle, "decision": wt.get("decision"), "services": []}
    wt["cycles"].append(added)
    return added


def _free_days(commune: Commune, a: Agent, months, n: int) -> list[dt.date]:
    """The first `n` working days of `months` that no absence of the agent covers."""
    cal = Calendar.load(commune.deliberations.get("territory", "metropole"), commune.year)
    off = cal.days_off()
    busy = {ab.start + dt.timedelta(days=i) for ab in commune.absences_of(a) for i in range((ab.end - ab.start).days + 1)}
    days = [d for m in months for d in (dt.date(commune.year, m, k) for k in range(1, 29))
            if d.weekday() < 5 and d not in off and d not in busy]
    if len(days) < n:
        raise LookupError
    return days[:n]


def _add_single_days(commune: Commune, a: Agent, kind: str, label: str, months, n: int) -> None:
    for d in _free_days(commune, a, months, n):
        commune.absences.append(Absence(a.matricule, kind, d, d, 1.0, "", label))


def _daily(commune: Commune, a: Agent) -> float:
    cycle = _cycle(commune, a.work_cycle)
    return float(cycle["weekly_hours"]) / float(cycle.get("days_per_week", 5))


def _taken(commune: Commune, a: Agent, kind: str) -> float:
    return sum(ab.days for ab in commune.absences_of(a) if ab.type == kind)


@plant("TEMPS-001")
def cycle_below_1607(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, lambda x: _steady(commune)(x) and _taken(commune, x, "rtt") <= BELOW_CYCLE["artt_days"])
    a.work_cycle = _add_cycle(commune, BELOW_CYCLE)["name"]
    # Worked out by hand for this cycle, independently of the rule: (228 - 20) x 7.6 = 1,580.8
    # + 4 (norm rounding) + 7 (solidarity) = 1,591.8 h, i.e. 15.2 h short of the legal 1,607 h, 1 agent.
    legal = float(default_parameters().value("temps_travail.duree_annuelle_heures", (commune.year, 1)))
    return [AnswerKeyEntry("TEMPS-001", None, commune.year, None, hours=legal - 1591.8,
                           description=f"Cycle « {BELOW_CYCLE['name']} » (38 h, 20 ARTT, sans sujétions) ajouté à la "
                                       f"délibération : 1 591,8 h ; agent {a.matricule}")]


@plant("TEMPS-002")
def jours_du_maire(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, lambda x: _steady(commune)(x) and _taken(commune, x, "rtt") == 0)
    a.work_cycle = _add_cycle(commune, EXTRA_CYCLE)["name"]
    # 2 days x 7 h (35 h / 5) x 1 agent = 14 h.
    return [AnswerKeyEntry("TEMPS-002", None, commune.year, None, hours=MAYOR_DAYS * _daily(commune, a),
                           description=f"{MAYOR_DAYS} « jours du maire » dans le cycle « {EXTRA_CYCLE['name']} » ; "
                                       f"agent {a.matricule}")]


@plant("TEMPS-003")
def fractionnement_not_earned(commune: Commune, rng) -> list[AnswerKeyEntry]:
    def summer_leave_only(x: Agent) -> bool:  # nothing earned: every annual leave in May-Oct
        return all(5 <= ab.start.month <= 10 and ab.end.month <= 10 for ab in commune.absences_of(x) if ab.type == "conge_annuel")

    a = commune.pick_agent(rng, lambda x: _steady(commune)(x) and summer_leave_only(x))
    _add_single_days(commune, a, "conge_annuel", "Congé annuel - jour de fractionnement", (11, 12), EXCESS_DAYS)
    return [AnswerKeyEntry("TEMPS-003", a.matricule, commune.year, None, hours=EXCESS_DAYS * _daily(commune, a),
                           description=f"{EXCESS_DAYS} jours de fractionnement pris sans congé hors de mai à octobre")]


@plant("TEMPS-004")
def solidarity_not_applied(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, lambda x: _steady(commune)(x) and _taken(commune, x, "rtt") <= NO_SOLIDARITY_CYCLE["artt_days"])
    a.work_cycle = _add_cycle(commune, NO_SOLIDARITY_CYCLE)["name"]
    # 7 h (the parameter in force since 2005) x 1 agent.
    hours = default_parameters().value("temps_travail.journee_solidarite_heures", dt.date(commune.year, 1, 1))
    return [AnswerKeyEntry("TEMPS-004", None, commune.year, None, hours=float(hours),
                           description=f"Cycle « {NO_SOLIDARITY_CYCLE['name']} » sans journée de solidarité ; agent {a.matricule}")]


@plant("TEMPS-005")
def leave_beyond_rights(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _steady(commune))
    cycle = _cycle(commune, a.work_cycle)
    rights = 5 * float(cycle.get("days_per_week", 5))  # full time, whole year
    extra = int(rights + EXCESS_DAYS - _taken(commune, a, "conge_annuel"))
    # Inside May-Oct: no fractionnement earned.
    _add_single_days(commune, a, "conge_annuel", "Congé annuel", (5, 6, 7, 8, 9, 10), extra)
    return [AnswerKeyEntry("TEMPS-005", a.matricule, commune.year, None, hours=EXCESS_DAYS * _daily(commune, a),
                           description=f"{EXCESS_DAYS} jours de congé annuel au-delà des {rights:g} jours de droits")]


@plant("TEMPS-006")
def artt_beyond_rights(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, lambda x: _steady(commune)(x) and _cycle(commune, x.work_cycle).get("artt_days", 0) > 0)
    rights = float(_cycle(commune, a.work_cycle)["artt_days"])  # no sick leave: no reduction
    _add_single_days(commune, a, "rtt", "Jour ARTT", (1, 2, 3, 4, 11, 12), int(rights + EXCESS_DAYS - _taken(commune, a, "rtt")))
    return [AnswerKeyEntry("TEMPS-006", a.matricule, commune.year, None, hours=EXCESS_DAYS * _daily(commune, a),
                           description=f"{EXCESS_DAYS} jours ARTT au-delà des {rights:g} jours du cycle")]


@plant("TEMPS-007")
def week_over_48h(commune: Commune, rng) -> list[AnswerKeyEntry]:
    _add_cycle(commune, LONG_WEEK_CYCLE)
    return [AnswerKeyEntry("TEMPS-007", None, commune.year, None,
                           description=f"Cycle « {LONG_WEEK_CYCLE['name']} » : semaine 1 de 50 h (limite 48 h)")]
