"""Work quotité and temps non complet of each payslip, from the declared pay fraction.

PES `QuotiteTrav` (model field `quotite`) is the fraction of the full-time traitement paid. For
part time it is not the fraction of time worked: 80 % is paid 6/7 (85.71 %) and 90 % is paid
32/35 (91.43 %) (loi 84-53 art. 60 bis, now code général de la fonction publique L.612-3 ;
ordonnance 82-296 art. 3). The caps that follow time worked (25 h of overtime × quotité, leave
days) use the **work** quotité: 6/7 → 0.8, 32/35 → 0.9, any other fraction is both.

A temps non complet (TNC) post is not part time: the agent works fewer than 35 h on a post
created so (décret 91-298), and the overtime rules differ (décret 2020-592). A payslip is TNC,
in this order:

1. the agents reference's `post_weekly_hours` (below 35 → TNC, 35 → temps complet), then what
   the source declares (DSN S21.G00.40.053: `02` TNC);
2. a hint in the grade or emploi label (« TNC », « temps non complet », « 28/35 », « 17H30 »
   → TNC ; « temps partiel », « TP 80 % » → not TNC);
3. otherwise, NbHeureTotal below the monthly full-time hours (temps_travail.duree_hebdomadaire_heures
   × 52 / 12 = 151.67) with a pay fraction that
   is not a part-time pay fraction (6/7, 32/35) → TNC.

Computed by rhaudit.enrich (through population.annotate_population), at import and on every
read of a workspace, so that every command sees the same `work_quotite` and `temps_non_complet`.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from .classify import normalize_label
from .params import default_parameters

FRACTION_TOLERANCE = 0.0006  # QuotiteTrav is written with 2 decimals (85.71, 91.43)
# "TNC", "temps non complet", or weekly hours below 35 written "28/35", "17H30", "28 H".
_TNC_HINT = re.compile(r"\bTNC\b|TEMPS NON COMPLET|\b(?:[1-9]|[12]\d|3[0-4])(?:[.,]\d+)? ?(?:/ ?35|H ?\d{0,2})\b(?! ?SUP)")
_PART_TIME_HINT = re.compile(r"TEMPS PARTIEL|\bTP\b")


@lru_cache(maxsize=64)
def part_time_pay_fractions(when: dt.date | None = None) -> dict[float, float]:
    """Pay fraction → fraction of time worked of the part-time quotités paid above their own
    fraction, in force on `when` (default today): parameters temps_partiel.* (6/7 → 0.8, 32/35 → 0.9)."""
    params, when = default_parameters(), when or dt.date.today()
    return {float(params.value("temps_partiel.remuneration_80_pour_cent", when)): 0.8,
            float(params.value("temps_partiel.remuneration_90_pour_cent", when)): 0.9}


@lru_cache(maxsize=64)
def full_time_weekly_hours(when: dt.date | None = None) -> float:
    """Weekly hours of a full-time post in force on `when` (temps_travail.duree_hebdomadaire_heures)."""
    return float(default_parameters().value("temps_travail.duree_hebdomadaire_heures", when or dt.date.today()))


def full_time_monthly_hours(when: dt.date | None = None) -> float:
    """Monthly hours of a full-time post: weekly hours × 52 / 12 (35 h → 151.67 h)."""
    return round(full_time_weekly_hours(when) * 52 / 12, 2)


def work_quotite(pay_fraction, when: dt.date | None = None) -> np.ndarray:
    """Fraction of full time worked for each declared pay fraction (NaN stays NaN).

    6/7 (0.8571) → 0.8 ; 32/35 (0.9143) → 0.9 ; any other value is returned unchanged.
    """
    q = np.asarray(pd.Series(pay_fraction, dtype="Float64").astype(float), dtype=float)
    out = q.copy()
    for paid, worked in part_time_pay_fractions(when).items():
        out = np.where(np.abs(q - paid) <= FRACTION_TOLERANCE, worked, out)
    return out


def pay_fraction(work, when: dt.date | None = None) -> float | None:
    """Declared pay fraction of a fraction of time worked (the inverse of work_quotite): a
    part-time 0.8 is paid 6/7, 0.9 is paid 32/35; any other value is returned unchanged. For
    sources that give the time worked (DSN) while the model stores the pay fraction."""
    if work is None or pd.isna(work):
        return None
    for paid, worked in part_time_pay_fractions(when).items():
        if abs(float(work) - worked) <= FRACTION_TOLERANCE:
            return paid
    return float(work)


def _payroll_date(payslips: pd.DataFrame) -> dt.date | None:
    """The latest pay month of `payslips` (the parameters above have had one value since 1982:
    read once, on the payroll's own date rather than today's)."""
    if "year" not in payslips or payslips["year"].isna().all():
        return None
    y = int(payslips["year"].max())
    m = int(payslips.loc[payslips["year"] == y, "month"].max()) if "month" in payslips else 1
    return dt.date(y, m if 1 <= m <= 12 else 1, 1)


def _label_hint(labels: pd.Series, regex: re.Pattern) -> pd.Series:
    codes, distinct = pd.factorize(labels.astype("string").fillna(""))  # normalised once per distinct label
    hits = np.array([bool(regex.search(normalize_label(v))) for v in distinct] + [False], dtype=bool)
    return pd.Series(hits[codes], index=labels.index)


def temps_non_complet(payslips: pd.DataFrame, agents: pd.DataFrame | None = None) -> pd.Series:
    """Whether each payslip is on a temps non complet post (boolean Series, see module doc)."""
    idx = payslips.index
    when = _payroll_date(payslips)
    q = pd.Series(pd.to_numeric(payslips["quotite"], errors="coerce"), index=idx).astype(float)
    hours = pd.Series(pd.to_numeric(payslips["hours_total"], errors="coerce"), index=idx).astype(float)
    part_time_fraction = pd.Series(work_quotite(q, when), index=idx) != q
    by_hours = (hours > 0) & (hours < full_time_monthly_hours(when) - 0.01) & ~part_time_fraction & (q.fillna(1) < 1)
    labels = payslips["grade"].astype("string").fillna("") + " " + payslips["emploi"].astype("string").fillna("")
    result = by_hours.where(~_label_hint(labels, _PART_TIME_HINT), False)
    result = result.where(~_label_hint(labels, _TNC_HINT), True)
    if {"temps_non_complet", "source_kind"} <= set(payslips.columns):
        # declared by a DSN (S21.G00.40.053); on other payslips the column is this function's own
        # earlier result, recomputed here so that a corrected grade or agents table takes effect
        declared = payslips["temps_non_complet"].astype("boolean").where(payslips["source_kind"].eq("dsn").fillna(False).astype(bool))
        result = result.where(declared.isna(), declared)
    if agents is not None and not agents.empty and "post_weekly_hours" in agents.columns:
        post = agents[["matricule", "post_weekly_hours"]].dropna().drop_duplicates("matricule", keep="last")
        mapping = post.set_index(post["matricule"].astype(str))["post_weekly_hours"].astype(float)
        given = payslips["matricule"].astype(str).map(mapping)
        result = result.where(given.isna(), given < full_time_weekly_hours(when))
    return result.astype(bool)


def annotate_quotite(payslips: pd.DataFrame, agents: pd.DataFrame | None = None) -> pd.DataFrame:
    """`payslips` with `work_quotite` and `temps_non_complet` set (in place on the given frame)."""
    payslips["temps_non_complet"] = temps_non_complet(payslips, agents).astype("boolean")
    payslips["work_quotite"] = pd.array(work_quotite(payslips["quotite"], _payroll_date(payslips)), dtype="Float64")
    return payslips


def with_quotite(payslips: pd.DataFrame) -> pd.DataFrame:
    """`payslips` (a copy when filled) whose missing `work_quotite` / `temps_non_complet` are
    computed here: frames built without rhaudit.enrich (tests)."""
    missing_wq = "work_quotite" not in payslips or payslips["work_quotite"].isna().any()
    missing_tnc = "temps_non_complet" not in payslips or payslips["temps_non_complet"].isna().any()
    if not (missing_wq or missing_tnc):
        return payslips
    out = payslips.copy()
    wq = pd.Series(work_quotite(out["quotite"], _payroll_date(out)), index=out.index, dtype="Float64")
    tnc = temps_non_complet(out).astype("boolean")
    out["work_quotite"] = out["work_quotite"].fillna(wq) if "work_quotite" in out else wq
    out["temps_non_complet"] = out["temps_non_complet"].fillna(tnc) if "temps_non_complet" in out else tnc
    return out
