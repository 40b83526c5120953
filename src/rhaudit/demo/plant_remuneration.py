"""Planted irregularities for the traitement and remuneration rules (TRAIT-001, REM-001, REM-002).

Amounts are set by hand here (a fixed indemnity, a fixed bonus, ten points of indice too many)
and the answer key states what the rule must find, computed from those hand-set figures with the
shared pay formula (pay.traitement_monthly), never with the rule.
"""

from __future__ import annotations

from .. import pay
from ..params import default_parameters
from .model import Commune
from .plant_pay import pick_staff_agent, plain_month, traitement_paid
from .plants import AnswerKeyEntry, plant

TRAITEMENT_EXTRA_POINTS = 10  # TRAIT-001: traitement paid on the indice + 10 points
LEAVE_INDEMNITY_EUR = 312.40  # REM-001: congés payés indemnity paid to a titulaire in post
YEAR_END_BONUS_EUR = 850.00  # REM-002: a "13e mois" paid in November


@plant("TRAIT-001")
def traitement_on_a_higher_indice(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.statut == "TITULAIRE" and a.quotite == 1.0 and not a.nbi_points)
    m = plain_month(commune, a, rng)
    ps = commune.payslips[(a.matricule, m)]
    when = (commune.year, m)
    params = default_parameters()
    [line] = ps.lines_of("traitement")
    line.amount = round(pay.traitement_monthly(params, a.indice + TRAITEMENT_EXTRA_POINTS, when), 2)
    # The rule's excess: the line paid minus the full-time traitement of the payslip's indice.
    return [AnswerKeyEntry("TRAIT-001", a.matricule, commune.year, m,
                           amount=traitement_paid(ps) - pay.traitement_monthly(params, a.indice, when),
                           description=f"Traitement du mois calculé sur l'indice {a.indice + TRAITEMENT_EXTRA_POINTS} "
                                       f"au lieu de {a.indice}")]


@plant("REM-001")
def leave_indemnity_to_titulaire_in_post(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.statut == "TITULAIRE")
    m = plain_month(commune, a, rng)
    if m == 12:  # still paid after: a month before December
        m = 6
    commune.payslips[(a.matricule, m)].add_raw_line("I", "105500", "INDEMNITE COMPENSATRICE CONGES PAYES",
                                                     LEAVE_INDEMNITY_EUR, category="indemnite_conges")
    return [AnswerKeyEntry("REM-001", a.matricule, commune.year, m, amount=LEAVE_INDEMNITY_EUR,
                           description="Indemnité compensatrice de congés payés versée à un titulaire qui reste en poste")]


@plant("REM-002")
def thirteenth_month(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.statut == "TITULAIRE")
    commune.payslips[(a.matricule, 11)].add_raw_line("I", "105600", "PRIME DE FIN D ANNEE (13E MOIS)",
                                                      YEAR_END_BONUS_EUR, category="prime_fin_annee")
    return [AnswerKeyEntry("REM-002", None, commune.year, None, amount_concerned=YEAR_END_BONUS_EUR,
                           description="13e mois versé sans délibération antérieure à la loi 84-53")]
