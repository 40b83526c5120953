"""The IHTS formula of pay.py (décret 2002-60 art. 7 and 8), shared by IHTS-007, the hour reader of
the IHTS rules and the demo generator: hand-computed values."""

import numpy as np
import pytest

from rhaudit import pay


def test_hourly_base_from_annual_traitement():
    # IM 400 in 2025: 400 × 59,0734 = 23 629,36 EUR a year; / 1 820 = 12,983165 EUR
    assert pay.ihts_rate_from_annual(23629.36, 0.0, 1820) == pytest.approx(12.983165, abs=1e-6)
    # with a 3 % indemnité de résidence: 23 629,36 × 1,03 = 24 338,2408 ; / 1 820 = 13,372660 EUR
    assert pay.ihts_rate_from_annual(23629.36, 0.03, 1820) == pytest.approx(13.372660, abs=1e-6)


def test_hourly_base_matches_the_scalar_reader(params):
    # pay.ihts_hourly_base reads the point value and the divisor in force: the same figure
    assert pay.ihts_hourly_base(params, 400, 0, 0.0, (2025, 6)) == pytest.approx(400 * 59.0734 / 1820)


def test_tiers_night_and_sunday():
    base = 12.9832
    # 20 h: 14 × 1,25 + 6 × 1,27 = 17,5 + 7,62 = 25,12 → 12,9832 × 25,12 = 326,137984
    assert pay.ihts_amount(base, 20, 14, 1.25, 1.27) == pytest.approx(326.137984)
    # 2 of them at night (× 2): + 2 × (2 − 1) × 1,27 = 2,54 → 27,66 × 12,9832 = 359,115312
    assert pay.ihts_amount(base, 20, 14, 1.25, 1.27, night_hours=2, night=2) == pytest.approx(359.115312)
    # 3 of them on a Sunday (× 5/3): + 3 × 2/3 × 1,27 = 2,54 → same 359,115312
    assert pay.ihts_amount(base, 20, 14, 1.25, 1.27, sunday_hours=3, sunday=5 / 3) == pytest.approx(359.115312)
    # 8 h after 10 h already paid this month: 4 h left at × 1,25, 4 h at × 1,27 → 10,08 × 12,9832 = 130,870656
    assert pay.ihts_amount(base, 8, 14, 1.25, 1.27, already_paid_hours=10) == pytest.approx(130.870656)
    # 5 h after 20 h already paid: all at × 1,27 → 6,35 × 12,9832 = 82,44332
    assert pay.ihts_amount(base, 5, 14, 1.25, 1.27, already_paid_hours=20) == pytest.approx(82.44332)


def test_amount_over_arrays_of_agent_months():
    # one value per agent-month: 10 h (all first tier) and 20 h (see above)
    due = pay.ihts_amount(np.array([12.9832, 12.9832]), np.array([10.0, 20.0]), np.array([14.0, 14.0]), 1.25, 1.27)
    # 10 × 1,25 × 12,9832 = 162,29
    assert due == pytest.approx([162.29, 326.137984])
