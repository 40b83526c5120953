"""Traitement indiciaire: rule TRAIT-001.

The monthly traitement is the indice majoré × the annual point value / 12 × the pay fraction
(quotité of the payslip: 6/7 at 80 % part time, hours / 35 for a temps non complet post), for
the days paid of the month. Absence retenues (service non fait, carence, half pay) lower it:
they are counted with the traitement, and a traitement below the due amount is only judged when
the absences file shows no absence that month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import pay
from ..model import PAYSLIP_KEY
from . import RuleContext, rule
from ._paie import due_range, eur, gap_outside_due, lines_of, num, paid_vs_due_findings, tolerance

# Lines that reduce the traitement for an absence, booked apart from it by some programs.
ABSENCE_RETENUES = ("carence", "retenue_absence")
# Populations paid on an indice by the civil-service grids (élus, vacataires: no traitement).
INDICIAIRE = ("agent",)


def _days_fraction(slips: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) share of the month paid. Low: for a period starting or ending within the
    month, the smaller of days / 30 (trentième) and days / days of the month; 1 for a whole
    month. High: always the whole month, as payroll programs write approximate period dates
    (a February "ending" on the 28th of a leap year): an entry paid a full month is not flagged
    rather than a whole month flagged on a wrong date."""
    first = pd.to_datetime(dict(year=slips["year"].astype(int), month=slips["month"].astype(int), day=1))
    last = first + pd.offsets.MonthEnd(0)
    start = slips["period_start"].where(slips["period_start"].notna(), first).clip(lower=first)
    end = slips["period_end"].where(slips["period_end"].notna(), last).clip(upper=last)
    days = ((end - start).dt.days + 1).clip(lower=0).to_numpy(dtype=float)
    in_month = last.dt.day.to_numpy(dtype=float)
    whole = days >= in_month
    a, b = np.minimum(days / 30, 1.0), days / in_month
    return np.where(whole, 1.0, np.minimum(a, b)), np.ones(len(days))


def _absent_months(ctx: RuleContext) -> set[tuple[str, int, int]]:
    """(matricule, year, month) with at least one day of absence in the absences file."""
    ab = ctx.absences.dropna(subset=["start", "end"])
    first = (ab["start"].dt.year * 12 + ab["start"].dt.month - 1).to_numpy(dtype="int64")
    last = (ab["end"].dt.year * 12 + ab["end"].dt.month - 1).to_numpy(dtype="int64")
    span = np.maximum(last - first + 1, 0)
    months = np.repeat(first, span) + (np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span))
    agents = np.repeat(ab["matricule"].astype(str).to_numpy(), span)
    return set(zip(agents.tolist(), (months // 12).tolist(), (months % 12 + 1).tolist()))


@rule("TRAIT-001", "Traitement payé différent de indice majoré × valeur du point × quotité", "alerte",
      "Décret 85-1148 du 24 octobre 1985, art. 2 et 3 ; loi 83-634 du 13 juillet 1983, art. 20 (CGFP L.712-1) ; "
      "décret 2003-1306 et loi 84-53, art. 60 (quotité)")
def traitement_vs_indice(ctx: RuleContext):
    """Ce que la règle vérifie : le traitement indiciaire du mois (lignes de traitement hors
    rappels, retenues pour absence comprises : service non fait, carence) égale indice majoré ×
    valeur annuelle du point / 12 × quotité de rémunération du bulletin, à la tolérance
    `tolerances_paie.traitement_ecart_montant_eur` près ; si la période du bulletin ne couvre pas
    tout le mois, un traitement au prorata des jours payés (trentième ou jours calendaires) est
    aussi admis. Un traitement supérieur au mois entier est signalé (trop-perçu, l'excédent en
    jeu) ; un traitement inférieur au prorata le plus bas seulement si le fichier
    d'absences est chargé et ne montre aucune absence ce mois-là (moins-perçu) — sinon le
    bulletin est compté comme non contrôlé.

    Pourquoi : un indice non mis à jour, une quotité mal saisie, une valeur du point ancienne ou
    un temps partiel payé à temps plein se répètent chaque mois ; c'est la base de la NBI, de
    l'indemnité de résidence, du SFT et des cotisations.

    Texte : décret 85-1148, art. 2 et 3 ; loi 83-634, art. 20 ; quotité de rémunération du temps
    partiel (loi 84-53, art. 60 bis : 6/7 à 80 %, 32/35 à 90 %).

    Exemple : IM 400 en 2025 → 400 × 59,0734 / 12 = 1 969,11 EUR à temps plein ; payé 2 050 EUR
    → trop-perçu 80,89 EUR ; payé 1 969,11 EUR → rien ; à 80 % (6/7), 1 687,81 EUR dus.
    """
    lines = lines_of(ctx, ("traitement",) + ABSENCE_RETENUES)
    lines = lines[~lines["back_pay"] & lines["population"].fillna("agent").isin(INDICIAIRE).to_numpy()]
    if lines.empty:
        return []
    per = lines.assign(retenue=lines["category"].isin(ABSENCE_RETENUES)).groupby(PAYSLIP_KEY, as_index=False).agg(
        paid=("amount", "sum"), indice=("indice", "max"), quotite=("quotite", "max"), retenues=("retenue", "any"))
    no_indice = per["indice"].fillna(0) <= 0
    ctx.skipped(int(no_indice.sum()), "bulletins avec traitement", "indice majoré nul ou absent")
    # A payslip sent twice (QUAL-002) would count its traitement twice.
    dup = ctx.payslips.loc[ctx.payslips.duplicated(PAYSLIP_KEY, keep=False), PAYSLIP_KEY].drop_duplicates()
    twice = per[PAYSLIP_KEY].merge(dup.assign(_dup=True), on=PAYSLIP_KEY, how="left")["_dup"].notna().to_numpy()
    ctx.skipped(int((twice & ~no_indice.to_numpy()).sum()), "bulletins avec traitement",
                "bulletin transmis deux fois (QUAL-002)")
    per = per[~no_indice.to_numpy() & ~twice].reset_index(drop=True)
    slips = ctx.payslips[PAYSLIP_KEY + ["period_start", "period_end"]].drop_duplicates(PAYSLIP_KEY)
    per = per.merge(slips, on=PAYSLIP_KEY, how="left")
    if per.empty:
        return []
    low_days, high_days = _days_fraction(per)
    point = pay.param_by_month(ctx.params, "point_indice.valeur_annuelle", per["year"], per["month"]).to_numpy()
    full = per["indice"].astype(float).to_numpy() * point / 12  # pay.traitement_monthly, vectorised
    quotite = per["quotite"].astype(float).fillna(1.0).to_numpy()
    quotite = np.where(quotite > 0, quotite, 1.0)
    per["full"], per["low"], per["high"] = full, full * quotite * low_days, full * quotite * high_days
    per["fraction"] = pay.paid_fraction(ctx.params, per["paid"], per["indice"], per["year"], per["month"])
    tol = tolerance(ctx, "traitement_ecart_montant_eur", per["year"], per["month"])
    per["diff"] = gap_outside_due(per["paid"], per["low"], per["high"], tol)
    under = per["diff"] < 0
    if ctx.absences.empty:
        judged_under = pd.Series(False, index=per.index)
        ctx.skipped(int(under.sum()), "bulletins au traitement inférieur au dû",
                    "pas de fichier d'absences pour exclure un demi-traitement ou une retenue pour absence")
    else:
        # Only a payslip paid under the due amount without a retenue line needs the absences file.
        judged_under = under & ~per["retenues"]
        if judged_under.any():
            absent = _absent_months(ctx)
            doubt = per[judged_under]
            judged_under[judged_under] = [(str(m), int(y), int(mo)) not in absent for m, y, mo in
                                          zip(doubt["matricule"], doubt["year"], doubt["month"])]
    bad = per[(per["diff"] > 0) | judged_under]
    return paid_vs_due_findings(
        ctx, bad, lines, "traitement", ref="décret 85-1148, art. 3",
        why=lambda r: (f" ({num(100 * r.fraction, 1)} % du traitement à temps plein de l'indice majoré "
                       f"{int(r.indice)}, {eur(r.full)}) ; pour une quotité de "
                       f"{num(float(r.quotite) if pd.notna(r.quotite) else 1.0, 4)} et les jours payés du mois, le "
                       f"traitement dû est {due_range(r.low, r.high)}"),
    )
