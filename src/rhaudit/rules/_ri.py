"""Pieces shared by the régime indemnitaire rule families (RIFSEEP-001..007 and 012 in rifseep.py,
the older regimes RIFSEEP-008..011 in regimes.py): their parameters, their pay lines in
full-time equivalent, the RIFSEEP group of each agent, the label of a délibération. No rule is
registered here.

The lines, the groups and the months on payroll are computed once per family run (`ctx.shared`) and
shared by every rule of both families: callers get new frames and never change the shared ones.
"""

from __future__ import annotations

import pandas as pd

from .. import pay
from ..model import RI_NET_CATEGORIES
from . import RuleContext
from ._paie import _lines_with_keys, evidence_by, lines_of, of_agents

RI = "regimes_indemnitaires"
DECRET = "Décret 2014-513 du 20 mai 2014"


def ri_param(ctx: RuleContext, name: str, year, month=1):
    """Parameter `regimes_indemnitaires.<name>` in force on the first day of (year, month)."""
    return ctx.params.value(f"{RI}.{name}", (int(year), int(month)))


def ri_params(ctx: RuleContext, name: str, years, months=None) -> pd.Series:
    """Parameter `regimes_indemnitaires.<name>` in force on the first day of each (year, month),
    January without `months`, looked up once per distinct month: the vector form of ri_param.
    A float Series (index of `years` when it is a Series)."""
    if months is None:
        months = pd.Series(1, index=years.index) if isinstance(years, pd.Series) else [1] * len(years)
    return pay.param_by_month(ctx.params, f"{RI}.{name}", years, months)


def ri_lines(ctx: RuleContext, categories) -> pd.DataFrame:
    """Pay lines of `categories` with their payslip attributes, the month they pay, their amount
    as float (`paid`) and in full-time equivalent (`fte`: amount / quotité of the payslip).

    The lines of every régime indemnitaire category are selected once per family run, and each set of
    categories filtered from them once (rows in payroll order, index 0..n-1, as `lines_of` gives
    them); each call gets its own shallow copy, so that a rule may add columns to it."""
    wanted = tuple(sorted(set(categories)))
    if not set(wanted) <= set(RI_NET_CATEGORIES):
        return _with_fte(lines_of(ctx, categories))

    def select():
        lines = ctx.shared(("ri_lines", RI_NET_CATEGORIES), lambda: _with_fte(lines_of(ctx, RI_NET_CATEGORIES)))
        if wanted == tuple(sorted(RI_NET_CATEGORIES)):
            return lines
        return lines[lines["category"].isin(list(wanted)).to_numpy()].reset_index(drop=True)

    return ctx.shared(("ri_lines", wanted), select).copy(deep=False)


def _with_fte(lines: pd.DataFrame) -> pd.DataFrame:
    quotite = lines["quotite"].astype(float)
    quotite = quotite.where(quotite > 0).fillna(1.0)
    paid = lines["amount"].astype(float)
    return lines.assign(paid=paid, fte=paid / quotite)


def evidence_of(lines: pd.DataFrame, rows: pd.DataFrame, keys: list[str]):
    """Evidence of `lines` grouped by `keys` (rules._paie.evidence_by), grouping only the lines of
    the judged `rows`' keys, not every line of the payroll."""
    return evidence_by(_lines_with_keys(of_agents(lines, rows), rows, list(keys)), list(keys))


def months_on_payroll(ctx: RuleContext) -> pd.DataFrame:
    """Number of distinct payroll months per (matricule, year): the share of the annual ceiling due.
    Columns matricule, period_year, months; shared by the rules of a check (do not modify)."""
    def compute():
        ps = ctx.payslips
        out = ps.groupby(["matricule", "year"], sort=False)["month"].nunique().rename("months").reset_index()
        return out.rename(columns={"year": "period_year"})
    return ctx.shared(("ri_months_on_payroll",), compute)


def last_payslips(ctx: RuleContext) -> pd.DataFrame:
    """The last payslip of each agent in each year (the one whose emploi, grade and catégorie
    describe the agent's year), in (year, month) order: matricule, year, month, emploi, grade,
    categorie. Shared by the rules of a check (do not modify)."""
    def compute():
        ps = ctx.payslips[["matricule", "year", "month", "emploi", "grade", "categorie"]]
        return ps.sort_values(["year", "month"]).drop_duplicates(["matricule", "year"], keep="last")
    return ctx.shared(("ri_last_payslips",), compute)


def agent_groups(ctx: RuleContext) -> pd.DataFrame:
    """RIFSEEP group of each (matricule, year): the agents file first, then the délibération's
    assignments in order (by matricule, then by regex on the emploi or grade of the agent's last
    payslip of the year). Columns matricule, period_year, group (NA when none); shared by the
    rules of a check (do not modify)."""
    return ctx.shared(("ri_agent_groups",), lambda: _agent_groups(ctx))


def _agent_groups(ctx: RuleContext) -> pd.DataFrame:
    last = last_payslips(ctx)[["matricule", "year", "emploi", "grade"]]
    last = last.rename(columns={"year": "period_year"}).reset_index(drop=True)
    group = pd.Series(pd.NA, index=last.index, dtype="string")
    agents = ctx.agents
    if not agents.empty and "rifseep_group" in agents:
        known = agents.dropna(subset=["rifseep_group"]).drop_duplicates("matricule").set_index("matricule")["rifseep_group"]
        group = last["matricule"].map(known).astype("string")
    rif = getattr(ctx.deliberation, "rifseep", None)
    for a in rif.assignments if rif else []:
        if a.matricule is not None:
            match = last["matricule"].astype(str).eq(str(a.matricule))
        elif a.emploi is not None:
            match = last["emploi"].str.contains(a.emploi, case=False, regex=True, na=False)
        elif a.grade is not None:
            match = last["grade"].str.contains(a.grade, case=False, regex=True, na=False)
        else:
            continue
        group = group.mask(group.isna() & match.astype(bool), a.group)
    return pd.DataFrame({"matricule": last["matricule"], "period_year": last["period_year"], "group": group})


def decision_label(ctx: RuleContext, decision_id: str | None) -> str:
    """« délibération D-12 du 03/04/2019 », or as much of it as the délibérations file gives."""
    d = ctx.deliberation.decision(decision_id) if ctx.deliberation else None
    if d is None:
        return f"délibération {decision_id}" if decision_id else "délibération"
    return f"délibération {d.id} du {d.date:%d/%m/%Y}"
