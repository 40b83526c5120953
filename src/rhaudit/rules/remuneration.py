"""Pay elements outside the régime indemnitaire that auditors raise on real files: rules REM-001
to REM-005 (congés payés indemnity of an agent in post, 13th month / year-end bonus, vacataire on a
permanent need, heures complémentaires reaching the CNRACL threshold, Sunday or holiday pay with
no hours nor rate). Thresholds are in configs/parametres/remuneration.yaml.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .. import pay
from ..classify import normalize_label
from ..model import GROSS_KINDS, PAYSLIP_KEY
from ..params import ParameterError
from . import RuleContext, rule
from ._paie import SLIP, eur, evidence_by, flagged_line_findings, lines_of, month_label, num, of_agents, row_findings

AGENT_YEAR = ["matricule", "year"]
FONCTIONNAIRE_STATUTS = ("TITULAIRE", "STAGIAIRE")


def _rem(ctx: RuleContext, name: str, year, month=1):
    return ctx.params.value(f"remuneration.{name}", (int(year), int(month)))


def _months_text(months) -> str:
    return ", ".join(f"{int(m):02d}" for m in sorted(set(months)))


# --- REM-001 -------------------------------------------------------------------------------------


@rule("REM-001", "Indemnité compensatrice de congés payés versée à un agent toujours en poste", "alerte",
      "Décret 88-145 du 15 février 1988, art. 5 (contractuels) ; décret 85-1250 du 26 novembre 1985, art. 5 "
      "(congé non pris : pas d'indemnité compensatrice pour le fonctionnaire, sauf fin de relation de travail)")
def leave_indemnity_in_post(ctx: RuleContext):
    """Ce que la règle vérifie : une indemnité compensatrice de congés payés (catégorie
    indemnite_conges) n'est versée qu'en fin de fonctions : l'agent ne doit plus être payé les
    mois suivants. Un constat par agent et mois de versement, montant en jeu : l'indemnité.

    Pourquoi : le fonctionnaire prend ses congés ; un congé non pris ne donne lieu à aucune
    indemnité, sauf à la fin de la relation de travail lorsque la maladie l'a empêché de les
    prendre (jurisprudence de la CJUE reprise par le juge administratif). Le contractuel n'y a
    droit qu'à la fin de son contrat (décret 88-145, art. 5) : versée à un contractuel qui reste
    payé, elle suppose un contrat terminé puis un nouveau, à vérifier.

    Texte : décret 88-145, art. 5 ; décret 85-1250, art. 5.

    Exemple : 450 EUR d'indemnité de congés payés en juin à un titulaire payé encore en juillet →
    constat de 450 EUR ; versée le dernier mois de paie d'un contractuel parti → rien. Versée le
    dernier mois importé, elle n'est pas jugée (départ non vérifiable).
    """
    lines = lines_of(ctx, ("indemnite_conges",))
    lines = lines[lines["amount"] > 0]
    if lines.empty:
        return []
    ps = ctx.payslips
    order = ps["year"].astype(int) * 12 + ps["month"].astype(int)
    last_of_agent = order.groupby(ps["matricule"]).max()
    last_overall = int(order.max())
    per = lines.groupby(SLIP, as_index=False).agg(amount=("amount", "sum"), statut=("statut", "first"))
    when = per["year"].astype(int) * 12 + per["month"].astype(int)
    agent_last = per["matricule"].map(last_of_agent).to_numpy()
    unknown = (when.to_numpy() >= last_overall)
    ctx.skipped(int(unknown.sum()), "indemnités versées le dernier mois importé", "départ de l'agent non vérifiable")
    bad = per[(agent_last > when.to_numpy()) & ~unknown]
    return row_findings(ctx, bad, lines, within=SLIP, amount="amount", message=_leave_indemnity_message)


def _leave_indemnity_message(r) -> str:
    fonctionnaire = r.statut in FONCTIONNAIRE_STATUTS
    why = ("un fonctionnaire prend ses congés et ne perçoit d'indemnité compensatrice qu'à la fin de ses fonctions "
           "(congés qu'une maladie l'a empêché de prendre)" if fonctionnaire else
           "un contractuel n'y a droit qu'à la fin de son contrat (décret 88-145, art. 5) : vérifier qu'un contrat "
           "s'est terminé ce mois-là")
    return (f"L'agent {r.matricule} (statut {r.statut if pd.notna(r.statut) else 'non renseigné'}) a perçu "
            f"{eur(r.amount)} d'indemnité compensatrice de congés payés en {month_label(r.year, r.month)} et "
            f"reste payé les mois suivants ; {why}.")


# --- REM-002 -------------------------------------------------------------------------------------


@rule("REM-002", "Prime de fin d'année ou 13e mois : avantage collectivement acquis avant 1984 ?", "alerte",
      "Loi 84-53 du 26 janvier 1984, art. 111, al. 3 (avantages collectivement acquis)")
def year_end_bonus(ctx: RuleContext):
    """Ce que la règle vérifie : les versements d'une prime de fin d'année ou d'un 13e mois
    (catégorie prime_fin_annee). Un constat par année pour la collectivité, avec le nombre
    d'agents et le montant concerné, sauf si les délibérations fondent cette prime
    (`bonuses_with_basis: {prime_fin_annee: ...}`) par une décision antérieure à la loi 84-53
    (`remuneration.date_loi_statut_fpt`).

    Pourquoi : une telle prime n'est légale que comme avantage collectivement acquis avant
    l'entrée en vigueur de la loi 84-53, ayant le caractère de complément de rémunération et pris
    en compte dans le budget ; créée ou revalorisée après, elle est sans base. Question à poser :
    quelle délibération antérieure à 1984 l'a instituée, et le versement est-il resté dans ses
    conditions (bénéficiaires, montant, budget) ?

    Texte : loi 84-53, art. 111, al. 3.

    Exemple : « PRIME FIN ANNEE » versée en novembre 2011 à 8 agents pour 6 400 EUR, sans
    délibération datée d'avant 1984 → une alerte pour 2011, 6 400 EUR concernés ; délibération
    du 12 décembre 1979 déclarée → rien.
    """
    lines = lines_of(ctx, ("prime_fin_annee",))
    lines = lines[lines["amount"] > 0]
    if lines.empty:
        return []
    delib = ctx.deliberation
    decision = delib.decision(delib.bonuses_with_basis.get("prime_fin_annee")) if delib is not None else None
    ev = evidence_by(lines, ["year"])
    out = []
    for year, g in lines.groupby("year", sort=True):
        cutoff = dt.date.fromisoformat(str(_rem(ctx, "date_loi_statut_fpt", year)))
        if decision is not None and decision.date < cutoff:
            continue
        basis = (f"la délibération {decision.id} du {decision.date:%d/%m/%Y} qui la fonde est postérieure à la loi "
                 f"84-53 : un avantage créé après ne peut être maintenu" if decision is not None else
                 "aucune délibération antérieure à la loi 84-53 n'est déclarée (bonuses_with_basis.prime_fin_annee)")
        total = float(g["amount"].sum())
        out.append(ctx.finding(
            year=year, amount_concerned=total, evidence=ev[(year,)],
            message=(f"En {int(year)}, {g['matricule'].nunique()} agent(s) ont perçu une prime de fin d'année ou un "
                     f"13e mois pour {eur(total)} (mois {_months_text(g['month'])}) ; {basis}. Question : cette prime "
                     f"est-elle un avantage collectivement acquis institué avant le {cutoff:%d/%m/%Y}, complément de "
                     f"rémunération pris en compte dans le budget (loi 84-53, art. 111, al. 3) ? Sinon elle est sans "
                     f"base légale."),
        ))
    return out


# --- REM-003 -------------------------------------------------------------------------------------


@rule("REM-003", "Vacataire payé 6 mois ou plus dans l'année (besoin permanent)", "alerte",
      "Loi 84-53 du 26 janvier 1984, art. 3 et 3-3 (emplois permanents) ; décret 88-145 du 15 février 1988, art. 1")
def vacataire_permanent_need(ctx: RuleContext):
    """Ce que la règle vérifie : un vacataire (population « vacataire ») n'est pas payé pendant
    `remuneration.vacataire_mois_besoin_permanent` mois ou plus (6) d'une même année. Un constat
    par agent et année, montant concerné : le brut versé.

    Pourquoi : le vacataire est engagé pour un acte déterminé, de façon discontinue ; payé de
    façon régulière, il occupe en réalité un besoin permanent, qui relève d'un emploi permanent
    (fonctionnaire ou contractuel recruté sur l'article 3-3) avec les droits attachés (congés,
    protection sociale, régime indemnitaire). Seuil de contrôle, pas de texte : à vérifier.

    Texte : loi 84-53, art. 3 et 3-3 ; décret 88-145, art. 1.

    Exemple : un vacataire « animateur vacations » payé de janvier à juin → constat ; payé en
    juillet, août et décembre seulement → rien.
    """
    ps = ctx.payslips
    vac = ps[ps["population"].fillna("").eq("vacataire")]
    if vac.empty:
        return []
    pl = of_agents(ctx.pay_lines, vac)  # the vacataires' lines first: the merge then reads few lines
    gross = pl[pl["kind"].isin(GROSS_KINDS)].merge(vac[PAYSLIP_KEY], on=PAYSLIP_KEY)
    paid = gross.groupby(PAYSLIP_KEY, as_index=False).agg(amount=("amount", "sum"))
    paid = paid[paid["amount"] > 0]
    per = paid.groupby(["matricule", "year"], as_index=False).agg(
        months=("month", "nunique"), amount=("amount", "sum"), list=("month", lambda s: sorted(set(s))))
    per["threshold"] = [float(_rem(ctx, "vacataire_mois_besoin_permanent", y)) for y in per["year"]]
    bad = per[per["months"] >= per["threshold"]]
    return row_findings(
        ctx, bad, gross, keys=AGENT_YEAR, within=AGENT_YEAR, amount_concerned="amount",
        message=lambda r: (f"Le vacataire {r.matricule} a été payé {r.months} mois en {int(r.year)} (mois "
                           f"{_months_text(r.list)}) pour {eur(r.amount)} ; à partir de {int(r.threshold)} mois, la "
                           f"vacation n'est plus un acte déterminé et discontinu mais un besoin permanent, qui relève "
                           f"d'un emploi permanent (loi 84-53, art. 3 et 3-3) : requalification à examiner."),
    )


# --- REM-004 -------------------------------------------------------------------------------------


@rule("REM-004", "Heures complémentaires portant un temps non complet au seuil d'affiliation CNRACL (28 h)", "alerte",
      "Délibération du conseil d'administration de la CNRACL du 3 octobre 2001 ; décret 2003-1306 du 26 décembre "
      "2003, art. 1 ; décret 91-298 du 20 mars 1991 (temps non complet)")
def complementary_hours_near_cnracl(ctx: RuleContext):
    """Ce que la règle vérifie : pour un fonctionnaire sur un emploi à temps non complet (quotité
    < 1) payé d'heures complémentaires, la durée hebdomadaire réelle du mois — quotité × durée
    de référence (35 h) + heures complémentaires du mois / semaines par mois — n'atteint pas le
    seuil d'affiliation CNRACL (`cotisations.seuil_affiliation_cnracl_heures`, 28 h) moins la
    marge `remuneration.marge_seuil_cnracl_heures` (1 h). Un constat par agent et année avec les
    mois concernés, montant concerné : les heures complémentaires de ces mois.

    Pourquoi : un poste créé sous 28 h relève de l'IRCANTEC ; si des heures complémentaires
    régulières portent la durée réelle au seuil ou au-delà, la durée du poste est à revoir
    (délibération modifiant l'emploi) et l'affiliation CNRACL à examiner.

    Texte : délibération CNRACL du 3 octobre 2001 ; décret 2003-1306, art. 1 ; décret 91-298.

    Exemple : poste de 24 h (quotité 24/35), 20 h complémentaires en mars → 24 + 20 / 4,3333 =
    28,6 h par semaine ≥ 27 h → constat ; 8 h complémentaires → 25,8 h → rien.
    """
    lines = lines_of(ctx, ("heures_complementaires",))
    lines = lines[~lines["back_pay"] & lines["statut"].fillna("").isin(FONCTIONNAIRE_STATUTS).to_numpy()]
    lines = lines[(lines["quotite"].astype(float) > 0) & (lines["quotite"].astype(float) < 1)]
    if lines.empty:
        return []
    lines = lines.assign(hours=lines["hours"].astype(float))
    per = lines.groupby(SLIP, as_index=False).agg(hours=("hours", "sum"), amount=("amount", "sum"),
                                                  quotite=("quotite", "max"))
    y, m = per["year"], per["month"]
    reference = pay.param_by_month(ctx.params, "temps_travail.duree_hebdomadaire_heures", y, m).to_numpy()
    threshold = pay.param_by_month(ctx.params, "cotisations.seuil_affiliation_cnracl_heures", y, m).to_numpy()
    margin = pay.param_by_month(ctx.params, "remuneration.marge_seuil_cnracl_heures", y, m).to_numpy()
    weeks = pay.param_by_month(ctx.params, "remuneration.semaines_par_mois", y, m).to_numpy()
    per["post"] = per["quotite"].astype(float).to_numpy() * reference
    per["weekly"] = per["post"] + per["hours"].to_numpy() / weeks
    per["threshold"], per["limit"] = threshold, threshold - margin
    near = per[(per["weekly"] >= per["limit"] - 1e-9) & (per["post"] < per["threshold"])]
    per_year = near.groupby(AGENT_YEAR, as_index=False).agg(
        amount=("amount", "sum"), hours=("hours", "sum"), post=("post", "first"), weekly=("weekly", "max"),
        months=("month", list), threshold=("threshold", "first"))
    return row_findings(
        ctx, per_year, lines.merge(near[SLIP], on=SLIP), keys=AGENT_YEAR, amount_concerned="amount", hours="hours",
        message=lambda r: (f"L'agent {r.matricule}, sur un poste à temps non complet de {num(float(r.post))} h par "
                           f"semaine, a été payé d'heures complémentaires portant sa durée hebdomadaire réelle à "
                           f"{num(float(r.weekly), 1)} h au plus en {int(r.year)} (mois {_months_text(r.months)} : "
                           f"{num(float(r.hours))} h, {eur(float(r.amount))}) ; le seuil d'affiliation à la "
                           f"CNRACL est de {num(float(r.threshold))} h : durée du poste et affiliation à examiner "
                           f"(délibération CNRACL du 3 octobre 2001 ; décret 2003-1306, art. 1)."),
    )


# --- REM-005 -------------------------------------------------------------------------------------


def _sunday_lines(ctx: RuleContext) -> pd.DataFrame:
    """Gross lines paying Sunday or holiday work: category ihts_dimanche_ferie, or a label that
    names it (motif `remuneration.motif_dimanche_ferie`) on a bonus or other pay line."""
    pl = ctx.pay_lines
    pl = pl[pl["kind"].isin(GROSS_KINDS) & pl["amount"].fillna(0).gt(0)]
    if pl.empty:
        return pl
    years = pl["year"].dropna()
    text = str(_rem(ctx, "motif_dimanche_ferie", int(years.max()) if len(years) else dt.date.today().year))
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise ParameterError(f"remuneration.motif_dimanche_ferie : motif illisible {text!r} ({exc}).") from exc
    # Each distinct label and category is judged once, then mapped back to the lines.
    codes, labels = pd.factorize(pl["label"].astype("string").fillna(""))
    named = np.array([bool(pattern.search(normalize_label(lab))) for lab in labels], dtype=bool)[codes]
    codes, categories = pd.factorize(pl["category"].astype("string").fillna(""))
    sunday = np.array([c == "ihts_dimanche_ferie" for c in categories], dtype=bool)[codes]
    pay_like = np.array([not c.startswith("cot_") and c not in ("traitement", "nbi", "sft") for c in categories],
                        dtype=bool)[codes]
    chosen = pl[sunday | (named & pay_like)]
    keys = lines_of(ctx, tuple(chosen["category"].dropna().unique()), with_slip=False)[PAYSLIP_KEY].drop_duplicates()
    return chosen.merge(keys, on=PAYSLIP_KEY)  # staff to qualify left out, like every pay rule


@rule("REM-005", "Travail du dimanche ou d'un jour férié payé sans heures ni taux", "alerte",
      "Arrêté du 19 août 1975 (indemnité horaire pour travail du dimanche et des jours fériés) ; décret 2002-60 du "
      "14 janvier 2002, art. 8 (IHTS de dimanche et jour férié)")
def sunday_pay_without_hours(ctx: RuleContext):
    """Ce que la règle vérifie : une ligne qui rémunère le travail du dimanche ou d'un jour
    férié (IHTS de dimanche, indemnité horaire du dimanche, libellé DIMANCHE / FERIE) porte un
    nombre d'heures ou un taux (unités, base ou taux non nuls). Un constat par agent et mois,
    montant concerné : les lignes sans heures ni taux.

    Pourquoi : ces éléments se paient à l'heure (0,74 EUR par heure pour l'indemnité du
    dimanche, taux horaire × 5/3 pour l'IHTS) ; un montant forfaitaire sans heures ni taux ne peut
    être rapproché ni des plannings ni du barème, et cache souvent un forfait irrégulier.

    Texte : arrêté du 19 août 1975 ; décret 2002-60, art. 8.

    Exemple : « INDEMNITE DIMANCHE » de 60 EUR sans base, taux ni nombre → constat ; 8 h × 0,74
    EUR (base 8, taux 0,74) → rien.
    """
    lines = _sunday_lines(ctx)
    if lines.empty:
        return []
    zero = lambda c: lines[c].astype("Float64").fillna(0).eq(0).to_numpy(dtype=bool)  # noqa: E731
    bad = lines[zero("units") & zero("base") & zero("rate")]
    return flagged_line_findings(
        ctx, bad, amount_concerned="amount",
        agg=dict(amount=("amount", "sum"), n=("amount", "size"),
                 labels=("label", lambda s: " ; ".join(sorted(set(s.dropna()))))),
        message=lambda r: (f"L'agent {r.matricule} a perçu en {month_label(r.year, r.month)} {eur(r.amount)} au titre "
                           f"du travail du dimanche ou d'un jour férié (« {r.labels} ») sans nombre d'heures ni taux sur "
                           f"la ligne : le montant ne peut être rapproché ni des heures travaillées ni du barème horaire "
                           f"(arrêté du 19 août 1975 ; décret 2002-60, art. 8). Demander le décompte des heures."),
    )
