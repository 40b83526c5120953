"""Nouvelle bonification indiciaire (NBI): rules NBI-001 to NBI-003.

Loi 91-73 du 18 janvier 1991, art. 27 ; décret 93-863 du 18 juin 1993 ; décrets 2006-779 and
2006-780 du 3 juillet 2006. The NBI follows the traitement: the expected amount is the points
times the monthly point value times the fraction of the full-time traitement actually paid
(quotité, half pay, partial month), read from the payslip's own traitement lines.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import pay
from ..classify import normalize_label
from ..model import PAYSLIP_KEY
from . import RuleContext, rule
from ._paie import (eur, flagged_line_findings, lines_of, month_label, num, paid_vs_due_findings, row_findings,
                    tolerance)

ELIGIBLE_STATUTS = ("TITULAIRE", "STAGIAIRE")
# Statuts certainly outside the NBI (EMPLOI_FONC and AUTRE_STATUT may be fonctionnaires).
EXCLUDED_STATUTS = ("NON_TITULAIRE", "EMPLOI_AIDE")


def nbi_months(ctx: RuleContext) -> pd.DataFrame:
    """One row per payslip with current-month NBI: amount paid, points, paid fraction, due amount.

    Back-pay NBI lines are left out (they pay another month at another indice); points come from
    the payslip (NBI elements) or else from the line's units / base. Computed once per check (two
    rules read it); callers must not modify it in place.
    """
    return ctx.shared("nbi_months", lambda: _nbi_months(ctx))


def _nbi_months(ctx: RuleContext) -> pd.DataFrame:
    lines = lines_of(ctx, ("nbi", "traitement"))
    lines = lines[~lines["back_pay"]]
    nbi = lines[lines["category"] == "nbi"]
    if nbi.empty:
        return nbi.assign(paid=[], points=[], traitement=[], fraction=[], due=[])
    units, base = nbi["units"].astype(float), nbi["base"].astype(float)
    nbi = nbi.assign(line_points=units.where(units > 0, base))  # points on the line: units, else base
    per_slip = nbi.groupby(PAYSLIP_KEY, as_index=False).agg(
        paid=("amount", "sum"), line_points=("line_points", "max"), statut=("statut", "first"),
        categorie=("categorie", "first"), emploi=("emploi", "first"), grade=("grade", "first"), indice=("indice", "max"),
        slip_points=("nbi_points", "max"))
    trait = lines[lines["category"] == "traitement"].groupby(PAYSLIP_KEY, as_index=False).agg(traitement=("amount", "sum"))
    m = per_slip.merge(trait, on=PAYSLIP_KEY, how="left")
    m["points"] = m["slip_points"].where(m["slip_points"].fillna(0) > 0, m["line_points"]).astype(float)
    m["fraction"] = np.minimum(
        pay.paid_fraction(ctx.params, m["traitement"], m["indice"].fillna(0), m["year"], m["month"]), 1.0)
    point = pay.param_by_month(ctx.params, "point_indice.valeur_annuelle", m["year"], m["month"]).to_numpy()
    m["point"] = point
    m["due"] = m["points"].to_numpy() * point / 12 * m["fraction"].to_numpy()
    return m


@rule("NBI-001", "NBI versée à un agent ni titulaire ni stagiaire", "irregularite",
      "Loi 91-73 du 18 janvier 1991, art. 27 ; décret 93-863 du 18 juin 1993, art. 1")
def not_fonctionnaire(ctx: RuleContext):
    """Ce que la règle vérifie : la NBI n'est versée qu'à des fonctionnaires titulaires ou
    stagiaires ; un contractuel ou un emploi aidé qui en perçoit est signalé.

    Pourquoi : la NBI est une bonification de points d'indice réservée aux fonctionnaires.

    Texte : loi 91-73, art. 27, I ; décret 93-863, art. 1.

    Exemple : un contractuel payé de 10 points de NBI en mars → constat du montant ; un
    stagiaire → rien.
    """
    lines = lines_of(ctx, ("nbi",))
    bad = lines[lines["statut"].fillna("").isin(EXCLUDED_STATUTS)]
    return flagged_line_findings(
        ctx, bad, amount="amount", agg=dict(amount=("amount", "sum"), statut=("statut", "first")),
        message=lambda r: (f"L'agent {r.matricule} (statut {r.statut}) a perçu {eur(r.amount)} de NBI en "
                           f"{month_label(r.year, r.month)} ; la NBI est réservée aux fonctionnaires titulaires "
                           f"et stagiaires (loi 91-73, art. 27) : la totalité est indue."),
    )


@rule("NBI-002", "Montant de NBI différent de points × valeur du point × quotité", "alerte",
      "Loi 91-73, art. 27 ; décret 85-1148 du 24 octobre 1985, art. 3 (valeur du point)")
def amount_check(ctx: RuleContext):
    """Ce que la règle vérifie : la NBI du mois (hors rappels) égale nombre de points × valeur
    annuelle du point / 12 × fraction du traitement payée (quotité, demi-traitement, mois
    incomplet), à la tolérance `tolerances_paie.nbi_ecart_montant_eur` (2 EUR) près.

    Pourquoi : des points mal saisis, une valeur du point non mise à jour ou une NBI non
    proratisée se répètent chaque mois. Trop-perçu et moins-perçu sont signalés ; le montant
    en jeu est l'écart.

    Texte : loi 91-73, art. 27 ; décret 85-1148, art. 3.

    Exemple : 15 points à temps plein en 2025 → 15 × 59,0734 / 12 = 73,84 EUR ; payé 76,50 →
    écart 2,66 EUR, constat ; payé 75 → rien.
    """
    m = nbi_months(ctx)
    if m.empty:
        return []
    unknown = m["points"].isna() | m["fraction"].isna()
    ctx.skipped(int(unknown.sum()), "bulletins payant la NBI",
                "indice majoré ou traitement absent (fraction du traitement payée inconnue) ou points inconnus")
    m = m[~unknown]
    m = m.assign(diff=m["paid"] - m["due"])
    tol = tolerance(ctx, "nbi_ecart_montant_eur", m["year"], m["month"])
    bad = m[m["diff"].abs().to_numpy() > tol]
    return paid_vs_due_findings(
        ctx, bad, lines_of(ctx, ("nbi",), with_slip=False), "NBI", ref="loi 91-73, art. 27",
        why=lambda r: (f" ; pour {num(r.points)} points, la valeur du point de {num(r.point, 4)} EUR par an et "
                       f"{num(100 * r.fraction, 1)} % du traitement à temps plein payé, le montant dû est "
                       f"{eur(r.due)}"),
    )


def _granted_points(delib, emplois: pd.Series) -> pd.Series:
    """Highest points of the délibération's NBI functions each emploi matches (NaN when none)."""
    best = pd.Series(np.nan, index=emplois.index)
    for fn in delib.nbi_functions:
        if fn.emplois:
            match = emplois.fillna("").str.contains("|".join(f"(?:{p})" for p in fn.emplois), flags=re.IGNORECASE)
        else:
            match = pd.Series(True, index=emplois.index)
        best = best.where(~match | (best >= fn.points), fn.points)
    return best


@rule("NBI-003", "Points de NBI au-delà du plafond usuel ou d'une fonction délibérée", "alerte",
      "Décrets 2006-779 et 2006-780 du 3 juillet 2006 (annexes) ; décret 93-863, art. 1")
def points_check(ctx: RuleContext):
    """Ce que la règle vérifie : le nombre de points de NBI ne dépasse ni le plafond usuel de la
    catégorie (`nbi.plafond_points_usuel`), ni, si la délibération liste les fonctions
    bonifiées (`nbi_functions`), les points de la fonction correspondant à l'emploi de l'agent.

    Pourquoi : la NBI est attachée à une fonction de la liste limitative des décrets, avec un
    nombre de points fixé ; des points au-delà n'ont pas de base. Le montant en jeu est la
    valeur des points excédentaires, au prorata du traitement payé.

    Le secrétaire de mairie d'une commune de moins de 2 000 habitants a droit à 30 points
    (`nbi.secretaire_mairie`) quelle que soit sa catégorie (souvent C ou B).

    Texte : décrets 2006-779 et 2006-780, annexes.

    Exemple : un adjoint (C) à 30 points, plafond usuel 20 → 10 points en trop, 10 × 59,0734 / 12
    = 49,23 EUR par mois à temps plein ; à 20 points → rien.
    """
    m = nbi_months(ctx)
    if m.empty:
        return []
    m = m[m["points"].notna() & (m["points"] > 0)].copy()
    months = list(zip(m["year"].astype(int).tolist(), m["month"].astype(int).tolist()))
    ceilings = _by_month(ctx, "nbi.plafond_points_usuel", months)
    m["ceiling"] = [float(c.get(cat)) if isinstance(cat, str) and cat in c else np.nan
                    for c, cat in zip(ceilings, m["categorie"].tolist())]
    m["allowed"] = m["ceiling"]
    m["why"] = "plafond usuel de la catégorie"
    # Secrétaire de mairie (commune under 2,000 inhabitants): its own points, whatever the catégorie.
    sm = _by_month(ctx, "nbi.secretaire_mairie", months)
    text = m["emploi"].astype("string").fillna("") + " | " + m["grade"].astype("string").fillna("")
    matched: dict = {}  # (pattern, label) -> match: few distinct emplois and grades
    for key in zip([v["motif"] for v in sm], text.tolist()):
        if key not in matched:
            matched[key] = bool(re.search(key[0], normalize_label(key[1])))
    is_sm = np.array([matched[key] for key in zip([v["motif"] for v in sm], text.tolist())], dtype=bool)
    m.loc[is_sm, "allowed"] = [float(v["points"]) for v, k in zip(sm, is_sm) if k]
    m.loc[is_sm, "why"] = "fonctions de secrétaire de mairie d'une commune de moins de 2 000 habitants"
    delib = ctx.deliberation
    if delib is not None and delib.nbi_functions:
        granted = _granted_points(delib, m["emploi"]).fillna(0.0)
        tighter = m["allowed"].isna() | (granted < m["allowed"])
        m.loc[tighter, "allowed"] = granted[tighter]
        m.loc[tighter, "why"] = "fonctions bonifiées de la délibération"
    ctx.skipped(int(m["allowed"].isna().sum()), "bulletins payant la NBI",
                "catégorie inconnue et aucune fonction bonifiée délibérée (plafond de points inconnu)")
    m["excess_points"] = m["points"] - m["allowed"]
    bad = m[m["excess_points"] > 1e-6].copy()
    bad["amount"] = bad["excess_points"] * bad["point"] / 12 * bad["fraction"].fillna(1.0)
    return row_findings(
        ctx, bad, lines_of(ctx, ("nbi",), with_slip=False), within=PAYSLIP_KEY, amount="amount",
        message=lambda r: (f"L'agent {r.matricule} (catégorie {r.categorie if pd.notna(r.categorie) else '?'}, emploi "
                           f"« {r.emploi if pd.notna(r.emploi) else 'non renseigné'} ») perçoit {num(r.points)} points "
                           f"de NBI en {month_label(r.year, r.month)} ; le maximum selon les {r.why} est de "
                           f"{num(r.allowed)} points. Excédent : {num(r.excess_points)} points, soit {eur(r.amount)} "
                           f"ce mois (décrets 2006-779 et 2006-780)."),
    )


def _by_month(ctx: RuleContext, name: str, months: list) -> list:
    """Parameter `name` in force each (year, month) of `months`, looked up once per distinct month."""
    values = {k: ctx.params.value(name, k) for k in set(months)}
    return [values[k] for k in months]
