"""PES and DSN side by side: one pay, two sources (QUAL-010), and which one the other rules read.

When a month of an établissement is imported both from the payroll (PES or a spreadsheet) and
from the DSN, the pay rules read the payroll only (it has the rubric codes, bases and rates):
`set_aside_dsn_duplicates` moves the DSN payslips of those months out of the tables the rules
see, into `ctx.options["dsn_payslips"]`, and QUAL-010 compares the two gross amounts agent by
agent. The DSN absences are kept in every case.
"""

from __future__ import annotations

import pandas as pd

from ..findings import Evidence
from ..model import PAYSLIP_KEY, empty_frame
from . import RuleContext, rule
from ._paie import eur, month_label

DSN = "dsn"
_MONTH = ["year", "month", "establishment"]
OPTION = "dsn_payslips"


def _is_dsn(payslips: pd.DataFrame) -> pd.Series:
    return payslips["source_kind"].astype("string").eq(DSN).fillna(False)


def _months_in_both(payslips: pd.DataFrame) -> pd.DataFrame:
    """(year, month, establishment) holding both DSN and non-DSN payslips."""
    dsn = _is_dsn(payslips)
    a = payslips.loc[dsn, _MONTH].drop_duplicates()
    b = payslips.loc[~dsn, _MONTH].drop_duplicates()
    return a.merge(b, on=_MONTH)


def set_aside_dsn_duplicates(payslips: pd.DataFrame, pay_lines: pd.DataFrame):
    """(payslips, pay_lines, set-aside DSN payslips): the DSN payslips and lines of the months also
    imported from the payroll are set aside, so that no pay is counted twice by the rules."""
    if payslips.empty or not _is_dsn(payslips).any():
        return payslips, pay_lines, empty_frame("payslips")
    both = _months_in_both(payslips)
    if both.empty:
        return payslips, pay_lines, empty_frame("payslips")
    dsn_files = set(payslips.loc[_is_dsn(payslips), "source_file"])
    tagged = payslips[_MONTH].merge(both.assign(_both=True), on=_MONTH, how="left")["_both"].fillna(False).to_numpy(dtype=bool)
    aside = _is_dsn(payslips).to_numpy() & tagged
    lines_tagged = pay_lines[_MONTH].merge(both.assign(_both=True), on=_MONTH, how="left")["_both"].fillna(False).to_numpy(dtype=bool)
    lines_aside = pay_lines["source_file"].isin(dsn_files).to_numpy() & lines_tagged
    return (payslips[~aside].reset_index(drop=True), pay_lines[~lines_aside].reset_index(drop=True),
            payslips[aside].reset_index(drop=True))


@rule("QUAL-010", "Brut différent entre la paie (PES) et la DSN du même mois", "alerte",
      "Code de la sécurité sociale, art. L133-5-3 (la DSN déclare les rémunérations versées) ; "
      "DSN S21.G00.51.011 = 001, protocole PES V2 paye MtBrut")
def pes_vs_dsn_gross(ctx: RuleContext):
    """Ce que la règle vérifie : lorsqu'un même mois d'un établissement est importé à la fois
    depuis la paie (PES paye ou export tableur) et depuis la DSN, le brut de chaque agent est
    le même dans les deux sources : somme des MtBrut d'un côté, rémunération brute non
    plafonnée (S21.G00.51, type 001) de l'autre, à la tolérance près (paramètre
    controles.tolerance_brut_pes_dsn_eur). Un agent payé d'un seul côté est signalé aussi.

    Pourquoi : la DSN est faite à partir de la paie ; un écart révèle un bulletin manquant
    dans l'un des fichiers, une régularisation déclarée un autre mois, ou un export incomplet.
    Les contrôles de paie lisent la paie, les analyses d'absences la DSN : il faut que les deux
    décrivent les mêmes agents et les mêmes montants.

    Texte : code de la sécurité sociale, art. L133-5-3 : la DSN déclare chaque mois les
    rémunérations versées à chaque salarié ou agent ; protocole PES V2 paye (MtBrut).

    Exemple : agent 1024, mars 2024 : MtBrut 2 391,41 EUR dans le flux PES et brut DSN
    2 291,41 EUR → constat d'un écart de 100,00 EUR ; brut identique dans les deux → rien ;
    un mois importé seulement depuis la DSN → rien (pas de comparaison).
    """
    extra = ctx.options.get(OPTION)
    slips = ctx.payslips if extra is None or extra.empty else pd.concat([ctx.payslips, extra], ignore_index=True)
    if slips.empty or not _is_dsn(slips).any():
        return []
    both = _months_in_both(slips)
    if both.empty:
        return []
    slips = slips.merge(both, on=_MONTH)
    slips = slips.assign(_side=_is_dsn(slips).map({True: "dsn", False: "paie"}))
    per = (slips.groupby(PAYSLIP_KEY + ["_side"], dropna=False)
           .agg(gross=("gross", "sum"), file=("source_file", "first"), line=("source_line", "min"))
           .reset_index())
    wide = per.set_index(PAYSLIP_KEY + ["_side"])[["gross", "file", "line"]].unstack("_side")
    findings = []
    for key, r in wide.iterrows():
        matricule, year, month, establishment = key
        g_paie, g_dsn = r.get(("gross", "paie")), r.get(("gross", "dsn"))
        g_paie = 0.0 if pd.isna(g_paie) else float(g_paie)
        g_dsn = 0.0 if pd.isna(g_dsn) else float(g_dsn)
        gap = round(g_paie - g_dsn, 2)
        tol = float(ctx.params.value("controles.tolerance_brut_pes_dsn_eur", (int(year), int(month))))
        if abs(gap) <= tol:
            continue
        evidence = [Evidence(file=str(r[("file", side)]), position=int(r[("line", side)]),
                             label=label, amount=amount, period=f"{int(year):04d}-{int(month):02d}")
                    for side, label, amount in (("paie", "MtBrut", g_paie), ("dsn", "DSN brut 001", g_dsn))
                    if not pd.isna(r.get(("file", side)))]
        missing = ("absent de la DSN" if pd.isna(r.get(("file", "dsn"))) else
                   "absent de la paie" if pd.isna(r.get(("file", "paie"))) else None)
        detail = (f"l'agent est {missing}" if missing else
                  f"brut de la paie {eur(g_paie)}, brut de la DSN {eur(g_dsn)}")
        findings.append(ctx.finding(
            matricule=matricule, year=year, month=month, amount=abs(gap), evidence=evidence,
            message=(f"Agent {matricule}, {month_label(year, month)} (établissement {establishment}) : {detail}, "
                     f"écart de {eur(abs(gap))}. Vérifier le bulletin manquant ou la régularisation déclarée "
                     f"un autre mois, puis réimporter le fichier corrigé."),
        ))
    return findings
