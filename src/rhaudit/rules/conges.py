"""Leave balances: annual leave carried over beyond the rule (CONGES-001), compte épargne-temps
above its ceiling (CET-001). Both read the optional leave balances table (rhaudit import
--balances). The compensatory indemnity for untaken leave paid to a contract agent whose
contract continues is rule REM-001.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..findings import Evidence
from ..model import SICK_LEAVE_TYPES
from ..params import ParameterError
from . import RuleContext, rule
from ._absences import checked_years, daily_hours
from ._paie import eur, num


def _balances(ctx: RuleContext, kind: str) -> pd.DataFrame:
    """Rows of the leave balances of `kind` for the years checked."""
    bal = ctx.leave_balances
    return bal[(bal["type"] == kind) & bal["year"].isin(checked_years(ctx))].reset_index(drop=True)


def _evidence(r) -> list[Evidence]:
    return [Evidence(file=None if pd.isna(r.source_file) else str(r.source_file),
                     position=None if pd.isna(r.source_line) else int(r.source_line),
                     label=f"solde {r.type} {int(r.year)}")]


def sick_working_days(absences: pd.DataFrame, year: int) -> dict[str, float]:
    """Per matricule, the working days (Monday to Friday) of sick leave falling in `year`."""
    # Sick leave opens the right to carry over the leave it prevented (Schultz-Hoff).
    sick = absences[absences["type"].isin(SICK_LEAVE_TYPES)]
    first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    sick = sick[(sick["start"] <= last) & (sick["end"] >= first)]
    out: dict[str, float] = {}
    for r in sick.itertuples(index=False):
        start, end = max(r.start, first), min(r.end, last)
        days = float(np.busday_count(np.datetime64(start.date(), "D"), np.datetime64(end.date(), "D") + 1))
        out[str(r.matricule)] = out.get(str(r.matricule), 0.0) + days
    return out


@rule("CONGES-001", "Congés annuels reportés au-delà de la règle", "alerte",
      "Décret 85-1250 du 26 novembre 1985, art. 5 ; délibération de la collectivité ; circulaire NOR COTB1117639C "
      "du 8 juillet 2011 (report pour maladie)",
      requires=("leave_balances",))
def carry_over_beyond_rule(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque solde de congés annuels d'une année contrôlée, les jours
    reportés sur l'année suivante (colonne « report » du fichier de soldes) ne dépassent pas ce que la
    règle permet : la limite de report fixée par les délibérations (section leave, carry_over_max_days),
    ou, sans délibération qui en fixe une, aucun jour (paramètre daté conges.report_sans_autorisation_jours)
    sauf autorisation exceptionnelle de l'autorité territoriale, que la règle demande de produire. Les jours
    non pris du fait d'un congé de maladie (CMO, CLM, CLD, CGM, accident de service, maladie
    professionnelle) sont reportés de droit : quand les absences montrent un tel congé dans l'année, la
    limite est augmentée des jours ouvrés de maladie de l'année, dans la limite de quatre semaines
    (conges.report_maladie_jours, 20 jours). L'écart est donné en jours et en heures (jours × durée
    d'une journée : 35 h / 5). Sans fichier d'absences, un report dû à la maladie ne peut être écarté :
    le constat le dit.

    Pourquoi : le report de congés non pris crée une dette de l'employeur envers l'agent (jours à
    accorder, ou à verser au CET) et signale des congés non pris ; les chambres régionales des comptes
    relèvent les reports systématiques sans décision. Limites : le délai de quinze mois des jours
    reportés pour maladie (conges.report_maladie_mois) et la date limite d'utilisation fixée par la
    délibération (carry_over_until) ne sont pas contrôlés ; les jours versés au CET ne sont pas un report
    (règle CET-001). L'indemnité compensatrice de congés non pris versée à un contractuel dont le contrat
    continue est contrôlée par la règle REM-001.

    Texte : décret 85-1250 du 26 novembre 1985, art. 5 ; CJUE, 20 janvier 2009, C-350/06 Schultz-Hoff ;
    circulaire NOR COTB1117639C du 8 juillet 2011 ; CE, 26 avril 2017, n° 406009.

    Exemple : délibération limitant le report à 5 jours ; l'agent A01 reporte 12 jours de ses congés
    2024 et a été en congé de maladie du lundi 4 au vendredi 8 mars 2024 (5 jours ouvrés) → limite
    5 + 5 = 10 jours, 2 jours reportés au-delà (14 h). Le même agent reportant 10 jours → rien.
    """
    rows = _balances(ctx, "conge_annuel")
    rows = rows[rows["days_carried_over"].fillna(0) > 0]
    leave = ctx.deliberation.leave if ctx.deliberation is not None else None
    has_absences = not ctx.absences.empty
    out = []
    sick_by_year: dict[int, dict[str, float]] = {}
    for r in rows.itertuples(index=False):
        year = int(r.year)
        when = dt.date(year, 12, 31)
        if leave is not None and leave.carry_over_max_days is not None:
            limit, basis = float(leave.carry_over_max_days), "limite de report fixée par la délibération"
        else:
            limit = float(ctx.params.value("conges.report_sans_autorisation_jours", when))
            basis = "aucun report sans autorisation exceptionnelle de l'autorité territoriale (décret 85-1250, art. 5)"
        if year not in sick_by_year:
            sick_by_year[year] = sick_working_days(ctx.absences, year) if has_absences else {}
        cap = float(ctx.params.value("conges.report_maladie_jours", when))
        sick = min(cap, sick_by_year[year].get(str(r.matricule), 0.0))
        excess = float(r.days_carried_over) - limit - sick
        if excess <= 0:
            continue
        hours = excess * daily_hours(ctx, when)
        sick_text = (f" plus {num(sick)} j non pris du fait d'un congé de maladie (report de droit, au plus {num(cap)} j)"
                     if sick else "")
        no_absences = "" if has_absences else \
            " Aucun fichier d'absences : un report dû à un congé de maladie n'a pas pu être écarté."
        out.append(ctx.finding(
            matricule=r.matricule, year=year, hours=hours, evidence=_evidence(r),
            message=(f"L'agent {r.matricule} reporte {num(float(r.days_carried_over))} j de congés annuels {year} sur "
                     f"{year + 1} ; la règle en permet {num(limit)} ({basis}){sick_text}. Reportés au-delà : "
                     f"{num(excess)} j ({num(hours)} h). Produisez l'autorisation exceptionnelle ou régularisez le "
                     f"compteur.{no_absences}"),
        ))
    return out


def _category_of(ctx: RuleContext) -> dict[tuple[str, int], str]:
    """(matricule, year) -> catégorie of the agent's last payslip of the year."""
    slips = ctx.payslips.dropna(subset=["categorie"]).sort_values(["year", "month"])
    # The last payslip of each (matricule, year) wins, as it would in a dict built row by row.
    last = slips[["matricule", "year", "categorie"]].drop_duplicates(["matricule", "year"], keep="last")
    return {(str(m), int(y)): str(c) for m, y, c in zip(last["matricule"], last["year"], last["categorie"])}


@rule("CET-001", "Compte épargne-temps au-delà du plafond", "irregularite",
      "Décret 2004-878 du 26 août 2004, art. 7-1 (décret 2010-531) ; décret 2020-723 du 12 juin 2020",
      requires=("leave_balances",))
def cet_above_ceiling(ctx: RuleContext):
    """Ce que la règle vérifie : le solde du compte épargne-temps au 31 décembre de chaque année
    contrôlée (ligne « CET » du fichier de soldes) ne dépasse pas le plafond en vigueur (paramètre
    daté cet.plafond_jours : 60 jours depuis le décret 2010-531). Pour l'année 2020, le plafond est
    augmenté de 10 jours (cet.depassement_exceptionnel_jours, décret 2020-723) ; les années suivantes,
    les jours épargnés en 2020 au-delà de 60 restent admis quand le solde 2020 de l'agent est importé
    (au plus 10 jours, et au plus le solde 2020 moins 60). Les jours au-delà du plafond sont donnés en
    jours et en heures (jours × 35 h / 5), et valorisés en euros au montant d'un jour indemnisé : la
    valeur fixée par la délibération (leave.cet_day_value) ou, à défaut, le montant forfaitaire de la
    catégorie de l'agent (cet.indemnite_forfaitaire_jour, arrêté du 28 août 2009 modifié : 150, 100 et
    83 EUR en A, B et C depuis 2024), catégorie lue sur son dernier bulletin de l'année ; sans
    catégorie, le montant n'est pas calculé.

    Pourquoi : le plafond limite la dette de congés de la collectivité ; des jours inscrits au-delà
    sont irréguliers et peuvent finir indemnisés. Limites : depuis 2010 la réglementation territoriale
    ne fixe plus de nombre maximal de jours épargnés par an (seuls vingt jours de congé annuel doivent
    être pris dans l'année, non contrôlé ici) ; l'indemnisation des seuls jours au-delà de quinze
    (art. 5) n'est pas contrôlée.

    Texte : décret 2004-878 du 26 août 2004, art. 7-1 ; décret 2020-723 du 12 juin 2020 ; arrêté
    du 28 août 2009 modifié par l'arrêté du 24 novembre 2023.

    Exemple : solde CET de 66 jours au 31/12/2025 pour un agent de catégorie B → 6 jours au-delà de
    60, 42 h, 6 × 100 = 600 EUR. Même agent avec 60 jours → rien ; 66 jours au 31/12/2020 → rien
    (plafond 70 en 2020).
    """
    rows = _balances(ctx, "cet")
    rows = rows[rows["balance_days"].notna()]
    all_cet = ctx.leave_balances[ctx.leave_balances["type"] == "cet"]
    leave = ctx.deliberation.leave if ctx.deliberation is not None else None
    categories = _category_of(ctx)
    # The ceilings of each year and the days kept from 2020 of each agent, once (not per row).
    ceilings = {}
    for year in sorted({int(y) for y in rows["year"]}):
        when = dt.date(year, 12, 31)
        ceiling = float(ctx.params.value("cet.plafond_jours", when))
        ceilings[year] = (ceiling, ceiling + float(ctx.params.value("cet.depassement_exceptionnel_jours", when)),
                          _kept_exceptional_days(ctx, all_cet, year, ceiling))
    out = []
    for r in rows.itertuples(index=False):
        year = int(r.year)
        when = dt.date(year, 12, 31)
        ceiling, limit, kept_by_agent = ceilings[year]
        kept = kept_by_agent.get(str(r.matricule), 0.0)
        limit += kept
        excess = float(r.balance_days) - limit
        if excess <= 0:
            continue
        hours = excess * daily_hours(ctx, when)
        category = categories.get((str(r.matricule), year))
        if leave is not None and leave.cet_day_value is not None:
            rate, rate_text = float(leave.cet_day_value), "valeur d'un jour fixée par la délibération"
        elif category in ("A", "B", "C"):
            rate = float(ctx.params.value("cet.indemnite_forfaitaire_jour", when)[category])
            rate_text = f"montant forfaitaire d'un jour indemnisé en catégorie {category}"
        else:
            rate, rate_text = None, ""
        value = f" Valeur : {num(excess)} j × {eur(rate)} ({rate_text}) = {eur(excess * rate)}." if rate else \
            " Valeur en euros non calculée : catégorie de l'agent inconnue."
        kept_text = f" et {num(kept)} j épargnés en 2020 au-delà du plafond, maintenus" if kept else ""
        out.append(ctx.finding(
            matricule=r.matricule, year=year, hours=hours, amount=None if rate is None else excess * rate,
            evidence=_evidence(r),
            message=(f"Le compte épargne-temps de l'agent {r.matricule} compte {num(float(r.balance_days))} j au "
                     f"31/12/{year}, pour un plafond de {num(limit - kept)} j{kept_text} (décret 2004-878, art. 7-1) : "
                     f"{num(excess)} j au-delà ({num(hours)} h).{value}"),
        ))
    return out


def _kept_exceptional_days(ctx: RuleContext, cet: pd.DataFrame, year: int, ceiling: float) -> dict[str, float]:
    """Days saved beyond the ceiling in the year of the temporary raise (2020), kept in `year`, per
    matricule (from the agent's first balance given for that year; agents without one are absent)."""
    when = dt.date(year, 12, 31)
    try:
        raise_year = int(ctx.params.value("cet.annee_depassement_exceptionnel", when))
    except ParameterError:  # no temporary raise in force at that date
        return {}
    if year <= raise_year:
        return {}
    then = cet[cet["year"] == raise_year].dropna(subset=["balance_days"]).drop_duplicates("matricule")
    if then.empty:
        return {}
    allowed = float(ctx.params.value("cet.depassement_exceptionnel_jours", dt.date(raise_year, 12, 31)))
    return {str(m): min(allowed, max(0.0, float(days) - ceiling))
            for m, days in zip(then["matricule"], then["balance_days"])}
