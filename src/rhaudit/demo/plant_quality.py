"""Planted data-quality irregularities (QUAL-001 to QUAL-004, rules/quality.py)."""

from __future__ import annotations

import copy

from .model import Agent, Commune
from .plants import AnswerKeyEntry, plant

QUAL_001_GAP = 150.00  # EUR added to MtBrut without a matching line
QUAL_004_AMOUNT = 85.00  # EUR of the unclassified line


def _plain(a: Agent) -> bool:
    """A staff agent with no pay element that a duplicate or an extra line could disturb."""
    return (a.population == "agent" and not a.ihts and not a.astreinte and not a.nbi_points and a.children == 0
            and a.legacy_bonus is None and a.benefit_in_kind is None and a.entry_date is None and a.exit_date is None)


def _month(commune: Commune, a: Agent, rng, avoid=(8, 11), ordinary: bool = False) -> int:
    """A month of the agent's payslips without carence or CIA; `ordinary`: nor any event (sick
    leave: a duplicated month of reduced pay would also double the régime indemnitaire that
    RIFSEEP-007 compares with the traitement paid)."""
    months = [m for m in range(1, 13) if (a.matricule, m) in commune.payslips and m not in avoid
              and not commune.payslips[(a.matricule, m)].lines_of("carence", "cia")
              and not (ordinary and commune.payslips[(a.matricule, m)].events)]
    if not months:
        raise LookupError
    return int(rng.choice(months))


@plant("QUAL-001")
def gross_differs_from_lines(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain)
    m = _month(commune, a, rng)
    ps = commune.payslips[(a.matricule, m)]
    ps.forced_gross = round(ps.lines_gross + QUAL_001_GAP, 2)
    return [AnswerKeyEntry("QUAL-001", a.matricule, commune.year, m, amount=QUAL_001_GAP,
                           description=f"Brut du bulletin (MtBrut) supérieur de {QUAL_001_GAP:.2f} EUR à la somme des lignes")]


@plant("QUAL-002")
def duplicate_payslip(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, lambda a: _plain(a) and not a.cia_annual)
    m = _month(commune, a, rng, ordinary=True)
    twin = copy.copy(commune.payslips[(a.matricule, m)])
    twin.lines = list(twin.lines)
    commune.extra_payslips.append(twin)
    return [AnswerKeyEntry("QUAL-002", a.matricule, commune.year, m,
                           description="Bulletin transmis deux fois dans le fichier du mois (même matricule, mois et établissement)")]


@plant("QUAL-003")
def code_with_two_labels(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain)
    m = _month(commune, a, rng)
    line = commune.payslips[(a.matricule, m)].lines_of("traitement")[0]
    line.label = "TRAIT. BRUT INDICIAIRE"
    return [AnswerKeyEntry("QUAL-003", None, None, None,
                           description=f"Code {line.code} porté avec deux libellés (« TRAITEMENT INDICIAIRE » et "
                                       f"« TRAIT. BRUT INDICIAIRE », agent {a.matricule}, mois {m})")]


@plant("QUAL-004")
def unclassified_line(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain)
    m = _month(commune, a, rng)
    commune.payslips[(a.matricule, m)].add_raw_line("A", "299027", "ELEMENT VARIABLE 27", QUAL_004_AMOUNT)
    return [AnswerKeyEntry("QUAL-004", None, None, None, amount=QUAL_004_AMOUNT,
                           description=f"Ligne « ELEMENT VARIABLE 27 » (code 299027) absente de la table des codes, "
                                       f"{QUAL_004_AMOUNT:.2f} EUR (agent {a.matricule}, mois {m})")]
