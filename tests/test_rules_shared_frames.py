"""Rules share the pay lines `rules._paie.lines_of` caches per check run: no rule may change them
(a column added by one rule would be seen, or overwritten, by the next)."""

import pandas as pd
from rulekit import ctx_of, pay_line, payslip
from test_rules_rifseep import delib

from rhaudit.rules import all_rules, get_rule, run_rules
from rhaudit.rules._paie import _lines_of, lines_of


def _payroll(params):
    """Agent 1, 2025: IFSE every month (part time from July), a monthly CIA, an IAT in March."""
    slips = []
    for m in range(1, 13):
        lines = [pay_line("traitement", 1969.11), pay_line("ifse", 500.0), pay_line("cia", 50.0)]
        if m == 3:
            lines.append(pay_line("iat", 120.0))
        slips.append(payslip("1", 2025, m, indice=400, quotite=1.0 if m < 7 else 6 / 7, lines=lines))
    return ctx_of(slips, params, deliberation=delib())


def test_rifseep_rules_leave_the_cached_lines_unchanged(params):
    ctx = _payroll(params)
    cached = lines_of(ctx, ["ifse"])
    before = cached.copy(deep=True)
    rifseep = [get_rule(f"RIFSEEP-{n:03d}") for n in range(1, 13)]
    assert run_rules(ctx, rifseep)  # the rules ran and found something (IFSE not prorated, CIA monthly...)
    assert lines_of(ctx, ["ifse"]) is cached
    # ri_lines used to add `paid` and `fte` to this very frame.
    assert list(cached.columns) == list(before.columns)
    pd.testing.assert_frame_equal(cached, before)


def test_no_rule_changes_a_cached_frame(params):
    ctx = _payroll(params)
    run_rules(ctx, all_rules())
    cache = ctx.options["_shared"]
    keys = [k for k in cache if isinstance(k, tuple) and k[0] == "lines_of"]
    assert len(keys) >= 5  # many rules read lines through the cache
    for key in keys:
        _, categories, with_slip, all_populations = key
        fresh = _lines_of(ctx, categories, with_slip, all_populations)
        pd.testing.assert_frame_equal(cache[key], fresh, obj=str(categories))


def test_row_of_key_matches_each_row_to_its_payslip_as_a_left_merge_does():
    from rhaudit.rules._paie import _row_of_key

    table = pd.DataFrame({"matricule": pd.array(["1", "2", None], dtype="string"),
                          "year": pd.array([2025, 2025, 2025], dtype="Int64"),
                          "month": pd.array([1, 1, pd.NA], dtype="Int64")})
    rows = pd.DataFrame({"matricule": pd.array(["2", "1", None, "3", "1"], dtype="string"),
                         "year": pd.array([2025, 2025, 2025, 2025, 2024], dtype="Int64"),
                         "month": pd.array([1, 1, pd.NA, 1, 1], dtype="Int64")})
    # "2"/2025/1 is row 1, "1"/2025/1 row 0; missing values match each other (as in a merge): row 2;
    # agent "3" and 2024 have no row: -1.
    assert _row_of_key(table, rows).tolist() == [1, 0, 2, -1, -1]


def test_lines_of_gives_a_line_without_payslip_missing_attributes(params):
    """The payslip attributes are taken by position; a line whose payslip is not in the payslips
    table (a test frame, a partial import) gets them missing, as the left merge gives them."""
    ctx = _payroll(params)
    orphan = ctx.pay_lines.iloc[[0]].assign(matricule="9")
    ctx.pay_lines = pd.concat([ctx.pay_lines, orphan], ignore_index=True)
    lines = lines_of(ctx, ["traitement"])
    assert len(lines) == 13  # 12 months of agent 1, and the orphan line
    assert lines["indice"].tolist()[:12] == [400] * 12
    assert lines["matricule"].tolist()[12] == "9" and pd.isna(lines["indice"].tolist()[12])


def test_lines_of_attributes_by_position_equal_the_merge_on_the_payslip_key(params):
    from rhaudit.model import PAYSLIP_KEY
    from rhaudit.quotite import with_quotite
    from rhaudit.rules._paie import SLIP_ATTRIBUTES

    ctx = _payroll(params)
    lines = lines_of(ctx, ["ifse", "cia"])
    slips = with_quotite(ctx.payslips)[PAYSLIP_KEY + SLIP_ATTRIBUTES].drop_duplicates(PAYSLIP_KEY)
    plain = lines_of(ctx, ["ifse", "cia"], with_slip=False)
    pd.testing.assert_frame_equal(lines, plain.merge(slips, on=PAYSLIP_KEY, how="left"))
    assert lines["quotite"].tolist()[-2:] == [6 / 7, 6 / 7]  # December's IFSE and CIA, part time from July
