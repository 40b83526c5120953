"""The derived columns of the canonical tables, computed in one place from the current configs.

`enrich(tables, configs)` fills:

- `pay_lines.category`: the rubric category (classify.classify_payroll: code tables of
  configs/rubriques/, the payroll programs' own nomenclature, the payslip identities);
- `pay_lines.hours`: the hours paid by the lines of HOUR_CATEGORIES (IHTS, heures
  complémentaires), read from the units, the base or the rate (pay.line_hours), the usual
  first-tier IHTS price telling the hours from the price on lines priced base × rate;
- `payslips.population` and `categorie` (population.py: configs/grades.yaml, agents reference);
- `payslips.work_quotite` and `temps_non_complet` (quotite.py: parameters temps_partiel and
  temps_travail, agents reference; a DSN's declared temps non complet is kept).

The import calls it (its own checks read the categories) and stores the result; every command
that reads a workspace (check, info, report, payroll, projection, rubriques) calls it again
through `read_enriched`, so that a corrected code table, grade table or agents reference
takes effect everywhere without re-importing, and two commands never show two categories for
the same line. The stored derived columns are never read as they are: they are kept for other
engines reading the Parquet files (docs/modele.md), and each file's import-log entry records
`derived_with`, the fingerprint of the configs that computed them (`configs_fingerprint`), so
that such a reader, and `rhaudit info`, can tell a stale snapshot. Recomputing is cheap: each
step works on distinct values (rubrics, grade labels, pay months).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import pay, paths
from .classify import ClassificationError, Classifier, classify_payroll, workspace_nomenclature
from .model import IHTS_CATEGORIES, PAYSLIP_KEY, TABLES
from .params import Parameters, default_parameters
from .population import GradeTable, PopulationError, annotate_population

# What `enrich` raises on a wrong code table, grade table or agents reference (French message).
CONFIG_ERRORS = (ClassificationError, PopulationError)
# Categories whose lines pay hours: the canonical `hours` column is filled on them only.
HOUR_CATEGORIES = IHTS_CATEGORIES + ("heures_complementaires",)
_LINE_DERIVED = ("category", "hours")  # the pay_lines columns enrich computes


@dataclass(frozen=True)
class Configs:
    """What the derived columns depend on besides the tables. `classifier` and `grades`: None
    for the code tables and grade table of configs/ (loaded once, reloaded when edited)."""

    params: Parameters
    nomenclature: pd.DataFrame | None = None  # the programs' own code labels (table `nomenclature`)
    classifier: Classifier | None = None
    grades: GradeTable | None = None


# The files of configs/ the derived columns are computed from (the agents reference and the
# nomenclature are tables of the workspace itself).
_DERIVATION_CONFIGS = ("rubriques/*.yaml", "grades.yaml", "parametres/*.yaml")


def configs_fingerprint() -> str:
    """A short digest of the configs/ files `enrich` reads (names and contents)."""
    digest = hashlib.sha256()
    root = paths.configs_dir()
    for pattern in _DERIVATION_CONFIGS:
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def workspace_configs(ws, params: Parameters | None = None) -> Configs:
    """The configs a workspace's tables are enriched with: configs/ and its stored nomenclature."""
    return Configs(params=params or default_parameters(), nomenclature=workspace_nomenclature(ws))


def enrich(tables: dict[str, pd.DataFrame], configs: Configs) -> dict[str, pd.DataFrame]:
    """`tables` (payslips, pay_lines, optionally agents) with their derived columns computed
    (see the module doc). The given frames are not modified; the others are returned as given.
    Raises one of CONFIG_ERRORS on a wrong config."""
    # A shallow copy: the new columns are set on it, the given frame keeps its own (copy-on-write).
    slips, lines = tables["payslips"], tables["pay_lines"].copy(deep=False)
    lines["category"] = (classify_payroll(lines, slips, configs.classifier, configs.nomenclature)
                         if not lines.empty else pd.Series(dtype="string"))
    slips = annotate_population(slips, lines, tables.get("agents"), configs.grades)
    lines["hours"] = line_hours(lines, slips, configs.params)
    return {**tables, "payslips": slips, "pay_lines": lines}


def read_enriched(ws, years: list[int] | None = None, params: Parameters | None = None) -> dict[str, pd.DataFrame]:
    """payslips, pay_lines (of `years`, default all) and agents of a workspace, enriched."""
    # The stored derived columns of the lines are not read: enrich computes them again.
    columns = [f.name for f in TABLES["pay_lines"]]
    lines = ws.read("pay_lines", years, columns=[c for c in columns if c not in _LINE_DERIVED])
    tables = {"payslips": ws.read("payslips", years), "pay_lines": lines, "agents": ws.read("agents")}
    out = enrich(tables, workspace_configs(ws, params))
    return {**out, "pay_lines": out["pay_lines"][columns]}  # the canonical column order


# --- hours of a pay line ---------------------------------------------------------------------

def indiciaire_paid(pay_lines: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Traitement, NBI and indemnité de résidence paid per `keys` (back pay excluded), one
    column per category (0 when absent), and `indiciaire_paid` = traitement + NBI."""
    cats = ["traitement", "nbi", "indemnite_residence"]
    # The categories first (a few lines of each payslip), then the back pay among them: no copy
    # of nearly every line.
    selected = pay_lines[pay_lines["category"].isin(cats)]
    current = selected[~pay.back_pay_mask(selected)] if not selected.empty else selected
    sums = (current
            .pivot_table(index=keys, columns="category", values="amount", aggfunc="sum", fill_value=0.0))
    for col in cats:
        if col not in sums:
            sums[col] = 0.0
    sums["indiciaire_paid"] = sums["traitement"] + sums["nbi"]
    return sums


def line_hours(lines: pd.DataFrame, payslips: pd.DataFrame, params: Parameters) -> pd.Series:
    """The `hours` column: hours paid by each line of HOUR_CATEGORIES (NA on the other lines).

    The usual price of an hour (first tier: full-time annual indiciaire / ihts.diviseur_horaire_annuel
    × ihts.majoration_14_premieres, on the month the hour pays) tells the hours from the price
    on lines priced base × rate; without an indice (programs writing Indice 0), the annual
    indiciaire is the traitement + NBI paid on the line's payslip / its pay fraction × 12.
    """
    out = pd.Series(pd.NA, index=lines.index, dtype="Float64")
    hourly = lines[lines["category"].isin(HOUR_CATEGORIES)] if not lines.empty else lines
    if hourly.empty:
        return out
    # The payslip of the same file (a month imported from the PES and the DSN has two).
    key = PAYSLIP_KEY + (["source_file"] if "source_file" in lines and "source_file" in payslips else [])
    slip = payslips[key + ["indice", "quotite"]].drop_duplicates(key)
    hourly = pay.attach_period(hourly).reset_index().merge(slip, on=key, how="left").set_index("index")
    y, m = hourly["period_year"], hourly["period_month"]
    annual = hourly["indice"].astype(float).to_numpy() * _monthly(params, "point_indice.valeur_annuelle", y, m)
    if (hourly["indice"].fillna(0) <= 0).any():
        paid = indiciaire_paid(lines, key)["indiciaire_paid"]
        from_pay = pd.Series(paid.reindex(pd.MultiIndex.from_frame(hourly[key])).to_numpy(), index=hourly.index)
        q = hourly["quotite"].astype(float)
        fraction = q.where(q > 0, 1.0)
        annual = np.where(np.nan_to_num(annual) > 0, annual, (from_pay.astype(float) / fraction * 12).to_numpy())
    price = (pay.ihts_rate_from_annual(annual, 0.0, _monthly(params, "ihts.diviseur_horaire_annuel", y, m))
             * _monthly(params, "ihts.majoration_14_premieres", y, m))
    out[hourly.index] = pay.line_hours(hourly, usual_price=price).to_numpy()
    return out


def _monthly(params: Parameters, name: str, years, months) -> np.ndarray:
    """pay.param_by_month, NaN for a month before the parameter's first value (the price is then
    unknown and the hours are told by the quarter-hour rule alone; the rules report the gap)."""
    return pay.param_by_month(params, name, years, months, missing_ok=True).to_numpy()
