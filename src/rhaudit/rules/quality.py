"""Data-quality rules QUAL-001 to QUAL-005: what must hold before the pay rules can be trusted.

A payslip whose lines do not add up to its gross or to its net, a payslip imported twice, a
rubric code with several meanings, lines nobody classified: each biases every other rule, so
they are reported first, with the source file and line to look at.
"""

from __future__ import annotations

import pandas as pd

import numpy as np

from ..classify import UNCLASSIFIED, distinct_rows
from ..findings import Evidence, evidence_from_lines
from ..model import PAYSLIP_KEY
from ..reconcile import line_roles, payslip_identities
from . import RuleContext, rule
from ._paie import eur, evidence_by, month_label

_SLIP_SOURCE = PAYSLIP_KEY + ["source_file"]


def _position(value) -> int | None:
    return None if pd.isna(value) else int(value)


def identities(ctx: RuleContext) -> pd.DataFrame:
    """Gross and net identities of every payslip (reconcile.payslip_identities), computed once
    per check run for QUAL-001 and QUAL-005."""
    return ctx.shared("identities", lambda: payslip_identities(ctx.payslips, ctx.pay_lines))


def _tolerances(ctx: RuleContext, per: pd.DataFrame, name: str) -> np.ndarray:
    """The parameter `controles.<name>` in force in each payslip's month (read once per month)."""
    first, month_of_row = distinct_rows(per[["year", "month"]])
    months = per[["year", "month"]].iloc[first]
    tol = [float(ctx.params.value(f"controles.{name}", (int(y), int(m)))) for y, m in zip(months["year"], months["month"])]
    return np.array(tol, dtype=float)[month_of_row]


def _slip_lines(ctx: RuleContext, flagged: pd.DataFrame) -> pd.DataFrame:
    """The lines of the flagged payslips (the agents' lines first: a merge on a few rows, not on
    every line)."""
    lines = ctx.pay_lines
    return lines[lines["matricule"].isin(flagged["matricule"])].merge(flagged[_SLIP_SOURCE], on=_SLIP_SOURCE)


def _lines_in_role(lines: pd.DataFrame, roles: tuple[str, ...]) -> pd.DataFrame:
    return lines[np.isin(line_roles(lines), roles)]


def _slip_evidence(r, what: str, amount: float) -> Evidence:
    return Evidence(file=r.source_file, position=_position(r.source_line), label=what, amount=round(float(amount), 2),
                    period=f"{int(r.year):04d}-{int(r.month):02d}")


@rule("QUAL-001", "Brut du bulletin différent de la somme des lignes de rémunération", "alerte",
      "Protocole PES V2 paye (DocumentPaye) : MtBrut et lignes de Remuneration ; rôle de chaque catégorie de "
      "rubrique dans le brut (docs/rubriques.md)")
def gross_vs_lines(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque bulletin, le brut déclaré (MtBrut) est égal à la
    somme de ses lignes de rémunération, à la tolérance d'arrondi près (paramètre
    controles.tolerance_brut_lignes_eur, 0,05 EUR). Les lignes sont prises par catégorie, non
    par nature PES : un rappel de cotisation ou de mutuelle porté en nature Rappel n'est pas du
    brut, une régularisation de traitement portée en Retenue en est ; les IJSS nettes et les
    remboursements de frais sont hors brut. Deux usages des logiciels sont admis : les
    déductions d'absence (carence, retenues, déductions du régime indemnitaire, IJSS
    subrogées) dans le brut ou après lui, un avantage en nature évalué en Base avec un Mt nul
    dans le brut ou hors de lui. Un bulletin sans MtBrut (brut reconstitué à l'import) n'est
    pas comparé.

    Pourquoi : un écart signale une ligne manquante ou en trop, une rubrique mal classée ou un
    fichier altéré ; les contrôles fondés sur les lignes portent alors sur des montants
    incomplets.

    Texte : protocole PES V2, domaine paye : MtBrut est le brut du bulletin, les éléments de
    Remuneration en sont le détail.

    Exemple : MtBrut 1 485,32 EUR, lignes de rémunération 1 382,97 EUR et un avantage en
    nature repas de Mt nul et de Base 102,35 EUR → rien (1 382,97 + 102,35 = 1 485,32) ;
    MtBrut 1 500,06 EUR pour 1 500,00 EUR de lignes → écart de 0,06 EUR, constat ; le message
    nomme la ligne dont le montant ou la base égale l'écart.
    """
    if ctx.payslips.empty:
        return []
    per = identities(ctx)
    per = per[~per["gross_derived"]]
    flagged = per[per["gross_gap"].abs() > _tolerances(ctx, per, "tolerance_brut_lignes_eur") + 1e-9]
    if flagged.empty:
        return []
    return _gap_findings(
        ctx, flagged, ("brut", "deduction_brut", "nature"), "gross_gap", "MtBrut", "gross",
        lambda r, side: (f"le brut déclaré ({eur(r.gross)}) est {side} de {eur(abs(r.gross_gap))} à la somme de ses "
                         f"lignes de rémunération ({eur(r.lines_gross)})."),
        lambda hint: (f"L'écart est égal {hint}." if hint else
                      "Vérifier les rubriques compensées hors du brut ou manquantes, et leur catégorie (rhaudit rubriques)."),
    )


def _gap_findings(ctx: RuleContext, flagged: pd.DataFrame, roles, gap: str, declared_label: str, declared: str,
                  gap_text, hint_text) -> list:
    """QUAL-001 and QUAL-005: one finding per flagged payslip, the gap `gap` at stake, evidence the
    declared amount (`declared_label`: MtBrut, MtNet) then the lines in `roles`; the message names
    the line that equals the gap when one does."""
    lines = _slip_lines(ctx, flagged)
    ev = evidence_by(_lines_in_role(lines, roles), _SLIP_SOURCE)
    explained = _gap_lines(lines, flagged, gap)
    findings = []
    for r in flagged.itertuples(index=False):
        key = (r.matricule, r.year, r.month, r.establishment, r.source_file)
        amount = getattr(r, gap)
        side = "supérieur" if amount > 0 else "inférieur"
        findings.append(ctx.finding(
            matricule=r.matricule, year=r.year, month=r.month, amount=abs(amount),
            evidence=[_slip_evidence(r, declared_label, getattr(r, declared))] + ev.get(key),
            message=(f"Bulletin de l'agent {r.matricule} de {month_label(r.year, r.month)} ({r.source_file}, "
                     f"ligne {_position(r.source_line)}) : {gap_text(r, side)} {hint_text(explained.get(key))}"),
        ))
    return findings


def _gap_lines(lines: pd.DataFrame, flagged: pd.DataFrame, gap_column: str) -> dict[tuple, str]:
    """Per flagged payslip, the line whose amount (or base, for a zero-amount line such as a
    benefit in kind valued in Base) equals the gap: the usual explanation, worth naming."""
    m = lines.merge(flagged[_SLIP_SOURCE + [gap_column]], on=_SLIP_SOURCE)
    gap = m[gap_column].abs().round(2)
    by_amount = m["amount"].abs().round(2).eq(gap)
    by_base = m["amount"].fillna(0).eq(0) & m["base"].abs().round(2).eq(gap)
    out = {}
    for r in m[(by_amount | by_base).fillna(False)].itertuples(index=False):
        what = "au montant" if r.amount else "à la base (montant nul)"
        out.setdefault((r.matricule, r.year, r.month, r.establishment, r.source_file),
                       f"{what} de la ligne {r.code} « {r.label} » (nature {r.kind}, catégorie {r.category})")
    return out


@rule("QUAL-005", "Net du bulletin différent du net que donnent ses lignes", "alerte",
      "Protocole PES V2 paye (DocumentPaye) : MtNet et lignes de Remuneration (Deduction, Retenue, éléments hors brut)")
def net_vs_lines(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque bulletin, le net déclaré (MtNet) est égal au net
    que donnent ses lignes : brut (déductions d'absence comprises) − cotisations salariales −
    retenues sur le net + éléments versés hors brut (IJSS nettes, remboursements de frais), à
    la tolérance d'arrondi près (paramètre controles.tolerance_net_lignes_eur, 0,05 EUR). Un
    avantage en nature est dans le brut mais n'est pas versé : il ne compte pas dans le net.
    Les charges de l'employeur (cotisations patronales, participation à la mutuelle ou à la
    prévoyance, forfait social) n'y figurent pas, quelle que soit leur nature PES. Un écart que
    le seul brut explique (règle QUAL-001) n'est pas signalé une seconde fois. Un bulletin lu
    dans une DSN n'est pas comparé : son net est le net fiscal.

    Pourquoi : une « cotisation salariale » que le net ne retient jamais est une charge de
    l'employeur mal classée (elle fausse les taux de cotisation contrôlés) ; une retenue
    manquante ou en trop fausse le net versé à l'agent.

    Texte : protocole PES V2, domaine paye : MtNet est le net du bulletin ; Deduction et
    Retenue en sont retirées, Cotisation est à la charge de l'employeur.

    Exemple : brut 2 105,40 EUR, cotisations salariales 431,26 EUR, retenues mutuelle 62,86
    EUR, MtNet 1 611,28 EUR → rien (2 105,40 − 431,26 − 62,86 = 1 611,28) ; la subvention de
    l'employeur à la mutuelle (115,47 EUR, nature RE) classée en retenue → net des lignes
    inférieur de 115,47 EUR à MtNet, constat nommant la ligne.
    """
    if ctx.payslips.empty:
        return []
    per = identities(ctx)
    per = per[per["net_gap"].notna()]  # no MtNet, or a DSN net fiscal
    tol = _tolerances(ctx, per, "tolerance_net_lignes_eur") + 1e-9
    only_gross = ~per["gross_derived"].to_numpy() & (per["net_gap_from_gross"].abs().to_numpy() <= tol)
    flagged = per[(per["net_gap"].abs().to_numpy() > tol) & ~only_gross]
    if flagged.empty:
        return []
    return _gap_findings(
        ctx, flagged, ("salarial", "retenue", "hors_brut"), "net_gap", "MtNet", "net",
        lambda r, side: (f"le net déclaré ({eur(r.net)}) est {side} de {eur(abs(r.net_gap))} au net que donnent ses "
                         f"lignes ({eur(r.net_from_lines)} : brut − cotisations salariales − retenues + éléments hors "
                         f"brut)."),
        lambda hint: (f"L'écart est égal {hint} : vérifier qu'elle est classée du bon côté (salarié ou employeur)."
                      if hint else
                      "Vérifier les retenues et cotisations salariales du bulletin et leur catégorie (rhaudit rubriques)."),
    )


@rule("QUAL-002", "Bulletin en double (même agent, mois et établissement)", "alerte",
      "Protocole PES V2 paye : un PayeIndivMensuel par agent, mois et établissement")
def duplicate_payslips(ctx: RuleContext):
    """Ce que la règle vérifie : un même bulletin (matricule, année, mois, établissement) n'est
    présent qu'une fois, que ce soit dans deux fichiers importés ou deux fois dans un fichier.

    Pourquoi : un bulletin en double compte deux fois les heures, primes et cotisations dans
    tous les autres contrôles (plafonds mensuels d'IHTS, cumuls annuels), ou révèle une paie
    complémentaire à rapprocher du bulletin principal.

    Texte : protocole PES V2, domaine paye : un PayeIndivMensuel par agent et par mois pour un
    établissement.

    Exemple : le bulletin de mars de l'agent 1024 dans paie_03.xml et dans paie_03_bis.xml →
    un constat citant les deux fichiers et lignes ; un seul bulletin → rien.
    """
    slips = ctx.payslips
    if slips.empty:
        return []
    dup = slips[slips.duplicated(PAYSLIP_KEY, keep=False)]
    findings = []
    for key, group in dup.groupby(PAYSLIP_KEY, sort=True, dropna=False):
        matricule, year, month, establishment = key
        places = [(f, _position(p)) for f, p in zip(group["source_file"], group["source_line"])]
        where = ", ".join(f"{f} ligne {p}" for f, p in places)
        findings.append(ctx.finding(
            matricule=matricule, year=year, month=month,
            evidence=[Evidence(file=f, position=p, period=f"{int(year):04d}-{int(month):02d}") for f, p in places],
            message=(f"Le bulletin de l'agent {matricule} de {month_label(year, month)} (établissement "
                     f"{establishment}) figure {len(group)} fois : {where}. Ne garder qu'une version, ou "
                     f"rapprocher la paie complémentaire du bulletin principal."),
        ))
    return findings


def _case_space_insensitive(labels: pd.Series) -> pd.Series:
    return labels.fillna("").str.upper().str.split().str.join(" ")


@rule("QUAL-003", "Code de rubrique portant plusieurs libellés", "info",
      "Cohérence de la nomenclature des rubriques du logiciel de paie (PES V2 paye, Code et Libelle)")
def code_with_several_labels(ctx: RuleContext):
    """Ce que la règle vérifie : chaque code de rubrique porte un seul libellé dans les fichiers
    importés (les différences de casse et d'espaces seules sont ignorées).

    Pourquoi : un code aux libellés multiples recouvre parfois plusieurs éléments de paie ; le
    classement par code (tables de configs/rubriques/) les met alors dans la même catégorie,
    ce qu'il faut vérifier.

    Texte : protocole PES V2, domaine paye : Code et Libelle de chaque ligne de rémunération.

    Exemple : le code 401A avec « DED RI 3EME ARRET MALADIE » et « DEDUCTION RI 5EME ARRET
    MALADIE » → un constat listant les libellés et leur nombre de lignes ; « I.A.T. » et
    « i.a.t.  » → rien.
    """
    lines = ctx.pay_lines
    if lines.empty:
        return []
    # The labels are normalised once per distinct (code, label) pair, not once per line.
    pairs = lines.loc[lines["code"].notna(), ["code", "label"]].astype("string").drop_duplicates()
    pairs["_label"] = _case_space_insensitive(pairs["label"]).to_numpy()
    n_labels = pairs.groupby("code")["_label"].nunique()
    several = n_labels[n_labels > 1].index
    if not len(several):
        return []
    work = lines[lines["code"].isin(several)]
    work = work.assign(_label=work[["code", "label"]].astype("string").merge(
        pairs, on=["code", "label"], how="left")["_label"].to_numpy())
    findings = []
    for code, of_code in work.groupby("code", sort=True):
        counts = of_code.groupby("_label").size().sort_values(ascending=False)
        listing = " ; ".join(f"« {lab} » ({n} ligne{'s' if n > 1 else ''})" for lab, n in counts.items())
        findings.append(ctx.finding(
            evidence=evidence_from_lines(of_code.drop_duplicates("_label")),
            message=(f"Le code de rubrique {code} porte {len(counts)} libellés différents : {listing}. "
                     f"Vérifier qu'il s'agit du même élément de paie avant de le classer par son seul code."),
        ))
    return findings


@rule("QUAL-004", "Lignes de paie non classées portant un montant", "alerte",
      "Classement des rubriques rhaudit (configs/rubriques/) ; contrôles de paie")
def unclassified_lines(ctx: RuleContext):
    """Ce que la règle vérifie : toute ligne de paie de montant non nul a une catégorie
    (traitement, NBI, IFSE, IHTS, cotisation...) ; une rubrique non classée est signalée
    une fois, avec son nombre de lignes et son montant total.

    Pourquoi : les contrôles de paie sélectionnent les lignes par catégorie ; une rubrique non
    classée échappe à tous les contrôles (une prime inconnue n'est comparée à aucun plafond).

    Texte : aucune norme ; condition de fiabilité des autres règles. Compléter une table de
    codes de configs/rubriques/ (voir `rhaudit rubriques` et docs/rubriques.md).

    Exemple : 12 lignes « PRIME EXCEPT. » (code 9Z01) pour 1 800,00 EUR, non classées → un
    constat ; des lignes « *** TITRE *** » de montant nul → rien.
    """
    if ctx.pay_lines.empty:
        return []
    lines = ctx.pay_lines
    bad = lines[lines["category"].eq(UNCLASSIFIED) & lines["amount"].fillna(0).round(2).ne(0)]
    findings = []
    for (code, label), group in bad.groupby(["code", "label"], sort=True, dropna=False):
        total = float(group["amount"].sum())
        findings.append(ctx.finding(
            amount=total,
            evidence=evidence_from_lines(group),
            message=(f"La rubrique {code} « {label} » n'est pas classée : {len(group)} ligne"
                     f"{'s' if len(group) > 1 else ''} pour {eur(total)}. Elle échappe aux contrôles tant "
                     f"qu'elle n'a pas de catégorie : l'ajouter à une table de configs/rubriques/."),
        ))
    return findings
