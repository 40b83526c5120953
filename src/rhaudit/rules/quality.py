"""Data-quality rules QUAL-001 to QUAL-004: what must hold before the pay rules can be trusted.

A payslip whose lines do not add up to its gross, a payslip imported twice, a rubric code
with several meanings, lines nobody classified: each biases every other rule, so they are
reported first, with the source file and line to look at.
"""

from __future__ import annotations

import pandas as pd

from ..classify import UNCLASSIFIED, classify_lines
from ..findings import Evidence, evidence_from_lines
from ..model import GROSS_KINDS, PAYSLIP_KEY
from . import RuleContext, rule
from ._paie import eur, evidence_by, month_label

_SLIP_SOURCE = PAYSLIP_KEY + ["source_file"]


def _position(value) -> int | None:
    return None if pd.isna(value) else int(value)


@rule("QUAL-001", "Brut du bulletin différent de la somme des lignes de rémunération", "alerte",
      "Protocole PES V2 paye (DocumentPaye) : MtBrut et lignes TraitBrut, IndemResid, SupFam, "
      "AvantageNature, Indemnite, RemDivers, Rappel")
def gross_vs_lines(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque bulletin, le brut déclaré (MtBrut) est égal à la
    somme des montants de ses lignes de rémunération (natures T, IR, S, AV, I, A, R), à la
    tolérance d'arrondi près (paramètre controles.tolerance_brut_lignes_eur, 0,05 EUR).

    Pourquoi : un écart signale une ligne manquante ou en trop, une rubrique que le logiciel
    compense hors du brut (avantage en nature en base, indemnités journalières) ou un fichier
    altéré ; les contrôles fondés sur les lignes portent alors sur des montants incomplets.

    Texte : protocole PES V2, domaine paye : MtBrut est le brut du bulletin, les éléments de
    Remuneration en sont le détail.

    Exemple : MtBrut 1 485,32 EUR et lignes de rémunération 1 382,97 EUR → constat d'un écart de
    102,35 EUR, égal à la base de la ligne « AVANTAGES EN NATURE REPAS » de montant nul (le
    message nomme la ligne dont le montant ou la base égale l'écart) ; lignes 1 485,29 EUR →
    écart de 0,03 EUR, rien.
    """
    slips = ctx.payslips
    if slips.empty:
        return []
    lines = ctx.pay_lines[ctx.pay_lines["kind"].isin(GROSS_KINDS)]
    sums = lines.groupby(_SLIP_SOURCE, dropna=False)["amount"].sum().rename("lines_total")
    per = (
        slips.dropna(subset=["gross"])
        .groupby(_SLIP_SOURCE, dropna=False)
        .agg(gross=("gross", "sum"), source_line=("source_line", "min"))
        .join(sums)
        .reset_index()
    )
    per["lines_total"] = per["lines_total"].fillna(0.0)
    per["gap"] = (per["gross"] - per["lines_total"]).round(2)
    months = {(int(y), int(m)) for y, m in zip(per["year"], per["month"])}
    tol = {ym: float(ctx.params.value("controles.tolerance_brut_lignes_eur", ym)) for ym in months}
    per["tolerance"] = [tol[(int(y), int(m))] for y, m in zip(per["year"], per["month"])]
    flagged = per[per["gap"].abs() > per["tolerance"]]
    own_lines = lines.merge(flagged[_SLIP_SOURCE], on=_SLIP_SOURCE)
    evidence = evidence_by(own_lines, _SLIP_SOURCE)
    explained = _gap_lines(own_lines, flagged)
    findings = []
    for r in flagged.itertuples(index=False):
        key = (r.matricule, r.year, r.month, r.establishment, r.source_file)
        own = evidence.get(key, [])
        hint = explained.get(key)
        hint = (f"L'écart est égal {hint}." if hint else
                "Vérifier les rubriques compensées hors du brut ou manquantes.")
        side = "supérieur" if r.gap > 0 else "inférieur"
        findings.append(ctx.finding(
            matricule=r.matricule, year=r.year, month=r.month, amount=abs(r.gap),
            evidence=[Evidence(file=r.source_file, position=_position(r.source_line), label="MtBrut",
                               amount=round(float(r.gross), 2), period=f"{int(r.year):04d}-{int(r.month):02d}")]
            + own,
            message=(f"Bulletin de l'agent {r.matricule} de {month_label(r.year, r.month)} ({r.source_file}, "
                     f"ligne {_position(r.source_line)}) : le brut déclaré ({eur(r.gross)}) est {side} de "
                     f"{eur(abs(r.gap))} à la somme de ses lignes de rémunération ({eur(r.lines_total)}). "
                     f"{hint}"),
        ))
    return findings


def _gap_lines(lines: pd.DataFrame, flagged: pd.DataFrame) -> dict[tuple, str]:
    """Per flagged payslip, the line whose amount (or base, for a zero-amount line such as a
    benefit in kind valued in Base) equals the gap: the usual explanation, worth naming."""
    m = lines.merge(flagged[_SLIP_SOURCE + ["gap"]], on=_SLIP_SOURCE)
    gap = m["gap"].abs()
    by_amount = m["amount"].abs().round(2).eq(gap)
    by_base = m["amount"].fillna(0).eq(0) & m["base"].abs().round(2).eq(gap)
    out = {}
    for r in m[(by_amount | by_base).fillna(False)].itertuples(index=False):
        what = "au montant" if r.amount else "à la base (montant nul)"
        out.setdefault((r.matricule, r.year, r.month, r.establishment, r.source_file),
                       f"{what} de la ligne {r.code} « {r.label} » (nature {r.kind})")
    return out


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
    work = lines.assign(_label=_case_space_insensitive(lines["label"].astype("string")))
    work = work[work["code"].notna()]
    n_labels = work.groupby("code")["_label"].nunique()
    findings = []
    for code in n_labels[n_labels > 1].index.sort_values():
        of_code = work[work["code"] == code]
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
    lines = ctx.pay_lines
    if lines.empty:
        return []
    category = lines["category"].astype("string")
    if category.isna().any():  # tables imported before classification: classify them now
        category = category.fillna(classify_lines(lines))
    bad = lines[category.eq(UNCLASSIFIED) & lines["amount"].fillna(0).round(2).ne(0)]
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
