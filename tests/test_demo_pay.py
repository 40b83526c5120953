"""The demo commune: every planted pay irregularity is found with its amount, and nothing else."""

import pytest

from rhaudit.check import run_check
from rhaudit.demo import compare_with_answer_key
from rhaudit.demo.plants import all_plants
from rhaudit.rules import select_rules

# The pay families are those planted by demo/plant_pay.py: a new rule of these families, or a new
# family planted there, is checked here without editing this file.
PAY_FAMILIES = sorted({pid.split("-")[0] for pid, func in all_plants().items() if func.__module__.endswith(".plant_pay")})
PAY_RULES = ",".join(f"{family}-*" for family in PAY_FAMILIES)


@pytest.fixture(scope="module")
def demo(demo_120):
    files, ws = demo_120
    return files, run_check(ws, rule_patterns=PAY_RULES, deliberations=files.deliberations_file)


def test_every_pay_plant_is_planted(demo):
    files, _ = demo
    assert PAY_FAMILIES, "aucune anomalie plantée par demo/plant_pay.py"
    assert [p for p in files.skipped_plants if p.split("-")[0] in PAY_FAMILIES] == []


def test_every_pay_plant_found_with_its_amount_and_nothing_else(demo):
    files, findings = demo
    registered = {r.id for r in select_rules(PAY_RULES)}
    cmp = compare_with_answer_key([f.to_dict() for f in findings], files.answer_key, registered)
    assert {e["rule"] for e in cmp.expected} >= registered  # at least one plant per pay rule
    assert cmp.missed == []
    assert cmp.amount_mismatches == []
    assert [(f["rule"], f["matricule"], f["month"], f["message"]) for f in cmp.extras] == []
