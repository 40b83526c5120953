"""Sick-pay rates of the congé de maladie ordinaire (pay.cmo_pay_rates), hand-computed from the texts.

CGFP L.822-3 as amended by loi 2025-127, art. 189: a CMO granted from 1 March 2025 is paid at 90 %
for its first three months (90 days in twelve rolling months), at half pay beyond; a CMO granted
before stays at full pay for its first-period days, even those after 1 March 2025.
"""

import datetime as dt

import numpy as np

from rhaudit import pay


def span(first: str, last: str) -> np.ndarray:
    return np.arange(np.datetime64(first), np.datetime64(last) + 1, dtype="datetime64[D]")


def test_stop_begun_before_march_2025_stays_at_full_pay(params):
    days = span("2025-02-27", "2025-03-05")  # 7 days, all in the first 90 of the rolling year
    _, rates = pay.cmo_pay_rates(params, days, np.full(len(days), np.datetime64("2025-02-27")))
    assert rates.tolist() == [1.0] * 7


def test_stop_begun_from_march_2025_is_paid_90_percent(params):
    days = span("2025-03-01", "2025-03-10")
    _, rates = pay.cmo_pay_rates(params, days, np.full(len(days), np.datetime64("2025-03-01")))
    assert rates.tolist() == [0.9] * 10


def test_without_grant_dates_each_day_reads_its_own_date(params):
    _, rates = pay.cmo_pay_rates(params, span("2025-02-27", "2025-03-02"))
    assert rates.tolist() == [1.0, 1.0, 0.9, 0.9]  # 27, 28 Feb at 100 %, 1 and 2 March at 90 %


def test_half_pay_beyond_90_days_in_twelve_rolling_months(params):
    # one stop from 1 April 2025: days 1 to 90 (1 April .. 29 June) at 90 %, day 91 (30 June) at 50 %
    days = span("2025-04-01", "2025-07-01")
    d, rates = pay.cmo_pay_rates(params, days, np.full(len(days), np.datetime64("2025-04-01")))
    assert d[89].astype(dt.date) == dt.date(2025, 6, 29) and rates[89] == 0.9
    assert d[90].astype(dt.date) == dt.date(2025, 6, 30) and rates[90] == 0.5
    assert rates[91] == 0.5


def test_a_day_in_two_stops_counts_once_with_the_earliest_grant(params):
    a, b = span("2025-02-25", "2025-03-03"), span("2025-03-01", "2025-03-04")
    grants = np.concatenate([np.full(len(a), np.datetime64("2025-02-25")), np.full(len(b), np.datetime64("2025-03-01"))])
    d, rates = pay.cmo_pay_rates(params, np.concatenate([a, b]), grants)
    assert len(d) == 8  # 25 Feb .. 4 March
    assert rates.tolist() == [1.0] * 7 + [0.9]  # 1-3 March belong to the February stop; 4 March to the March one
