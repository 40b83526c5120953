"""Pieces shared by the absence rule families (ASA, CARENCE, MALADIE). No rule is registered here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import pay
from ..findings import Evidence
from ..model import PAYSLIP_KEY, RI_CATEGORIES
from ..text import plain_words
from ._paie import lines_of

FONCTIONNAIRES = ("TITULAIRE", "STAGIAIRE")
# Monthly pay withheld for a jour de carence (loi 2017-1837 art. 115): traitement, NBI and the
# monthly régime indemnitaire (the annual CIA is left out).
CARENCE_BASE = ("traitement", "nbi") + tuple(c for c in RI_CATEGORIES if c != "cia")


def absences_of(ctx, types) -> pd.DataFrame:
    """Absence records of `types` with dates, matricule as text, motive lower-cased."""
    ab = ctx.absences
    ab = ab[ab["type"].isin(list(types)) & ab["start"].notna() & ab["end"].notna()].copy()
    ab["matricule"] = ab["matricule"].astype(str)
    ab["motive_key"] = ab["motive"].astype("string").fillna("").str.strip().str.lower()
    return ab


def absence_evidence(r) -> list[Evidence]:
    """The absence record (a row of absences_of) as evidence: file, line, label, dates."""
    return [Evidence(file=None if pd.isna(r.source_file) else str(r.source_file),
                     position=None if pd.isna(r.source_line) else int(r.source_line),
                     label=f"{r.source_label} du {r.start:%d/%m/%Y} au {r.end:%d/%m/%Y}")]


def mentions(text, keywords) -> bool:
    """Whether `text` contains one of `keywords` as whole words, case and accents ignored:
    "ALD" is in "CMO - ALD rechute", "affection de longue duree" in "Affection de longue durée"."""
    words = f" {plain_words(text)} "
    return any(f" {plain_words(k)} " in words for k in keywords)


def checked_years(ctx) -> list[int]:
    if ctx.options.get("years"):
        return sorted(int(y) for y in ctx.options["years"])
    return sorted(int(y) for y in ctx.payslips["year"].dropna().unique())


def daily_hours(ctx, when) -> float:
    """Hours of a full-time working day: weekly legal duration / 5."""
    return float(ctx.params.value("temps_travail.duree_hebdomadaire_heures", when)) / 5


def monthly_base(ctx, categories, matricules=None) -> pd.DataFrame:
    """Per payslip key: the month's positive pay of `categories` (no back pay, no retenue), of
    every agent or of the `matricules` given (text)."""
    lines = lines_of(ctx, categories, with_slip=False)
    if matricules is not None:
        lines = lines[lines["matricule"].astype(str).isin(list(matricules)).to_numpy()]
    lines = lines[~lines["back_pay"] & (lines["amount"] > 0)].copy()
    lines["matricule"] = lines["matricule"].astype(str)
    return lines.groupby(["matricule", "year", "month"], as_index=False).agg(base=("amount", "sum"))


def slip_attributes(ctx) -> pd.DataFrame:
    """Payslip key (matricule as text), statut, population, indice and quotité, one row per
    agent-month; once per check (callers must not modify it in place)."""
    return ctx.shared("absences.slip_attributes", lambda: _slip_attributes(ctx))


def _slip_attributes(ctx) -> pd.DataFrame:
    slips = ctx.payslips[PAYSLIP_KEY + ["statut", "population", "indice", "quotite"]].copy()
    slips["matricule"] = slips["matricule"].astype(str)
    return slips.drop_duplicates(["matricule", "year", "month"])


def month_days(frame: pd.DataFrame, start_col: str = "start", end_col: str = "end") -> pd.DataFrame:
    """One row per record and calendar day it covers (index of the record kept in column `rec`)."""
    lengths = ((frame[end_col] - frame[start_col]).dt.days + 1).clip(lower=0).to_numpy()
    rec = np.repeat(frame.index.to_numpy(), lengths)
    offsets = day_offsets(lengths)
    starts = np.repeat(frame[start_col].to_numpy(dtype="datetime64[D]"), lengths)
    return pd.DataFrame({"rec": rec, "day": starts + offsets.astype("timedelta64[D]")})


def day_offsets(lengths) -> np.ndarray:
    """0, 1, ..., n - 1 for each n of `lengths`, end to end (the days of each record from its
    start): [2, 0, 3] -> [0, 1, 0, 1, 2]; no Python loop over the records."""
    lengths = np.asarray(lengths, dtype="int64")
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype="int64") - np.repeat(starts, lengths)


def full_traitement(ctx, slips: pd.DataFrame) -> np.ndarray:
    """Monthly traitement due without absence: IM × annual point value / 12 × quotité (NaN without IM)."""
    point = pay.param_by_month(ctx.params, "point_indice.valeur_annuelle", slips["year"], slips["month"]).to_numpy()
    indice = slips["indice"].astype("Float64").astype(float).to_numpy()
    quotite = slips["quotite"].astype("Float64").astype(float).fillna(1.0).to_numpy()
    return np.where(indice > 0, indice * point / 12 * quotite, np.nan)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def as_date(x) -> dt.date:
    return pd.Timestamp(x).date()
