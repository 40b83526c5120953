"""RIFSEEP rules: IFSE and CIA against the délibération's and the State's ceilings, CIA payment
pattern, part-time proration, maintenance during long sick leave, spread of the régime
indemnitaire (RIFSEEP-001..007, 012). The older regimes (cumulations, eligibility, vacataires,
bonuses with no délibération) are in regimes.py.

Annual ceilings are compared with annual sums in full-time equivalent (each payment divided by
the quotité of its payslip), never monthly amounts; the amount at stake is the excess actually
paid (the full-time excess scaled back by the agent's paid/full-time ratio).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import RI_NET_CATEGORIES
from ..params import ParameterError
from ..text import ascii_fold
from . import RuleContext, rule
from ._paie import MONTH_PAID, eur, law_ref, month_label, num, of_agents, row_findings
from ._ri import (RI, DECRET, agent_groups, decision_label, evidence_of, last_payslips, months_on_payroll,
                  ri_lines, ri_param, ri_params)


def housed_matricules(ctx: RuleContext) -> set[str]:
    """Agents housed by necessity of service (benefit in kind 'logement' in the délibérations)."""
    delib = ctx.deliberation
    return {str(b.matricule) for b in (delib.benefits_in_kind if delib else []) if b.nature == "logement"}


def _normalise(text: str) -> str:
    """'Adjoints techniques' -> 'adjoint technique' (no accents, no plural), to match the table."""
    words = re.split(r"\s+", ascii_fold(text).strip())
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


@dataclass(frozen=True)
class StateCeiling:
    corps: str  # the State corps, as described in rifseep_etat.yaml
    group: str
    ifse: float
    ifse_housed: float
    cia: float
    source: str


def state_ceiling(ctx: RuleContext, group, year: int) -> StateCeiling | None:
    """State ceilings of the corps equivalent to a délibération group, in force in `year`
    (None when the corps or its groupe de fonctions is unknown)."""
    when = (int(year), 1)
    corps = group.state_corps
    if corps is None:
        try:
            table = {_normalise(k): v for k, v in ctx.params.value("rifseep_etat.equivalences", when).items()}
        except ParameterError:
            return None
        corps = next((table[_normalise(c)] for c in group.cadres_emplois if _normalise(c) in table), None)
    if corps is None:
        return None
    state_group = group.state_group or ("G" + "".join(ch for ch in group.name if ch.isdigit()))
    try:
        res = ctx.params.resolve(f"rifseep_etat.{corps}", when)
    except ParameterError:
        return None
    grid = res.value.get(state_group)
    if grid is None:
        return None
    label = ctx.params.parameter(f"rifseep_etat.{corps}").description
    return StateCeiling(label, state_group, float(grid["ifse"]), float(grid["ifse_loge"]), float(grid["cia"]), res.source)


def _annual(ctx: RuleContext, category: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(annual, lines) of `category`: per (matricule, year of the period paid) paid, fte, months on
    payroll, group, housed; and the lines summed. Computed once per check (shared: do not modify)."""
    return ctx.shared(("ri_annual", category), lambda: _compute_annual(ctx, category))


def _compute_annual(ctx: RuleContext, category: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    lines = ri_lines(ctx, [category])
    if lines.empty:
        return lines.assign(months=pd.Series(dtype=float), group=pd.Series(dtype="string")), lines
    annual = lines.groupby(["matricule", "period_year"], sort=True).agg(paid=("paid", "sum"), fte=("fte", "sum"),
                                                                        months_paid=("period_month", "nunique"))
    annual = annual.reset_index().merge(months_on_payroll(ctx), on=["matricule", "period_year"], how="left")
    annual["months"] = annual["months"].fillna(annual["months_paid"]).astype(float).clip(upper=12)
    annual = annual.merge(agent_groups(ctx), on=["matricule", "period_year"], how="left")
    annual["housed"] = annual["matricule"].astype(str).isin(housed_matricules(ctx))
    return annual, lines


def _groups_by_name(ctx: RuleContext) -> dict:
    rif = getattr(ctx.deliberation, "rifseep", None)
    return {g.name: g for g in rif.groups} if rif else {}


def _annual_in_groups(ctx: RuleContext, category: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(annual rows, lines, délibération groups by name) of the agent-years paid `category` whose
    group the délibération defines, the annual rows in (matricule, year) order; nothing (empty
    frames) without a RIFSEEP délibération. The agent-years left without a group are recorded."""
    groups = _groups_by_name(ctx)
    if not groups:
        return pd.DataFrame(), pd.DataFrame(), groups
    annual, lines = _annual(ctx, category)
    if annual.empty:
        return annual, lines, groups
    known = annual["group"].isin(list(groups))
    ctx.skipped(int((~known).sum()), "agent-années payées",
                "aucun groupe de fonctions de la délibération (référentiel agents ou affectations rifseep.assignments)")
    return annual[known.to_numpy()], lines, groups


def _group_values(rows: pd.DataFrame, groups: dict, attribute: str) -> pd.Series:
    """The délibération group's `attribute` (a ceiling) of each row, as float (NaN when not set)."""
    values = {name: getattr(g, attribute) for name, g in groups.items()}
    return rows["group"].map(values).astype(float)


def _above(excess: pd.Series, tol: pd.Series) -> np.ndarray:
    """Rows whose `excess` may pass the tolerance `tol`: a vector preselection, a few cents wide,
    of the rows each rule then judges one by one with the exact arithmetic of its text."""
    return ~(excess.to_numpy(dtype=float) <= tol.to_numpy(dtype=float) - 0.01)


def _paid_excess(row, allowed_fte: float) -> float:
    """Excess actually paid: the full-time excess scaled by the paid / full-time ratio."""
    return (row.fte - allowed_fte) * (row.paid / row.fte if row.fte else 1.0)


def _fte_text(row) -> str:
    if abs(row.paid - row.fte) < 0.005:
        return eur(row.paid)
    return f"{eur(row.paid)} ({eur(row.fte)} en équivalent temps plein)"


# --- RIFSEEP-001 ---------------------------------------------------------------------------------


@rule("RIFSEEP-001", "IFSE annuelle au-delà du plafond du groupe de fonctions", "irregularite",
      f"{DECRET}, art. 2 ; CGFP L.714-4 [loi 84-53 du 26 janvier 1984, art. 88] ; délibération instituant le RIFSEEP", requires=("deliberation.rifseep",))
def ifse_above_group_ceiling(ctx: RuleContext):
    """Ce que la règle vérifie : l'IFSE versée sur l'année (somme des versements rattachés au mois
    qu'ils paient, en équivalent temps plein) ne dépasse pas le plafond annuel du groupe de
    fonctions de l'agent fixé par la délibération (plafond « logé » pour un agent logé pour
    nécessité absolue de service), proratisé au nombre de mois de paie de l'année.

    Pourquoi : la délibération fixe les plafonds ; un montant individuel au-delà est dépourvu de
    base légale et constitue un trop-perçu.

    Texte : décret 2014-513 du 20 mai 2014, art. 2 ; CGFP L.714-4 et s. (loi 84-53, art. 88).

    Exemple : groupe C1 plafonné à 11 340 EUR, agent à temps plein payé 1 000 EUR par mois
    pendant 12 mois : 12 000 EUR, dépassement 660 EUR.
    """
    annual, lines, groups = _annual_in_groups(ctx, "ifse")
    if annual.empty:
        return
    housed_ceiling = _group_values(annual, groups, "ifse_annual_ceiling_housed")
    ceiling = housed_ceiling.where(annual["housed"] & housed_ceiling.notna(), _group_values(annual, groups, "ifse_annual_ceiling"))
    tol = ri_params(ctx, "ecart_plafond_annuel_eur", annual["period_year"])
    rows = annual[_above(annual["fte"] - ceiling * annual["months"] / 12, tol)]
    evidence = evidence_of(lines, rows, ["matricule", "period_year"])
    for row in rows.itertuples(index=False):
        g = groups[row.group]
        housed = bool(row.housed and g.ifse_annual_ceiling_housed is not None)
        ceiling = g.ifse_annual_ceiling_housed if housed else g.ifse_annual_ceiling
        allowed = ceiling * row.months / 12
        tol = float(ri_param(ctx, "ecart_plafond_annuel_eur", row.period_year))
        if row.fte - allowed <= tol:
            continue
        excess = _paid_excess(row, allowed)
        yield ctx.finding(
            matricule=row.matricule, year=row.period_year, amount=excess, evidence=evidence.get((row.matricule, row.period_year)),
            message=(
                f"En {int(row.period_year)}, l'agent {row.matricule} (groupe {g.name}) a perçu une IFSE de "
                f"{_fte_text(row)} pour {num(row.months)} mois de paie ; le plafond annuel du groupe"
                f"{' (agent logé)' if housed else ''} fixé par la {decision_label(ctx, ctx.deliberation.rifseep.decision)} est de "
                f"{eur(ceiling)}, soit {eur(allowed)} pour {num(row.months)} mois. Dépassement payé : {eur(excess)} "
                f"({DECRET}, art. 2)."
            ),
        )


# --- RIFSEEP-002 ---------------------------------------------------------------------------------


@rule("RIFSEEP-002", "IFSE + CIA (plafond de la délibération ou montant versé) au-delà du plafond global du corps de l'État",
      "irregularite",
      "CGFP L.714-4 à L.714-6 (loi 84-53 du 26 janvier 1984, art. 88, modifié par la loi 2016-483 : parité sur la "
      "somme des deux parts) ; décret 91-875 du 6 septembre 1991 modifié par le décret 2020-182 ; "
      f"{DECRET} et arrêtés d'application par corps", requires=("deliberation.rifseep",))
def above_state_ceiling(ctx: RuleContext):
    """Ce que la règle vérifie : (1) pour chaque groupe de la délibération, la somme des plafonds
    d'IFSE et de CIA (IFSE des agents logés + CIA pour les logés) ne dépasse pas la somme des
    plafonds du groupe du corps de l'État équivalent (configs/parametres/rifseep_etat.yaml) ;
    (2) l'IFSE + le CIA versés à un agent sur l'année, en équivalent temps plein, ne dépassent pas
    ce plafond global de l'État (part d'IFSE proratisée aux mois de paie). La délibération répartit
    librement entre IFSE et CIA tant que la somme reste sous le plafond global. Le montant en jeu
    d'un agent est la part payée au-delà du plafond global de l'État et dans la limite des
    plafonds locaux (ce qui dépasse un plafond local est déjà compté par RIFSEEP-001 et 003).

    Pourquoi : principe de parité ; depuis la loi 2016-483, il s'apprécie sur le total des deux
    parts ; un plafond global local supérieur à celui de l'État est illégal et les versements
    au-delà sont indus.

    Texte : CGFP L.714-4 et s. (loi 84-53, art. 88) ; décret 91-875 (annexes, décret 2020-182) ;
    arrêtés cités dans rifseep_etat.yaml.

    Exemple : adjoints administratifs G1 de l'État, 11 340 + 1 260 = 12 600 EUR. Délibération C1 à
    12 000 d'IFSE + 600 de CIA = 12 600 EUR : légale, rien. Délibération à 12 000 + 1 260 =
    13 260 EUR : plafond global trop élevé de 660 EUR ; un agent payé 12 000 d'IFSE et 1 200 de
    CIA : 13 200 − 12 600 = 600 EUR en jeu.
    """
    groups = _groups_by_name(ctx)
    if not groups:
        return
    rif = ctx.deliberation.rifseep
    years = sorted(int(y) for y in ctx.payslips["year"].dropna().unique()) or [rif.effective_date.year]
    for year in years:
        for g in groups.values():
            st = state_ceiling(ctx, g, year)
            if st is None:
                continue
            pairs = [("", g.ifse_annual_ceiling, st.ifse)]
            if g.ifse_annual_ceiling_housed is not None:
                pairs.append((" des agents logés", g.ifse_annual_ceiling_housed, st.ifse_housed))
            for what, local_ifse, state_ifse in pairs:
                local, state = local_ifse + g.cia_annual_ceiling, state_ifse + st.cia
                if local > state + 0.005:
                    yield ctx.finding(
                        year=year,
                        message=(
                            f"La {decision_label(ctx, rif.decision)} fixe pour le groupe {g.name}{what} un plafond "
                            f"global de {eur(local)} ({eur(local_ifse)} d'IFSE + {eur(g.cia_annual_ceiling)} de CIA), "
                            f"au-delà du plafond global de l'État de {eur(state)} ({eur(state_ifse)} + {eur(st.cia)} ; "
                            f"corps « {st.corps} », groupe {st.group}) en vigueur en {year} : écart de "
                            f"{eur(local - state)} ({st.source} ; {law_ref('L.714-4', 'loi 84-53, art. 88', year)})."
                        ),
                    )
    annual, lines, groups = _annual_in_groups(ctx, "ifse")
    if annual.empty:
        return
    keys = ["matricule", "period_year"]
    states = {(name, y): state_ceiling(ctx, g, y) for name, g in groups.items() for y in annual["period_year"].unique()}
    cia = _annual(ctx, "cia")[0]
    cia = cia[keys + ["paid", "fte"]] if not cia.empty else pd.DataFrame(columns=keys + ["paid", "fte"])
    rows = annual.merge(cia.rename(columns={"paid": "cia_paid", "fte": "cia_fte"}), on=keys, how="left")
    rows = _above_state_ceiling(rows, groups, states, ri_params(ctx, "ecart_plafond_annuel_eur", rows["period_year"]))
    evidence = evidence_of(lines, rows, keys)
    for row in rows.itertuples(index=False):
        g = groups[row.group]
        st = states[(row.group, row.period_year)]
        if st is None:
            continue
        housed = bool(row.housed)
        local_ifse = (g.ifse_annual_ceiling_housed if housed and g.ifse_annual_ceiling_housed is not None
                      else g.ifse_annual_ceiling)
        state_ifse = st.ifse_housed if housed else st.ifse
        share = row.months / 12
        cia_paid, cia_f = (0.0, 0.0) if pd.isna(row.cia_paid) else (row.cia_paid, row.cia_fte)
        # What is paid within the local ceilings (beyond them: RIFSEEP-001 and RIFSEEP-003).
        within_local = min(row.fte, local_ifse * share) + min(cia_f, g.cia_annual_ceiling)
        state = state_ifse * share + st.cia
        tol = float(ri_param(ctx, "ecart_plafond_annuel_eur", row.period_year))
        if within_local - state <= tol:
            continue
        total_paid, total_fte = row.paid + cia_paid, row.fte + cia_f
        excess = (within_local - state) * (total_paid / total_fte if total_fte else 1.0)
        yield ctx.finding(
            matricule=row.matricule, year=row.period_year, amount=excess, evidence=evidence.get((row.matricule, row.period_year)),
            message=(
                f"En {int(row.period_year)}, l'agent {row.matricule} (groupe {g.name}) a perçu une IFSE de {_fte_text(row)} "
                f"pour {num(row.months)} mois et un CIA de {eur(cia_paid)} ; le plafond global de l'État du corps "
                f"équivalent (« {st.corps} », groupe {st.group}{', agent logé' if housed else ''}) est de "
                f"{eur(state_ifse)} d'IFSE + {eur(st.cia)} de CIA par an, soit {eur(state)} pour {num(row.months)} mois. "
                f"Montant payé au-delà du plafond global de l'État (et dans la limite des plafonds locaux) : "
                f"{eur(excess)} ({st.source} ; {law_ref('L.714-4', 'loi 84-53, art. 88', row.period_year)})."
            ),
        )


def _above_state_ceiling(rows: pd.DataFrame, groups: dict, states: dict, tol: pd.Series) -> pd.DataFrame:
    """The agent-years of `rows` (annual IFSE with the year's CIA, `cia_paid` and `cia_fte`) that
    may pass the State's global ceiling: RIFSEEP-002's arithmetic on whole columns, to preselect."""
    known = pd.DataFrame([(name, year, st.ifse, st.ifse_housed, st.cia) for (name, year), st in states.items() if st],
                         columns=["group", "period_year", "st_ifse", "st_ifse_housed", "st_cia"])
    st = rows[["group", "period_year"]].merge(known.astype({"group": rows["group"].dtype, "period_year": rows["period_year"].dtype}),
                                               on=["group", "period_year"], how="left")
    housed = rows["housed"].to_numpy(dtype=bool)
    state_ifse = np.where(housed, st["st_ifse_housed"].to_numpy(dtype=float), st["st_ifse"].to_numpy(dtype=float))
    housed_ceiling = _group_values(rows, groups, "ifse_annual_ceiling_housed")
    local_ifse = housed_ceiling.where(rows["housed"] & housed_ceiling.notna(), _group_values(rows, groups, "ifse_annual_ceiling"))
    share = rows["months"].to_numpy(dtype=float) / 12
    within_local = (np.minimum(rows["fte"].to_numpy(dtype=float), local_ifse.to_numpy() * share)
                    + np.minimum(rows["cia_fte"].fillna(0.0).to_numpy(dtype=float),
                                 _group_values(rows, groups, "cia_annual_ceiling").to_numpy()))
    state_cia = st["st_cia"].to_numpy(dtype=float)
    excess = pd.Series(within_local - (state_ifse * share + state_cia))
    return rows[_above(excess, tol) & ~np.isnan(state_cia)]


# --- RIFSEEP-003 ---------------------------------------------------------------------------------


@rule("RIFSEEP-003", "CIA annuel au-delà du plafond du groupe de fonctions", "irregularite",
      f"{DECRET}, art. 4 ; délibération instituant le RIFSEEP", requires=("deliberation.rifseep",))
def cia_above_ceiling(ctx: RuleContext):
    """Ce que la règle vérifie : le CIA versé au titre d'une année (en équivalent temps plein) ne
    dépasse pas le plafond annuel de CIA du groupe de fonctions de l'agent fixé par la délibération.

    Pourquoi : le CIA est plafonné par groupe ; l'excédent est un trop-perçu.

    Texte : décret 2014-513, art. 4 ; délibération.

    Exemple : plafond C1 de 1 260 EUR, CIA de 1 500 EUR versé en novembre : 240 EUR en jeu.
    """
    annual, lines, groups = _annual_in_groups(ctx, "cia")
    if annual.empty:
        return
    tol = ri_params(ctx, "ecart_plafond_annuel_eur", annual["period_year"])
    rows = annual[_above(annual["fte"] - _group_values(annual, groups, "cia_annual_ceiling"), tol)]
    evidence = evidence_of(lines, rows, ["matricule", "period_year"])
    for row in rows.itertuples(index=False):
        g = groups[row.group]
        tol = float(ri_param(ctx, "ecart_plafond_annuel_eur", row.period_year))
        if row.fte - g.cia_annual_ceiling <= tol:
            continue
        excess = _paid_excess(row, g.cia_annual_ceiling)
        yield ctx.finding(
            matricule=row.matricule, year=row.period_year, amount=excess, evidence=evidence.get((row.matricule, row.period_year)),
            message=(
                f"En {int(row.period_year)}, l'agent {row.matricule} (groupe {g.name}) a perçu un CIA de {_fte_text(row)} ; "
                f"le plafond annuel de CIA du groupe fixé par la {decision_label(ctx, ctx.deliberation.rifseep.decision)} est de "
                f"{eur(g.cia_annual_ceiling)}. Dépassement payé : {eur(excess)} ({DECRET}, art. 4)."
            ),
        )


# --- RIFSEEP-004 ---------------------------------------------------------------------------------


@rule("RIFSEEP-004", "CIA versé en plus de deux fois ou du même montant chaque mois", "irregularite",
      f"{DECRET}, art. 4 ; circulaire du 5 décembre 2014, § 2.2 ; décret 2014-1526 (entretien professionnel)")
def cia_instalments(ctx: RuleContext):
    """Ce que la règle vérifie : le CIA d'une année est versé en une ou deux fois au plus ; un CIA
    versé plus souvent, a fortiori du même montant chaque mois, est automatique et non lié à
    l'entretien professionnel.

    Pourquoi : le CIA rémunère l'engagement professionnel apprécié lors de l'entretien annuel ; un
    versement mensuel identique est en réalité un complément d'IFSE déguisé.

    Texte : décret 2014-513, art. 4 ; circulaire du 5 décembre 2014 ; décret 2014-1526.

    Exemple : 12 versements de 50 EUR : les 10 versements au-delà des deux premiers (500 EUR) sont
    en jeu.
    """
    lines = ri_lines(ctx, ["cia"])
    if lines.empty:
        return
    monthly = lines.groupby(["matricule", "year", "month"], sort=True)["paid"].sum().reset_index()
    # Only the agent-years paid more often than allowed are looked at one by one.
    count = monthly.groupby(["matricule", "year"], sort=False)["month"].transform("size")
    monthly = monthly[(count > ri_params(ctx, "cia_versements_maximum", monthly["year"])).to_numpy()]
    evidence = evidence_of(lines, monthly, ["matricule", "year"])
    for (matricule, year), g in monthly.groupby(["matricule", "year"], sort=True):
        most = int(ri_param(ctx, "cia_versements_maximum", year))
        if len(g) <= most:
            continue
        same = int(g["paid"].round(2).value_counts().max())
        identical = same >= int(ri_param(ctx, "cia_mois_identiques", year))
        excess = float(g["paid"].iloc[most:].sum())
        pattern = f", dont {same} du même montant (versement automatique)" if identical else ""
        yield ctx.finding(
            matricule=matricule, year=year, amount=excess, evidence=evidence.get((matricule, year)),
            message=(
                f"En {int(year)}, l'agent {matricule} a perçu le CIA en {len(g)} versements{pattern} pour un total de "
                f"{eur(g['paid'].sum())}, alors que le CIA est annuel et versé en {most} fois au plus après "
                f"l'entretien professionnel ; versements au-delà du {most}e : {eur(excess)} ({DECRET}, art. 4 ; "
                f"circulaire du 5 décembre 2014)."
            ),
        )


# --- RIFSEEP-005 ---------------------------------------------------------------------------------


@rule("RIFSEEP-005", "Part du CIA dans le plafond global au-delà du guide (15 / 12 / 10 %)", "alerte",
      "Circulaire du 5 décembre 2014 relative à la mise en œuvre du RIFSEEP, § 2.2", requires=("deliberation.rifseep",))
def cia_share_above_guide(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque groupe de la délibération, le plafond de CIA
    représente au plus 15 % (A), 12 % (B) ou 10 % (C) du plafond global IFSE + CIA.

    Pourquoi : la circulaire recommande ces proportions pour que le CIA reste un complément ; une
    part plus forte n'est pas illégale en soi mais s'écarte du guide (alerte).

    Texte : circulaire du 5 décembre 2014, § 2.2.

    Exemple : C1 avec IFSE 9 000 EUR et CIA 1 260 EUR : 1 260 / 10 260 = 12,3 % > 10 %.
    """
    groups = _groups_by_name(ctx)
    rif = getattr(ctx.deliberation, "rifseep", None)
    for g in groups.values():
        when = rif.effective_date
        guide = float(ctx.params.value(f"{RI}.cia_part_indicative", when)[g.categorie])
        total = g.ifse_annual_ceiling + g.cia_annual_ceiling
        if total <= 0 or g.cia_annual_ceiling / total <= guide + 1e-9:
            continue
        guide_cia = guide * total
        yield ctx.finding(
            message=(
                f"La {decision_label(ctx, rif.decision)} fixe pour le groupe {g.name} (catégorie {g.categorie}) un "
                f"plafond de CIA de {eur(g.cia_annual_ceiling)} sur un plafond global de {eur(total)}, soit "
                f"{num(100 * g.cia_annual_ceiling / total, 1)} % ; le guide de la circulaire du 5 décembre 2014 est "
                f"de {num(100 * guide, 0)} %, soit {eur(guide_cia)} : écart de {eur(g.cia_annual_ceiling - guide_cia)}."
            ),
        )


# --- RIFSEEP-006 ---------------------------------------------------------------------------------


@rule("RIFSEEP-006", "IFSE non proratisée pour un temps partiel ou un temps non complet", "irregularite",
      f"{DECRET}, art. 1 ; décret 82-624 du 20 mai 1982 et CGFP L.612-1 et s. [loi 84-53, art. 60] (temps partiel) ; "
      "décret 91-298 du 20 mars 1991 (temps non complet)")
def ifse_not_prorated(ctx: RuleContext):
    """Ce que la règle vérifie : dans une année où un agent a des mois à temps plein et des mois à
    temps partiel ou non complet (quotité < 1), l'IFSE d'un mois à quotité réduite n'est pas égale
    au montant d'un mois à temps plein. Le montant en jeu est IFSE payée × (1 − quotité).

    Pourquoi : l'IFSE suit le traitement et se proratise comme lui ; un montant inchangé quand la
    quotité baisse est un trop-perçu. Un agent à quotité réduite toute l'année n'est pas vu ici
    (pas de mois de référence) : son IFSE en équivalent temps plein est contrôlée par RIFSEEP-001.

    Texte : décret 2014-513 ; CGFP L.612-1 et s. (loi 84-53, art. 60) ; décret 91-298.

    Exemple : IFSE de 500 EUR de janvier à juin à temps plein, puis 500 EUR à 80 % (quotité 6/7) :
    500 × (1 − 6/7) = 71,43 EUR en jeu chaque mois.
    """
    lines = ri_lines(ctx, ["ifse"])
    lines = lines[~lines["back_pay"]]
    if lines.empty:
        return
    monthly = lines.groupby(["matricule", "year", "month"], sort=True).agg(paid=("paid", "sum"), quotite=("quotite", "first"))
    monthly = monthly.reset_index()
    monthly["quotite"] = monthly["quotite"].astype(float)
    full_time = monthly["quotite"] >= 0.9999
    # Each reduced-quotité month paired with the same agent-year's full-time amounts.
    pairs = monthly[~full_time].merge(monthly.loc[full_time, ["matricule", "year", "paid"]].rename(columns={"paid": "full"}),
                                      on=["matricule", "year"])
    tol = pairs["year"].map({y: float(ri_param(ctx, "ecart_montant_mensuel_eur", y)) for y in pairs["year"].unique()})
    same = pairs[(pairs["paid"] - pairs["full"]).abs().le(tol.astype(float))]
    same = same.drop_duplicates(["matricule", "year", "month"])
    evidence = evidence_of(lines, same, ["matricule", "year", "month"])
    for row in same.itertuples(index=False):
        matricule, year = row.matricule, row.year
        excess = row.paid * (1 - row.quotite)
        yield ctx.finding(
            matricule=matricule, year=year, month=row.month, amount=excess,
            evidence=evidence.get((matricule, year, row.month)),
            message=(
                f"En {month_label(year, row.month)}, l'agent {matricule}, à la quotité de {num(100 * row.quotite, 2)} %, "
                f"a perçu une IFSE de {eur(row.paid)}, le même montant qu'un mois à temps plein ; proratisée, elle "
                f"serait de {eur(row.paid * row.quotite)}. Trop-perçu : {eur(excess)} ({DECRET} ; "
                f"{law_ref('L.612-1 et s.', 'loi 84-53, art. 60', year, row.month)})."
            ),
        )


# --- RIFSEEP-007 ---------------------------------------------------------------------------------


def _month_overlaps(absences: pd.DataFrame) -> pd.DataFrame:
    """One row per absence and calendar month it touches, in the absences' order then the months':
    matricule, period_year, period_month, covered fraction of the month (frac) and type."""
    start = absences["start"].to_numpy(dtype="datetime64[D]")
    end = absences["end"].to_numpy(dtype="datetime64[D]")
    first_month = start.astype("datetime64[M]")
    count = np.maximum((end.astype("datetime64[M]") - first_month).astype("int64") + 1, 0)
    rec = np.repeat(np.arange(len(absences)), count)
    offset = np.arange(len(rec)) - np.repeat(np.cumsum(count) - count, count)
    month = first_month[rec] + offset.astype("timedelta64[M]")
    first = month.astype("datetime64[D]")
    ndays = ((month + 1).astype("datetime64[D]") - first).astype("int64")
    last = first + (ndays - 1).astype("timedelta64[D]")
    days = (np.minimum(end[rec], last) - np.maximum(start[rec], first)).astype("int64") + 1
    index = pd.DatetimeIndex(first)
    return pd.DataFrame({"matricule": absences["matricule"].astype(str).to_numpy()[rec],
                         "period_year": index.year.astype("int64"), "period_month": index.month.astype("int64"),
                         "frac": days / ndays, "type": absences["type"].to_numpy()[rec]})


def cmo_cut_days(ctx: RuleContext, absences: pd.DataFrame) -> pd.DataFrame:
    """One row per day of congé de maladie ordinaire whose traitement is reduced (90 % for the first
    three months of a CMO granted from 2025-03-01, 50 % beyond: pay.cmo_pay_rates): matricule,
    period_year, period_month, the share of the month's régime indemnitaire not due that day
    (cmo_cut) and the rate of the traitement (rate)."""
    from .. import pay
    from ._absences import month_days

    cmo = absences[(absences["type"] == "cmo") & absences["start"].notna() & absences["end"].notna()]
    days = month_days(cmo)
    matricule, day, rate = pay.cmo_pay_rates_by_agent(ctx.params, cmo.loc[days["rec"], "matricule"].astype(str).to_numpy(),
                                                      days["day"].to_numpy(), cmo.loc[days["rec"], "start"].to_numpy())
    cut, day = rate < 1, pd.DatetimeIndex(day)
    return pd.DataFrame({"matricule": matricule[cut], "period_year": day.year[cut].astype("int64"),
                         "period_month": day.month[cut].astype("int64"),
                         "cmo_cut": (1 - rate[cut]) / day.days_in_month[cut].to_numpy(dtype=float), "rate": rate[cut],
                         "day": day[cut]},
                        columns=MONTH_PAID + ["cmo_cut", "rate", "day"])


def _cmo_label(rates) -> str:
    """« cmo:90/50 »: the CMO rates of the traitement seen in a month, in the order of the days (the
    type of RIFSEEP-007's message)."""
    return "cmo:" + "/".join(f"{100 * x:g}" for x in dict.fromkeys(rates))


def _absence_types(rows: pd.DataFrame, months: pd.DataFrame, cut_days: pd.DataFrame) -> list[list[str]]:
    """The absence types (sorted) of each agent-month of `rows`: those of `months`, and
    « cmo:<rates> » when a CMO reduced the traitement that month (`cut_days`)."""
    def by_key(frame, column):
        frame = frame.merge(rows[MONTH_PAID].drop_duplicates(), on=MONTH_PAID)
        return {k: list(g[column]) for k, g in frame.groupby(MONTH_PAID, sort=False)} if not frame.empty else {}

    kinds, rates = by_key(months, "type"), by_key(cut_days.sort_values("day", kind="stable"), "rate")
    out = []
    for key in zip(rows["matricule"], rows["period_year"], rows["period_month"]):
        found = set(kinds.get(key, []))
        if key in rates:
            found.add(_cmo_label(rates[key]))
        out.append(sorted(found))
    return out


@rule("RIFSEEP-007", "Régime indemnitaire maintenu pendant un CLM, CLD, CGM, une absence où la délibération le suspend, "
      "ou au-delà du traitement réduit d'un congé de maladie ordinaire", "irregularite",
      "Décret 2010-997 du 26 août 2010, art. 1 et 2 ; CGFP L.714-4 à L.714-6 [loi 84-53, art. 88] (parité) ; "
      "CGFP L.822-3 [loi 84-53, art. 57] modifié par la loi 2025-127, art. 189 ; délibération instituant le RIFSEEP", requires=("absences",))
def ri_maintained_during_absence(ctx: RuleContext):
    """Ce que la règle vérifie : pendant un congé de longue maladie, de longue durée ou de grave
    maladie, et pendant toute absence pour laquelle la délibération ne maintient pas le régime
    indemnitaire (`maintained_during: {type: false}`), l'IFSE et les autres primes mensuelles (le
    CIA, annuel, est hors champ) sont suspendues au prorata des jours du mois couverts. Le montant
    dû d'un mois est le régime indemnitaire habituel de l'agent (médiane de ses mois sans absence
    suspensive de l'année) × part du mois non couverte ; l'excédent payé est en jeu. Pendant un
    congé de maladie ordinaire où la délibération maintient le régime, il suit le traitement
    dans les mêmes proportions : 90 % des trois premiers mois (90 jours sur douze mois glissants)
    pour les jours à compter du 1er mars 2025 (100 % avant), 50 % au-delà.

    Pourquoi : pour les agents de l'État, le décret 2010-997 suspend les primes en CLM, CLD et CGM ;
    une collectivité ne peut être plus favorable (parité), même si sa délibération le prévoit. Les
    primes versées pendant un CMO requalifié rétroactivement en CLM restent acquises (art. 1 II) :
    à vérifier dans le dossier.

    Texte : décret 2010-997, art. 1 et 2 ; CGFP L.714-6 (loi 84-53, art. 88) ; CGFP L.822-3
    (loi 2025-127, art. 189) ; paramètres `carence.cmo_*`.

    Exemple : IFSE habituelle 600 EUR, CLM du 1er au 30 avril : 600 EUR payés en avril en jeu ;
    CLM à partir du 16 avril : 600 × 15/30 = 300 EUR en jeu. CMO du 1er au 30 avril 2025, IFSE
    maintenue à 600 EUR : 600 × 90 % = 540 EUR dus, 60 EUR en jeu ; même CMO en janvier 2025 →
    rien.
    """
    absences = ctx.absences
    if absences.empty:
        return
    years = ctx.payslips["year"].dropna()
    suspended_by_law = set(ri_param(ctx, "rifseep_suspendu_pendant", int(years.max()) if len(years) else dt.date.today().year))
    rif = getattr(ctx.deliberation, "rifseep", None)
    by_delib = {t for t, kept in (rif.maintained_during.items() if rif else []) if not kept}
    types = suspended_by_law | by_delib
    ab = absences[absences["type"].isin(sorted(types)) & absences["start"].notna() & absences["end"].notna()]
    # The share of each month not due because CMO days are paid at a reduced traitement.
    cut_days = cmo_cut_days(ctx, absences if "cmo" not in types else absences.iloc[:0])
    cut = cut_days.groupby(MONTH_PAID, as_index=False).agg(cmo_cut=("cmo_cut", "sum"))
    if ab.empty and cut.empty:
        return
    months = _month_overlaps(ab)
    covered = pd.concat([months, cut.rename(columns={"cmo_cut": "frac"})], ignore_index=True)
    covered = covered.groupby(MONTH_PAID).agg(frac=("frac", "sum"))
    covered["frac"] = covered["frac"].clip(upper=1.0)
    covered = covered.reset_index()
    lines = ri_lines(ctx, [c for c in RI_NET_CATEGORIES if c != "cia"])  # deductions reduce what was paid
    if lines.empty:
        return
    lines["matricule"] = lines["matricule"].astype(str)
    monthly = lines.groupby(["matricule", "period_year", "period_month"]).agg(paid=("paid", "sum")).reset_index()
    monthly["period_year"] = monthly["period_year"].astype(int)
    monthly["period_month"] = monthly["period_month"].astype(int)
    monthly = monthly.merge(covered, on=["matricule", "period_year", "period_month"], how="left")
    monthly["frac"] = monthly["frac"].fillna(0.0)
    reference = monthly[monthly["frac"] == 0].groupby(["matricule", "period_year"])["paid"].median().rename("reference")
    monthly = monthly.merge(reference.reset_index(), on=["matricule", "period_year"], how="left")
    monthly["reference"] = monthly["reference"].fillna(monthly["paid"])
    monthly["due"] = monthly["reference"] * (1 - monthly["frac"])
    monthly["excess"] = (monthly["paid"] - monthly["due"]).clip(upper=monthly["paid"])
    labels = {"clm": "congé de longue maladie", "cld": "congé de longue durée", "cgm": "congé de grave maladie"}

    def message(row) -> str:
        kinds = ", ".join(labels.get(t) or (f"congé de maladie ordinaire rémunéré à {t[4:].replace('/', ' puis ')} % "
                                            f"du traitement" if t.startswith("cmo:") else
                                            f"absence « {t} » (non maintenu par la délibération)") for t in row.types)
        return (f"En {month_label(row.period_year, row.period_month)}, l'agent {row.matricule} était en {kinds} "
                f"(part du régime non due : {num(100 * row.frac, 1)} % du mois) et a perçu {eur(row.paid)} de régime indemnitaire ; son régime "
                f"habituel étant de {eur(row.reference)}, seuls {eur(row.due)} étaient dus. Trop-perçu : {eur(row.excess)} "
                f"(décret 2010-997 du 26 août 2010 ; "
                f"{law_ref('L.714-6 et L.822-3', 'loi 84-53, art. 57 et 88', row.period_year, row.period_month)}).")

    absent = monthly[monthly["frac"] > 0]
    tol = ri_params(ctx, "ecart_montant_mensuel_eur", absent["period_year"], absent["period_month"])
    found = absent[absent["excess"].to_numpy() > tol.to_numpy()]
    found = found.assign(types=_absence_types(found, months, cut_days))
    yield from row_findings(ctx, found, of_agents(lines, found), message, keys=MONTH_PAID, amount="excess")


# --- RIFSEEP-012 ---------------------------------------------------------------------------------


def ri_spread(ctx: RuleContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spread of the annual full-time régime indemnitaire, for reports.

    Returns (by_group, above_median): `by_group` one row per (year, axis 'catégorie' or 'emploi',
    value) with agents, min, median, max and max/min ratio; `above_median` the agents of a lower
    catégorie paid more than the median of the catégorie above (C > median B, B > median A). The
    annual amount is the year's RI in full-time equivalent brought to 12 months.
    """
    lines = ri_lines(ctx, RI_NET_CATEGORIES)
    cols = ["year", "axis", "value", "agents", "min", "median", "max", "ratio"]
    if lines.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["matricule", "year", "categorie", "annual", "higher", "median"])
    lines = lines[lines["population"].fillna("agent") == "agent"]
    annual = lines.groupby(["matricule", "period_year"])["fte"].sum().reset_index()
    annual = annual.merge(months_on_payroll(ctx), on=["matricule", "period_year"], how="left")
    annual["annual"] = annual["fte"] * 12 / annual["months"].fillna(12).astype(float)
    attrs = last_payslips(ctx)[["matricule", "year", "categorie", "emploi"]].rename(columns={"year": "period_year"})
    annual = annual.merge(attrs, on=["matricule", "period_year"], how="left").rename(columns={"period_year": "year"})
    tables = []
    for axis, col in (("catégorie", "categorie"), ("emploi", "emploi")):
        g = annual.dropna(subset=[col]).groupby(["year", col])["annual"]
        t = g.agg(agents="size", min="min", median="median", max="max").reset_index().rename(columns={col: "value"})
        t.insert(1, "axis", axis)
        tables.append(t)
    by_group = pd.concat(tables, ignore_index=True)
    by_group["ratio"] = by_group["max"] / by_group["min"].where(by_group["min"] > 0)
    medians = annual.groupby(["year", "categorie"])["annual"].median().rename("median").reset_index()
    above = []
    for lower, higher in (("C", "B"), ("B", "A")):
        sel = annual[(annual["categorie"] == lower).fillna(False).to_numpy()]
        sel = sel.merge(medians[medians["categorie"] == higher][["year", "median"]], on="year", how="left")
        for row in sel[(sel["annual"] > sel["median"]).fillna(False).to_numpy()].itertuples(index=False):
            above.append((row.matricule, row.year, lower, row.annual, higher, row.median))
    above_df = pd.DataFrame(above, columns=["matricule", "year", "categorie", "annual", "higher", "median"])
    return by_group[cols], above_df


@rule("RIFSEEP-012", "Dispersion du régime indemnitaire par catégorie et par emploi", "info",
      "CGFP L.714-4 [loi 84-53, art. 88] ; décret 2014-513, art. 2 (groupes de fonctions) ; principe d'égalité de traitement")
def ri_spread_findings(ctx: RuleContext):
    """Ce que la règle vérifie : pour chaque catégorie et chaque emploi comptant au moins deux
    agents, l'écart entre le régime indemnitaire annuel (équivalent temps plein, ramené à 12 mois)
    le plus élevé et le plus faible (rapport max / min) ; et les agents d'une catégorie inférieure
    payés plus que la médiane de la catégorie supérieure. Information, sans montant en jeu.

    Pourquoi : des écarts forts entre fonctions égales ou des inversions entre catégories appellent
    une justification par les groupes de fonctions et les arrêtés individuels.

    Texte : CGFP L.714-4 (loi 84-53, art. 88) ; décret 2014-513, art. 2.

    Exemple : adjoints administratifs entre 1 200 et 6 000 EUR par an : rapport 5.
    """
    by_group, above = ri_spread(ctx)
    for row in by_group[by_group["agents"] >= 2].itertuples(index=False):
        if pd.isna(row.ratio):
            continue
        yield ctx.finding(
            year=row.year,
            message=(
                f"En {int(row.year)}, {row.axis} « {row.value} » : {int(row.agents)} agents, régime indemnitaire annuel "
                f"en équivalent temps plein de {eur(row.min)} à {eur(row.max)} (médiane {eur(row.median)}), "
                f"rapport max / min de {num(row.ratio, 2)}."
            ),
        )
    for row in above.itertuples(index=False):
        yield ctx.finding(
            matricule=row.matricule, year=row.year,
            message=(
                f"En {int(row.year)}, l'agent {row.matricule} (catégorie {row.categorie}) a un régime indemnitaire annuel "
                f"en équivalent temps plein de {eur(row.annual)}, au-dessus de la médiane de la catégorie {row.higher} "
                f"({eur(row.median)})."
            ),
        )
