"""SFT: the shared formula (pay.sft_monthly) and the rules SFT-001, SFT-002."""

import pytest

from rhaudit import pay

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
    # IM 400 < floor 449: 449 × 59.0734 / 12 = 2210.329717 ; × 8 % = 176.826377 ; + 15.24 = 192.066377
    assert pay.sft_monthly(params, 3, 400, "2025-03-01") == pytest.approx(192.066377, abs=1e-4)


def test_sft_four_children_above_ceiling_index(params):
    # IM 800 > ceiling 717: 717 × 59.0734 / 12 = 3529.635650 ; rate 8 % + 6 % = 14 % -> 494.148991
    # fixed 15.24 + 4.57 = 19.81 ; total 513.958991
    assert pay.sft_monthly(params, 4, 800, "2025-03-01") == pytest.approx(513.958991, abs=1e-4)


def test_sft_part_time_never_below_full_time_minimum(params):
    # 80 % paid 6/7: 84.511750 × 6/7 = 72.438643 ; full-time minimum (IM 449, 2 children)
    # = 10.67 + 3 % × 2210.329717 = 76.979892 -> the minimum applies
    assert pay.sft_monthly(params, 2, 500, "2025-03-01", quotite=6 / 7) == pytest.approx(76.979892, abs=1e-4)


def test_sft_part_time_above_minimum_is_prorated(params):
    # IM 700: 700 × 59.0734 / 12 = 3445.948333 ; × 3 % = 103.378450 ; + 10.67 = 114.048450
    # × 6/7 = 97.755814 > 76.979892
    assert pay.sft_monthly(params, 2, 700, "2025-03-01", quotite=6 / 7) == pytest.approx(97.755814, abs=1e-4)


def test_sft_temps_non_complet_plainly_prorated(params):
    # 84.511750 × 0.5 = 42.255875 (no full-time minimum for temps non complet)
    got = pay.sft_monthly(params, 2, 500, "2025-03-01", quotite=0.5, temps_non_complet=True)
    assert got == pytest.approx(42.255875, abs=1e-4)


def test_sft_uses_point_value_in_force(params):
    # 2022-01: point 56.2323 ; 500 × 56.2323 / 12 = 2343.0125 ; × 3 % = 70.290375 ; + 10.67 = 80.960375
    assert pay.sft_monthly(params, 2, 500, (2022, 1)) == pytest.approx(80.960375, abs=1e-4)
