"""Pieces shared by the pay rule families (IHTS, NBI, SFT, cotisations, avantages en nature).

Selecting pay lines by category with their payslip's attributes, French number formatting for
the findings' sentences, and evidence grouped per agent-month. No rule is registered here.
"""

from __future__ import annotations

import pandas as pd

from .. import pay
from ..findings import Evidence, evidence_from_lines
from ..model import PAYSLIP_KEY

SLIP_ATTRIBUTES = ["statut", "categorie", "population", "emploi", "grade", "indice", "nbi_points", "quotite",
                   "service", "children", "overtime_hours"]


def lines_of(ctx, categories, with_slip: bool = True) -> pd.DataFrame:
    """Pay lines of `categories` with a non-zero amount, the month they pay attached, and the
    attributes of the payslip that carries them."""
    pl = ctx.pay_lines
    lines = pl[pl["category"].isin(list(categories)) & pl["amount"].fillna(0).ne(0)]
    lines = pay.attach_period(lines)
    lines["back_pay"] = pay.back_pay_mask(lines)
    if with_slip:
        slips = ctx.payslips[PAYSLIP_KEY + SLIP_ATTRIBUTES].drop_duplicates(PAYSLIP_KEY)
        lines = lines.merge(slips, on=PAYSLIP_KEY, how="left")
    return lines


def evidence_by(lines: pd.DataFrame, keys: list[str]) -> dict[tuple, list[Evidence]]:
    """Evidence lists of `lines`, keyed by the tuple of `keys` values."""
    out = {}
    for key, group in lines.groupby(keys, sort=False, dropna=False):
        out[key if isinstance(key, tuple) else (key,)] = evidence_from_lines(group)
    return out


def eur(x: float) -> str:
    """1234.5 -> '1 234,50 EUR' (French typography, as auditors paste it)."""
    return f"{x:,.2f}".replace(",", "\u202f").replace(".", ",") + " EUR"


def num(x: float, digits: int = 2) -> str:
    """12.5 -> '12,5' ; 25.0 -> '25' (no useless zeros)."""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def month_label(year, month) -> str:
    return f"{int(month):02d}/{int(year)}"


def tolerance(ctx, name: str, year, month=1) -> float:
    return float(ctx.params.value(f"tolerances_paie.{name}", (int(year), int(month))))
