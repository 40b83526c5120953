"""SFT: the shared formula (pay.sft_monthly) and the rules SFT-001, SFT-002."""

import pytest

from rhaudit import pay
from rulekit import ctx_of, pay_line, payslip, run

POINT_2025 = 59.0734  # annual point value in force since 2023-07-01


def test_sft_no_child_is_zero(params):
    assert pay.sft_monthly(params, 0, 500, "2025-03-01") == 0.0


def test_sft_one_child_fixed_part_only(params):
    # 1 child: 2.29 EUR fixed, no proportional part
    assert pay.sft_monthly(params, 1, 500, "2025-03-01") == pytest.approx(2.29)


def test_sft_two_children(params):
    # 500 × 59.0734 / 12 = 2461.391667 ; × 3 % = 73.841750 ; + 10.67 = 84.511750
    assert pay.sft_monthly(params, 2, 500, "2025-03-01") == pytest.approx(84.51175, abs=1e-4)


def test_sft_three_children_below_floor_index(params):
    # IM 400 < floor 454 (IB 524 since 2024-01-01): 454 × 59.0734 / 12 = 2234.943633 ; × 8 % = 178.795491
    # + 15.24 = 194.035491
    assert pay.sft_monthly(params, 3, 400, "2025-03-01") == pytest.approx(194.035491, abs=1e-4)


def test_sft_floor_index_in_force_on_the_payroll_date(params):
    # 2023-12 (floor IM 449, point 59.0734 since 2023-07): 449 × 59.0734 / 12 = 2210.329717 ; × 8 %
    # = 176.826377 ; + 15.24 = 192.066377 ; one month later the floor is IM 454 (194.035491 above)
    assert pay.sft_monthly(params, 3, 400, (2023, 12)) == pytest.approx(192.066377, abs=1e-4)


def test_sft_four_children_above_ceiling_index(params):
    # IM 800 > ceiling 722 (IB 879 since 2024-01-01): 722 × 59.0734 / 12 = 3554.249567 ;
    # rate 8 % + 6 % = 14 % -> 497.594939 ; fixed 15.24 + 4.57 = 19.81 ; total 517.404939
    assert pay.sft_monthly(params, 4, 800, "2025-03-01") == pytest.approx(517.404939, abs=1e-4)


def test_sft_part_time_never_below_full_time_minimum(params):
    # 80 % paid 6/7: 84.511750 × 6/7 = 72.438643 ; full-time minimum (IM 454, 2 children)
    # = 10.67 + 3 % × 2234.943633 = 77.718309 -> the minimum applies
    assert pay.sft_monthly(params, 2, 500, "2025-03-01", quotite=6 / 7) == pytest.approx(77.718309, abs=1e-4)


def test_sft_part_time_above_minimum_is_prorated(params):
    # IM 700: 700 × 59.0734 / 12 = 3445.948333 ; × 3 % = 103.378450 ; + 10.67 = 114.048450
    # × 6/7 = 97.755814 > 77.718309
    assert pay.sft_monthly(params, 2, 700, "2025-03-01", quotite=6 / 7) == pytest.approx(97.755814, abs=1e-4)


def test_sft_temps_non_complet_plainly_prorated(params):
    # 84.511750 × 0.5 = 42.255875 (no full-time minimum for temps non complet)
    got = pay.sft_monthly(params, 2, 500, "2025-03-01", quotite=0.5, temps_non_complet=True)
    assert got == pytest.approx(42.255875, abs=1e-4)


def test_sft_uses_point_value_in_force(params):
    # 2022-01: point 56.2323 ; 500 × 56.2323 / 12 = 2343.0125 ; × 3 % = 70.290375 ; + 10.67 = 80.960375
    assert pay.sft_monthly(params, 2, 500, (2022, 1)) == pytest.approx(80.960375, abs=1e-4)


# --- rules ---------------------------------------------------------------------------------------

TRAIT_500 = 500 * 59.0734 / 12  # 2461.391667


def _sft(paid, children=2, indice=500, traitement=TRAIT_500, **slip):
    return payslip("1", 2025, 3, lines=[pay_line("traitement", traitement), pay_line("sft", paid)],
                   indice=indice, children=children, **slip)


def test_sft_001_no_child(params):
    [f] = run("SFT-001", ctx_of([_sft(84.51, children=0)], params))
    assert f.amount == pytest.approx(84.51)
    assert run("SFT-001", ctx_of([_sft(84.51, children=2)], params)) == []
    # children unknown: not judged
    assert run("SFT-001", ctx_of([_sft(84.51, children=None)], params)) == []


def test_sft_002_overpaid(params):
    # due 84.511750 (2 children, IM 500, full time) ; paid 100 → 15.488250 too much
    [f] = run("SFT-002", ctx_of([_sft(100.0)], params))
    assert f.amount == pytest.approx(15.488250, abs=1e-4) and "trop-perçu" in f.message
    # paid 84.00: 0.51 below, inside the 1 EUR tolerance
    assert run("SFT-002", ctx_of([_sft(84.0)], params)) == []


def test_sft_002_underpaid_number_of_children_not_updated(params):
    # 3 children, IM 500: 15.24 + 8 % × 2461.391667 = 212.151333 ; paid the 2-children 84.51 → 127.641333 short
    [f] = run("SFT-002", ctx_of([_sft(84.51, children=3)], params))
    assert f.amount == pytest.approx(127.641333, abs=1e-4) and "moins-perçu" in f.message


def test_sft_002_part_time_range(params):
    # quotité 0.8, traitement paid 6/7: the due range spans temps non complet (84.511750 × 0.8 = 67.609400)
    # to the part-time floor (77.718309); paid 77.72 → inside ; paid 90 → 90 − 77.718309 = 12.281691
    trait = TRAIT_500 * 6 / 7
    assert run("SFT-002", ctx_of([_sft(77.72, traitement=trait, quotite=0.8)], params)) == []
    [f] = run("SFT-002", ctx_of([_sft(90.0, traitement=trait, quotite=0.8)], params))
    assert f.amount == pytest.approx(12.281691, abs=1e-4)


def test_sft_rules_cope_with_empty_tables(params):
    assert run("SFT-001", ctx_of([], params)) == [] and run("SFT-002", ctx_of([], params)) == []


def test_sft_proportional_part_counts_the_nbi(params):
    # Décret 85-1148 art. 10 bis, loi 91-73 art. 27: the NBI is part of the traitement.
    # 2 children, IM 500 + 20 NBI points, 2025: 10.67 + 3 % × 520 × 59.0734 / 12
    # = 10.67 + 0.03 × 2,559.8473 = 10.67 + 76.7954 = 87.4654 EUR.
    assert pay.sft_monthly(params, 2, 500, "2025-03-01", nbi_points=20) == pytest.approx(87.4654, abs=1e-4)
    # The ceiling bounds IM + NBI: IM 710 + 20 = 730 > IM 722 → 10.67 + 0.03 × 722 × 59.0734 / 12
    # = 10.67 + 0.03 × 3,554.2497 = 10.67 + 106.6275 = 117.2975 EUR.
    assert pay.sft_monthly(params, 2, 710, "2025-03-01", nbi_points=20) == pytest.approx(117.2975, abs=1e-4)
