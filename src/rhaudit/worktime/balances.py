"""Per-agent actual time of a year, used by the TEMPS rules of `rhaudit check`: the cycle of
each agent, and the leave and ARTT entitlements (counted as the simulator does) against what the
absence records show was taken."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from ..deliberations import WorkRegime
from ..params import Parameters, default_parameters
from ..quotite import with_quotite
from .count import Norms, count_regime


def assign_cycles(payslips: pd.DataFrame, agents: pd.DataFrame, working_time, year: int) -> pd.DataFrame:
    """One row per agent (not elected officials) paid in `year`: matricule, cycle, mean quotité, months paid.

    The quotité is the **work** quotité (rhaudit.quotite: 80 % part time paid 6/7 is 0.8), the
    fraction of full time the leave and ARTT entitlements follow (25 × 0.8 = 20 days, not 21.4).

    The cycle is the agents file's work_cycle, else the first cycle whose services match the
    agent's service (exact name or regular expression, case ignored), else the default cycle.
    """
    slips = payslips[(payslips["year"] == year) & payslips["population"].fillna("agent").ne("elu")]  # no cycle for élus
    if slips.empty:
        return pd.DataFrame(columns=["matricule", "cycle", "quotite", "months", "service"])
    slips = with_quotite(slips)
    per = slips.sort_values("month").groupby("matricule", as_index=False).agg(
        quotite=("work_quotite", "mean"), months=("month", "nunique"), service=("service", "last"))
    per["quotite"] = per["quotite"].fillna(1.0).clip(upper=1.0).astype(float)
    declared = {}
    if not agents.empty and "work_cycle" in agents:
        declared = agents.dropna(subset=["work_cycle"]).set_index("matricule")["work_cycle"].to_dict()
    names = {c.name for c in working_time.cycles}

    by_service: dict[str, str | None] = {}  # a few services shared by many agents: each matched once

    def cycle_of(matricule, service) -> str | None:
        if declared.get(matricule) in names:
            return declared[matricule]
        service = "" if pd.isna(service) else str(service)
        if service not in by_service:
            by_service[service] = next((c.name for c in working_time.cycles if any(
                s.lower() == service.lower() or _fullmatch(s, service) for s in c.services)),
                working_time.default_cycle)
        return by_service[service]

    per["cycle"] = [cycle_of(m, s) for m, s in zip(per["matricule"].tolist(), per["service"].tolist())]
    return per


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text, flags=re.IGNORECASE) is not None
    except re.error:
        return False


def _days_outside_period(leave: pd.DataFrame, year: int, rule: dict) -> pd.Series:
    """Per leave record, its `days` taken outside 1 May–31 Oct of `year` (split pro rata of the
    record's weekdays outside the period); vectorised, a year of a large city has many records."""
    first = np.datetime64(f"{year}-{rule['periode_debut']}", "D")
    last = np.datetime64(f"{year}-{rule['periode_fin']}", "D")
    start = leave["start"].to_numpy(dtype="datetime64[D]")
    end = leave["end"].to_numpy(dtype="datetime64[D]") + np.timedelta64(1, "D")  # busday_count excludes the end
    total = np.busday_count(start, end)
    inside = np.busday_count(np.maximum(start, first), np.maximum(np.minimum(end, last + np.timedelta64(1, "D")),
                                                                   np.maximum(start, first)))
    share = np.divide(total - inside, total, out=np.zeros(len(total)), where=total > 0)
    return pd.Series(leave["days"].astype(float).to_numpy() * share, index=leave.index)


def _fractionnement_granted(outside_days: float, rule: dict) -> float:
    return float(max((granted for threshold, granted in rule["seuils"].items()
                      if outside_days + 1e-9 >= float(threshold)), default=0))


def fractionnement_earned(leave: pd.DataFrame, year: int, rule: dict) -> float:
    """Fractionnement days earned by annual leave taken outside 1 May–31 Oct of `year`."""
    if leave.empty:
        return 0.0
    return _fractionnement_granted(float(_days_outside_period(leave, year, rule).sum()), rule)


FRACTIONNEMENT_LABEL = r"(?i)fraction"


_NO_ABSENCE = {"leave": 0.0, "frac": 0.0, "outside": 0.0, "sick": 0.0, "rtt": 0.0}


def _absence_totals(absences: pd.DataFrame, year: int, frac_rule: dict, sick_types) -> dict[str, dict]:
    """Per matricule, days of the absences starting in `year`: annual leave (fractionnement days
    apart), leave days outside 1 May–31 Oct, sick days that reduce ARTT, RTT days."""
    if absences.empty:
        return {}
    a = absences[absences["start"].dt.year == year]
    if a.empty:
        return {}
    days = a["days"].astype(float).fillna(0.0)
    leave = a["type"].eq("conge_annuel").fillna(False)
    is_frac = leave & (a["motive"].fillna("").str.contains(FRACTIONNEMENT_LABEL)
                       | a["source_label"].fillna("").str.contains(FRACTIONNEMENT_LABEL))
    plain_leave = leave & ~is_frac
    outside = pd.Series(0.0, index=a.index)
    if plain_leave.any():
        outside[plain_leave] = _days_outside_period(a[plain_leave], year, frac_rule)
    table = pd.DataFrame({
        "matricule": a["matricule"],
        "leave": days.where(plain_leave, 0.0),
        "frac": days.where(is_frac, 0.0),
        "outside": outside,
        "sick": days.where(a["type"].isin(list(sick_types)).fillna(False), 0.0),
        "rtt": days.where(a["type"].eq("rtt").fillna(False), 0.0),
    })
    return table.groupby("matricule").sum().to_dict("index")


def agent_balances(absences: pd.DataFrame, assigned: pd.DataFrame, cycles: dict[str, WorkRegime], year: int,
                   params: Parameters | None = None) -> pd.DataFrame:
    """Per agent of `assigned`: obligation, leave and ARTT entitlements against what was taken.

    Entitlements are prorated by the work quotité and by the months paid in the year (an agent
    present 6 months has half the days); fractionnement days earned are not prorated (décret
    85-1250 art. 1: one or two days by the number of days taken outside 1 May-31 October,
    whatever the quotité, the usual reading of the text); ARTT are reduced by one day for every Q days of sick leave,
    Q = days of the cycle before ARTT / ARTT days (loi 2010-1657 art. 115). Fractionnement days
    taken are annual leave records whose label or motive mentions it.
    """
    params = params or default_parameters()
    norms = Norms.of(year, params)
    frac_rule = params.value("temps_travail.fractionnement", dt.date(year, 1, 1))
    sick_types = params.value("temps_travail.artt_absences_reductrices", dt.date(year, 1, 1))
    per_agent = _absence_totals(absences, year, frac_rule, sick_types)
    full_of = {name: count_regime(c.model_copy(update={"quotite": 1.0}), "norme", norms) for name, c in cycles.items()}
    rows = []
    for a in assigned.itertuples(index=False):
        full = full_of.get(a.cycle)
        if full is None:
            continue
        share = float(a.quotite) * min(int(a.months), 12) / 12
        t = per_agent.get(a.matricule, _NO_ABSENCE)
        artt_full = full.artt_days
        n1 = full.days_worked + artt_full - full.solidarity_days
        reduction = math.floor(t["sick"] / (n1 / artt_full) + 1e-9) if artt_full > 0 and t["sick"] > 0 else 0
        rows.append({
            "matricule": a.matricule, "cycle": a.cycle, "quotite": float(a.quotite), "months": int(a.months),
            "daily_hours": full.daily_hours, "obligation_hours": norms.annual_hours * share,
            "leave_entitlement": full.annual_leave_days * share, "leave_taken": t["leave"],
            "fractionnement_earned": _fractionnement_granted(t["outside"], frac_rule),
            "fractionnement_taken": t["frac"],
            "artt_entitlement": max(0.0, artt_full * share - reduction), "artt_reduction": reduction,
            "artt_taken": t["rtt"], "sick_days": t["sick"],
        })
    return pd.DataFrame(rows)
