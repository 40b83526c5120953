"""Pension fund affiliation and contribution rates: rules COTIS-001 to COTIS-003.

Fonctionnaires on a post of 28 hours a week or more contribute to the CNRACL (décret 2003-1306);
contract agents and posts under 28 h to the IRCANTEC and the régime général. Rates and the
threshold are in configs/parametres/cotisations.yaml.
"""

from __future__ import annotations

import pandas as pd

from .. import pay
from . import RuleContext, rule
from ._paie import eur, flagged_line_findings, lines_of, month_label, num, tolerance

CONTRACT_STATUTS = ("NON_TITULAIRE", "EMPLOI_AIDE")
FONCTIONNAIRE_STATUTS = ("TITULAIRE", "STAGIAIRE")


def _contribution_findings(ctx: RuleContext, categories, mask_of, why):
    """One finding per agent-month whose contribution lines of `categories` match `mask_of(lines)`;
    the contributions wrongly paid (employee and employer shares) are at stake."""
    lines = lines_of(ctx, categories)
    bad = lines[mask_of(lines).to_numpy()] if not lines.empty else lines
    return flagged_line_findings(ctx, bad, why, amount="amount", agg=dict(
        amount=("amount", lambda s: s.abs().sum()), statut=("statut", "first"), quotite=("quotite", "max")))


@rule("COTIS-001", "Contractuel cotisant à la CNRACL", "irregularite",
      "Décret 2003-1306 du 26 décembre 2003, art. 1 et 3 (affiliation des seuls fonctionnaires)")
def contract_agent_cnracl(ctx: RuleContext):
    """Ce que la règle vérifie : aucun agent contractuel (ou emploi aidé) ne porte de cotisation
    CNRACL, salariale ou patronale.

    Pourquoi : seuls les fonctionnaires titulaires et stagiaires sont affiliés à la CNRACL ; les
    contractuels relèvent du régime général et de l'IRCANTEC (droits à retraite faussés, cotisations
    à régulariser).

    Texte : décret 2003-1306, art. 1 et 3.

    Exemple : un contractuel avec 120 EUR de retenue CNRACL et 350 EUR de part patronale → constat
    de 470 EUR ; un titulaire → rien.
    """
    return _contribution_findings(
        ctx, ("cot_sal_cnracl", "cot_pat_cnracl"),
        lambda ln: ln["statut"].fillna("").isin(CONTRACT_STATUTS),
        lambda r: (f"L'agent {r.matricule} (statut {r.statut}) cotise à la CNRACL en {month_label(r.year, r.month)} "
                   f"pour {eur(r.amount)} (parts salariale et patronale) ; seuls les fonctionnaires y sont affiliés "
                   f"(décret 2003-1306, art. 1) : affiliation à régulariser (régime général et IRCANTEC)."),
    )


@rule("COTIS-002", "Fonctionnaire à 28 h ou plus cotisant à l'IRCANTEC", "irregularite",
      "Décret 2003-1306 du 26 décembre 2003, art. 1 ; décret 70-1277 du 23 décembre 1970 (IRCANTEC)")
def fonctionnaire_ircantec(ctx: RuleContext):
    """Ce que la règle vérifie : un titulaire ou stagiaire dont la quotité × durée hebdomadaire
    de référence atteint le seuil d'affiliation (`cotisations.seuil_affiliation_cnracl_heures`,
    28 h) ne cotise pas à l'IRCANTEC.

    Pourquoi : au-delà de 28 h hebdomadaires, le fonctionnaire relève de la CNRACL ; une
    cotisation IRCANTEC révèle une mauvaise affiliation. Sous le seuil, ou si la quotité est un
    temps partiel d'un poste à temps complet, la règle ne conclut pas.

    Texte : décret 2003-1306, art. 1.

    Exemple : titulaire à temps plein (35 h) avec 60 EUR d'IRCANTEC → constat ; titulaire à
    0,7 (24,5 h) → rien.
    """
    def mask(ln):
        y, m = ln["year"], ln["month"]
        weekly = pay.param_by_month(ctx.params, "temps_travail.duree_hebdomadaire_heures", y, m).to_numpy()
        threshold = pay.param_by_month(ctx.params, "cotisations.seuil_affiliation_cnracl_heures", y, m).to_numpy()
        hours = ln["quotite"].fillna(1.0).astype(float).to_numpy() * weekly
        return ln["statut"].fillna("").isin(FONCTIONNAIRE_STATUTS) & pd.Series(hours >= threshold - 1e-9, index=ln.index)

    return _contribution_findings(
        ctx, ("cot_sal_ircantec", "cot_pat_ircantec"), mask,
        lambda r: (f"L'agent {r.matricule} (statut {r.statut}, quotité {num(float(r.quotite) if pd.notna(r.quotite) else 1.0)}) "
                   f"cotise à l'IRCANTEC en {month_label(r.year, r.month)} pour {eur(r.amount)} ; un fonctionnaire "
                   f"occupant un emploi d'au moins "
                   f"{num(float(ctx.params.value('cotisations.seuil_affiliation_cnracl_heures', (int(r.year), int(r.month)))))} h "
                   f"hebdomadaires relève de la CNRACL (décret 2003-1306, art. 1)."),
    )


def _as_fraction(rate: pd.Series) -> pd.Series:
    """Rates printed as percents (30.65) or fractions (0.3065) -> fraction."""
    rate = rate.astype(float)
    return rate.where(rate <= 1, rate / 100)


@rule("COTIS-003", "Taux patronal CNRACL différent du taux en vigueur", "alerte",
      "Décret 91-613 du 28 juin 1991, art. 5 (taux de la contribution employeur à la CNRACL)")
def cnracl_employer_rate(ctx: RuleContext):
    """Ce que la règle vérifie : le taux des lignes de contribution patronale CNRACL (colonne
    taux, ou à défaut montant / base) égale le taux en vigueur le mois de paie
    (`cotisations.cnracl_patronal`), à `tolerances_paie.taux_cotisation_ecart` près.

    Pourquoi : les hausses de taux (30,65 % → 31,65 % → 34,65 %...) non reportées faussent les
    charges et créent des régularisations. Montant en jeu : écart de taux × assiette. Les mois
    sans taux connu dans le fichier de paramètres ne sont pas jugés.

    Texte : décret 91-613 du 28 juin 1991, art. 5 ; paramètre `cotisations.cnracl_patronal`.

    Exemple : en 2025 (34,65 %), une ligne à 31,65 % sur 2 000 EUR → écart 3 points, 60 EUR ;
    une ligne à 34,65 % → rien.
    """
    lines = lines_of(ctx, ("cot_pat_cnracl",), with_slip=False)
    lines = lines[~lines["back_pay"]]
    if lines.empty:
        return []
    base = lines["base"].astype(float)
    read = _as_fraction(lines["rate"]).where(lines["rate"].notna() & (lines["rate"] != 0),
                                             lines["amount"].astype(float) / base.where(base > 0))
    lines = lines.assign(read_rate=read.to_numpy())
    # No rate on file for a month: NaN, not judged (counted as skipped below).
    expected = pay.param_by_month(ctx.params, "cotisations.cnracl_patronal", lines["year"], lines["month"], missing_ok=True)
    lines = lines.assign(expected=expected.to_numpy(), tol=tolerance(ctx, "taux_cotisation_ecart", lines["year"], lines["month"]))
    ctx.skipped(int(lines["expected"].isna().sum()), "lignes de contribution CNRACL",
                "aucun taux en vigueur dans configs/parametres/cotisations.yaml pour leur mois")
    bad = lines[(lines["read_rate"] - lines["expected"]).abs() > lines["tol"]]
    bad = bad.assign(amount_gap=(bad["read_rate"] - bad["expected"]) * bad["base"].astype(float).fillna(
        bad["amount"].astype(float) / bad["read_rate"]))
    return flagged_line_findings(
        ctx, bad, amount=lambda r: abs(r.gap),
        agg=dict(gap=("amount_gap", "sum"), read=("read_rate", "first"), expected=("expected", "first")),
        message=lambda r: (f"La contribution patronale CNRACL de l'agent {r.matricule} en {month_label(r.year, r.month)} "
                           f"est calculée au taux de {num(100 * r.read, 2)} % alors que le taux en vigueur est de "
                           f"{num(100 * r.expected, 2)} % (décret 91-613, art. 5) ; écart de "
                           f"{eur(abs(r.gap))} ({'excédent' if r.gap > 0 else 'insuffisance'} de contribution)."),
    )
