"""Older bonus regimes and the legal basis of the régime indemnitaire (RIFSEEP-008..011):
forbidden cumulations in a month, IAT / IFTS eligibility by catégorie and indice, bonuses to
hourly vacataires, bonuses with no délibération. Shared pieces come from _ri.py.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from .. import configfile, paths
from ..classify import normalize_label
from ..params import ParameterError
from ..model import LEGACY_EXCLUSIVE_OF_RIFSEEP, PAY_CATEGORIES, RI_CATEGORIES
from . import RuleContext, rule
from ._paie import eur, evidence_by, flagged_line_findings, law_ref, month_label
from ._ri import DECRET, agent_groups, decision_label, evidence_of, ri_lines, ri_param, ri_params

LEGACY_LABELS = {c: PAY_CATEGORIES[c].split(" (")[0] for c in RI_CATEGORIES}
SHORT = {"ifse": "IFSE", "cia": "CIA", "iat": "IAT", "ifts": "IFTS", "iemp": "IEMP", "pfr": "PFR", "iss": "ISS",
         "psr": "PSR", "idiis": "IDIIS", "ismf": "ISMF", "autre_prime": "autre prime"}


def _per_month_by_category(lines: pd.DataFrame) -> pd.DataFrame:
    """Amounts per (matricule, period month) with one column per category (0 when absent)."""
    wide = lines.pivot_table(index=["matricule", "period_year", "period_month"], columns="category",
                             values="paid", aggfunc="sum", fill_value=0.0)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def _period_start(lines: pd.DataFrame) -> np.ndarray:
    """First day of the month each line pays (period_year, period_month), as datetime64[D]."""
    months = (lines["period_year"].to_numpy(dtype="int64") - 1970) * 12 + lines["period_month"].to_numpy(dtype="int64") - 1
    return months.astype("datetime64[M]").astype("datetime64[D]")


# --- RIFSEEP-008 ---------------------------------------------------------------------------------


@rule("RIFSEEP-008", "Cumul interdit le même mois (IFSE et ancien régime, IAT et IFTS, ancien régime après le RIFSEEP)",
      "irregularite",
      f"{DECRET}, art. 5 ; décret 2002-61 du 14 janvier 2002, art. 5 ; délibération instituant le RIFSEEP")
def forbidden_cumulation(ctx: RuleContext):
    """Ce que la règle vérifie : pour un même agent et un même mois payé, pas d'IFSE avec l'IAT,
    l'IFTS, l'IEMP, la PFR, l'ISS ou la PSR ; pas d'IAT avec l'IFTS ; et pas d'ancien régime
    versé à un agent relevant d'un groupe RIFSEEP après la date d'effet de la délibération.

    Pourquoi : le RIFSEEP est exclusif des primes liées aux fonctions et à la manière de servir
    (art. 5) ; l'IAT n'est pas cumulable avec l'IFTS. Montant en jeu : l'ancien régime versé avec
    l'IFSE ou après le RIFSEEP ; pour IAT + IFTS seuls, le plus petit des deux.

    Texte : décret 2014-513, art. 5 ; décret 2002-61, art. 5 ; décret 2002-63.

    Exemple : IFSE 400 EUR et IAT 120 EUR en mars : 120 EUR en jeu.
    """
    cats = ["ifse", *LEGACY_EXCLUSIVE_OF_RIFSEEP]
    lines = ri_lines(ctx, cats)
    if lines.empty:
        return
    wide = _per_month_by_category(lines)
    for c in cats:
        if c not in wide:
            wide[c] = 0.0
    rif = getattr(ctx.deliberation, "rifseep", None)
    if rif is not None:
        wide = wide.merge(agent_groups(ctx), on=["matricule", "period_year"], how="left")
        wide["after_rifseep"] = wide["group"].notna().to_numpy() & (_period_start(wide) >= np.datetime64(rif.effective_date, "D"))
    else:
        wide["after_rifseep"] = False
    legacy = list(LEGACY_EXCLUSIVE_OF_RIFSEEP)
    wide["legacy"] = wide[legacy].sum(axis=1)
    # The months an older regime is paid with the IFSE, after the RIFSEEP, or IAT with IFTS.
    forbidden = wide["ifse"].ne(0) | wide["after_rifseep"] | (wide["iat"].ne(0) & wide["ifts"].ne(0))
    wide = wide[(wide["legacy"].ne(0) & forbidden).to_numpy()]
    evidence = evidence_of(lines, wide, ["matricule", "period_year", "period_month"])
    for row in wide.itertuples(index=False):
        paid = {c: getattr(row, c) for c in legacy if getattr(row, c) != 0}
        names = ", ".join(f"{SHORT[c]} {eur(v)}" for c, v in paid.items())
        period = month_label(row.period_year, row.period_month)
        if row.ifse != 0:
            amount = row.legacy
            why = (f"l'IFSE ({eur(row.ifse)}) et {names} ; le RIFSEEP est exclusif de ces primes : {eur(amount)} versés "
                   f"sans base ({DECRET}, art. 5)")
        elif row.after_rifseep:
            amount = row.legacy
            why = (f"{names} alors qu'il relève du groupe RIFSEEP {row.group} depuis le {rif.effective_date:%d/%m/%Y} "
                   f"({decision_label(ctx, rif.decision)}) : {eur(amount)} versés au titre d'un régime remplacé "
                   f"({DECRET}, art. 5)")
        elif row.iat != 0 and row.ifts != 0:
            amount = min(row.iat, row.ifts)
            why = (f"l'IAT ({eur(row.iat)}) et l'IFTS ({eur(row.ifts)}), non cumulables ; montant en jeu, le plus petit des "
                   f"deux : {eur(amount)} (décret 2002-61, art. 5)")
        else:
            continue
        yield ctx.finding(
            matricule=row.matricule, year=row.period_year, month=row.period_month, amount=amount,
            evidence=evidence.get((row.matricule, row.period_year, row.period_month)),
            message=f"Pour {period}, l'agent {row.matricule} a perçu {why}.",
        )


# --- RIFSEEP-009 ---------------------------------------------------------------------------------


@rule("RIFSEEP-009", "IAT hors catégories B et C, IFTS hors catégories A et B (B selon l'indice)", "irregularite",
      "Décret 2002-61 du 14 janvier 2002, art. 2 (IAT) ; décret 2002-63 du 14 janvier 2002, art. 2 (IFTS)")
def legacy_eligibility(ctx: RuleContext):
    """Ce que la règle vérifie : l'IAT n'est versée qu'à la catégorie C et à la catégorie B dont
    l'indice ne dépasse pas le seuil (indice brut 380) ; l'IFTS qu'à la catégorie A et à la
    catégorie B au-dessus de ce seuil. Seuil dans regimes_indemnitaires.yaml. Montant en jeu : la
    prime versée à un agent non éligible.

    Pourquoi : les décrets réservent chaque prime à des agents précis ; versée hors champ, elle
    est sans base légale.

    Texte : décret 2002-61, art. 2 ; décret 2002-63, art. 2.

    Exemple : IAT de 100 EUR à un attaché (catégorie A) : 100 EUR en jeu.
    """
    lines = ri_lines(ctx, ["iat", "ifts"])
    if lines.empty:
        return
    months = lines.groupby(["matricule", "year", "month", "category"], sort=True).agg(
        paid=("paid", "sum"), categorie=("categorie", "first"), indice=("indice", "first")).reset_index()
    ctx.skipped(int(months["categorie"].isna().sum()), "mois-agents payés d'IAT ou d'IFTS", "catégorie inconnue")
    months = months[_ineligible(ctx, months)]
    evidence = evidence_of(lines, months, ["matricule", "year", "month", "category"])
    for row in months.itertuples(index=False):
        threshold = float(ri_param(ctx, "ifts_indice_majore_seuil_b", row.year, row.month))
        ib = int(ri_param(ctx, "ifts_indice_brut_seuil_b", row.year, row.month))
        cat = row.categorie if pd.notna(row.categorie) else None
        indice = float(row.indice) if pd.notna(row.indice) else None
        if row.category == "iat":
            wrong = cat == "A" or (cat == "B" and indice is not None and indice > threshold)
            rule_text = f"l'IAT est réservée à la catégorie C et à la catégorie B jusqu'à l'indice brut {ib}, soit l'indice majoré {threshold:.0f} à cette date (décret 2002-61, art. 2)"
        else:
            wrong = cat == "C" or (cat == "B" and indice is not None and indice <= threshold)
            rule_text = f"l'IFTS est réservée à la catégorie A et à la catégorie B au-delà de l'indice brut {ib}, soit l'indice majoré {threshold:.0f} à cette date (décret 2002-63, art. 2)"
        if not wrong:
            continue
        who = f"catégorie {cat}" + (f", indice majoré {indice:.0f}" if indice is not None else "")
        yield ctx.finding(
            matricule=row.matricule, year=row.year, month=row.month, amount=row.paid,
            evidence=evidence.get((row.matricule, row.year, row.month, row.category)),
            message=(
                f"En {month_label(row.year, row.month)}, l'agent {row.matricule} ({who}) a perçu {eur(row.paid)} "
                f"d'{SHORT[row.category]} ; {rule_text} : {eur(row.paid)} versés sans base."
            ),
        )


def _ineligible(ctx: RuleContext, months: pd.DataFrame) -> np.ndarray:
    """The agent-months of IAT or IFTS paid outside the catégories and indices of RIFSEEP-009 (on
    whole columns; each is then worded one by one)."""
    threshold = ri_params(ctx, "ifts_indice_majore_seuil_b", months["year"], months["month"]).to_numpy()
    cat = months["categorie"].astype("string").fillna("").to_numpy(dtype=object)
    indice = months["indice"].astype("Float64").astype(float).to_numpy()
    known = ~np.isnan(indice)
    iat = months["category"].astype("string").eq("iat").fillna(False).to_numpy(dtype=bool)
    wrong_iat = (cat == "A") | ((cat == "B") & known & (indice > threshold))
    wrong_ifts = (cat == "C") | ((cat == "B") & known & (indice <= threshold))
    return np.where(iat, wrong_iat, wrong_ifts)


# --- RIFSEEP-010 ---------------------------------------------------------------------------------


@rule("RIFSEEP-010", "Primes versées à des vacataires horaires", "irregularite",
      "CGFP L.714-4 [loi 84-53, art. 88] et loi 84-53, art. 136 ; décret 88-145 du 15 février 1988, art. 1 (le vacataire n'est pas un agent contractuel)")
def bonuses_to_vacataires(ctx: RuleContext):
    """Ce que la règle vérifie : aucune prime ou indemnité du régime indemnitaire (IFSE, CIA, IAT,
    IFTS, autres primes) n'est versée à un vacataire horaire (population « vacataire »).

    Pourquoi : le vacataire est rémunéré à l'acte ou à l'heure pour une tâche précise ; il n'est
    ni fonctionnaire ni contractuel et le régime indemnitaire délibéré ne le vise pas.

    Texte : CGFP L.714-4 (loi 84-53, art. 88) ; décret 88-145, art. 1.

    Exemple : un vacataire d'animation payé 80 EUR d'IFSE en juillet : 80 EUR en jeu.
    """
    lines = ri_lines(ctx, RI_CATEGORIES)
    lines = lines[lines["population"].fillna("") == "vacataire"]
    return flagged_line_findings(
        ctx, lines, amount="total",
        agg=dict(total=("paid", "sum"), names=("category", lambda c: ", ".join(sorted({SHORT[x] for x in c})))),
        message=lambda r: (
            f"En {month_label(r.year, r.month)}, le vacataire {r.matricule} a perçu {eur(r.total)} de régime "
            f"indemnitaire ({r.names}) ; un vacataire horaire, rémunéré à la tâche, n'y est pas éligible "
            f"({law_ref('L.714-4', 'loi 84-53, art. 88', r.year, r.month)} ; décret 88-145, art. 1)."
        ),
    )


# --- RIFSEEP-011 ---------------------------------------------------------------------------------


class _NationalElement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nom: str
    motif: str
    texte: str


class _NationalElements(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    elements: list[_NationalElement]


@lru_cache(maxsize=4)
def national_elements(path: str | None = None) -> list[tuple[re.Pattern, _NationalElement]]:
    """Pay elements set by national texts (configs/elements_nationaux.yaml), compiled."""
    hint = "Corrigez configs/elements_nationaux.yaml (nom, motif, texte)."
    spec = configfile.load_yaml_model(Path(path) if path else paths.configs_dir() / "elements_nationaux.yaml",
                                      _NationalElements, ParameterError, hint)
    try:
        return [(re.compile(e.motif), e) for e in spec.elements]
    except re.error as exc:
        raise ParameterError(f"configs/elements_nationaux.yaml : motif illisible ({exc}). {hint}") from exc


def national_basis(labels: pd.Series) -> pd.Series:
    """The national text of each label that names a nationally set element (NA otherwise)."""
    found = {}
    for label in labels.dropna().unique():
        text = normalize_label(label)
        found[label] = next((f"{e.nom} ({e.texte})" for rx, e in national_elements() if rx.search(text)), None)
    return labels.map(found).astype("string")



@rule("RIFSEEP-011", "Prime versée sans délibération", "irregularite",
      "CGFP L.714-4 [loi 84-53, art. 88] ; décret 91-875 du 6 septembre 1991, art. 2 ; loi 2000-321, art. 37-1 (répétition de l'indu)", requires=("deliberation",))
def bonus_without_deliberation(ctx: RuleContext):
    """Ce que la règle vérifie : chaque catégorie de prime du régime indemnitaire trouvée dans la
    paie a une délibération qui la fonde (`bonuses_with_basis`, ou la section `rifseep` pour l'IFSE
    et le CIA, à partir de sa date d'effet). Un constat par agent, année et prime, montant en jeu :
    tout ce qui a été versé. Ne s'exécute qu'avec un fichier de délibérations.

    Pourquoi : sans délibération fixant la nature, les bénéficiaires et les plafonds, la prime n'a
    pas de base légale ; l'indu est répétible pendant deux ans.

    Texte : CGFP L.714-4 (loi 84-53, art. 88) ; décret 91-875, art. 2 ; loi 2000-321, art. 37-1.

    Ne sont jamais « sans délibération » : les montants négatifs (retenues, régularisations) et
    les éléments fixés par un texte national (SFT, indemnité de résidence, GIPA, indemnité
    différentielle, indemnité compensatrice de la CSG...) même classés parmi les primes : leur
    liste et leurs textes sont dans configs/elements_nationaux.yaml.

    Exemple : une « prime informatique » classée autre_prime sans délibération, 50 EUR × 12 :
    600 EUR en jeu ; une « INDEMNITE COMPENSATRICE CSG » classée autre prime, ou une retenue
    de −40 EUR sur l'IAT → rien.
    """
    delib = ctx.deliberation
    lines = ri_lines(ctx, RI_CATEGORIES)
    if lines.empty:
        return
    lines = lines[national_basis(lines["label"]).isna().to_numpy()]
    rif = delib.rifseep
    rif_start = delib.versions("rifseep")[0][0] if rif is not None else None  # the first RIFSEEP in force
    based = set(delib.bonuses_with_basis)
    unfounded = ~lines["category"].isin(sorted(based))
    when = _period_start(lines)
    month_end = (when.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    # A délibération dated after the month paid does not ground it (no retroactivity).
    codes, categories = pd.factorize(lines["category"])
    dates = {c: delib.decision_date(d) for c, d in delib.bonuses_with_basis.items()}
    basis_date = np.array([np.datetime64(dates[c], "D") if dates.get(c) else np.datetime64("NaT", "D") for c in categories]
                          + [np.datetime64("NaT", "D")], dtype="datetime64[D]")[codes]
    unfounded = unfounded | pd.Series(basis_date > month_end, index=lines.index)
    if rif is not None:
        # The RIFSEEP section grounds IFSE and CIA from its effective date, and only from then.
        rifseep_line = lines["category"].isin(["ifse", "cia"])
        unfounded = unfounded.where(~rifseep_line, when < np.datetime64(rif_start, "D"))
    bad = lines[unfounded.to_numpy()]
    evidence = evidence_by(bad, ["matricule", "period_year", "category"])
    for (matricule, year, category), g in bad.groupby(["matricule", "period_year", "category"], sort=True):
        total = float(g["paid"].sum())
        if total <= 0:
            continue  # a deduction or a regularisation, netted with what it corrects: nothing paid
        decision = delib.decision(delib.bonuses_with_basis.get(category))
        if category in ("ifse", "cia") and rif is not None:
            why = f"versée pour des mois antérieurs à la date d'effet du RIFSEEP ({rif_start:%d/%m/%Y})"
        elif decision is not None:
            why = (f"versée pour des mois antérieurs à la délibération {decision.id} du {decision.date:%d/%m/%Y} qui "
                   f"la fonde (une délibération ne rétroagit pas)")
        else:
            why = "qu'aucune délibération du fichier ne fonde (section bonuses_with_basis)"
        yield ctx.finding(
            matricule=matricule, year=year, amount=total, evidence=evidence.get((matricule, year, category)),
            message=(
                f"En {int(year)}, l'agent {matricule} a perçu {eur(total)} de {LEGACY_LABELS[category]} ({g['period_month'].nunique()} "
                f"mois), prime {why} ; sans délibération, le versement n'a pas de base légale ({law_ref('L.714-4', 'loi 84-53, art. 88', year)})."
            ),
        )
