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
