"""Staff the civil-service rules do not fit: rule STATUT-001 (statut à qualifier).

Population `a_qualifier` (configs/grades.yaml): no grade, no indice and a fixed salary line, not
a titulaire or stagiaire. Private-law staff of a SPIC or contracts outside the grids: their pay
follows their contract or the code du travail, not the décrets of the fonction publique, so the
pay rules leave them out (rules/_paie.lines_of) and this rule says so once per agent.
"""

from __future__ import annotations

import pandas as pd

from ..model import GROSS_KINDS, PAYSLIP_KEY
from . import RuleContext, rule
from ._paie import UNQUALIFIED, eur, month_label, row_findings


@rule("STATUT-001", "Agent au statut à qualifier (sans grade ni indice, salaire fixe)", "alerte",
      "Loi 84-53 du 26 janvier 1984, art. 3 et 136 (agents contractuels) ; code du travail (salariés de droit "
      "privé des services publics industriels et commerciaux)")
def statut_to_qualify(ctx: RuleContext):
    """Ce que la règle vérifie : les agents dont les bulletins ne portent ni grade ni indice
    majoré, mais une ligne de salaire fixe, et qui ne sont ni titulaires ni stagiaires (population
    `a_qualifier`, configs/grades.yaml). Un constat par agent, une seule fois, avec ses mois de
    paie et le brut versé (montant concerné, pas un indu).

    Pourquoi : un salarié de droit privé d'un SPIC ou un contrat hors grilles n'est pas payé selon
    les décrets de la fonction publique (traitement indiciaire, NBI, SFT, IHTS, RIFSEEP) ; lui
    appliquer ces règles produirait de faux constats, et ne pas le dire laisserait croire qu'il a
    été contrôlé. Son statut est à établir (contrat, délibération créant l'emploi, convention
    collective) avant tout contrôle de sa rémunération.

    Texte : loi 84-53, art. 3 et 136 ; code du travail.

    Exemple : un contractuel sans grade ni indice payé « SALAIRE DE BASE » 2 100 EUR chaque mois
    de 2011 → un constat pour l'agent ; un contractuel sur l'indice majoré 350 → rien.
    """
    ps = ctx.payslips
    slips = ps[ps["population"].fillna("").eq(UNQUALIFIED)]
    if slips.empty:
        return []
    pl = ctx.pay_lines
    keys = slips[PAYSLIP_KEY].drop_duplicates()
    lines = pl[pl["kind"].isin(GROSS_KINDS)].merge(keys, on=PAYSLIP_KEY)
    per = slips.groupby("matricule", as_index=False).agg(
        months=("month", "size"), gross=("gross", "sum"), statut=("statut", "first"), emploi=("emploi", "first"),
        first_year=("year", "min"), last_year=("year", "max"))
    ordered = slips.sort_values(["year", "month"]).groupby("matricule")
    first, last = ordered.first(), ordered.last()
    per["first_month"] = [month_label(first.loc[m, "year"], first.loc[m, "month"]) for m in per["matricule"]]
    per["last_month"] = [month_label(last.loc[m, "year"], last.loc[m, "month"]) for m in per["matricule"]]
    # Without a declared gross (MtBrut), the gross lines paid.
    per["gross"] = [float(g) if pd.notna(g) else float(lines.loc[lines["matricule"] == m, "amount"].sum())
                    for m, g in zip(per["matricule"], per["gross"])]
    return row_findings(
        ctx, per, lines, keys=["matricule"], amount_concerned="gross",
        message=lambda r: (
            f"L'agent {r.matricule} (statut {r.statut if pd.notna(r.statut) else 'non renseigné'}, emploi "
            f"« {r.emploi if pd.notna(r.emploi) else 'non renseigné'} ») est payé d'un salaire fixe sans grade ni "
            f"indice majoré sur {r.months} bulletin(s), de {r.first_month} à {r.last_month} ({eur(r.gross)} de "
            f"brut) : statut à qualifier (salarié de droit privé d'un SPIC, contrat hors grilles ?). Les règles de "
            f"paie de la fonction publique ne lui sont pas appliquées ; vérifier son contrat et la délibération "
            f"créant l'emploi."),
    )
