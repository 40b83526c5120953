"""NBI-001..003: for each rule a payslip that fires and one just inside the limit."""

import pytest

from rhaudit.deliberations import Deliberations, NbiFunction
from rulekit import ctx_of, pay_line, payslip, run

# 2025, IM 400: full-time traitement 400 × 59.0734 / 12 = 1969.113333 EUR
# one NBI point per month: 59.0734 / 12 = 4.922783 EUR
TRAIT_FULL = 400 * 59.0734 / 12


def _nbi(paid, points=15, traitement=TRAIT_FULL, **slip):
    lines = [pay_line("traitement", traitement), pay_line("nbi", paid, units=points)]
    slip.setdefault("nbi_points", points)
    return payslip("1", 2025, 3, lines=lines, indice=400, **slip)


def test_001_contract_agent_with_nbi(params):
    [f] = run("NBI-001", ctx_of([_nbi(73.84, statut="NON_TITULAIRE")], params))
    assert f.amount == pytest.approx(73.84) and f.month == 3
    assert run("NBI-001", ctx_of([_nbi(73.84, statut="STAGIAIRE")], params)) == []


def test_002_amount_above_tolerance(params):
    # due 15 × 4.922783 = 73.841750 ; paid 76.50 → 2.658250 > 2 EUR
    [f] = run("NBI-002", ctx_of([_nbi(76.50)], params))
    assert f.amount == pytest.approx(2.658250, abs=1e-4) and "trop-perçu" in f.message
    # paid 75.00 → 1.158250, inside the 2 EUR tolerance
    assert run("NBI-002", ctx_of([_nbi(75.00)], params)) == []


def test_002_part_time_not_prorated(params):
    # 80 % paid 6/7: traitement 1969.113333 × 6/7 = 1687.811429, fraction 6/7
    # due 73.841750 × 6/7 = 63.292929 ; paid the full 73.84 → 10.547071 too much
    [f] = run("NBI-002", ctx_of([_nbi(73.84, traitement=TRAIT_FULL * 6 / 7, quotite=0.8)], params))
    assert f.amount == pytest.approx(10.547071, abs=1e-4)
    assert run("NBI-002", ctx_of([_nbi(63.29, traitement=TRAIT_FULL * 6 / 7, quotite=0.8)], params)) == []


def test_002_underpayment_and_points_from_line(params):
    # points only on the line (payslip without NBI elements): 10 points due 49.227833 ; paid 40 → 9.227833 short
    [f] = run("NBI-002", ctx_of([_nbi(40.0, points=10, nbi_points=None)], params))
    assert f.amount == pytest.approx(9.227833, abs=1e-4) and "moins-perçu" in f.message


def test_003_points_above_usual_ceiling(params):
    # catégorie C, usual ceiling 20 points; 30 points → 10 × 4.922783 = 49.227833 EUR
    [f] = run("NBI-003", ctx_of([_nbi(147.68, points=30)], params))
    assert f.amount == pytest.approx(49.227833, abs=1e-4)
    assert run("NBI-003", ctx_of([_nbi(98.46, points=20)], params)) == []


def test_003_points_above_deliberated_function(params):
    delib = Deliberations(name="T", nbi_functions=[NbiFunction(name="Accueil du public", points=10, emplois=["accueil"])])
    # emploi matches the 10-point function; 15 points → 5 × 4.922783 = 24.613917 EUR
    slip = _nbi(73.84, points=15, emploi="AGENT D'ACCUEIL")
    [f] = run("NBI-003", ctx_of([slip], params, deliberation=delib))
    assert f.amount == pytest.approx(24.613917, abs=1e-4) and "délibération" in f.message
    ok = _nbi(49.23, points=10, emploi="AGENT D'ACCUEIL")
    assert run("NBI-003", ctx_of([ok], params, deliberation=delib)) == []


def test_rules_cope_with_empty_tables(params):
    for rid in ("NBI-001", "NBI-002", "NBI-003"):
        assert run(rid, ctx_of([], params)) == []
