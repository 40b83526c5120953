"""Planted leave-balance irregularities (rules/conges.py): annual leave carried over beyond the
délibération's limit (CONGES-001) and a CET above its ceiling (CET-001). Hours and amounts worked
out by hand: 7 h a day (35 h / 5), CET day rates of the arrêté du 28 août 2009 as amended.
"""

from __future__ import annotations

import datetime as dt

from .balances import ANNUAL_DAYS, CARRY_OVER_LIMIT
from .model import Agent, Commune
from .plant_absences import DAY_HOURS, plain_agents
from .plants import AnswerKeyEntry, plant

CET_CEILING = 60  # décret 2004-878, art. 7-1
# EUR per CET day by catégorie (arrêté du 28 août 2009 as amended), written out by hand.
CET_DAY_RATES = [(dt.date(2024, 1, 1), {"A": 150, "B": 100, "C": 83}),  # arrêté du 24 novembre 2023
                 (dt.date(2019, 1, 1), {"A": 135, "B": 90, "C": 75})]  # arrêté du 28 novembre 2018


def _row(commune: Commune, a: Agent, kind: str) -> dict:
    return next(r for r in commune.leave_balances if r["matricule"] == a.matricule and r["type"] == kind
                and r["year"] == commune.year)


@plant("CONGES-001")
def carry_over_beyond_limit(commune: Commune, rng) -> list[AnswerKeyEntry]:
    plain = plain_agents(commune)  # no sick leave: no carry-over by right
    a = commune.pick_agent(rng, lambda a: plain(a) and any(r["matricule"] == a.matricule for r in commune.leave_balances))
    row = _row(commune, a, "CA")
    row.update(carried=9, taken=ANNUAL_DAYS - 9, balance=9)
    # 9 days carried over - 5 allowed by the délibération = 4 days x 7 h = 28 h.
    return [AnswerKeyEntry("CONGES-001", a.matricule, commune.year, None, hours=(9 - CARRY_OVER_LIMIT) * DAY_HOURS,
                           description=f"9 jours de congés annuels reportés sur {commune.year + 1} (délibération : "
                                       f"{CARRY_OVER_LIMIT})")]


@plant("CET-001")
def cet_above_ceiling(commune: Commune, rng) -> list[AnswerKeyEntry]:
    def ok(a: Agent) -> bool:
        return (a.population == "agent" and a.categorie in ("A", "B", "C") and len(commune.payslips_of(a)) == 12
                and any(r["matricule"] == a.matricule and r["type"] == "CET" for r in commune.leave_balances))
    a = commune.pick_agent(rng, ok)
    _row(commune, a, "CET")["balance"] = 64
    rate = next(r for since, r in CET_DAY_RATES if dt.date(commune.year, 12, 31) >= since)[a.categorie]
    # 64 - 60 = 4 days beyond the ceiling: 4 x 7 h = 28 h, valued 4 x the catégorie's day rate.
    return [AnswerKeyEntry("CET-001", a.matricule, commune.year, None, hours=(64 - CET_CEILING) * DAY_HOURS,
                           amount=(64 - CET_CEILING) * rate,
                           description=f"Compte épargne-temps de 64 jours au 31/12/{commune.year} (plafond {CET_CEILING})")]
