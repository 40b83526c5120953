"""Planted régime indemnitaire irregularities (RIFSEEP-001 to RIFSEEP-011, rules/rifseep.py and
rules/regimes.py). RIFSEEP-006 (IFSE not prorated) is not planted: the demo model gives an agent
one quotité for the whole year, and the rule needs months at two quotités. RIFSEEP-012 is an
information rule and is not compared with the answer key.

Amounts at stake are computed here exactly as the rules compute them; ceilings come from the
demo délibérations and the dated State parameters, never from literals.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math

from ..params import default_parameters
from .cases import case, expected_amounts
from .model import Absence, Agent, Commune, Payslip
from .plants import AnswerKeyEntry, plant

OVER_GROUP_CEILING = 250.00  # EUR a year above the group's IFSE ceiling (RIFSEEP-001)
OVER_CIA_CEILING = 150.00  # EUR above the CIA ceiling (RIFSEEP-003)
CIA_SHARE_EXTRA = 100.00  # EUR added to the CIA ceiling beyond the circular's share (RIFSEEP-005)
IAT_AMOUNT = 50.00  # IAT paid with the IFSE (RIFSEEP-008)
IAT_TO_A_AMOUNT = 80.00  # IAT paid to a catégorie A agent (RIFSEEP-009, also RIFSEEP-008)
VACATAIRE_IFSE = 80.00  # IFSE paid to an hourly vacataire (RIFSEEP-010)
VACATIONS = 420.00  # the vacataire's pay for the census
UNFOUNDED_BONUS = 45.00  # monthly "prime informatique" with no délibération (RIFSEEP-011)
PLAIN_ABSENCES = ("conge_annuel", "rtt")


def _plain(commune: Commune, group_prefix: str = "", cia: bool = False):
    """Predicate: a full-time agent in a RIFSEEP group (name starting with `group_prefix`), on the
    payroll all year, with no other pay element or absence that a changed IFSE could disturb."""
    busy = {ab.matricule for ab in commune.absences if ab.type not in PLAIN_ABSENCES}

    def ok(a: Agent) -> bool:
        return (a.population == "agent" and bool(a.rifseep_group) and a.rifseep_group.startswith(group_prefix)
                and a.ifse_annual > 0 and a.quotite == 1.0 and a.entry_date is None and a.exit_date is None
                and not a.ihts and not a.astreinte and a.benefit_in_kind is None and a.legacy_bonus is None
                and not a.nbi_points and a.matricule not in busy and (a.cia_annual > 0 if cia else True)
                and len(commune.payslips_of(a)) == 12)

    return ok


def _group(commune: Commune, name: str) -> dict:
    return next(g for g in commune.deliberations["rifseep"]["groups"] if g["name"] == name)


def _set_ifse(commune: Commune, a: Agent, monthly: float) -> float:
    """Every IFSE line of the agent at `monthly` EUR; the year's total."""
    for ps in commune.payslips_of(a):
        for ln in ps.lines_of("ifse"):
            ln.amount = round(monthly, 2)
    return round(sum(ln.amount for ps in commune.payslips_of(a) for ln in ps.lines_of("ifse")), 2)


def _month(rng, months=range(2, 11)) -> int:
    return int(rng.choice(list(months)))


@plant("RIFSEEP-001")
def ifse_above_group_ceiling(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain(commune, "C2"))
    ceiling = float(_group(commune, a.rifseep_group)["ifse_annual_ceiling"])
    paid = _set_ifse(commune, a, math.ceil((ceiling + OVER_GROUP_CEILING) / 12))
    return [AnswerKeyEntry("RIFSEEP-001", a.matricule, commune.year, None, amount=paid - ceiling,
                           description=f"IFSE de {paid:.2f} EUR sur l'année, au-delà du plafond du groupe "
                                       f"{a.rifseep_group} ({ceiling:.2f} EUR)")]


@plant("RIFSEEP-002")
def above_state_ceiling(commune: Commune, rng) -> list[AnswerKeyEntry]:
    # The hand-computed case of tests/data/cases/rifseep.yaml: parity is judged on IFSE + CIA.
    c = case("rifseep-parite-somme-depassee")
    v = c["values"]
    a = commune.pick_agent(rng, _plain(commune, "C1"))
    group = _group(commune, a.rifseep_group)
    group["ifse_annual_ceiling"], group["cia_annual_ceiling"] = v["ifse_ceiling"], v["cia_ceiling"]
    _set_ifse(commune, a, v["ifse_monthly"])
    for ps in commune.payslips_of(a):
        ps.remove_lines("cia")
    commune.payslips[(a.matricule, 11)].add_line("201100", v["cia"])
    local, agent = expected_amounts(c["id"], "RIFSEEP-002")
    return [
        AnswerKeyEntry("RIFSEEP-002", None, commune.year, None, amount=local,
                       description=f"Plafond global IFSE + CIA du groupe {group['name']} porté à "
                                   f"{v['ifse_ceiling'] + v['cia_ceiling']:.2f} EUR (cas {c['id']})"),
        AnswerKeyEntry("RIFSEEP-002", a.matricule, commune.year, None, amount=agent,
                       description=f"{c['case']} (cas {c['id']})"),
    ]


@plant("RIFSEEP-003")
def cia_above_ceiling(commune: Commune, rng) -> list[AnswerKeyEntry]:
    months = commune.deliberations["rifseep"].get("cia_months", [11])
    a = commune.pick_agent(rng, _plain(commune, "C2", cia=True))
    ceiling = float(_group(commune, a.rifseep_group)["cia_annual_ceiling"])
    cia_lines = [ln for ps in commune.payslips_of(a) if ps.month in months for ln in ps.lines_of("cia")]
    for ln in cia_lines:
        ln.amount = 0.0
    cia_lines[0].amount = round(ceiling + OVER_CIA_CEILING, 2)
    for ps in commune.payslips_of(a):  # no zero line left on the payslip
        ps.lines = [ln for ln in ps.lines if not (ln.category == "cia" and ln.amount == 0)]
    return [AnswerKeyEntry("RIFSEEP-003", a.matricule, commune.year, None, amount=OVER_CIA_CEILING,
                           description=f"CIA de {ceiling + OVER_CIA_CEILING:.2f} EUR, plafond du groupe {ceiling:.2f} EUR")]


@plant("RIFSEEP-004")
def cia_every_month(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain(commune, "C", cia=True))
    ceiling = float(_group(commune, a.rifseep_group)["cia_annual_ceiling"])
    monthly = float(math.floor(ceiling / 2 / 12))  # the year's total stays under the ceiling
    for ps in commune.payslips_of(a):
        ps.remove_lines("cia")
        ps.add_line("201100", monthly)
    return [AnswerKeyEntry("RIFSEEP-004", a.matricule, commune.year, None, amount=10 * monthly,
                           description=f"CIA versé chaque mois ({monthly:.2f} EUR), sans lien avec l'entretien professionnel")]


@plant("RIFSEEP-005")
def cia_share_above_guide(commune: Commune, rng) -> list[AnswerKeyEntry]:
    rif = commune.deliberations["rifseep"]
    group = next(g for g in rif["groups"] if g["categorie"] == "B")
    guide = float(default_parameters().value("regimes_indemnitaires.cia_part_indicative", rif["effective_date"])["B"])
    group["cia_annual_ceiling"] = round(group["ifse_annual_ceiling"] * guide / (1 - guide) + CIA_SHARE_EXTRA)
    return [AnswerKeyEntry("RIFSEEP-005", None, None, None,
                           description=f"Plafond de CIA du groupe {group['name']} porté à {group['cia_annual_ceiling']} EUR, "
                                       f"au-delà de {guide:.0%} du plafond global")]


@plant("RIFSEEP-007")
def ri_during_clm(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain(commune))
    m = _month(rng, range(2, 5))  # before the summer leave
    first = dt.date(commune.year, m, 1)
    last = dt.date(commune.year, m, calendar.monthrange(commune.year, m)[1])
    commune.absences = [ab for ab in commune.absences
                        if not (ab.matricule == a.matricule and ab.start <= last and ab.end >= first)]
    commune.absences.append(Absence(a.matricule, "clm", first, last, float(last.day), "", "Congé de longue maladie"))
    ps = commune.payslips[(a.matricule, m)]
    ps.events.append(("CLM", f"Congé de longue maladie du {first:%d/%m/%Y} au {last:%d/%m/%Y}"))
    paid = round(sum(ln.amount for ln in ps.lines_of("ifse")), 2)
    return [AnswerKeyEntry("RIFSEEP-007", a.matricule, commune.year, m, amount=paid,
                           description=f"IFSE de {paid:.2f} EUR maintenue pendant un congé de longue maladie d'un mois entier")]


def _add_iat(ps: Payslip, amount: float) -> None:
    ps.add_line("202000", amount)


@plant("RIFSEEP-008")
def ifse_with_iat(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain(commune, "C"))
    m = _month(rng)
    _add_iat(commune.payslips[(a.matricule, m)], IAT_AMOUNT)
    return [AnswerKeyEntry("RIFSEEP-008", a.matricule, commune.year, m, amount=IAT_AMOUNT,
                           description="IAT versée le même mois que l'IFSE")]


@plant("RIFSEEP-009")
def iat_to_categorie_a(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain(commune, "A"))
    m = _month(rng)
    _add_iat(commune.payslips[(a.matricule, m)], IAT_TO_A_AMOUNT)
    return [
        AnswerKeyEntry("RIFSEEP-009", a.matricule, commune.year, m, amount=IAT_TO_A_AMOUNT,
                       description="IAT versée à un agent de catégorie A"),
        AnswerKeyEntry("RIFSEEP-008", a.matricule, commune.year, m, amount=IAT_TO_A_AMOUNT,
                       description="La même IAT, versée avec l'IFSE (cumul interdit)"),
    ]


@plant("RIFSEEP-010")
def ifse_to_vacataire(commune: Commune, rng) -> list[AnswerKeyEntry]:
    model_slip = next(iter(commune.payslips.values()))
    n = 800001
    vac = Agent(
        matricule=str(n), nom="ZRECENS", prenom="ZOE", nir=f"FAUXNIR{n:08d}", iban=f"FR00DEMO{n:012d}", gender="F",
        birth_date=dt.date(commune.year - 30, 5, 1), statut="NON_TITULAIRE", statut_code="VACA", population="agent",
        categorie=None, filiere="", cadre_emplois="", grade="", echelon="", indice=None,
        emploi="AGENT RECENSEUR", service="ACCUEIL - ETAT CIVIL", pension_fund="IRCANTEC",
    )
    commune.agents.append(vac)
    commune.used.add(vac.matricule)
    m = _month(rng, range(1, 3))  # the census is held in January and February
    ps = Payslip(vac, commune.year, m, code_table=model_slip.code_table)
    ps.add_raw_line("I", "206000", "VACATIONS RECENSEMENT", VACATIONS, category="remuneration_autre")
    ps.add_line("201000", VACATAIRE_IFSE)
    commune.payslips[(vac.matricule, m)] = ps
    return [AnswerKeyEntry("RIFSEEP-010", vac.matricule, commune.year, m, amount=VACATAIRE_IFSE,
                           description="IFSE versée à un agent recenseur vacataire")]


@plant("RIFSEEP-011")
def bonus_without_deliberation(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, _plain(commune))
    for ps in commune.payslips_of(a):
        ps.add_raw_line("I", "209000", "PRIME INFORMATIQUE", UNFOUNDED_BONUS, category="autre_prime")
    return [AnswerKeyEntry("RIFSEEP-011", a.matricule, commune.year, None, amount=12 * UNFOUNDED_BONUS,
                           description="« Prime informatique » versée chaque mois sans délibération")]
