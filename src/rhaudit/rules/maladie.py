"""Sick pay of civil servants: rules MALADIE-001 and MALADIE-002.

Each day of ordinary sick leave (CMO) of a fonctionnaire is paid at a rate that depends on the
CMO days of the twelve rolling months up to that day (CGFP art. L822-3): the first 90 days at
carence.cmo_taux_traitement_premiere_periode (100 %, 90 % for CMO starting from 1 March 2025),
the next ones at half pay (pay.cmo_pay_rates). The traitement due in a month is the full traitement (IM × point / 12 ×
quotité) minus, per CMO day, (1 − rate) / 30 of it (a whole month absent counts 30 days).
Contract agents are left out: their rights depend on their seniority (décret 88-145 art. 7).
The régime indemnitaire during sick leave is RIFSEEP-007's concern.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import pay
from ..absence_chains import chain_ids
from . import RuleContext, rule
from ._absences import (FONCTIONNAIRES, absence_evidence, absences_of, as_date, checked_years, full_traitement,
                        month_days, slip_attributes)
from ._paie import eur, law_ref, lines_of, month_label, num, of_agents, row_findings


def cmo_day_rates(ctx: RuleContext, cmo: pd.DataFrame) -> pd.DataFrame:
    """One row per agent and CMO day: the part of the traitement withheld that day (1 − rate).

    The rates are pay.cmo_pay_rates (first period while the agent's CMO days over the twelve
    months ending that day stay within 90, at the rate in force on the first day of the stop: the
    90 % applies to CMO granted from 1 March 2025; half pay beyond).
    """
    days = month_days(cmo)
    if days.empty:
        return days.assign(matricule=[], withheld=[], year=[], month=[])
    matricule, day, rate = pay.cmo_pay_rates_by_agent(ctx.params, cmo.loc[days["rec"], "matricule"].to_numpy(),
                                                      days["day"].to_numpy(), cmo.loc[days["rec"], "start"].to_numpy())
    days = pd.DataFrame({"matricule": matricule, "day": pd.to_datetime(day), "withheld": 1.0 - rate})
    days["year"], days["month"] = days["day"].dt.year, days["day"].dt.month
    return days


@rule("MALADIE-001", "Congé de maladie ordinaire payé au-delà des droits (90 %, demi-traitement)", "irregularite",
      "CGFP L.822-3 [loi 84-53, art. 57, 2°] modifié par la loi 2025-127 du 14 février 2025, art. 189 ; décret 87-602 du 30 juillet 1987",
      requires=("absences",))
def cmo_paid_in_full(ctx: RuleContext):
    """Ce que la règle vérifie : chaque mois où un fonctionnaire (titulaire ou stagiaire) est en
    congé de maladie ordinaire, le traitement payé (lignes de traitement du mois, rappels rattachés)
    ne dépasse pas le traitement dû : traitement plein (IM × valeur du point / 12 × quotité) moins,
    par jour de CMO, (1 − taux) / 30, le taux étant 90 % (100 % pour un CMO commencé avant le 1er mars
    2025) tant que l'agent totalise au plus 90 jours de CMO sur les douze mois glissants, 50 % au-delà
    (paramètres carence.cmo_* et maladie.*). Un mois entier d'absence compte 30 jours. Le montant en jeu est l'excédent,
    au plus la réduction due (tolérance maladie.ecart_tolerance_eur).

    Pourquoi : depuis le 1er mars 2025, les trois premiers mois de CMO sont payés à 90 % ; au-delà
    de trois mois sur douze, à demi-traitement. Un logiciel de paie non paramétré maintient le plein
    traitement. Les agents contractuels (droits selon l'ancienneté, décret 88-145 art. 7) ne sont pas
    contrôlés ici. Les CMO de l'année précédente non importés ne sont pas décomptés.

    Texte : CGFP art. L822-3 ; loi 2025-127, art. 189 ; décret 2025-197 du 27 février 2025.

    Exemple : IM 400, point 59,0734 EUR/an → traitement 400 × 59,0734 / 12 = 1 969,11 EUR ; CMO du 10 au
    19 mars 2025 (10 jours, premiers jours de CMO de l'année) → dû 1 969,11 × (1 − 10 × 0,10 / 30) =
    1 903,48 EUR ; payé 1 969,11 EUR → 65,64 EUR en jeu. Même arrêt en février 2025 (plein traitement) → rien.
    """
    cmo = absences_of(ctx, ["cmo"])
    if cmo.empty:
        return []
    days = cmo_day_rates(ctx, cmo)
    days = days[days["year"].isin(checked_years(ctx))]
    if days.empty:
        return []
    per = days.groupby(["matricule", "year", "month"]).agg(withheld=("withheld", "sum"), n=("day", "size")).reset_index()
    month_len = pd.to_datetime(dict(year=per["year"], month=per["month"], day=1)).dt.days_in_month
    whole = per["n"] >= month_len
    per["share"] = np.where(whole, per["withheld"] / month_len, per["withheld"] / 30).clip(max=1.0)
    per = per[per["share"] > 1e-9]
    slips = slip_attributes(ctx)
    slips = slips.assign(full=full_traitement(ctx, slips))
    per = per.merge(slips[["matricule", "year", "month", "full", "statut"]], on=["matricule", "year", "month"])
    contract = ~per["statut"].isin(FONCTIONNAIRES)
    ctx.skipped(int(contract.sum()), "mois de CMO d'agents non fonctionnaires",
                "droits selon l'ancienneté (décret 88-145, art. 7), non contrôlés par cette règle")
    per = per[~contract]
    ctx.skipped(int(per["full"].isna().sum()), "mois de CMO", "indice majoré absent du bulletin")
    # Many programs book the sick-pay withholding on a line of its own ("RETENUE TRAITEMENT
    # MALADIE", category retenue_absence): it reduces the traitement paid, as in TRAIT-001. The
    # carence deduction is apart: it is due on top of the withholding (CARENCE-001).
    trait = of_agents(lines_of(ctx, ["traitement", "retenue_absence"], with_slip=False), per)  # CMO agents' lines
    trait = trait.assign(matricule=trait["matricule"].astype(str))
    paid = trait.groupby(["matricule", "period_year", "period_month"])["amount"].sum()
    per["paid"] = paid.reindex(list(zip(per["matricule"], per["year"], per["month"]))).fillna(0.0).to_numpy()
    per["due"] = per["full"] * (1 - per["share"])
    per["excess"] = np.minimum(per["paid"] - per["due"], per["full"] * per["share"])
    tol = pay.param_by_month(ctx.params, "maladie.ecart_tolerance_eur", per["year"], per["month"]).to_numpy()
    bad = per[per["full"].notna() & (per["excess"] > tol)]
    # The traitement lines are matched by the month they pay (back pay attached to its month).
    by_period = trait.drop(columns=["year", "month"], errors="ignore").rename(
        columns={"period_year": "year", "period_month": "month"})
    return row_findings(
        ctx, bad, by_period, keys=["matricule", "year", "month"], amount="excess",
        legal_ref=lambda r: law_ref("L.822-3", "loi 84-53, art. 57, 2°", r.year, r.month)
        + ("" if r.year < 2025 else " ; loi 2025-127 du 14 février 2025, art. 189"),
        message=lambda r: (
            f"En {month_label(r.year, r.month)}, le fonctionnaire {r.matricule} a {int(r.n)} jour(s) de congé de "
            f"maladie ordinaire ; le traitement dû est {eur(r.full)} × (1 − {num(100 * r.share, 2)} %) = "
            f"{eur(r.due)} (90 % les trois premiers mois depuis le 1er mars 2025, demi-traitement au-delà de "
            f"trois mois sur douze) ; payé : {eur(r.paid)}. Excédent : {eur(r.excess)}."))


@rule("MALADIE-002", "Congé de maladie ordinaire au-delà de douze mois sans changement de position", "irregularite",
      "CGFP L.822-3 [loi 84-53, art. 57, 2°] ; décret 87-602 du 30 juillet 1987, art. 17 et 38", requires=("absences",))
def cmo_beyond_twelve_months(ctx: RuleContext):
    """Ce que la règle vérifie : une suite ininterrompue de congés de maladie ordinaire d'un agent
    (arrêts qui se suivent sans jour de reprise) ne dépasse pas douze mois (paramètre
    maladie.cmo_jours_maximum, 365 jours). Un constat par année contrôlée où l'arrêt continue au-delà,
    daté du mois où la limite est franchie (janvier si elle l'a été une année précédente).

    Pourquoi : au terme de douze mois consécutifs de CMO, le fonctionnaire ne peut reprendre qu'après
    avis du conseil médical ; sinon il est placé en disponibilité d'office, en congé de longue maladie,
    reclassé ou admis à la retraite (décret 87-602, art. 17 et 38). Un CMO prolongé au-delà laisse
    l'agent payé sans position régulière.

    Texte : CGFP art. L822-3 ; décret 87-602, art. 17 et 38.

    Exemple : CMO du 1er janvier 2024 au 31 mars 2025 (456 jours, limite franchie le 31 décembre 2024) →
    constat en janvier 2025 pour la paie 2025 ; CMO de 300 jours → rien.
    """
    cmo = absences_of(ctx, ["cmo"])
    years = set(checked_years(ctx))
    if cmo.empty:
        return []
    cmo["chain"] = chain_ids(cmo, ["matricule"])
    chains = cmo.groupby("chain").agg(matricule=("matricule", "first"), start=("start", "min"), end=("end", "max"),
                                      first_index=("start", "idxmin"))
    out = []
    for c in chains.itertuples():
        limit = int(ctx.params.value("maladie.cmo_jours_maximum", as_date(c.start)))
        length = (c.end - c.start).days + 1
        if length <= limit:
            continue
        crossed = c.start + pd.Timedelta(days=limit)
        for year in sorted(years):
            # The first day of the year still beyond the limit, if the chain has one.
            first = max(crossed, pd.Timestamp(year, 1, 1))
            if first <= min(c.end, pd.Timestamp(year, 12, 31)):
                out.append(_beyond_finding(ctx, c, cmo, year, first.month, length, limit, crossed))
    return out


def _beyond_finding(ctx, c, cmo, year, month, length, limit, crossed):
    return ctx.finding(
        matricule=c.matricule, year=year, month=month,
        evidence=absence_evidence(cmo.loc[c.first_index]),
        legal_ref=law_ref("L.822-3", "loi 84-53, art. 57, 2°", year, month) + " ; décret 87-602, art. 17 et 38",
        message=(f"L'agent {c.matricule} est en congé de maladie ordinaire sans interruption du {c.start:%d/%m/%Y} au "
                 f"{c.end:%d/%m/%Y} ({num(length)} jours) : la limite de {limit} jours est franchie le "
                 f"{crossed:%d/%m/%Y}. Vérifiez l'avis du conseil médical et la position de l'agent (disponibilité "
                 f"d'office, CLM, reclassement ou retraite ; décret 87-602, art. 17 et 38)."),
    )
