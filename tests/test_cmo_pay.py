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


def test_by_agent_counts_each_agent_s_days_apart(params):
    # Agent "A": one stop from 1 June 2024 to 28 February 2025 (30+31+31+30+31+30+31+31+28 = 273 days),
    # granted before March 2025: days 1 to 90 (1 June .. 29 August 2024) at 100 %, days 91 to 273 at 50 %.
    # Agent "B": a stop from 1 to 10 March 2025: his first 10 CMO days, at 90 % (granted from March 2025),
    # although A's 273 days fall within B's rolling year. The rows are given interleaved, B first.
    a, b = span("2024-06-01", "2025-02-28"), span("2025-03-01", "2025-03-10")
    agents = np.array(["B"] * 5 + ["A"] * len(a) + ["B"] * 5)
    days = np.concatenate([b[:5], a, b[5:]])
    grants = np.concatenate([np.full(5, np.datetime64("2025-03-01")), np.full(len(a), np.datetime64("2024-06-01")),
                             np.full(5, np.datetime64("2025-03-01"))])
    who, d, rates = pay.cmo_pay_rates_by_agent(params, agents, days, grants)
    assert who.tolist() == ["B"] * 10 + ["A"] * 273  # agents in order of first appearance, days sorted
    assert d[:10].tolist() == b.tolist() and d[10:].tolist() == a.tolist()
    assert rates.tolist() == [0.9] * 10 + [1.0] * 90 + [0.5] * 183
    assert d[10 + 89].astype(dt.date) == dt.date(2024, 8, 29)  # A's 90th day, the last at full pay


def test_by_agent_without_any_day(params):
    who, d, rates = pay.cmo_pay_rates_by_agent(params, np.array([], dtype=object), np.array([], dtype="datetime64[D]"))
    assert len(who) == len(d) == len(rates) == 0
