"""Supplément familial de traitement (SFT): rules SFT-001 and SFT-002.

Décret 85-1148 du 24 octobre 1985, art. 10 to 12; the amount is recomputed by pay.sft_due from
the dated parameters of configs/parametres/sft.yaml.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import pay
from ..model import PAYSLIP_KEY
from . import RuleContext, rule
from ._paie import due_range, eur, gap_outside_due, lines_of, month_label, num, paid_vs_due_findings, row_findings, tolerance


def sft_months(ctx: RuleContext):
    """(current-month SFT lines, one row per payslip with SFT paid and the payslip's attributes),
    once per check (both SFT rules read them); callers must not modify them in place."""
    return ctx.shared("sft_months", lambda: _sft_months(ctx))


def _sft_months(ctx: RuleContext):
    lines = lines_of(ctx, ("sft", "traitement"))
    lines = lines[~lines["back_pay"]]
    sft = lines[lines["category"] == "sft"]
    per = sft.groupby(PAYSLIP_KEY, as_index=False).agg(
        paid=("amount", "sum"), children=("children", "max"), indice=("indice", "max"), quotite=("quotite", "max"),
        nbi=("nbi_points", "max"))
    trait = lines[lines["category"] == "traitement"].groupby(PAYSLIP_KEY, as_index=False).agg(traitement=("amount", "sum"))
    return sft, per.merge(trait, on=PAYSLIP_KEY, how="left")


@rule("SFT-001", "SFT versé sans enfant déclaré", "irregularite",
      "Décret 85-1148 du 24 octobre 1985, art. 10")
def without_child(ctx: RuleContext):
    """Ce que la règle vérifie : aucun SFT n'est versé sur un bulletin dont le nombre d'enfants
    à charge (NbEnfants) est zéro.

    Pourquoi : le SFT n'est dû qu'au titre d'enfants à charge effective et permanente.

    Texte : décret 85-1148, art. 10.

    Exemple : 84,51 EUR de SFT avec 0 enfant → constat de 84,51 EUR ; avec 2 enfants → rien.
    Un bulletin sans nombre d'enfants renseigné n'est pas jugé.
    """
    sft, per = sft_months(ctx)
    ctx.skipped(int((per["children"].isna() & (per["paid"] > 0)).sum()), "bulletins payant le SFT",
                "nombre d'enfants non renseigné (NbEnfants)")
    bad = per[per["children"].notna() & (per["children"] == 0) & (per["paid"] > 0)]
    return row_findings(
        ctx, bad, sft, within=PAYSLIP_KEY, amount="paid",
        message=lambda r: (f"L'agent {r.matricule} a perçu {eur(r.paid)} de supplément familial de traitement en "
                           f"{month_label(r.year, r.month)} alors que son bulletin ne déclare aucun enfant à charge "
                           f"(décret 85-1148, art. 10) : la totalité est indue, sauf pièce justificative."),
    )


@rule("SFT-002", "SFT différent du montant recalculé (trop ou moins perçu)", "alerte",
      "Décret 85-1148 du 24 octobre 1985, art. 10 bis ; loi 91-73, art. 27 et décret 93-863 (NBI comprise) ; "
      "CGFP L.612-3 (loi 84-53, art. 60 bis : temps partiel)")
def amount_check(ctx: RuleContext):
    """Ce que la règle vérifie : le SFT du mois (hors rappels) est compris entre le plus petit et
    le plus grand montant recalculé à partir du nombre d'enfants, de l'indice majoré augmenté des
    points de NBI (la NBI entre dans le traitement ; le total est borné par les indices plancher et
    plafond) et de la quotité : élément fixe + pourcentage du traitement ;
    à temps partiel, proratisé sans descendre sous le minimum d'un temps plein ; à temps non
    complet, proratisé. Faute de savoir si une quotité < 1 est un temps partiel ou un temps non
    complet, ou si un traitement réduit est un demi-traitement, la règle retient la fourchette
    de ces cas et ne signale que ce qui en sort (tolérance `tolerances_paie.sft_ecart_montant_eur`).

    Pourquoi : nombre d'enfants non mis à jour, indice plafond ignoré, SFT non proratisé.

    Texte : décret 85-1148, art. 10 bis ; paramètres `sft.*`.

    Exemple : 2 enfants, IM 500, temps plein, 2025 → 10,67 + 3 % × 2 461,39 = 84,51 EUR ; payé
    100 EUR → trop-perçu 15,49 EUR ; payé 84 EUR → rien. Avec 20 points de NBI :
    10,67 + 3 % × 520 × 59,0734 / 12 = 87,47 EUR dus. Un bulletin sans ligne de SFT n'est pas
    jugé (le SFT peut être versé à l'autre parent).
    """
    sft, per = sft_months(ctx)
    ctx.skipped(int(((per["children"].fillna(0) > 0) & (per["indice"].fillna(0) <= 0)).sum()), "bulletins payant le SFT",
                "indice majoré nul ou absent, SFT non recalculé")
    per = per[(per["children"].fillna(0) > 0) & (per["indice"].fillna(0) > 0)]
    if per.empty:
        return []
    frac_paid = np.minimum(pay.paid_fraction(ctx.params, per["traitement"], per["indice"], per["year"], per["month"]), 1.0)
    quotite = per["quotite"].fillna(1.0).astype(float).to_numpy()
    frac_paid = np.where(np.isnan(frac_paid), quotite, frac_paid)
    args = (ctx.params, per["children"], per["indice"], per["year"], per["month"])
    nbi = per["nbi"].astype(float).fillna(0.0)
    candidates = [pay.sft_due(*args, f, tnc, nbi) for f in (quotite, frac_paid) for tnc in (False, True)]
    low, high = np.min(candidates, axis=0), np.max(candidates, axis=0)
    per = per.assign(low=low, high=high)
    tol = tolerance(ctx, "sft_ecart_montant_eur", per["year"], per["month"])
    per["diff"] = gap_outside_due(per["paid"], per["low"], per["high"], tol)
    bad = per[per["diff"] != 0]
    return paid_vs_due_findings(
        ctx, bad, sft, "SFT", ref="décret 85-1148, art. 10 bis",
        why=lambda r: (f" ; pour {int(r.children)} enfant(s), l'indice majoré {int(r.indice)}"
                       f"{f' + {num(float(r.nbi))} points de NBI' if pd.notna(r.nbi) and r.nbi else ''} et une "
                       f"quotité de {num(float(r.quotite) if pd.notna(r.quotite) else 1.0)}, le montant dû est "
                       f"{due_range(r.low, r.high)}"),
    )
