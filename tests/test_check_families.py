"""check.run_by_family: the rules run family after family, the frames they share dropped in between."""

import pandas as pd
import rhaudit.check as check
from test_rules_shared_frames import _payroll

from rhaudit.rules import all_rules, run_rules


def _frames(ctx) -> list:
    return [k for k, v in ctx.options.get("_shared", {}).items() if isinstance(v, pd.DataFrame)]


def test_run_by_family_gives_the_findings_of_one_run(params):
    one_run = run_rules(_payroll(params), all_rules())
    by_family = check.run_by_family(_payroll(params), list(reversed(all_rules())))  # any order given
    assert len(one_run) >= 3  # IFSE not prorated, monthly CIA... (test_rules_shared_frames)
    assert [f.to_dict() for f in by_family] == [f.to_dict() for f in one_run]


def test_each_family_starts_without_the_frames_of_the_previous_one(params, monkeypatch):
    calls = []

    def spy(ctx, rules):
        frames_before = _frames(ctx)
        found = run_rules(ctx, rules)
        calls.append(({r.family for r in rules}, frames_before, _frames(ctx)))
        return found

    monkeypatch.setattr(check, "run_rules", spy)
    ctx = _payroll(params)
    check.run_by_family(ctx, all_rules())
    families = [f for f, _, _ in calls]
    assert all(len(f) == 1 for f in families)  # one family per call
    assert len(families) == len({next(iter(f)) for f in families})  # each family once
    assert not any(before for _, before, _ in calls)  # no frame left by the previous family
    assert any(after for _, _, after in calls)  # the rules did share frames within a family
    assert _frames(ctx) == []
