"""The régime indemnitaire rules (rifseep.py, regimes.py) share their intermediate tables within
a check (rules/_ri.py): the lines of each category are those `lines_of` selects, the shared
frames are never changed by a rule, and the vector forms of the helpers give what the text says."""

import pandas as pd
import pytest
from rulekit import ctx_of, pay_line, payslip, run
from test_rules_rifseep import delib, year_of

from rhaudit.model import RI_NET_CATEGORIES
from rhaudit.rules import get_rule, run_rules
from rhaudit.rules._paie import lines_of
from rhaudit.rules._ri import agent_groups, last_payslips, months_on_payroll, ri_lines, ri_params
from rhaudit.rules.rifseep import _month_overlaps


def _payroll(params):
    """Agent 1, 2025: IFSE every month (part time from July), a CIA in June, an IAT in March, a
    deduction of the régime indemnitaire in May; agent 2: a traitement only."""
    slips = []
    for m in range(1, 13):
        lines = [pay_line("traitement", 1969.11), pay_line("ifse", 500.0)]
        lines += [pay_line("cia", 300.0)] if m == 6 else []
        lines += [pay_line("iat", 120.0)] if m == 3 else []
        lines += [pay_line("deduction_ri", -50.0)] if m == 5 else []
        slips.append(payslip("1", 2025, m, indice=400, quotite=1.0 if m < 7 else 0.8, lines=lines))
        slips.append(payslip("2", 2025, m, indice=380, lines=[pay_line("traitement", 1870.0)]))
    return ctx_of(slips, params, deliberation=delib())


@pytest.mark.parametrize("categories", [["ifse"], ["cia"], ["iat", "ifts"], ["ifse", "iat", "ifts", "iemp", "pfr", "iss", "psr"],
                                        list(RI_NET_CATEGORIES), [c for c in RI_NET_CATEGORIES if c != "cia"],
                                        ["traitement", "ifse"]])
def test_ri_lines_are_the_lines_of_their_categories(params, categories):
    # One selection of every RI category, filtered: the same rows, in the same order, as selecting
    # the categories directly; paid = amount, fte = amount / quotité (500 / 0.8 = 625 from July).
    ctx = _payroll(params)
    got = ri_lines(ctx, categories)
    direct = lines_of(ctx, categories)
    pd.testing.assert_frame_equal(got.drop(columns=["paid", "fte"]), direct)
    ifse = got[got["category"] == "ifse"]
    assert list(ifse["fte"]) == ([500.0] * 6 + [625.0] * 6 if "ifse" in categories else [])
    assert list(got["paid"]) == list(direct["amount"].astype(float))


def test_ri_lines_of_no_category_present(params):
    ctx = _payroll(params)
    assert ri_lines(ctx, ["pfr"]).empty


def test_shared_frames_are_left_unchanged_by_the_rules(params):
    ctx = _payroll(params)
    frames = {"lines": ri_lines(ctx, RI_NET_CATEGORIES), "groups": agent_groups(ctx), "last": last_payslips(ctx),
              "months": months_on_payroll(ctx)}
    before = {k: v.copy(deep=True) for k, v in frames.items()}
    rifseep = [get_rule(f"RIFSEEP-{n:03d}") for n in range(1, 13)]
    assert run_rules(ctx, rifseep)  # CIA, IFSE with IAT... found
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)
    # The same objects are handed out again: computed once per check.
    assert agent_groups(ctx) is frames["groups"] and months_on_payroll(ctx) is frames["months"]
    # Agent 1 is in group C1 (délibération assignments), 12 months on payroll in 2025.
    assert agent_groups(ctx).set_index("matricule").loc["1", "group"] == "C1"
    assert months_on_payroll(ctx).set_index("matricule").loc["1", "months"] == 12


def test_ri_params_per_month(params):
    # regimes_indemnitaires.ecart_montant_mensuel_eur: 1 EUR (tests/test_rules_rifseep.py header),
    # looked up once per distinct month, January when no month is given.
    ctx = _payroll(params)
    got = ri_params(ctx, "ecart_montant_mensuel_eur", pd.Series([2025, 2025, 2024]), pd.Series([3, 3, 12]))
    assert list(got) == [1.0, 1.0, 1.0]
    assert list(ri_params(ctx, "ecart_plafond_annuel_eur", pd.Series([2025]))) == [1.0]


def test_month_overlaps_of_absences():
    absences = pd.DataFrame({
        "matricule": ["1", "2", "3"], "type": ["clm", "cld", "cgm"],
        "start": pd.to_datetime(["2024-11-16", "2024-02-29", "2025-03-10"]),
        "end": pd.to_datetime(["2025-02-10", "2024-03-01", "2025-03-10"]),
    })
    got = _month_overlaps(absences)
    assert list(zip(got["matricule"], got["period_year"], got["period_month"], got["type"])) == [
        ("1", 2024, 11, "clm"), ("1", 2024, 12, "clm"), ("1", 2025, 1, "clm"), ("1", 2025, 2, "clm"),
        ("2", 2024, 2, "cld"), ("2", 2024, 3, "cld"), ("3", 2025, 3, "cgm")]
    # 16-30 November: 15/30; December and January whole; 1-10 February 2025: 10/28; 29 February
    # 2024 (leap year): 1/29; 1 March: 1/31; one day of March 2025: 1/31.
    assert list(got["frac"]) == pytest.approx([15 / 30, 1.0, 1.0, 10 / 28, 1 / 29, 1 / 31, 1 / 31])
    assert _month_overlaps(absences.iloc[:0]).empty


def test_007_month_with_two_kinds_of_absence(params):
    # CMO from 1 March 2025 to 15 June, then CLM from 16 to 30 June; IFSE 600 EUR every month,
    # maintained during a CMO by the délibération. The first 90 days of CMO (1 March - 29 May:
    # 31 + 30 + 29) are paid at 90 %, the next at 50 % (loi 2025-127, art. 189; carence.cmo_*).
    #   March, April: 10 % of the month not due -> 600 × 0.1 = 60 EUR each;
    #   May: (29 × 0.1 + 2 × 0.5) / 31 = 3.9 / 31 not due -> 600 × 3.9 / 31 = 75.48 EUR;
    #   June: 15 days at 50 % (15 × 0.5 / 30 = 0.25) + 15 days of CLM (15 / 30 = 0.5) -> 75 % not
    #   due, 600 × 0.25 = 150 EUR due, 450 EUR in excess.
    absences = [{"matricule": "1", "type": "cmo", "start": "2025-03-01", "end": "2025-06-15", "days": 107},
                {"matricule": "1", "type": "clm", "start": "2025-06-16", "end": "2025-06-30", "days": 15}]
    found = run("RIFSEEP-007", ctx_of(year_of("1", 600), params, absences=absences, deliberation=delib()))
    assert [(f.month, round(f.amount, 2)) for f in found] == [(3, 60.0), (4, 60.0), (5, 75.48), (6, 450.0)]
    june = found[-1].message
    assert "congé de longue maladie, congé de maladie ordinaire rémunéré à 50 % du traitement" in june
    assert "75 % du mois" in june and "seuls 150,00 EUR étaient dus" in june
    # The rates seen in May, in the order of the days: 90 % until the 29th, then 50 %.
    assert "rémunéré à 90 puis 50 % du traitement" in found[2].message


def _frames(value):
    """The frames of a cached value (a frame, or a tuple of frames)."""
    return [v for v in (value if isinstance(value, tuple) else (value,)) if isinstance(v, pd.DataFrame)]


def test_every_shared_ri_frame_is_left_unchanged(params):
    # Run the rules once to fill the cache, copy every RI frame in it, run them again: a rule that
    # added a column to, or changed a value of, a shared frame would show here.
    ctx = _payroll(params)
    rules = [get_rule(f"RIFSEEP-{n:03d}") for n in range(1, 13)]
    first = run_rules(ctx, rules)
    cache = ctx.options["_shared"]
    keys = [k for k in cache if isinstance(k, tuple) and str(k[0]).startswith("ri_")]
    assert {k[0] for k in keys} >= {"ri_lines", "ri_annual", "ri_agent_groups", "ri_last_payslips", "ri_months_on_payroll"}
    before = {k: [f.copy(deep=True) for f in _frames(cache[k])] for k in keys}
    again = run_rules(ctx, rules)
    assert [f.message for f in again] == [f.message for f in first]
    for k in keys:
        for frame, copy in zip(_frames(cache[k]), before[k]):
            pd.testing.assert_frame_equal(frame, copy, obj=str(k))
