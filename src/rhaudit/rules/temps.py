"""Working time (temps de travail): rules TEMPS-001 to TEMPS-007.

The collectivité's regime is its délibération (ctx.deliberation.working_time: cycles, sujétions,
fractionnement mode, extra days); the counts are those of the simulator (rhaudit.worktime, method
"norme", the legal derivation the audit chambers use). Agents are assigned to a cycle by the
agents file, else their service, else the default cycle (worktime.assign_cycles); their leave
and ARTT come from the absence records (worktime.agent_balances).

Collectivité-level findings carry no matricule; their hours are per full-time agent × the cycle's
full-time equivalent paid that year (quotité × months paid / 12; one agent if none), and the
amount is the ETP cost when the délibération gives working_time.etp_cost (or the check option
"etp_cost").
"""

from __future__ import annotations

import pandas as pd

from ..workcalendar import Calendar, CalendarError
from ..configfile import ConfigError
from ..fmt import fr_number
from ..worktime import Norms, agent_balances, assign_cycles, count_regime
from ..worktime.garanties import ScheduleError, check_cycle
from . import RuleContext, rule
from ._paie import eur, num

EPSILON = 1e-6


def _working_time(ctx: RuleContext):
    return getattr(ctx.deliberation, "working_time", None) if ctx.deliberation is not None else None


def _years(ctx: RuleContext) -> list[int]:
    """Years to judge; a year that ends before the working-time délibération is not judged by it
    (a decision does not apply before its date) and the rule says so."""
    if ctx.options.get("years"):
        years = {int(y) for y in ctx.options["years"]}
    else:
        years = {int(y) for y in ctx.payslips["year"].dropna().unique()} if not ctx.payslips.empty else set()
        if not years and not ctx.absences.empty:
            years = set(ctx.absences["start"].dt.year.dropna().astype(int))
    delib = ctx.deliberation
    if delib is None or delib.working_time is None:
        return sorted(years)
    before = sorted(y for y in years if delib.in_force("working_time", y, 12) is None)
    if before:
        first = delib.versions("working_time")[0][0]
        ctx.skipped(len(before), "année(s)", f"{', '.join(map(str, before))} antérieure(s) à la délibération sur "
                                             f"le temps de travail du {first:%d/%m/%Y}, qui ne s'y applique pas")
    return sorted(set(years) - set(before))


def _cycle_error(cycle, norms: Norms) -> str | None:
    """Why the cycle cannot be counted (unknown weekday, more days off than open days), or None."""
    try:
        count_regime(cycle.model_copy(update={"quotite": 1.0}), "norme", norms)
    except ConfigError as exc:  # the simulator's ScenarioError
        return str(exc)
    return None


def _each_cycle(ctx: RuleContext):
    """(working_time, year, norms, cycle) for every countable cycle of the délibération and year
    checked; TEMPS-001 reports the others."""
    wt = _working_time(ctx)
    if wt is None:
        return
    for year in _years(ctx):
        norms = Norms.of(year, ctx.params)
        for cycle in wt.cycles:
            if _cycle_error(cycle, norms) is None:
                yield wt, year, norms, cycle


def _agent_findings(ctx: RuleContext, excess_of, message_of) -> list:
    """A finding per agent and year whose `excess_of(balance)` days are positive, in hours."""
    wt = _working_time(ctx)
    out = []
    for year in _years(ctx) if wt is not None else []:
        # The balances as tuples once per check: three rules read every agent's row.
        rows = ctx.shared(("temps.balance_rows", year), lambda: list(_balances(ctx, wt, year).itertuples(index=False)))
        for b in rows:
            excess = excess_of(b)
            if excess > EPSILON:
                out.append(ctx.finding(matricule=b.matricule, year=year, hours=excess * b.daily_hours,
                                       message=message_of(b, year, excess)))
    return out


def _staffing(ctx: RuleContext, wt, year: int) -> dict[str, tuple[int, float]]:
    """Per cycle: agents paid in `year` and their full-time equivalent (quotité × months paid / 12):
    a day granted to an agent at 80 % or present 6 months costs 80 % or half of a full-time day."""
    def compute():
        assigned = _assigned(ctx, wt, year)
        if assigned.empty:
            return {}
        etp = assigned["quotite"] * assigned["months"].clip(upper=12) / 12
        return {name: (len(g), float(etp[g.index].sum())) for name, g in assigned.groupby("cycle")}

    return ctx.shared(("temps.staffing", year), compute)


def _assigned(ctx: RuleContext, wt, year: int) -> pd.DataFrame:
    """worktime.assign_cycles of `year`, once per check (several TEMPS rules need it)."""
    return ctx.shared(("temps.assign_cycles", year), lambda: assign_cycles(ctx.payslips, ctx.agents, wt, year))


def _etp_cost(ctx: RuleContext, wt) -> float | None:
    return ctx.options.get("etp_cost") or wt.etp_cost


def _cycle_findings(ctx: RuleContext, year: int, wt, cycle, hours_per_agent: float, message: str):
    """A collectivité-level finding for `cycle`: hours for all its agents, ETP and cost."""
    norms = Norms.of(year, ctx.params)
    agents, staff_etp = _staffing(ctx, wt, year).get(cycle.name, (0, 0.0))
    if agents == 0:  # no agent of the cycle paid that year: priced for one full-time agent
        agents, staff_etp = 1, 1.0
    total = hours_per_agent * staff_etp
    etp = total / norms.annual_hours
    cost = _etp_cost(ctx, wt)
    amount = etp * cost if cost else None
    text = (f"{message} Soit {num(hours_per_agent)} h par agent à temps complet, × {num(staff_etp)} ETP "
            f"({agents} agent(s) du cycle, selon quotité et mois payés) = {num(total)} h, {num(etp, 3)} ETP"
            + (f", {eur(amount)} par an." if amount is not None else "."))
    return ctx.finding(year=year, hours=total, amount=amount, message=text)


def _decision_text(ctx: RuleContext, cycle) -> str:
    d = ctx.deliberation.decision(cycle.decision) if cycle.decision else None
    return f" (délibération {d.id} du {d.date:%d/%m/%Y})" if d else ""


@rule("TEMPS-001", "Régime de travail inférieur à 1 607 heures sans délibération de sujétions", "irregularite",
      "Décret 2000-815 du 25 août 2000, art. 1 ; décret 2001-623 du 12 juillet 2001, art. 1 et 2 ; "
      "loi 2019-828 du 6 août 2019, art. 47", requires=("deliberation.working_time",))
def regime_below_legal_duration(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque cycle de la délibération sur le temps de travail,
    la durée annuelle selon le décompte forfaitaire (365 − 104 − 8 − congés − ARTT, arrondi légal
    et journée de solidarité) ; un cycle sans sujétions délibérées dont l'écart à 1 607 h dépasse
    la tolérance (paramètre temps_travail.tolerance_heures, 0 h : l'arrondi légal de 1 596 à
    1 600 h est déjà dans le décompte) est signalé. Les jours
    extra-légaux, le fractionnement accordé d'office et la journée de solidarité non appliquée
    sont exclus ici : TEMPS-002, TEMPS-003 et TEMPS-004 les chiffrent séparément.

    Pourquoi : depuis le 1er janvier 2022 (loi 2019-828, art. 47), aucun régime inférieur à
    1 607 h ne peut être maintenu, sauf réduction pour sujétions délibérée après avis du comité.

    Texte : décret 2000-815, art. 1 ; décret 2001-623, art. 2.

    Exemple : 38 h sur 5 jours avec 20 ARTT → (228 − 20) × 7,6 + 4 + 7 = 1 591,8 h, écart −15,2 h
    → constat ; 39 h avec 23 ARTT → 1 610 h → rien.
    """
    out = []
    wt = _working_time(ctx)
    for year in _years(ctx) if wt is not None else []:
        for cycle in wt.cycles:
            if (error := _cycle_error(cycle, Norms.of(year, ctx.params))) is not None:
                out.append(ctx.finding(year=year, message=f"Cycle « {cycle.name} » incohérent dans la délibération : "
                                                          f"{error}. Ce cycle n'est pas contrôlé ; corrigez la délibération."))
    for wt, year, norms, cycle in _each_cycle(ctx):
        if cycle.sujetions:
            continue
        base = cycle.model_copy(update={"extra_days": {}, "fractionnement_days": 0, "quotite": 1.0,
                                        "solidarity": "worked_day" if cycle.solidarity == "none" else cycle.solidarity})
        c = count_regime(base, "norme", norms)
        if c.gap_hours < -norms.tolerance_hours - EPSILON:
            out.append(_cycle_findings(
                ctx, year, wt, cycle, -c.gap_hours,
                f"Le cycle « {cycle.name} »{_decision_text(ctx, cycle)}, {num(c.weekly_hours)} h par semaine et "
                f"{num(c.artt_days)} jours ARTT, donne {fr_number(c.annual_hours)} h par an au décompte forfaitaire, "
                f"{num(-c.gap_hours)} h sous les {fr_number(norms.annual_hours)} h, sans délibération de sujétions."))
    return out


@rule("TEMPS-002", "Jour de congé extra-légal", "irregularite",
      "Décret 2000-815 du 25 août 2000, art. 1 ; loi 2019-828 du 6 août 2019, art. 47 ; "
      "décret 85-1250 du 26 novembre 1985, art. 1", requires=("deliberation.working_time",))
def extra_legal_days(ctx: RuleContext):
    """Ce que la règle vérifie : chaque jour accordé en plus des congés, ARTT et fériés légaux
    (jours du maire, ancienneté, médaille, fête locale, ponts, journée du personnel) inscrit dans
    un cycle de la délibération, ou chômé par le calendrier local de la collectivité, avec son
    coût en heures, en ETP et, si le coût d'un ETP est donné, en euros.

    Pourquoi : ces jours n'ont pas de base légale et font passer la durée annuelle sous 1 607 h ;
    c'est un constat récurrent des chambres régionales des comptes.

    Texte : décret 2000-815, art. 1 ; loi 2019-828, art. 47.

    Exemple : 3 « jours du maire » pour 120 agents à temps complet à 7 h → 21 h × 120 = 2 520 h = 1,568 ETP,
    × 45 000 EUR = 70 566,27 EUR par an → constat ; un cycle sans jour extra-légal → rien.
    """
    out = []
    local_of: dict[int, dict] = {}
    for wt, year, norms, cycle in _each_cycle(ctx):
        daily = _daily_hours(cycle, norms)
        if year not in local_of:
            try:
                local_of[year] = _local_days_off(ctx, year)
            except CalendarError as exc:  # said once per year, never silently skipped
                local_of[year] = {}
                out.append(ctx.finding(year=year, message=f"Jours chômés locaux non contrôlés : {exc} Corrigez "
                                                          "« territory » dans la délibération."))
        local = local_of[year]
        days = dict(cycle.extra_days) | {f"{label} ({d:%d/%m/%Y}, calendrier local)": 1.0 for d, label in local.items()}
        for name, n in days.items():
            out.append(_cycle_findings(
                ctx, year, wt, cycle, n * daily,
                f"Le cycle « {cycle.name} »{_decision_text(ctx, cycle)} accorde {num(n)} jour(s) « {name} » "
                f"sans base légale, à {num(daily)} h le jour."))
    return out


def _daily_hours(cycle, norms: Norms) -> float:
    return count_regime(cycle.model_copy(update={"quotite": 1.0}), "norme", norms).daily_hours


def _local_days_off(ctx: RuleContext, year: int) -> dict:
    """Local days off of the collectivité's calendar that fall on a weekday not already a public holiday."""
    cal = Calendar.load(ctx.deliberation.territory, year)
    return {d: label for d, label in cal.local_days_off.items() if d.weekday() < 5 and d not in cal.public_holidays}


@rule("TEMPS-003", "Jours de fractionnement accordés sans les conditions", "irregularite",
      "Décret 85-1250 du 26 novembre 1985, art. 1, al. 3", requires=("deliberation.working_time",))
def fractionnement_without_conditions(ctx: RuleContext):
    """Ce que la règle vérifie : la délibération n'accorde pas les jours de fractionnement
    d'office (mode « automatic » ou jours inscrits dans un cycle), et aucun agent n'a pris plus
    de jours de fractionnement qu'il n'en a acquis par ses congés pris hors de la période du
    1er mai au 31 octobre (5 à 7 jours : 1 jour ; 8 jours et plus : 2 jours ; paramètre
    temps_travail.fractionnement).

    Pourquoi : le jour de fractionnement récompense l'étalement des congés ; accordé à tous,
    c'est un jour extra-légal.

    Texte : décret 85-1250, art. 1, al. 3.

    Exemple : un agent a pris 3 jours de congé en février et tous les autres en été, mais
    2 jours « fractionnement » → 2 jours indus → constat ; 8 jours pris en décembre → 2 jours
    acquis → rien.
    """
    out = []
    for wt, year, norms, cycle in _each_cycle(ctx):
        days = cycle.fractionnement_days or 0
        if days == 0 and wt.fractionnement != "automatic":
            continue
        if days == 0:
            days = max(ctx.params.value("temps_travail.fractionnement", (year, 1))["seuils"].values())
        out.append(_cycle_findings(
            ctx, year, wt, cycle, days * _daily_hours(cycle, norms),
            f"Le cycle « {cycle.name} »{_decision_text(ctx, cycle)} accorde d'office {num(days)} jour(s) de "
            f"fractionnement, sans condition de congés pris hors de la période du 1er mai au 31 octobre."))
    return out + _agent_findings(
        ctx, lambda b: b.fractionnement_taken - b.fractionnement_earned,
        lambda b, year, excess: (
            f"L'agent {b.matricule} a pris {num(b.fractionnement_taken)} jour(s) de fractionnement en {year} mais "
            f"n'en a acquis que {num(b.fractionnement_earned)} d'après ses congés pris hors de la période du "
            f"1er mai au 31 octobre : {num(excess)} jour(s) sans droit."))


@rule("TEMPS-004", "Journée de solidarité non appliquée", "irregularite",
      "Loi 2004-626 du 30 juin 2004, art. 6 ; code du travail, art. L.3133-7 à L.3133-12", requires=("deliberation.working_time",))
def solidarity_not_applied(ctx: RuleContext):
    """Ce que la règle vérifie : chaque cycle applique la journée de solidarité (jour travaillé,
    jour ARTT retiré ou 7 h réparties, proratisées selon la quotité).

    Pourquoi : si le lundi de Pentecôte est chômé et que rien n'est retiré, 7 h par agent
    manquent chaque année (constat fréquent des chambres régionales des comptes).

    Texte : loi 2004-626, art. 6 ; paramètre temps_travail.journee_solidarite_heures.

    Exemple : solidarity: none → 7 h × agents → constat ; solidarity: artt avec 20 ARTT → rien ;
    solidarity: artt sans aucun jour ARTT → constat.
    """
    out = []
    for wt, year, norms, cycle in _each_cycle(ctx):
        if norms.solidarity_hours <= 0:  # a year before the journée de solidarité
            continue
        if cycle.solidarity == "artt":  # nothing to remove when the cycle has no ARTT day
            plain = cycle.model_copy(update={"quotite": 1.0, "solidarity": "worked_day"})
            missing = count_regime(plain, "norme", norms).artt_days < 1
        else:
            missing = cycle.solidarity == "none"
        if missing:
            out.append(_cycle_findings(
                ctx, year, wt, cycle, norms.solidarity_hours,
                f"Le cycle « {cycle.name} »{_decision_text(ctx, cycle)} n'applique pas la journée de solidarité "
                f"({num(norms.solidarity_hours)} h par agent à temps complet)."))
    return out


def _balances(ctx: RuleContext, wt, year: int) -> pd.DataFrame:
    def compute():
        assigned = _assigned(ctx, wt, year)
        norms = Norms.of(year, ctx.params)
        cycles = {c.name: c for c in wt.cycles if _cycle_error(c, norms) is None}  # others: TEMPS-001
        return agent_balances(ctx.absences, assigned, cycles, year, ctx.params) if not assigned.empty else pd.DataFrame()

    return ctx.shared(("temps.balances", year), compute)


@rule("TEMPS-005", "Congés annuels pris au-delà des droits", "alerte",
      "Décret 85-1250 du 26 novembre 1985, art. 1", requires=("deliberation.working_time", "absences"))
def leave_beyond_entitlement(ctx: RuleContext):
    """Ce que la règle vérifie : par agent et par année, les jours de congé annuel pris (absences
    de type conge_annuel commençant dans l'année, hors jours de fractionnement) ne dépassent pas
    ses droits : 5 × jours travaillés par semaine du cycle (ou les congés du cycle), × quotité de
    travail (80 % payé 6/7 → 0,8 : 25 × 0,8 = 20 jours, non 21,4), × mois payés / 12, plus les
    jours de fractionnement acquis et non pris (non proratisés : décret 85-1250, art. 1).

    Pourquoi : des congés au-delà des droits sont des heures non travaillées qui réduisent la
    durée annuelle effective.

    Texte : décret 85-1250, art. 1 (congé de cinq fois les obligations hebdomadaires).

    Exemple : un agent à temps complet sur 5 jours, présent toute l'année, prend 30 jours de
    congé sans fractionnement acquis → 5 jours × 7 h = 35 h → constat ; 25 jours → rien.
    Limite : les reports de congés de l'année précédente ne sont pas connus.
    """
    def spare(b):  # fractionnement earned and not taken as such
        return max(0.0, b.fractionnement_earned - b.fractionnement_taken)

    return _agent_findings(
        ctx, lambda b: b.leave_taken - b.leave_entitlement - spare(b),
        lambda b, year, excess: (
            f"L'agent {b.matricule} (cycle « {b.cycle} », quotité {num(b.quotite)}, {b.months} mois payés) a pris "
            f"{num(b.leave_taken)} jours de congé annuel en {year} pour {num(b.leave_entitlement)} jours de droits"
            + (f" et {num(spare(b))} jour(s) de fractionnement acquis" if spare(b) else "")
            + f" : {num(excess)} jour(s) au-delà, soit {num(excess * b.daily_hours)} h."))


@rule("TEMPS-006", "Jours ARTT pris au-delà des droits", "alerte",
      "Décret 2000-815 du 25 août 2000, art. 1 ; loi 2010-1657 du 29 décembre 2010, art. 115 ; "
      "circulaire NOR MFPF1202031C du 18 janvier 2012", requires=("deliberation.working_time", "absences"))
def artt_beyond_entitlement(ctx: RuleContext):
    """Ce que la règle vérifie : par agent et par année, les jours ARTT pris (absences de type
    rtt) ne dépassent pas ses droits : ARTT du cycle (ou calculés pour atteindre 1 607 h) ×
    quotité × mois payés / 12, diminués d'un jour par tranche de Q jours de congé pour raison de
    santé (Q = jours travaillés du cycle avant ARTT / jours ARTT ; types d'absence du paramètre
    temps_travail.artt_absences_reductrices).

    Pourquoi : les jours ARTT compensent le travail au-delà de 35 h ; un agent absent pour
    maladie ne les génère pas (loi 2010-1657, art. 115).

    Texte : loi 2010-1657, art. 115 ; circulaire du 18 janvier 2012.

    Exemple : cycle 39 h (23 ARTT, Q = 228 / 23 = 9,9) ; 20 jours de maladie → 2 jours retirés,
    21 jours de droits ; 23 jours pris → 2 jours × 7,8 h = 15,6 h → constat.
    """
    def reduced(b):
        return (f", dont {b.artt_reduction} jour(s) retiré(s) pour {num(b.sick_days)} jours de congé pour raison "
                "de santé" if b.artt_reduction else "")

    return _agent_findings(
        ctx, lambda b: b.artt_taken - b.artt_entitlement,
        lambda b, year, excess: (
            f"L'agent {b.matricule} (cycle « {b.cycle} ») a pris {num(b.artt_taken)} jours ARTT en {year} pour "
            f"{num(b.artt_entitlement)} jours de droits{reduced(b)} : {num(excess)} jour(s) au-delà, soit "
            f"{num(excess * b.daily_hours)} h."))


@rule("TEMPS-007", "Cycle de travail ne respectant pas les garanties minimales", "irregularite",
      "Décret 2000-815 du 25 août 2000, art. 3 ; décret 2001-623 du 12 juillet 2001, art. 1", requires=("deliberation.working_time",))
def cycle_breaches_guarantees(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque cycle de la délibération décrit par ses horaires
    (schedule), les garanties minimales : 10 h par jour, 48 h par semaine, 44 h en moyenne sur
    12 semaines, 11 h de repos quotidien, 35 h de repos hebdomadaire, amplitude de 12 h, 20 min
    de pause par 6 h (paramètre temps_travail.garanties_minimales). Un constat par cycle et par
    année, qui liste chaque dépassement.

    Pourquoi : ces garanties protègent la santé des agents ; les dérogations sont limitées
    (décret 2000-815, art. 3, II).

    Texte : décret 2000-815, art. 3.

    Exemple : 5 jours de 07:00-12:00, 13:00-18:00 → 50 h dans la semaine → constat ; 5 jours de
    08:00-12:00, 13:00-16:48 → rien.
    """
    out = []
    for _wt, year, _norms, cycle in _each_cycle(ctx):
        if not cycle.schedule:
            continue
        limits = ctx.params.value("temps_travail.garanties_minimales", (year, 1))
        try:
            breaches = check_cycle(cycle.schedule, limits, cycle.name)
        except ScheduleError as exc:
            out.append(ctx.finding(year=year, message=f"Horaires du cycle « {cycle.name} » illisibles : {exc}. "
                                                      "Corrigez la délibération."))
            continue
        if breaches:
            out.append(ctx.finding(year=year, message=(
                f"Le cycle « {cycle.name} »{_decision_text(ctx, cycle)} ne respecte pas les garanties minimales : "
                + " ; ".join(b.message for b in breaches) + ".")))
    return out
