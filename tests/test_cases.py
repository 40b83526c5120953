"""The rules against the hand-computed cases of tests/data/cases (one file per family).

The expected amounts are written by hand in the YAML files with their arithmetic; nothing here
computes an expected value. The demo's answer key reads the same cases (rhaudit.demo.cases).
"""

from __future__ import annotations

import pytest
from casekit import context

from rhaudit.demo.cases import all_cases
from rhaudit.rules import get_rule, run_rules

CASES = all_cases()


def _order(f):
    return (f.matricule is not None, f.month or 0, f.amount or 0.0)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case(case_id, params):
    case = CASES[case_id]
    ctx = context(case, params)
    for rule_id, expected in case["expected"].items():
        found = sorted(run_rules(ctx, [get_rule(rule_id)]), key=_order)
        assert len(found) == len(expected), (case_id, rule_id, [(f.amount, f.message) for f in found])
        for f, exp in zip(found, expected):
            if exp.get("amount") is None:
                assert f.amount is None, (case_id, rule_id, f.message)
            else:
                assert f.amount == pytest.approx(exp["amount"], abs=0.01), (case_id, rule_id, f.message)
            if "month" in exp:
                assert f.month == exp["month"]
            if "hours" in exp:
                assert f.hours == pytest.approx(exp["hours"], abs=0.01)


def test_every_case_states_its_rules_and_expectations():
    for case_id, case in CASES.items():
        assert case.get("case") and case.get("expected"), case_id
        assert set(case["expected"]) <= set(case["rules"]), case_id
