"""The demo commune's twelve payrolls: pay lines of every agent present each month (traitement, NBI,
SFT, benefit in kind, RIFSEEP or legacy bonus, IHTS, astreintes, sick-pay withholding and jour de
carence) from the shared formulas of rhaudit.pay, then the contribution lines (after the plants)."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd

from .. import pay
from ..params import Parameters
from .model import Absence, Agent, Commune, Payslip
from .rates import Rates

DGS_VEHICLE_COST = 24000.0  # purchase price of the DGS's service vehicle (a demo fact, EUR TTC)
# The vehicle was provided before 2025-02-01: it stays valued at the rate in force then (9 %).
DGS_VEHICLE_PROVIDED = dt.date(2023, 9, 1)
IHTS_HOURS = np.arange(2.0, 20.5, 0.5)  # monthly hours drawn without replacement (never flat)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _months_touched(absences: list[Absence], types: tuple[str, ...], year: int) -> set[int]:
    months = set()
    for ab in absences:
        if ab.type in types:
            d = ab.start.replace(day=1)
            while d <= ab.end:
                if d.year == year:
                    months.add(d.month)
                d = (d + dt.timedelta(days=32)).replace(day=1)
    return months


SICKNESS = ("cmo", "clm", "cld", "cgm", "maternite", "accident_service", "maladie_professionnelle")


def draw_payslips(rng, commune: Commune, params: Parameters, rates: Rates, code_table: dict) -> None:
    year, delib = commune.year, commune.deliberations
    absences_by = {}
    for ab in commune.absences:
        absences_by.setdefault(ab.matricule, []).append(ab)
    suspended_types = tuple(k for k, v in delib["rifseep"].get("maintained_during", {}).items() if not v)
    cia_months = delib["rifseep"].get("cia_months", [11])
    sft_amounts = _sft_amounts(params, commune.agents, year)
    for a in commune.agents:
        mine = absences_by.get(a.matricule, [])
        suspended = _months_touched(mine, suspended_types, year)
        sick = _months_touched(mine, SICKNESS, year)
        present = [m for m in range(1, 13) if a.present_in(year, m)]
        ihts_months = set()
        if a.ihts:
            eligible = [m for m in present if m not in sick and m != 8]
            k = min(len(eligible), int(rng.integers(3, 9)))
            ihts_months = set(rng.choice(eligible, size=k, replace=False).tolist()) if k else set()
            hours = iter(rng.choice(IHTS_HOURS, size=12, replace=False).tolist())
        astreinte_months = set(m for m in present if m not in sick and rng.random() < 0.5) if a.astreinte else set()
        cmo_cut = _cmo_cut_by_month(params, mine)
        cmo_by_month = {}
        for ab in mine:
            if ab.type == "cmo":
                cmo_by_month.setdefault(ab.start.month, []).append(ab)
        for m in present:
            ps = Payslip(a, year, m, code_table=code_table)
            commune.payslips[(a.matricule, m)] = ps
            when = (year, m)
            if a.population == "elu":
                im = rates("elus.indice_majore_terminal", m)
                ps.add_line("205000", pay.traitement_monthly(params, im, when, quotite=a.elected_rate))
                continue
            _events(ps, a, mine, year, m)
            q = a.quotite
            ps.add_line("101000", pay.traitement_monthly(params, a.indice, when, quotite=q))
            if a.nbi_points:
                ps.add_line("101500", pay.nbi_monthly(params, a.nbi_points, when, quotite=q), units=a.nbi_points)
            if a.is_fonctionnaire:
                _cmo_withholding(ps, params, mine, year, m)
            sft = sft_amounts.get((a.matricule, m))
            if sft:
                ps.add_line("103000", sft)
            if a.benefit_in_kind == "vehicule":
                ps.add_line("104100", DGS_VEHICLE_COST * params.value("avantages_nature.vehicule_taux_annuel_achat",
                                                                          DGS_VEHICLE_PROVIDED) / 12)
            if a.rifseep_group and a.ifse_annual and m not in suspended:
                # Kept during a CMO in the same proportions as the traitement (CGFP L.714-6, L.822-3).
                ps.add_line("201000", a.ifse_annual / 12 * q * (1 - cmo_cut.get(m, 0.0)))
                if m in cia_months and a.cia_annual:
                    ps.add_line("201100", a.cia_annual * q)
            if a.legacy_bonus == "iat":
                ref = rates("iat.montant_reference_annuel", m)[a.grade]
                ps.add_line("202000", ref * a.iat_coefficient / 12 * q * (1 - cmo_cut.get(m, 0.0)), base=ref,
                            rate=a.iat_coefficient)
            if m in ihts_months:
                ihts_lines(ps, params, rates, a, next(hours), when)
            if m in astreinte_months:
                weekly = rates("astreintes.exploitation_semaine_complete", m)
                ps.add_line("204000", weekly, rate=weekly, units=1)
            for ab in cmo_by_month.get(m - 1, []):
                _carence_line(ps, commune.payslips.get((a.matricule, m - 1)), rates, year, m - 1)


def _cmo_cut_by_month(params: Parameters, mine: list[Absence]) -> dict[int, float]:
    """Month -> share of the month's pay withheld because CMO days are paid below 100 %."""
    cmo = [ab for ab in mine if ab.type == "cmo"]
    if not cmo:
        return {}
    days = [np.arange(ab.start, ab.end + dt.timedelta(days=1), dtype="datetime64[D]") for ab in cmo]
    grants = [np.full(len(d), ab.start, dtype="datetime64[D]") for d, ab in zip(days, cmo)]
    out: dict[int, float] = {}
    for day, rate in zip(*(x.tolist() for x in pay.cmo_pay_rates(params, np.concatenate(days), np.concatenate(grants)))):
        out[day.month] = out.get(day.month, 0.0) + (1 - rate) / calendar.monthrange(day.year, day.month)[1]
    return out


def _sft_amounts(params: Parameters, agents: list[Agent], year: int) -> dict[tuple[str, int], float]:
    """SFT of every agent with children and month present, with the vectorised shared formula."""
    out = {}
    for tnc in (False, True):
        rows = [(a, m) for a in agents if a.population == "agent" and a.children and (a.post_hours < 35) == tnc
                for m in range(1, 13) if a.present_in(year, m)]
        if not rows:
            continue
        col = lambda f: pd.Series([f(a, m) for a, m in rows])  # noqa: E731
        due = pay.sft_due(params, col(lambda a, m: a.children), col(lambda a, m: a.indice), col(lambda a, m: year),
                          col(lambda a, m: m), col(lambda a, m: a.quotite), temps_non_complet=tnc,
                          nbi_points=col(lambda a, m: a.nbi_points))
        out.update({(a.matricule, m): float(x) for (a, m), x in zip(rows, due)})
    return out


def _events(ps: Payslip, a: Agent, mine: list[Absence], year: int, m: int) -> None:
    first, last = month_bounds(year, m)
    if a.entry_date and a.entry_date.month == m and a.entry_date.year == year:
        ps.events.append(("ENTREE", f"Entrée dans la collectivité le {a.entry_date:%d/%m/%Y}"))
    if a.exit_date and a.exit_date.month == m and a.exit_date.year == year:
        ps.events.append(("SORTIE", f"Fin de fonctions le {a.exit_date:%d/%m/%Y}"))
    for ab in mine:
        if ab.type in SICKNESS and ab.start <= last and ab.end >= first:
            ps.events.append((ab.type.upper(), f"{ab.label} du {ab.start:%d/%m/%Y} au {ab.end:%d/%m/%Y}"))


def ihts_lines(ps: Payslip, params: Parameters, rates: Rates, a: Agent, hours: float, when) -> None:
    base = pay.ihts_hourly_base(params, a.indice, a.nbi_points, 0.0, when)
    tier = float(rates("ihts.seuil_premier_palier_heures", when[1]))
    first = min(hours, tier)
    ps.add_line("203000", pay.ihts_day_amount(params, base, first, when), units=first,
                rate=round(base * rates("ihts.majoration_14_premieres", when[1]), 4))
    if hours > tier:
        rest = hours - tier
        ps.add_line("203100", pay.ihts_day_amount(params, base, rest, when, already_paid_hours=tier), units=rest,
                    rate=round(base * rates("ihts.majoration_suivantes", when[1]), 4))


# The demo program books the sick-pay withholding on lines of their own (demo code table:
# retenue_absence, as the reference vocabulary classifies "RETENUE ... MALADIE" lines).
CMO_WITHHOLDING_CODES = {"traitement": "101800", "nbi": "101600"}


def _cmo_withholding(ps: Payslip, params: Parameters, mine: list[Absence], year: int, m: int) -> None:
    """Sick pay of a fonctionnaire: traitement and NBI reduced by (1 - rate) / 30 per CMO day of the
    month, the rate in force on the CMO's first day (90 % from 1 March 2025; the demo's CMOs are
    short, all within the first three months)."""
    first, last = month_bounds(year, m)
    share = sum((1 - float(params.value("carence.cmo_taux_traitement_premiere_periode", ab.start)))
                * ((min(ab.end, last) - max(ab.start, first)).days + 1) / 30
                for ab in mine if ab.type == "cmo" and ab.start <= last and ab.end >= first)
    if share > 0:
        for category, code in CMO_WITHHOLDING_CODES.items():
            paid = sum(ln.amount for ln in ps.lines_of(category))
            if paid:
                ps.add_line(code, -paid * share)


def _carence_line(ps: Payslip, previous: Payslip | None, rates: Rates, year: int, month: int) -> None:
    """The jour de carence of a CMO begun last month: 1/30 of traitement, NBI and RI (before the
    sick-pay withholding)."""
    if previous is None:
        return
    monthly = sum(ln.amount for ln in previous.lines_of("traitement", "nbi", "ifse") if ln.amount > 0)
    days = rates("carence.jours", month)
    if days:
        ps.add_line("101900", -monthly / rates("carence.diviseur_journalier", month) * days, units=days,
                    ref=month_bounds(year, month))


# --- contributions (after the plants) -------------------------------------------------------

def add_contributions(commune: Commune, rates: Rates) -> None:
    """Employee (D) and employer (C) contribution lines of every payslip, from its gross lines."""
    for ps in list(commune.payslips.values()) + commune.extra_payslips:
        if not ps.auto_contributions or ps.lines_of(*_COTISATION_CATEGORIES):
            continue
        m, gross = ps.month, ps.lines_gross
        if gross <= 0:
            continue
        r = lambda name: rates(f"cotisations.{name}", m)  # noqa: E731
        indiciaire = round(sum(ln.amount for ln in ps.lines_of("traitement", "nbi", "carence")), 2)
        cap = r("plafond_securite_sociale_mensuel")
        if ps.agent.pension_fund == "CNRACL":
            employer_rate = ps.cnracl_employer_rate if ps.cnracl_employer_rate is not None else r("cnracl_patronal")
            _cot(ps, "501000", indiciaire, r("cnracl_salarial"), "020")
            _cot(ps, "701000", indiciaire, employer_rate, "020")
            rafp_base = min(gross - indiciaire, indiciaire * r("rafp_plafond_assiette"))
            if rafp_base > 0:
                _cot(ps, "501100", rafp_base, r("rafp_salarial"), "040")
                _cot(ps, "701100", rafp_base, r("rafp_patronal"), "040")
        else:
            capped = min(gross, cap)
            _cot(ps, "502000", capped, r("ircantec_salarial_tranche_a"), "030")
            _cot(ps, "702000", capped, r("ircantec_patronal_tranche_a"), "030")
            if ps.agent.population != "elu":
                _cot(ps, "503000", capped, r("urssaf_vieillesse_plafonnee_salarial"), "011")
                _cot(ps, "503100", gross, r("urssaf_vieillesse_deplafonnee_salarial"), "011")
                _cot(ps, "703100", capped, r("urssaf_vieillesse_plafonnee_patronal"), "011")
                _cot(ps, "703200", gross, r("urssaf_vieillesse_deplafonnee_patronal"), "011")
        csg_base = round(gross * r("csg_assiette"), 2)
        _cot(ps, "504000", csg_base, r("csg_deductible"), "011")
        _cot(ps, "504100", csg_base, r("csg_non_deductible"), "011")
        _cot(ps, "504200", csg_base, r("crds"), "011")


_COTISATION_CATEGORIES = ("cot_sal_cnracl", "cot_pat_cnracl", "cot_sal_ircantec", "cot_pat_ircantec")


def _cot(ps: Payslip, code: str, base: float, rate: float, caisse: str) -> None:
    base = round(base, 2)
    ps.add_line(code, base * rate, base=base, rate=round(rate * 100, 4), caisse=caisse)

