"""Indemnités horaires pour travaux supplémentaires (IHTS): rules IHTS-001 to IHTS-011.

Décret 2002-60 du 14 janvier 2002, applicable aux agents territoriaux par le décret 91-875 du
6 septembre 1991 et une délibération listing the eligible jobs. Monthly checks work on the month
an hour pays: back pay is reattached to its reference period (pay.attach_period).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import pay
from ..enrich import indiciaire_paid
from ..model import IHTS_CATEGORIES, NOT_WORKING_TYPES, PAYSLIP_KEY
from . import RuleContext, rule
from ._absences import day_offsets
from ._paie import (MONTH_PAID, SLIP, eur, evidence_by, flagged_line_findings, lines_of, month_label, num, row_findings,
                    tolerance)

MONTH = MONTH_PAID
SLIP_MONTH = SLIP
CONTRACT_STATUTS = ("NON_TITULAIRE",)


def ihts_lines(ctx: RuleContext, categories=IHTS_CATEGORIES, all_populations: bool = False) -> pd.DataFrame:
    """IHTS lines with their hours (the canonical column of rhaudit.enrich, as a float), the
    month they pay, and a usable quotité (unknown or 0 -> 1)."""
    lines = lines_of(ctx, categories, all_populations=all_populations).copy(deep=False)  # the cached frame stays untouched
    lines["hours"] = lines["hours"].astype(float)
    if lines.empty:
        return lines
    q = lines["quotite"].astype(float)
    lines["quotite"] = q.where(q > 0, 1.0)
    wq = lines["work_quotite"].astype(float)
    lines["work_quotite"] = wq.where(wq > 0, 1.0)
    lines["temps_non_complet"] = lines["temps_non_complet"].fillna(False).astype(bool)
    return lines


def part_time(work_quotite, temps_non_complet) -> np.ndarray:
    """Part time proper: a work quotité below 1 on a full-time post (a TNC post is not part time:
    its agent's hours beyond 35 h are ordinary IHTS, décret 2020-592 ; below, heures
    complémentaires)."""
    wq = pd.Series(work_quotite).astype(float).fillna(1.0).to_numpy()
    tnc = pd.Series(temps_non_complet).fillna(False).astype(bool).to_numpy()
    return (wq < 1) & ~tnc


# Hours and amount of IHTS of an agent-month paid, with the payslip attributes.
PER_MONTH = dict(hours=("hours", "sum"), amount=("amount", "sum"), quotite=("quotite", "max"),
                 work_quotite=("work_quotite", "max"), tnc=("temps_non_complet", "max"),
                 categorie=("categorie", "first"), statut=("statut", "first"), emploi=("emploi", "first"))


def per_month(lines: pd.DataFrame) -> pd.DataFrame:
    """Hours and amount of IHTS per agent and month paid, with the payslip attributes."""
    return lines.groupby(MONTH, as_index=False).agg(**PER_MONTH)


def _matches_any(values: pd.Series, patterns: list[str]) -> pd.Series:
    """Whether each value matches one of the regexes (case-insensitive); missing values do not."""
    if not patterns:
        return pd.Series(False, index=values.index)
    combined = "|".join(f"(?:{p})" for p in patterns)
    # Each distinct value tested once (a payroll repeats a few emplois on every payslip).
    codes, distinct = pd.factorize(values.fillna(""))
    hits = pd.Series(distinct).str.contains(combined, flags=re.IGNORECASE, regex=True)
    return hits.take(codes).set_axis(values.index).rename(values.name)


def _whole_payment_findings(ctx: RuleContext, lines: pd.DataFrame, mask: pd.Series, why) -> list:
    """One finding per agent-month of the flagged lines; the whole IHTS paid is at stake."""
    return flagged_line_findings(ctx, lines[mask.to_numpy()], why, keys=MONTH, agg=PER_MONTH, amount="amount",
                                 hours="hours")


@rule("IHTS-001", "Heures supplémentaires au-delà de 25 h × quotité dans le mois", "irregularite",
      "Décret 2002-60 du 14 janvier 2002, art. 6 ; décret 82-624 du 20 juillet 1982, art. 3 (temps partiel)")
def over_monthly_cap(ctx: RuleContext):
    """Ce que la règle vérifie : les heures d'IHTS payées au titre d'un mois (rappels rattachés au
    mois qu'ils paient) ne dépassent pas 25 h, multipliées, à temps partiel, par la quotité de
    **travail** (et non la quotité de rémunération : 80 % est payé 6/7 mais le plafond est
    25 × 0,8 = 20 h ; 90 % est payé 32/35, plafond 22,5 h). Un poste à temps non complet n'est
    pas un temps partiel : ses IHTS (au-delà de 35 h) ont le plafond de 25 h.

    Pourquoi : le plafond mensuel vaut pour toutes les heures (jour, nuit, dimanche, férié) ; un
    dépassement n'est possible que pour une période limitée, sur décision motivée et information
    du comité social territorial.

    Texte : décret 2002-60, art. 6 ; plafond `ihts.plafond_mensuel_heures`.

    Exemple : 25,5 h à temps plein → constat de 0,5 h ; 25 h à temps plein → rien ;
    20,5 h à 80 % payé 6/7 (plafond 25 × 0,8 = 20 h) → constat de 0,5 h.
    """
    lines = ihts_lines(ctx)
    if lines.empty:
        return []
    ctx.skipped(int((lines["hours"] == 0).sum()), "lignes d'IHTS", "aucun nombre d'heures sur la ligne (unités, base ou taux)")
    months = per_month(lines)
    cap = pay.param_by_month(ctx.params, "ihts.plafond_mensuel_heures", months["period_year"], months["period_month"])
    months["cap_full_time"] = cap.to_numpy()
    prorated = part_time(months["work_quotite"], months["tnc"])
    months["cap_quotite"] = np.where(prorated, months["work_quotite"].astype(float).fillna(1.0).to_numpy(), 1.0)
    months["cap"] = cap.to_numpy() * months["cap_quotite"].to_numpy()
    months["excess"] = months["hours"] - months["cap"]
    over = months[months["excess"] > 1e-6]
    # The excess hours are valued at the month's mean paid hourly amount.
    over = over.assign(excess_amount=over["amount"] * over["excess"] / over["hours"])
    return row_findings(
        ctx, over, lines, keys=MONTH, within=MONTH, amount="excess_amount", hours="excess",
        message=lambda row: (
            f"L'agent {row.matricule} a été payé de {num(row.hours)} h d'IHTS au titre de "
            f"{month_label(row.period_year, row.period_month)} ({eur(row.amount)}) ; le plafond est de "
            f"{num(row.cap)} h ({num(row.cap_full_time)} h × quotité de travail {num(row.cap_quotite)}"
            f"{', poste à temps non complet' if row.tnc else ''}). "
            f"Dépassement : {num(row.excess)} h, soit {eur(row.excess_amount)} au taux moyen payé "
            f"(décret 2002-60, art. 6)."
        ),
    )


def eligible_a(params, grades, emplois, years, months) -> pd.Series:
    """Whether each (grade, emploi) belongs to a catégorie A cadre d'emplois open to IHTS on the
    payroll month (parameter `ihts.categorie_a_eligibles`, patterns on the normalised labels)."""
    from ..classify import normalize_label

    text = (pd.Series(grades).astype("string").fillna("") + " | "
            + pd.Series(emplois).astype("string").fillna("")).reset_index(drop=True)
    y = pd.Series(years).astype("Int64").fillna(2002).astype(int).reset_index(drop=True)
    m = pd.Series(months).astype("Int64").fillna(1).astype(int).reset_index(drop=True)
    out, cache = [], {}
    for t, yy, mm in zip(text, y, m):
        key = (t, yy, mm)
        if key not in cache:
            patterns = params.value("ihts.categorie_a_eligibles", (yy, mm))
            cache[key] = bool(re.search("|".join(f"(?:{p})" for p in patterns), normalize_label(t)))
        out.append(cache[key])
    return pd.Series(out, index=grades.index if isinstance(grades, pd.Series) else None, dtype=bool)


@rule("IHTS-002", "IHTS versées à un agent de catégorie A non éligible", "irregularite",
      "Décret 2002-60 du 14 janvier 2002, art. 3 ; décret 91-875 du 6 septembre 1991 ; décret 2002-598 du 25 avril 2002")
def categorie_a(ctx: RuleContext):
    """Ce que la règle vérifie : aucune IHTS n'est versée à un agent de catégorie A, sauf aux
    cadres d'emplois de catégorie A que leur corps de référence ouvre aux IHTS (filières
    médico-sociale et socio-éducative : liste datée `ihts.categorie_a_eligibles`).

    Pourquoi : les IHTS sont réservées aux catégories C et B ; les agents de catégorie A n'y
    ouvrent pas droit (leurs sujétions relèvent du régime indemnitaire), hors les cadres
    d'emplois dont le corps de référence de l'État ou de l'hôpital les perçoit.

    Texte : décret 2002-60, art. 3 ; décret 91-875 (équivalences) ; décret 2002-598.

    Exemple : un attaché payé de 10 h d'IHTS → constat du montant payé ; un rédacteur (B) → rien ;
    une infirmière en soins généraux (A) → rien.
    """
    lines = ihts_lines(ctx)
    ctx.skipped(int(lines.loc[lines["categorie"].isna(), MONTH].drop_duplicates().shape[0]), "mois-agents payés d'IHTS",
                "catégorie inconnue (ni grade ni emploi reconnus dans configs/grades.yaml, ni référentiel agents)")
    is_a = lines["categorie"].fillna("") == "A"
    if is_a.any():
        ok = eligible_a(ctx.params, lines["grade"], lines["emploi"], lines["period_year"], lines["period_month"])
        is_a = is_a & ~ok.to_numpy()
    return _whole_payment_findings(
        ctx, lines, is_a,
        lambda r: (f"L'agent {r.matricule}, de catégorie A, a perçu {eur(r.amount)} d'IHTS ({num(r.hours)} h) "
                   f"au titre de {month_label(r.period_year, r.period_month)} ; les IHTS sont réservées aux "
                   f"catégories B et C et aux cadres d'emplois de catégorie A ouverts par leur corps de référence, "
                   f"dont son grade ou emploi ne relève pas (décret 2002-60, art. 3) : la totalité est indue."),
    )


@rule("IHTS-003", "IHTS versées à un emploi absent de la délibération", "irregularite",
      "Décret 2002-60, art. 2 ; décret 91-875, art. 2 (délibération fixant les emplois éligibles)",
      requires=("deliberation.ihts",))
def emploi_not_in_deliberation(ctx: RuleContext):
    """Ce que la règle vérifie : l'emploi de l'agent payé d'IHTS figure dans la liste des emplois
    éligibles de la délibération (motifs `ihts.eligible_emplois`).

    Pourquoi : dans la fonction publique territoriale, les IHTS n'ont de base légale que pour les
    emplois que l'assemblée délibérante a listés.

    Texte : décret 91-875, art. 2 ; décret 2002-60, art. 2.

    La délibération est datée : elle ne fonde pas les heures des mois antérieurs à sa date ;
    s'il n'y en a pas d'antérieure (plusieurs fichiers dans le temps sont acceptés), les IHTS de
    ces mois sont signalées comme versées sans délibération en vigueur.

    Exemple : un « agent d'accueil » payé d'IHTS alors que la délibération ne liste que les
    agents techniques → constat du montant payé ; IHTS de février 2018 avec une délibération du
    29 mars 2018 → constat (délibération postérieure). Sans délibération chargée, la règle ne
    tourne pas.
    """
    delib = ctx.deliberation
    lines = ihts_lines(ctx)
    section = ihts_in_force(ctx, lines)
    before = section.map(lambda sec: sec is None).astype(bool)
    eligible = pd.Series(False, index=lines.index)
    for _, sec in delib.versions("ihts"):
        here = section.map(lambda s, sec=sec: s is sec).astype(bool)
        eligible |= here & _matches_any(lines["emploi"], sec.eligible_emplois)
    first = delib.versions("ihts")[0]
    first_text = f"{first[1].decision}" + (f" du {first[0]:%d/%m/%Y}" if first[0] else "")
    return _whole_payment_findings(
        ctx, lines, ~eligible & ~before,
        lambda r: (f"L'agent {r.matricule} (emploi « {r.emploi if pd.notna(r.emploi) else 'non renseigné'} ») "
                   f"a perçu {eur(r.amount)} d'IHTS ({num(r.hours)} h) au titre de "
                   f"{month_label(r.period_year, r.period_month)} ; cet emploi ne figure pas dans la délibération "
                   f"{delib.in_force('ihts', r.period_year, r.period_month).decision} listant les emplois éligibles "
                   f"(décret 91-875, art. 2) : la totalité est sans base légale."),
    ) + _whole_payment_findings(
        ctx, lines, before,
        lambda r: (f"L'agent {r.matricule} a perçu {eur(r.amount)} d'IHTS ({num(r.hours)} h) au titre de "
                   f"{month_label(r.period_year, r.period_month)}, mois antérieur à la délibération {first_text} "
                   f"qui fixe les emplois éligibles : aucune délibération n'était en vigueur (décret 91-875, "
                   f"art. 2), la totalité est sans base légale à cette date."),
    )


def ihts_in_force(ctx: RuleContext, lines: pd.DataFrame) -> pd.Series:
    """The IHTS section of the délibérations in force for the month each line pays (None before
    the first one): a décision later than the pay month is not applied."""
    keys = {(int(y), int(m)) for y, m in zip(lines["period_year"], lines["period_month"])}
    table = {k: ctx.deliberation.in_force("ihts", *k) for k in keys}
    return pd.Series([table[(int(y), int(m))] for y, m in zip(lines["period_year"], lines["period_month"])],
                     index=lines.index, dtype=object)


@rule("IHTS-004", "IHTS versées à un contractuel non autorisé par la délibération", "irregularite",
      "Décret 2002-60, art. 2 ; décret 91-875, art. 2", requires=("deliberation.ihts",))
def contract_agent(ctx: RuleContext):
    """Ce que la règle vérifie : si la délibération n'ouvre pas les IHTS aux agents contractuels
    (`ihts.contract_agents: false`), aucun agent non titulaire n'en perçoit.

    Pourquoi : l'extension des IHTS aux contractuels de droit public relève de la délibération.

    Texte : décret 91-875, art. 2 ; décret 2002-60, art. 2.

    Exemple : un contractuel payé de 8 h d'IHTS, délibération sans ouverture → constat du montant.
    """
    delib = ctx.deliberation
    if all(sec.contract_agents for _, sec in delib.versions("ihts")):
        return ctx.not_run("sans objet : la délibération ouvre les IHTS aux agents contractuels")
    lines = ihts_lines(ctx)
    # Months before any IHTS délibération are IHTS-003's (no basis at all).
    closed = ihts_in_force(ctx, lines).map(lambda sec: sec is not None and not sec.contract_agents).astype(bool)
    return _whole_payment_findings(
        ctx, lines, lines["statut"].fillna("").isin(CONTRACT_STATUTS) & closed,
        lambda r: (f"L'agent contractuel {r.matricule} a perçu {eur(r.amount)} d'IHTS ({num(r.hours)} h) au "
                   f"titre de {month_label(r.period_year, r.period_month)} ; la délibération "
                   f"{delib.in_force('ihts', r.period_year, r.period_month).decision} ne les ouvre pas aux "
                   f"contractuels : la totalité est sans base légale."),
    )


@rule("IHTS-005", "Même nombre d'heures supplémentaires payé au moins 6 mois dans l'année (forfait)", "alerte",
      "Décret 2002-60, art. 2 (heures effectivement accomplies) ; jurisprudence sur les IHTS forfaitaires")
def flat_rate(ctx: RuleContext):
    """Ce que la règle vérifie : un agent n'est pas payé du même nombre d'heures d'IHTS pendant
    6 mois ou plus de la même année (seuil `tolerances_paie.ihts_mois_identiques_forfait`).

    Pourquoi : seules les heures effectivement accomplies, décomptées, sont payables ; un
    nombre identique chaque mois révèle un forfait, irrégulier.

    Texte : décret 2002-60, art. 2.

    Exemple : 10 h payées chaque mois de janvier à juin → constat ; 10 h pendant 5 mois et
    12 h le 6e → rien. Montant en jeu : le total payé les mois concernés.
    """
    lines = ihts_lines(ctx)
    if lines.empty:
        return []
    months = per_month(lines)
    months["hours_key"] = months["hours"].round(2)
    pattern = (months.groupby(["matricule", "period_year", "hours_key"], as_index=False)
               .agg(n=("period_month", "nunique"), amount=("amount", "sum"), first=("period_month", "min"),
                    last=("period_month", "max")))
    pattern["threshold"] = tolerance(ctx, "ihts_mois_identiques_forfait", pattern["period_year"],
                                     pd.Series(1, index=pattern.index))
    flagged = pattern[(pattern["n"] >= pattern["threshold"]) & (pattern["hours_key"] > 0)]
    keep = months.merge(flagged[["matricule", "period_year", "hours_key"]], on=["matricule", "period_year", "hours_key"])
    return row_findings(
        ctx, flagged, lines.merge(keep[MONTH], on=MONTH), keys=["matricule", "period_year"], amount="amount",
        hours=lambda row: row.hours_key * row.n,
        message=lambda row: (
            f"L'agent {row.matricule} a été payé d'exactement {num(row.hours_key)} h d'IHTS pendant {row.n} mois "
            f"de {int(row.period_year)} (de {int(row.first):02d} à {int(row.last):02d}), pour {eur(row.amount)} ; "
            f"ce nombre constant présume un forfait, alors que seules les heures effectivement accomplies et "
            f"décomptées sont payables (décret 2002-60, art. 2). Demander les décomptes horaires."
        ),
    )


def absent_days_by_month(absences: pd.DataFrame, matricules) -> pd.DataFrame:
    """Distinct calendar days of absence per agent and month, of the types during which no
    overtime can have been worked (model.NOT_WORKING_TYPES)."""
    ab = absences[absences["matricule"].isin(list(matricules)) & absences["type"].isin(NOT_WORKING_TYPES)]
    ab = ab.dropna(subset=["start", "end"])
    if ab.empty:
        return pd.DataFrame(columns=["matricule", "period_year", "period_month", "days_absent"])
    span = ((ab["end"] - ab["start"]).dt.days + 1).clip(lower=0).to_numpy()
    days = ab["start"].to_numpy().repeat(span) + day_offsets(span).astype("timedelta64[D]")
    expanded = pd.DataFrame({"matricule": ab["matricule"].to_numpy().repeat(span), "day": days}).drop_duplicates()
    expanded["period_year"] = expanded["day"].dt.year.astype("Int64")
    expanded["period_month"] = expanded["day"].dt.month.astype("Int64")
    return expanded.groupby(MONTH, as_index=False).agg(days_absent=("day", "size"))


@rule("IHTS-006", "IHTS payées pour un mois entièrement passé en congé ou absence", "irregularite",
      "Décret 2002-60, art. 2 et 4 (travaux supplémentaires effectivement accomplis)", requires=("absences",))
def paid_while_absent(ctx: RuleContext):
    """Ce que la règle vérifie : aucune heure d'IHTS n'est payée au titre d'un mois dont chaque
    jour est couvert par une absence (congé annuel, ARTT, maladie, formation...) du fichier
    d'absences.

    Pourquoi : un agent absent tout le mois n'a pu accomplir aucune heure supplémentaire.

    Texte : décret 2002-60, art. 2 et 4.

    Exemple : 6 h d'IHTS au titre de mars, agent en congé de maladie du 1er au 31 mars →
    constat du montant ; absent du 1er au 30 mars → rien.
    """
    lines = ihts_lines(ctx)
    if lines.empty:
        return []
    months = per_month(lines)
    absent = absent_days_by_month(ctx.absences, months["matricule"].unique())
    months = months.merge(absent, on=MONTH, how="inner")
    first_days = pd.to_datetime(dict(year=months["period_year"].astype(int), month=months["period_month"].astype(int), day=1))
    months["days_in_month"] = first_days.dt.days_in_month.to_numpy()
    full = months[months["days_absent"] >= months["days_in_month"]]
    return row_findings(
        ctx, full, lines, keys=MONTH, within=MONTH, amount="amount", hours="hours",
        message=lambda r: (f"L'agent {r.matricule} a perçu {eur(r.amount)} d'IHTS ({num(r.hours)} h) au titre de "
                           f"{month_label(r.period_year, r.period_month)}, mois pendant lequel il était absent tous les "
                           f"jours selon le fichier des absences ; aucune heure supplémentaire n'a pu être accomplie "
                           f"(décret 2002-60, art. 2) : la totalité est indue."),
    )


def residence_rate(ctx: RuleContext, matricules=None) -> pd.DataFrame:
    """Indemnité de résidence rate of each payslip (of the `matricules` given, default every
    agent): IR paid / (traitement + NBI paid), 0 without IR, with `indiciaire_paid` (traitement +
    NBI paid this month, back pay excluded).

    The IR is a percentage of the traitement including the NBI (décret 85-1148, art. 9): dividing
    by the traitement alone would overstate the rate of agents with NBI.
    """
    def compute() -> pd.DataFrame:
        pl = ctx.pay_lines  # the lines indiciaire_paid sums, selected before its back-pay test on every line
        chosen = pl["category"].isin(["traitement", "nbi", "indemnite_residence"]).to_numpy()
        if matricules is not None:
            chosen = chosen & pl["matricule"].isin(list(matricules)).to_numpy()
        sums = indiciaire_paid(pl[chosen], PAYSLIP_KEY)
        indiciaire = sums["indiciaire_paid"]
        rate = (sums["indemnite_residence"] / indiciaire.where(indiciaire > 0)).fillna(0.0).round(3)
        return pd.DataFrame({"residence_rate": rate, "indiciaire_paid": indiciaire}).reset_index()

    key = None if matricules is None else tuple(sorted(matricules))
    return ctx.shared(("residence_rate", key), compute)


@rule("IHTS-007", "Montant d'IHTS supérieur au montant recalculé au taux réglementaire", "irregularite",
      "Décret 2002-60, art. 7 et 8")
def rate_check(ctx: RuleContext):
    """Ce que la règle vérifie : le montant d'IHTS payé au titre d'un mois ne dépasse pas le
    montant maximal recalculé : taux horaire = (traitement indiciaire annuel à temps plein, NBI
    comprise, + indemnité de résidence) / 1 820 ; × 1,25 pour les 14 premières heures, × 1,27
    au-delà ; heure de nuit × 2, de dimanche ou jour férié × 5/3 (comptées au palier le plus
    favorable) ; à temps partiel, taux horaire simple ; sur un poste à temps non complet, les
    heures au-delà de 35 h sont des IHTS ordinaires, majorées. Valeur du point du mois payé.
    Sans indice majoré sur le bulletin (0 ou absent), le traitement annuel est déduit de la ligne
    de traitement (et de NBI) du mois : montant payé / quotité de rémunération × 12, et le
    constat le dit.

    Pourquoi : une erreur de taux se répète chaque mois ; le montant en jeu est l'excédent.

    Texte : décret 2002-60, art. 7 et 8 ; tolérance `tolerances_paie.ihts_ecart_montant_eur`.

    Exemple : IM 400, sans NBI ni résidence, 10 h au 1er palier en 2025 → taux de base
    400 × 59,0734 / 1 820 = 12,9832 EUR, dû 10 × 12,9832 × 1,25 = 162,29 EUR ; payé 180 EUR →
    excédent 17,71 EUR. Poste à temps non complet (quotité 0,8), IM 400, 5 h de jour :
    5 × 12,9832 × 1,25 = 81,15 EUR dus (et non 64,92 au taux simple).
    """
    lines = ihts_lines(ctx)
    if lines.empty:
        return []
    # The rates of the agents paid IHTS only (every payslip of theirs: the merge reads them by key);
    # of every agent when a matricule is missing (the merge matches missing keys together).
    agents = None if lines["matricule"].isna().any() else lines["matricule"].unique().tolist()
    lines = lines.merge(residence_rate(ctx, agents), on=PAYSLIP_KEY, how="left")
    # Without an indice, the full-time indiciaire is the traitement (+ NBI) paid / pay fraction.
    no_index = lines["indice"].fillna(0) <= 0
    paid_fraction = lines["quotite"].astype(float).where(lines["quotite"].astype(float) > 0, 1.0)
    from_pay = lines["indiciaire_paid"].astype(float) / paid_fraction
    lines["annual_indiciaire"] = np.where(no_index, from_pay * 12, np.nan)
    judged = ~no_index | (lines["annual_indiciaire"].fillna(0) > 0)
    ctx.skipped(int(lines.loc[~judged, PAYSLIP_KEY].drop_duplicates().shape[0]), "bulletins payant des IHTS",
                "ni indice majoré ni ligne de traitement, taux horaire non recalculé")
    lines = lines[judged]
    if lines.empty:
        return []
    by_cat = lines.pivot_table(index=MONTH, columns="category", values="hours", aggfunc="sum", fill_value=0.0)
    for cat in IHTS_CATEGORIES:
        if cat not in by_cat:
            by_cat[cat] = 0.0
    attrs = lines.groupby(MONTH).agg(amount=("amount", "sum"), indice=("indice", "max"),
                                     nbi=("nbi_points", "max"), ir=("residence_rate", "max"),
                                     quotite=("quotite", "max"), work_quotite=("work_quotite", "max"),
                                     tnc=("temps_non_complet", "max"), annual_pay=("annual_indiciaire", "max"))
    m = by_cat.join(attrs).reset_index()
    y, mo = m["period_year"], m["period_month"]
    point = pay.param_by_month(ctx.params, "point_indice.valeur_annuelle", y, mo).to_numpy()
    divisor = pay.param_by_month(ctx.params, "ihts.diviseur_horaire_annuel", y, mo).to_numpy()
    tier = pay.param_by_month(ctx.params, "ihts.seuil_premier_palier_heures", y, mo).to_numpy()
    k1 = pay.param_by_month(ctx.params, "ihts.majoration_14_premieres", y, mo).to_numpy()
    k2 = pay.param_by_month(ctx.params, "ihts.majoration_suivantes", y, mo).to_numpy()
    night = pay.param_by_month(ctx.params, "ihts.majoration_nuit", y, mo).to_numpy()
    sunday = pay.param_by_month(ctx.params, "ihts.majoration_dimanche_ferie", y, mo).to_numpy()
    from_index = (m["indice"].astype(float).fillna(0) + m["nbi"].fillna(0).astype(float)).to_numpy() * point
    m["from_pay"] = ~(m["indice"].fillna(0).astype(float) > 0)
    annual = np.where(m["from_pay"], m["annual_pay"].astype(float).to_numpy(), from_index)
    base = pay.ihts_rate_from_annual(annual, m["ir"].fillna(0).astype(float).to_numpy(), divisor)
    h_total = m[list(IHTS_CATEGORIES)].sum(axis=1).to_numpy()
    # Full time: tiers on all hours, the night/Sunday extra counted at the higher tier.
    due_full = pay.ihts_amount(base, h_total, tier, k1, k2, night_hours=m["ihts_nuit"].to_numpy(), night=night,
                               sunday_hours=m["ihts_dimanche_ferie"].to_numpy(), sunday=sunday)
    m["part_time"] = part_time(m["work_quotite"], m["tnc"])
    due = np.where(m["part_time"], base * h_total, due_full)
    m["due"] = due
    m["excess"] = m["amount"] - m["due"]
    m["tol"] = tolerance(ctx, "ihts_ecart_montant_eur", y, mo)
    m["base"] = base
    m["hours"] = h_total
    m["divisor"], m["k1"], m["k2"], m["night"], m["sunday"] = divisor, k1, k2, night, sunday
    over = m[m["excess"] > m["tol"]]
    return row_findings(ctx, over, lines, keys=MONTH, within=MONTH, amount="excess", message=_rate_message)


def _rate_message(r) -> str:
    regime = ("au taux simple (temps partiel)" if r.part_time else
              f"avec les majorations de {num(r.k1)} / {num(r.k2)} (nuit × {num(r.night)}, dimanche et férié "
              f"× {num(r.sunday)}){' (poste à temps non complet : heures au-delà de 35 h)' if r.tnc else ''}")
    if r.from_pay:
        basis = (f"indice majoré absent du bulletin : traitement annuel à temps plein déduit de la ligne de "
                 f"traitement et de NBI du mois, {eur(r.annual_pay)} (montant payé / quotité "
                 f"{num(float(r.quotite) if pd.notna(r.quotite) else 1.0)} × 12)")
    else:
        basis = f"IM {int(r.indice)}, NBI {num(float(r.nbi) if pd.notna(r.nbi) else 0)} points"
    return (f"L'agent {r.matricule} a perçu {eur(r.amount)} pour {num(r.hours)} h d'IHTS au titre de "
            f"{month_label(r.period_year, r.period_month)} ; au taux horaire de base de {eur(r.base)} "
            f"({basis}, résidence "
            f"{num(100 * float(r.ir) if pd.notna(r.ir) else 0)} %, / {num(r.divisor, 0)}), le maximum dû {regime} est de "
            f"{eur(r.due)}. Excédent : {eur(r.excess)} (décret 2002-60, art. 7 et 8).")


@rule("IHTS-008", "Heures supplémentaires déclarées (NbHeureSup) différentes des heures d'IHTS payées", "alerte",
      "Instruction PES V2 paye (NbHeureSup) ; décret 2002-60, art. 2")
def declared_vs_paid(ctx: RuleContext):
    """Ce que la règle vérifie : sur chaque bulletin portant des IHTS ou un nombre d'heures
    supplémentaires déclaré, ce nombre (NbHeureSup) égale les heures des lignes d'IHTS et
    d'heures complémentaires du bulletin (rappels compris : NbHeureSup est déclaré sur le
    bulletin qui paie).

    Pourquoi : un écart signale des heures payées sans déclaration (ou l'inverse) et fausse les
    déclarations sociales et les contrôles de plafond.

    Texte : champ NbHeureSup du flux PES paye ; tolérance `tolerances_paie.ihts_ecart_heures`.

    Exemple : NbHeureSup = 10, lignes d'IHTS pour 12 h → constat de 2 h ; 12 et 12 → rien.
    """
    # A check of the payroll file itself: every population, staff to qualify included.
    lines = ihts_lines(ctx, IHTS_CATEGORIES + ("heures_complementaires",), all_populations=True)
    paid = lines.groupby(PAYSLIP_KEY, as_index=False).agg(paid_hours=("hours", "sum"), amount=("amount", "sum"))
    slips = ctx.payslips[PAYSLIP_KEY + ["overtime_hours"]]
    m = slips.merge(paid, on=PAYSLIP_KEY, how="left")
    ctx.skipped(int((m["overtime_hours"].isna() & m["paid_hours"].notna()).sum()), "bulletins payant des heures",
                "nombre d'heures supplémentaires (NbHeureSup) absent du bulletin")
    m = m[m["overtime_hours"].notna() & ((m["overtime_hours"].fillna(0) != 0) | m["paid_hours"].notna())]
    m["paid_hours"] = m["paid_hours"].fillna(0.0).astype(float)
    m["diff"] = m["paid_hours"] - m["overtime_hours"].astype(float)
    tol = tolerance(ctx, "ihts_ecart_heures", m["year"], m["month"])
    bad = m[m["diff"].abs().to_numpy() > tol]
    return row_findings(
        ctx, bad, lines, keys=SLIP_MONTH, within=PAYSLIP_KEY, hours=lambda r: abs(r.diff),
        message=lambda r: (f"Le bulletin de {month_label(r.year, r.month)} de l'agent {r.matricule} déclare "
                           f"{num(float(r.overtime_hours))} h supplémentaires (NbHeureSup) mais ses lignes d'IHTS et "
                           f"d'heures complémentaires paient {num(r.paid_hours)} h : écart de {num(abs(r.diff))} h à "
                           f"justifier par les décomptes."),
    )


def _same_month_findings(ctx: RuleContext, other_categories, why, amount_of_ihts: bool):
    """Agent-months (payment month) with IHTS lines and lines of `other_categories`."""
    lines = lines_of(ctx, IHTS_CATEGORIES + tuple(other_categories), with_slip=False)
    is_ihts = lines["category"].isin(IHTS_CATEGORIES).to_numpy()
    # Amounts of IHTS and of the other lines per agent-month; the months with both (inner join).
    a_ihts = lines[is_ihts].groupby(SLIP_MONTH)["amount"].sum().rename("a_ihts").reset_index()
    a_other = lines[~is_ihts].groupby(SLIP_MONTH)["amount"].sum().rename("a_other").reset_index()
    both = a_ihts.merge(a_other, on=SLIP_MONTH)
    sel = lines.merge(both[SLIP_MONTH], on=SLIP_MONTH)
    return row_findings(ctx, both, sel, keys=SLIP_MONTH, amount=lambda r: r.a_ihts if amount_of_ihts else None,
                        message=lambda r: why(r, r.a_ihts, r.a_other))


@rule("IHTS-009", "IHTS et IFTS versées le même mois", "irregularite",
      "Décret 2002-63 du 14 janvier 2002, art. 7 ; décret 2002-60, art. 3")
def with_ifts(ctx: RuleContext):
    """Ce que la règle vérifie : un agent ne perçoit pas d'IHTS et d'IFTS sur le même bulletin.

    Pourquoi : l'IFTS rémunère forfaitairement les travaux supplémentaires ; elle n'est pas
    cumulable avec les IHTS.

    Texte : décret 2002-63, art. 7.

    Exemple : 5 h d'IHTS et une IFTS en avril → constat du montant des IHTS ; IFTS seule → rien.
    """
    return _same_month_findings(
        ctx, ("ifts",), amount_of_ihts=True,
        why=lambda r, a, o: (f"L'agent {r.matricule} a perçu en {month_label(r.year, r.month)} {eur(a)} d'IHTS et "
                             f"{eur(o)} d'IFTS ; les deux ne se cumulent pas (décret 2002-63, art. 7) : les IHTS "
                             f"du mois sont en jeu."),
    )


@rule("IHTS-010", "IHTS et astreinte le même mois (information)", "info",
      "Décret 2005-542 du 19 mai 2005 ; décret 2002-60, art. 2")
def with_astreinte(ctx: RuleContext):
    """Ce que la règle vérifie : les bulletins portant à la fois des IHTS et une astreinte.

    Pourquoi : la période d'astreinte elle-même ne donne pas lieu à IHTS (elle est indemnisée
    séparément) ; les interventions pendant l'astreinte peuvent l'être. À vérifier sur les
    plannings ; aucun montant n'est présumé indu.

    Texte : décret 2005-542 ; décret 2002-60, art. 2.

    Exemple : 4 h d'IHTS et une astreinte de semaine en mai → information ; IHTS seules → rien.
    """
    return _same_month_findings(
        ctx, ("astreinte",), amount_of_ihts=False,
        why=lambda r, a, o: (f"L'agent {r.matricule} a perçu en {month_label(r.year, r.month)} {eur(a)} d'IHTS et "
                             f"{eur(o)} d'astreinte : vérifier sur les plannings que les heures payées sont des "
                             f"interventions et non la période d'astreinte elle-même."),
    )


@rule("IHTS-011", "Pas de décompte automatisé pour un site d'au moins 10 agents éligibles", "alerte",
      "Décret 2002-60 du 14 janvier 2002, art. 2, I, 2°", requires=("deliberation.ihts",))
def no_automated_recording(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque service (site) comptant au moins 10 agents d'emplois
    éligibles aux IHTS dans l'année, la délibération déclare un décompte automatisé du temps
    (`ihts.automated_recording`, motif de service → vrai/faux).

    Pourquoi : le paiement des IHTS est subordonné à des moyens de contrôle automatisé ; un
    décompte déclaratif n'est admis que sous 10 agents ou hors des locaux.

    Texte : décret 2002-60, art. 2, I, 2° ; seuil `ihts.seuil_agents_controle_automatise`.

    Exemple : service « Voirie », 12 agents éligibles, aucun décompte automatisé déclaré →
    constat avec les IHTS payées à ce service ; 9 agents → rien. Les IHTS du service sont le
    « montant concerné » (payé sans le contrôle requis), pas un excédent chiffré : le montant en
    jeu reste vide.
    """
    delib = ctx.deliberation
    slips = ctx.payslips[["matricule", "year", "month", "service", "emploi", "categorie"]].copy()
    slips = slips[slips["service"].notna() & (slips["categorie"].fillna("") != "A")]
    slips = slips[_matches_any(slips["emploi"], delib.ihts.eligible_emplois).to_numpy()]
    counts = slips.groupby(["service", "year"], as_index=False).agg(agents=("matricule", "nunique"))
    counts["threshold"] = [float(ctx.params.value("ihts.seuil_agents_controle_automatise", (int(y), 1)))
                           for y in counts["year"]]
    counts = counts[counts["agents"] >= counts["threshold"]]
    if counts.empty:
        return []
    recorded = {s: any(v and re.search(pat, s, re.IGNORECASE) for pat, v in delib.ihts.automated_recording.items())
                for s in counts["service"].unique()}
    counts = counts[~counts["service"].map(recorded).astype(bool)]
    lines = ihts_lines(ctx)
    paid = lines.groupby(["service", "year"]).agg(amount=("amount", "sum"), hours=("hours", "sum"))
    ev = evidence_by(lines.merge(counts[["service", "year"]], on=["service", "year"]), ["service", "year"])
    out = []
    for r in counts.itertuples(index=False):
        key = (r.service, r.year)
        amount = float(paid["amount"].get(key, 0.0))
        if amount == 0:
            continue  # no IHTS paid on that site: nothing to control
        out.append(ctx.finding(
            year=r.year, amount_concerned=amount, hours=float(paid["hours"].get(key, 0.0)), evidence=ev.get(key, []),
            message=(f"Le service « {r.service} » compte {r.agents} agents d'emplois éligibles aux IHTS en "
                     f"{int(r.year)} et la délibération ne déclare pas de décompte automatisé du temps pour ce "
                     f"site ; {eur(amount)} d'IHTS y ont été payés sur décompte déclaratif, admis seulement sous "
                     f"{int(r.threshold)} agents (décret 2002-60, art. 2, I, 2°)."),
        ))
    return out
