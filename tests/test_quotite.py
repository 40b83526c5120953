"""Work quotité and temps non complet from the declared pay fraction (rhaudit.quotite)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from rhaudit.model import conform
from rhaudit.quotite import annotate_quotite, temps_non_complet, work_quotite


def test_part_time_pay_fractions_become_work_quotites():
    # 80 % is paid 6/7 = 0.857142… (QuotiteTrav 85.71), 90 % is paid 32/35 = 0.914285… (91.43);
    # 50 %, 60 %, 70 % are paid at their own fraction.
    got = work_quotite(pd.Series([0.8571, 0.9143, 6 / 7, 0.5, 0.7, 1.0, None]))
    assert got[:6].tolist() == pytest.approx([0.8, 0.9, 0.8, 0.5, 0.7, 1.0])
    assert pd.isna(got[6])


def _slips(*rows):
    cols = ["matricule", "quotite", "hours_total", "grade", "emploi"]
    df = pd.DataFrame([dict(zip(cols, r)) for r in rows])
    df["year"], df["month"] = 2025, 3
    return conform(df, "payslips")


def test_tnc_from_hours_labels_and_agents_reference():
    slips = _slips(
        ("1", 0.8, 121.33, "ADJOINT TECHNIQUE", "AGENT D'ENTRETIEN"),   # 28 h post: 28 × 52 / 12 = 121.33 h
        ("2", 0.8571, 121.33, "ADJOINT TECHNIQUE", "AGENT D'ENTRETIEN"),  # 80 % part time paid 6/7
        ("3", 1.0, 151.67, "ADJOINT TECHNIQUE", "AGENT D'ENTRETIEN"),    # full time
        ("4", 0.5, 75.83, "ADJOINT ADMINISTRATIF", "TEMPS PARTIEL 50 %"),  # part-time hint in the label
        ("5", 0.5, None, "ADJOINT TECHNIQUE TNC 17H30", "AGENT D'ENTRETIEN"),  # TNC hint, no hours
        ("6", 0.6, 91.0, "ADJOINT TECHNIQUE", "AGENT D'ENTRETIEN"),      # the agents reference says 35 h
    )
    agents = pd.DataFrame({"matricule": ["6"], "post_weekly_hours": [35.0]})
    assert temps_non_complet(slips, agents).tolist() == [True, False, False, False, True, False]


def test_annotation_stores_both_fields():
    out = annotate_quotite(_slips(("2", 0.8571, 121.33, "ADJOINT TECHNIQUE", "")))
    assert out["work_quotite"].iloc[0] == pytest.approx(0.8) and not out["temps_non_complet"].iloc[0]
    assert out["quotite"].iloc[0] == pytest.approx(0.8571)  # the declared pay fraction is kept


def test_tnc_declared_by_a_dsn_is_kept_and_a_stored_pes_value_is_recomputed():
    # Both payslips: pay fraction 0.5, no hours, neutral labels -> no TNC by inference.
    slips = _slips(("1", 0.5, None, "ADJOINT TECHNIQUE", "AGENT"), ("2", 0.5, None, "ADJOINT TECHNIQUE", "AGENT"))
    slips["temps_non_complet"] = pd.array([True, True], dtype="boolean")
    slips["source_kind"] = ["dsn", "pes"]
    # DSN S21.G00.40.053 = 02 is a declaration; the PES value is an earlier inference, redone.
    assert temps_non_complet(slips).tolist() == [True, False]


def test_pay_fraction_of_part_time_work():
    from rhaudit.quotite import pay_fraction

    # ordonnance 82-296 art. 3: 80 % paid 6/7, 90 % paid 32/35; 50 % paid 50 %
    assert pay_fraction(0.8) == pytest.approx(6 / 7)
    assert pay_fraction(0.9) == pytest.approx(32 / 35)
    assert pay_fraction(0.5) == 0.5 and pay_fraction(None) is None


def test_full_time_hours_come_from_the_dated_weekly_duration():
    from rhaudit.quotite import full_time_monthly_hours, full_time_weekly_hours

    # décret 2000-815 art. 1: 35 h a week; 35 × 52 / 12 = 151.666… → 151.67 h a month
    assert full_time_weekly_hours(dt.date(2025, 3, 1)) == 35
    assert full_time_monthly_hours(dt.date(2025, 3, 1)) == 151.67
