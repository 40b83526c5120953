"""Planted pay irregularities for the IHTS, NBI, SFT, contribution and benefit-in-kind rules.

Each plant changes one agent (or one délibération entry) and returns the answer-key entries with
the amount at stake exactly as the rule computes it (rules/ihts.py, nbi.py, sft.py,
cotisations.py, avantages.py). Correct IHTS lines come from the generator's own `ihts_lines`,
contributions from its own `add_contributions` (run on a copy), so a plant never re-implements
a pay formula. Where the answer key's amount depends on a pay formula (IHTS-007, SFT-002), the
planted agent is set to the inputs of a hand-computed case of tests/data/cases and the amounts
planted and expected are the case's, so that a wrong formula in pay.py or in a rule fails the
demo instead of agreeing with itself.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import re

from .. import pay
from ..params import default_parameters
from ..rules.ihts import eligible_a
from .cases import case, expected_amounts
from .model import Absence, Agent, Commune, Payslip
from .payroll import add_contributions, ihts_lines
from .plants import AnswerKeyEntry, plant
from .rates import Rates

IHTS_CATS = ("ihts_14", "ihts_15", "ihts_nuit", "ihts_dimanche_ferie")
IHTS_OVERPAY_FACTOR = 1.15  # IHTS-007: lines paid 15 % above the regulatory amount
NBI_OVERPAY_EUR = 5.00  # NBI-002: added to one month's NBI
NBI_PLANTED_POINTS = 30  # NBI-003: above the catégorie C usual ceiling (20) and the function (10 or 15)
IFTS_PLANTED_EUR = 120.00  # IHTS-009: an IFTS paid with IHTS
FORMER_CNRACL_RATE = 0.3165  # COTIS-003: the 2024 employer rate left in the payroll software


def _rates(commune: Commune) -> Rates:
    return Rates(default_parameters(), commune.year)


def _staff(a: Agent) -> bool:
    return a.population == "agent" and a.entry_date is None and a.exit_date is None and a.indice


def _ihts_paid(ps: Payslip) -> tuple[float, float]:
    lines = ps.lines_of(*IHTS_CATS)
    return round(sum(ln.amount for ln in lines), 2), sum(ln.units or 0 for ln in lines)


def _ihts_months(commune: Commune, a: Agent) -> list[int]:
    return [ps.month for ps in commune.payslips_of(a) if ps.lines_of(*IHTS_CATS)]


def _fully_absent_months(commune: Commune, a: Agent) -> set[int]:
    """Months of which every day is covered by the agent's absences (no overtime possible)."""
    days = set()
    for ab in commune.absences_of(a):
        days.update(ab.start + dt.timedelta(days=i) for i in range((ab.end - ab.start).days + 1))
    return {m for m in range(1, 13)
            if all(dt.date(commune.year, m, d) in days for d in range(1, calendar.monthrange(commune.year, m)[1] + 1))}


def _ihts_agent(commune: Commune, rng, min_months: int = 1) -> Agent:
    return commune.pick_agent(rng, lambda a: _staff(a) and a.ihts and len(_ihts_months(commune, a)) >= min_months)


def _pick_month(rng, months) -> int:
    months = sorted(months)
    if not months:
        raise LookupError
    return int(months[int(rng.integers(len(months)))])


def _set_ihts(commune: Commune, ps: Payslip, hours: float) -> tuple[float, float]:
    """Replace the payslip's IHTS by correct lines for `hours`; (amount, hours) paid."""
    ps.remove_lines(*IHTS_CATS)
    ihts_lines(ps, default_parameters(), _rates(commune), ps.agent, hours, (commune.year, ps.month))
    return _ihts_paid(ps)


def _eligible_ihts(commune: Commune, a: Agent) -> bool:
    pats = commune.deliberations.get("ihts", {}).get("eligible_emplois", [])
    return any(re.search(p, a.emploi or "", re.IGNORECASE) for p in pats)


def _plain_months(commune: Commune, a: Agent) -> list[int]:
    """Months without IHTS, astreinte, carence or CIA lines and not spent entirely absent."""
    full = _fully_absent_months(commune, a)
    return [ps.month for ps in commune.payslips_of(a)
            if not ps.lines_of(*IHTS_CATS, "astreinte", "carence", "cia") and ps.month not in full]


def plain_month(commune: Commune, a: Agent, rng) -> int:
    return _pick_month(rng, _plain_months(commune, a))


def _no_carence(commune: Commune, a: Agent) -> bool:
    return not any(ps.lines_of("carence") for ps in commune.payslips_of(a))


def _set_traitement(commune: Commune, a: Agent, indice: int, monthly: float) -> None:
    """Give the agent the case's indice for the year, with the case's hand-computed traitement."""
    a.indice = indice
    for ps in commune.payslips_of(a):
        for ln in ps.lines_of("traitement"):
            ln.amount = round(float(monthly), 2)


def pick_staff_agent(commune: Commune, rng, predicate) -> Agent:
    """A staff agent matching `predicate` that has a plain month (see _plain_months)."""
    return commune.pick_agent(rng, lambda a: _staff(a) and predicate(a) and bool(_plain_months(commune, a)))


# --- IHTS -------------------------------------------------------------------------------------

@plant("IHTS-001")
def ihts_over_cap(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = _ihts_agent(commune, rng)
    m = _pick_month(rng, _ihts_months(commune, a))
    amount, hours = _set_ihts(commune, commune.payslips[(a.matricule, m)], 27.0)
    # 27 h against 25 h: 2 h valued at the month's mean paid hourly amount
    return [AnswerKeyEntry("IHTS-001", a.matricule, commune.year, m, amount=amount * 2 / hours, hours=2.0,
                           description=f"27 h d'IHTS payées en {m:02d} (plafond 25 h), lignes au bon taux")]


@plant("IHTS-002")
def ihts_to_categorie_a(commune: Commune, rng) -> list[AnswerKeyEntry]:
    params = default_parameters()

    def not_eligible(a: Agent) -> bool:  # catégorie A cadres open to IHTS are not a plant
        return not eligible_a(params, [a.grade], [a.emploi], [commune.year], [1]).iloc[0]

    a = pick_staff_agent(commune, rng, lambda a: a.categorie == "A" and a.statut == "TITULAIRE" and a.quotite == 1.0
              and not_eligible(a))
    m = plain_month(commune, a, rng)
    amount, hours = _set_ihts(commune, commune.payslips[(a.matricule, m)], 6.0)
    entries = [AnswerKeyEntry("IHTS-002", a.matricule, commune.year, m, amount=amount, hours=hours,
                              description="6 h d'IHTS payées à un agent de catégorie A")]
    if not _eligible_ihts(commune, a):  # the same payment also lacks a délibération basis
        entries.append(AnswerKeyEntry("IHTS-003", a.matricule, commune.year, m, amount=amount, hours=hours,
                                      description="IHTS à un emploi de catégorie A absent de la délibération"))
    return entries


@plant("IHTS-003")
def ihts_emploi_not_listed(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.categorie in ("B", "C") and a.statut == "TITULAIRE" and a.quotite == 1.0
              and not _eligible_ihts(commune, a))
    m = plain_month(commune, a, rng)
    amount, hours = _set_ihts(commune, commune.payslips[(a.matricule, m)], 5.0)
    return [AnswerKeyEntry("IHTS-003", a.matricule, commune.year, m, amount=amount, hours=hours,
                           description=f"5 h d'IHTS payées à l'emploi « {a.emploi} », absent de la délibération")]


@plant("IHTS-004")
def ihts_contract_agent(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.statut == "NON_TITULAIRE" and a.quotite == 1.0
              and a.categorie in ("B", "C") and _eligible_ihts(commune, a))
    m = plain_month(commune, a, rng)
    amount, hours = _set_ihts(commune, commune.payslips[(a.matricule, m)], 7.0)
    return [AnswerKeyEntry("IHTS-004", a.matricule, commune.year, m, amount=amount, hours=hours,
                           description="7 h d'IHTS payées à un contractuel, non ouvertes par la délibération")]


@plant("IHTS-005")
def ihts_flat_rate(commune: Commune, rng) -> list[AnswerKeyEntry]:
    def workable(a):
        return {ps.month for ps in commune.payslips_of(a)} - _fully_absent_months(commune, a)

    a = commune.pick_agent(rng, lambda a: _staff(a) and a.ihts and len(workable(a)) >= 6)
    for ps in commune.payslips_of(a):
        ps.remove_lines(*IHTS_CATS)
    months = sorted(rng.choice(sorted(workable(a)), size=6, replace=False).tolist())
    total = sum(_set_ihts(commune, commune.payslips[(a.matricule, m)], 8.0)[0] for m in months)
    return [AnswerKeyEntry("IHTS-005", a.matricule, commune.year, None, amount=total, hours=48.0,
                           description=f"8 h d'IHTS payées chaque mois pendant 6 mois ({months}) : forfait")]


@plant("IHTS-006")
def ihts_month_on_leave(commune: Commune, rng) -> list[AnswerKeyEntry]:
    def candidates(a):
        crossing = {m for ab in commune.absences_of(a) if ab.start.month != ab.end.month
                    for m in (ab.start.month, ab.end.month)}
        return [m for m in _ihts_months(commune, a) if m not in crossing]

    a = commune.pick_agent(rng, lambda a: _staff(a) and a.ihts and bool(candidates(a)))
    m = _pick_month(rng, candidates(a))
    last = calendar.monthrange(commune.year, m)[1]
    # The month's own absences (a leave week, a day of ARTT) give way to the month of training.
    commune.absences[:] = [ab for ab in commune.absences
                           if not (ab.matricule == a.matricule and ab.start.month == m and ab.start.year == commune.year)]
    commune.absences.append(Absence(a.matricule, "formation", dt.date(commune.year, m, 1),
                                    dt.date(commune.year, m, last), float(last), "", "Formation"))
    amount, hours = _ihts_paid(commune.payslips[(a.matricule, m)])
    return [AnswerKeyEntry("IHTS-006", a.matricule, commune.year, m, amount=amount, hours=hours,
                           description=f"IHTS payées en {m:02d}, mois entier passé en formation")]


@plant("IHTS-007")
def ihts_overpaid_rate(commune: Commune, rng) -> list[AnswerKeyEntry]:
    c = case("ihts-taux-trop-eleve")
    v = c["values"]
    a = commune.pick_agent(rng, lambda a: _staff(a) and a.ihts and not a.nbi_points and a.children <= 1
                           and a.quotite == 1.0 and a.legacy_bonus is None and _no_carence(commune, a)
                           and len(_ihts_months(commune, a)) >= 1)
    m = _pick_month(rng, _ihts_months(commune, a))
    _set_traitement(commune, a, v["indice"], v["traitement"])
    for ps in commune.payslips_of(a):  # the other months' overtime at the new indice (right lines)
        if ps.month != m and ps.lines_of(*IHTS_CATS):
            _set_ihts(commune, ps, _ihts_paid(ps)[1])
    ps = commune.payslips[(a.matricule, m)]
    ps.remove_lines(*IHTS_CATS)
    ps.add_line("203000", v["paid"], units=v["hours"], rate=round(v["paid"] / v["hours"], 4))
    [amount] = expected_amounts(c["id"], "IHTS-007")
    return [AnswerKeyEntry("IHTS-007", a.matricule, commune.year, m, amount=amount,
                           description=f"{c['case']} (cas {c['id']})")]


@plant("IHTS-008")
def ihts_declared_hours_differ(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = _ihts_agent(commune, rng)
    m = _pick_month(rng, _ihts_months(commune, a))
    ps = commune.payslips[(a.matricule, m)]
    _, hours = _ihts_paid(ps)
    ps.overtime_hours = hours - 2
    return [AnswerKeyEntry("IHTS-008", a.matricule, commune.year, m, hours=2.0,
                           description="NbHeureSup inférieur de 2 h aux heures d'IHTS payées")]


@plant("IHTS-009")
def ihts_with_ifts(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = _ihts_agent(commune, rng)
    m = _pick_month(rng, _ihts_months(commune, a))
    ps = commune.payslips[(a.matricule, m)]
    ifts = ps.add_line("202100", IFTS_PLANTED_EUR).amount
    ihts_amount, _ = _ihts_paid(ps)
    y = commune.year
    entries = [AnswerKeyEntry("IHTS-009", a.matricule, y, m, amount=ihts_amount,
                              description=f"IFTS de {ifts:.2f} EUR versée le même mois que des IHTS")]
    # The same IFTS also breaks the régime indemnitaire rules (rules/regimes.py): listed so that
    # the answer key stays complete; their amounts are that rule family's business.
    why = "IFTS plantée avec des IHTS (voir IHTS-009)"
    if a.rifseep_group or ps.lines_of("ifse"):
        entries.append(AnswerKeyEntry("RIFSEEP-008", a.matricule, y, m, amount=ifts, description=why))
    threshold = _rates(commune)("regimes_indemnitaires.ifts_indice_majore_seuil_b", m)
    if a.categorie == "C" or (a.categorie == "B" and a.indice <= threshold):
        entries.append(AnswerKeyEntry("RIFSEEP-009", a.matricule, y, m, amount=ifts, description=why))
    if "ifts" not in commune.deliberations.get("bonuses_with_basis", {}):
        entries.append(AnswerKeyEntry("RIFSEEP-011", a.matricule, y, None, amount=ifts, description=why))
    return entries


@plant("IHTS-010")
def ihts_with_astreinte(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = _ihts_agent(commune, rng)
    m = _pick_month(rng, _ihts_months(commune, a))
    weekly = _rates(commune)("astreintes.exploitation_semaine_complete", m)
    commune.payslips[(a.matricule, m)].add_line("204000", weekly, rate=weekly, units=1)
    return [AnswerKeyEntry("IHTS-010", a.matricule, commune.year, m,
                           description="Astreinte d'une semaine et IHTS le même mois (information)")]


# --- NBI --------------------------------------------------------------------------------------

def _nbi_function_points(commune: Commune, a: Agent) -> float | None:
    pts = [f["points"] for f in commune.deliberations.get("nbi_functions", [])
           if any(re.search(p, a.emploi or "", re.IGNORECASE) for p in f.get("emplois", []))]
    return max(pts) if pts else None


def traitement_paid(ps: Payslip) -> float:
    return sum(ln.amount for ln in ps.lines_of("traitement"))


@plant("NBI-001")
def nbi_to_contract_agent(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.statut == "NON_TITULAIRE")
    m = plain_month(commune, a, rng)
    granted = _nbi_function_points(commune, a)
    points = granted or 10.0
    ps = commune.payslips[(a.matricule, m)]
    line = ps.add_line(
        "101500", pay.nbi_monthly(default_parameters(), points, (commune.year, m), quotite=a.quotite), units=points)
    entries = [AnswerKeyEntry("NBI-001", a.matricule, commune.year, m, amount=line.amount,
                              description=f"NBI de {points:g} points versée à un contractuel")]
    if granted is None:  # no function of the délibération for this emploi: all the points are in excess
        entries.append(AnswerKeyEntry("NBI-003", a.matricule, commune.year, m, amount=points * traitement_paid(ps) / a.indice,
                                      description="NBI sans fonction bonifiée par la délibération pour cet emploi"))
    return entries


@plant("NBI-002")
def nbi_wrong_amount(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.nbi_points and a.is_fonctionnaire)
    m = plain_month(commune, a, rng)
    ps = commune.payslips[(a.matricule, m)]
    line = ps.lines_of("nbi")[0]
    line.amount = round(line.amount + NBI_OVERPAY_EUR, 2)
    # due = points × point / 12 × traitement paid / (indice × point / 12) = points × traitement / indice
    due = a.nbi_points * traitement_paid(ps) / a.indice
    return [AnswerKeyEntry("NBI-002", a.matricule, commune.year, m, amount=line.amount - due,
                           description=f"NBI du mois majorée de {NBI_OVERPAY_EUR:.2f} EUR")]


@plant("NBI-003")
def nbi_points_above_function(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, lambda a: _staff(a) and a.nbi_points and a.is_fonctionnaire and a.categorie == "C"
                           and not a.ihts)
    params = default_parameters()
    ceiling = params.value("nbi.plafond_points_usuel", (commune.year, 1))["C"]
    allowed = min(float(ceiling), float(_nbi_function_points(commune, a) or 0))
    a.nbi_points = float(NBI_PLANTED_POINTS)
    out = []
    for ps in commune.payslips_of(a):
        for ln in ps.lines_of("nbi"):
            ln.amount = round(pay.nbi_monthly(params, a.nbi_points, (commune.year, ps.month), quotite=a.quotite), 2)
            ln.units = a.nbi_points
        excess = a.nbi_points - allowed
        out.append(AnswerKeyEntry("NBI-003", a.matricule, commune.year, ps.month,
                                  amount=excess * traitement_paid(ps) / a.indice,
                                  description=f"{NBI_PLANTED_POINTS} points de NBI pour une fonction délibérée à {allowed:g}"))
    return out


# --- SFT --------------------------------------------------------------------------------------

@plant("SFT-001")
def sft_without_child(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.children == 0 and a.quotite == 1.0)
    m = plain_month(commune, a, rng)
    due = pay.sft_monthly(default_parameters(), 2, a.indice, (commune.year, m))
    line = commune.payslips[(a.matricule, m)].add_line("103000", due)
    return [AnswerKeyEntry("SFT-001", a.matricule, commune.year, m, amount=line.amount,
                           description="SFT de deux enfants versé à un agent sans enfant déclaré")]


@plant("SFT-002")
def sft_children_not_updated(commune: Commune, rng) -> list[AnswerKeyEntry]:
    c = case("sft-children-not-updated")
    v = c["values"]
    a = pick_staff_agent(commune, rng, lambda a: a.children >= 1 and a.quotite == 1.0 and not a.nbi_points and not a.ihts
              and a.legacy_bonus is None and _no_carence(commune, a))
    _set_traitement(commune, a, c["agent"]["indice"], v["traitement"])
    a.children = c["agent"]["children"]
    for ps in commune.payslips_of(a):
        ps.remove_lines("sft")
        ps.add_line("103000", v["sft_due"])
    m = plain_month(commune, a, rng)
    commune.payslips[(a.matricule, m)].lines_of("sft")[0].amount = v["sft_paid"]
    [amount] = expected_amounts(c["id"], "SFT-002")
    return [AnswerKeyEntry("SFT-002", a.matricule, commune.year, m, amount=amount,
                           description=f"{c['case']} (cas {c['id']})")]


# --- contributions ----------------------------------------------------------------------------

def _contribution_lines(commune: Commune, ps: Payslip, *categories: str):
    """The contribution lines the generator will compute for `ps` (run on a copy of it)."""
    twin = copy.deepcopy(ps)
    probe = Commune(commune.name, commune.year, commune.siret, payslips={(ps.agent.matricule, ps.month): twin})
    add_contributions(probe, _rates(commune))
    return twin.lines_of(*categories)


def _wrong_fund(commune: Commune, rng, rule: str, predicate, fund: str, categories, description: str):
    """Affiliate a whole year of an agent to the wrong pension fund; one entry per payslip with
    the contributions paid to that fund (employee and employer shares)."""
    a = commune.pick_agent(rng, lambda a: _staff(a) and predicate(a))
    a.pension_fund = fund
    return [AnswerKeyEntry(rule, a.matricule, commune.year, ps.month, description=description,
                           amount=sum(abs(ln.amount) for ln in _contribution_lines(commune, ps, *categories)))
            for ps in commune.payslips_of(a)]


@plant("COTIS-001")
def contract_agent_at_cnracl(commune: Commune, rng) -> list[AnswerKeyEntry]:
    return _wrong_fund(commune, rng, "COTIS-001", lambda a: a.statut == "NON_TITULAIRE", "CNRACL",
                       ("cot_sal_cnracl", "cot_pat_cnracl"), "Contractuel affilié à la CNRACL toute l'année")


@plant("COTIS-002")
def titulaire_at_ircantec(commune: Commune, rng) -> list[AnswerKeyEntry]:
    return _wrong_fund(commune, rng, "COTIS-002",
                       lambda a: a.statut == "TITULAIRE" and a.quotite == 1.0 and a.pension_fund == "CNRACL",
                       "IRCANTEC", ("cot_sal_ircantec", "cot_pat_ircantec"),
                       "Titulaire à temps complet affilié à l'IRCANTEC toute l'année")


@plant("COTIS-003")
def cnracl_former_rate(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = pick_staff_agent(commune, rng, lambda a: a.pension_fund == "CNRACL")
    m = plain_month(commune, a, rng)
    ps = commune.payslips[(a.matricule, m)]
    ps.cnracl_employer_rate = FORMER_CNRACL_RATE
    [line] = _contribution_lines(commune, ps, "cot_pat_cnracl")
    expected = _rates(commune)("cotisations.cnracl_patronal", m)
    return [AnswerKeyEntry("COTIS-003", a.matricule, commune.year, m,
                           amount=abs(line.rate / 100 - expected) * line.base,
                           description=f"Contribution CNRACL employeur au taux de {100 * FORMER_CNRACL_RATE:.2f} % en {m:02d}"
                                       .replace(".", ","))]


# --- benefits in kind ---------------------------------------------------------------------------

@plant("AVN-001")
def housing_not_on_payslips(commune: Commune, rng) -> list[AnswerKeyEntry]:
    a = commune.pick_agent(rng, lambda a: _staff(a) and a.benefit_in_kind is None and a.categorie == "C")
    commune.deliberations.setdefault("benefits_in_kind", []).append(
        {"matricule": a.matricule, "nature": "logement", "since": dt.date(commune.year - 3, 9, 1)})
    return [AnswerKeyEntry("AVN-001", a.matricule, commune.year, None,
                           description="Logement pour nécessité absolue de service délibéré, absent des bulletins")]


# --- IHTS-011 last: it sums the IHTS of a whole site after the other plants changed them --------

@plant("IHTS-011")
def site_without_automated_recording(commune: Commune, rng) -> list[AnswerKeyEntry]:
    ihts = commune.deliberations.get("ihts", {})
    threshold = default_parameters().value("ihts.seuil_agents_controle_automatise", (commune.year, 1))
    by_site: dict[str, set[str]] = {}
    for (mat, _m), ps in commune.payslips.items():
        a = ps.agent
        if a.population == "agent" and a.categorie != "A" and _eligible_ihts(commune, a):
            by_site.setdefault(a.service, set()).add(mat)
    sites = sorted(s for s, mats in by_site.items() if len(mats) >= threshold)
    paid = {s: round(sum(_ihts_paid(ps)[0] for ps in commune.payslips.values() if ps.agent.service == s), 2)
            for s in sites}
    sites = [s for s in sites if paid[s] > 0]
    site = sites[int(rng.integers(len(sites)))] if sites else None
    if site is None:
        raise LookupError
    recording = ihts.setdefault("automated_recording", {})
    for pattern in list(recording):
        if re.search(pattern, site, re.IGNORECASE):
            recording[pattern] = False
    return [AnswerKeyEntry("IHTS-011", None, commune.year, None, amount_concerned=paid[site],
                           description=f"Service « {site} » : {len(by_site[site])} agents éligibles aux IHTS, "
                                       f"décompte automatisé non déclaré")]
