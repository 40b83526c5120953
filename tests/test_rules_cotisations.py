"""COTIS-001..003 and AVN-001: for each rule a payslip that fires and one that does not."""

import datetime as dt

import pytest

from rhaudit.deliberations import BenefitInKind, Deliberations
from rulekit import ctx_of, pay_line, payslip, run


def _cot(lines, year=2025, **slip):
    return payslip("1", year, 3, lines=lines, **slip)


def test_cotis_001_contract_agent_at_cnracl(params):
    slip = _cot([pay_line("cot_sal_cnracl", -120.0), pay_line("cot_pat_cnracl", 350.0)], statut="NON_TITULAIRE")
    [f] = run("COTIS-001", ctx_of([slip], params))
    # |−120| + 350 = 470 EUR of contributions to the wrong fund
    assert f.amount == pytest.approx(470.0) and len(f.evidence) == 2
    ok = _cot([pay_line("cot_sal_cnracl", -120.0)], statut="TITULAIRE")
    assert run("COTIS-001", ctx_of([ok], params)) == []


def test_cotis_002_titulaire_28h_at_ircantec(params):
    lines = [pay_line("cot_pat_ircantec", 60.0)]
    [f] = run("COTIS-002", ctx_of([_cot(lines, quotite=1.0)], params))
    assert f.amount == pytest.approx(60.0)
    # threshold quoted from cotisations.seuil_affiliation_cnracl_heures (28 h since 2002)
    assert "occupant un emploi d'au moins 28 h hebdomadaires" in f.message
    # 0.8 × 35 h = 28 h: at the threshold, CNRACL → fires
    assert len(run("COTIS-002", ctx_of([_cot(lines, quotite=0.8)], params))) == 1
    # 0.7 × 35 h = 24.5 h < 28 h: IRCANTEC is right for a temps non complet
    assert run("COTIS-002", ctx_of([_cot(lines, quotite=0.7)], params)) == []
    assert run("COTIS-002", ctx_of([_cot(lines, statut="NON_TITULAIRE")], params)) == []


def test_cotis_003_employer_rate(params):
    # 2025 rate 34.65 %; a line at 31.65 % on 2,000 EUR: (0.3465 − 0.3165) × 2000 = 60 EUR short
    [f] = run("COTIS-003", ctx_of([_cot([pay_line("cot_pat_cnracl", 633.0, base=2000.0, rate=31.65)])], params))
    assert f.amount == pytest.approx(60.0) and "34,65 %" in f.message
    assert run("COTIS-003", ctx_of([_cot([pay_line("cot_pat_cnracl", 693.0, base=2000.0, rate=34.65)])], params)) == []
    # no rate column: amount / base = 693 / 2000 = 0.3465 → right
    assert run("COTIS-003", ctx_of([_cot([pay_line("cot_pat_cnracl", 693.0, base=2000.0)])], params)) == []
    # 27.30 % applies since 2005-01-01 (décret 2003-51): in 2009, 546 / 2,000 = 27.30 % → right
    assert run("COTIS-003", ctx_of([_cot([pay_line("cot_pat_cnracl", 546.0, base=2000.0, rate=27.3)], year=2009)],
                                   params)) == []
    # a year with no rate on file (2004) is not judged
    assert run("COTIS-003", ctx_of([_cot([pay_line("cot_pat_cnracl", 100.0, base=2000.0, rate=5)], year=2004)],
                                   params)) == []
    # Both in one payroll: 2004 is left out (counted as skipped), 2025 still judged (60 EUR as above).
    ctx = ctx_of([_cot([pay_line("cot_pat_cnracl", 100.0, base=2000.0, rate=5)], year=2004),
                  _cot([pay_line("cot_pat_cnracl", 633.0, base=2000.0, rate=31.65)])], params)
    [f] = run("COTIS-003", ctx)
    assert (f.year, f.amount) == (2025, pytest.approx(60.0))
    assert ctx.runs["COTIS-003"].status == "partial"


def test_param_by_month_without_value(params):
    from rhaudit.params import ParameterError
    from rhaudit.pay import param_by_month

    # cotisations.cnracl_patronal starts 2005-01-01 at 27.30 % (décret 2003-51).
    got = param_by_month(params, "cotisations.cnracl_patronal", [2004, 2005], [12, 1], missing_ok=True)
    assert got.isna().tolist() == [True, False] and got.iloc[1] == pytest.approx(0.273)
    with pytest.raises(ParameterError):
        param_by_month(params, "cotisations.cnracl_patronal", [2004], [12])


def test_avn_001_benefit_without_payslip_line(params):
    delib = Deliberations(name="T", benefits_in_kind=[BenefitInKind(matricule="1", nature="logement",
                                                                    since=dt.date(2025, 2, 1))])
    slips = [payslip("1", 2025, m) for m in (1, 2, 3)]
    [f] = run("AVN-001", ctx_of(slips, params, deliberation=delib))
    # January is before the grant: February and March lack the line
    assert (f.matricule, f.year, f.amount) == ("1", 2025, None) and "2 bulletin(s)" in f.message
    assert [e.period for e in f.evidence] == ["2025-02", "2025-03"]
    with_line = [payslip("1", 2025, m, lines=[pay_line("avantage_nature", 180.0)]) for m in (2, 3)]
    assert run("AVN-001", ctx_of(with_line, params, deliberation=delib)) == []


def test_rules_cope_with_empty_tables(params):
    for rid in ("COTIS-001", "COTIS-002", "COTIS-003", "AVN-001"):
        assert run(rid, ctx_of([], params, deliberation=Deliberations(name="T"))) == []
