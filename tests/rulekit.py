"""Small canonical frames for rule tests: a payslip and its lines in one call, then run a rule.

    slips, lines = payslip("100", 2025, 3, indice=400, lines=[pay_line("ihts_14", 162.29, units=10)])
    findings = run("IHTS-001", ctx_of([slips], [lines], params=params))
"""

from __future__ import annotations

import pandas as pd

from rhaudit.enrich import line_hours
from rhaudit.model import conform, empty_frame
from rhaudit.rules import RuleContext, get_rule, run_rules

KIND_OF = {"traitement": "T", "nbi": "T", "indemnite_residence": "IR", "sft": "S", "avantage_nature": "AV"}


def pay_line(category: str, amount: float, **fields) -> dict:
    """A pay line of `category`; kind guessed (T, IR, S, AV, C for contributions, else I)."""
    kind = KIND_OF.get(category, "C" if category.startswith("cot_") else "I")
    return {"category": category, "amount": amount, "kind": kind, "code": category.upper()[:8],
            "label": category.replace("_", " ").upper(), **fields}


def payslip(matricule: str, year: int, month: int, lines=(), **fields):
    """(payslip row, its pay-line rows): a full-time titulaire of catégorie C by default."""
    slip = {"matricule": matricule, "year": year, "month": month, "establishment": "COMMUNE",
            "statut": "TITULAIRE", "categorie": "C", "population": "agent", "quotite": 1.0,
            "source_file": "test.xhl", "source_line": 1, **fields}
    rows = []
    for i, ln in enumerate(lines, start=1):
        rows.append({"matricule": matricule, "year": year, "month": month, "establishment": "COMMUNE",
                     "source_file": "test.xhl", "source_line": 100 * month + i, **ln})
    return slip, rows


def ctx_of(slips, params, absences=None, deliberation=None) -> RuleContext:
    """A context from `payslip(...)` results (a list of (slip, lines) pairs)."""
    slip_rows = [s for s, _ in slips]
    line_rows = [ln for _, lines in slips for ln in lines]
    payslips = conform(pd.DataFrame(slip_rows), "payslips") if slip_rows else empty_frame("payslips")
    pay_lines = conform(pd.DataFrame(line_rows), "pay_lines") if line_rows else empty_frame("pay_lines")
    # The hours of the hourly lines, as rhaudit.enrich computes them (categories are given here).
    pay_lines["hours"] = pay_lines["hours"].fillna(line_hours(pay_lines, payslips, params))
    ab = conform(pd.DataFrame(absences), "absences") if absences else empty_frame("absences")
    return RuleContext(payslips=payslips, pay_lines=pay_lines, absences=ab, agents=empty_frame("agents"),
                       params=params, deliberation=deliberation)


def run(rule_id: str, ctx: RuleContext):
    return run_rules(ctx, [get_rule(rule_id)])
