"""Run the rules on the hand-computed cases of tests/data/cases (see rhaudit.demo.cases)."""

from __future__ import annotations

import datetime as dt

from rulekit import ctx_of, pay_line, payslip

from rhaudit.deliberations import Deliberations

MATRICULE = "1"


def _lines(specs):
    return [pay_line(spec["category"], spec["amount"], **{k: v for k, v in spec.items() if k not in ("category", "amount")})
            for spec in specs]


def context(case: dict, params):
    """A RuleContext holding the case's payslips, absences and délibération."""
    months = case.get("months") or [case["month"]]
    by_month = {int(k): v for k, v in (case.get("lines_by_month") or {}).items()}
    slips = [payslip(MATRICULE, case["year"], m, lines=_lines(case["lines"] + by_month.get(m, [])), **case["agent"])
             for m in months]
    absences = [{"matricule": MATRICULE, "type": a["type"], "start": a["start"], "end": a["end"],
                 "days": float((a["end"] - a["start"]).days + 1)} for a in case.get("absences", [])]
    delib = None
    if "group" in case:
        delib = Deliberations.model_validate(dict(
            name="Commune des cas", decisions=[{"id": "D-CAS", "date": dt.date(case["year"] - 2, 12, 1), "subject": "RIFSEEP"}],
            rifseep=dict(decision="D-CAS", effective_date=dt.date(case["year"] - 1, 1, 1), groups=[case["group"]],
                         assignments=[{"group": case["group"]["name"], "matricule": MATRICULE}]),
            bonuses_with_basis={"ifse": "D-CAS", "cia": "D-CAS"},
        ))
    return ctx_of(slips, params, absences=absences or None, deliberation=delib)
