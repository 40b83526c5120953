"""QUAL-010 (PES vs DSN gross) and the set-aside of DSN payslips duplicating a payroll month."""

from __future__ import annotations

from rulekit import ctx_of, pay_line, payslip, run
from rhaudit.rules.dsn import OPTION, set_aside_dsn_duplicates

SIRET = "00000000000011"


def both(matricule, month, pes_gross, dsn_gross):
    """A PES payslip and a DSN payslip of the same agent, month and établissement."""
    pes = payslip(matricule, 2024, month, establishment=SIRET, gross=pes_gross, source_kind="pes",
                  source_file="paie.xml", lines=[pay_line("traitement", pes_gross, establishment=SIRET, source_file="paie.xml")])
    dsn = payslip(matricule, 2024, month, establishment=SIRET, gross=dsn_gross, source_kind="dsn",
                  source_file="mars.dsn", source_line=40,
                  lines=[pay_line("traitement", dsn_gross, establishment=SIRET, source_file="mars.dsn")])
    return [pes, dsn]


def test_gap_between_pes_and_dsn_gross_fires(params):
    # 2391.41 (PES) - 2291.41 (DSN) = 100.00 EUR
    findings = run("QUAL-010", ctx_of(both("1024", 3, 2391.41, 2291.41), params))
    assert [(f.matricule, f.month, f.amount) for f in findings] == [("1024", 3, 100.00)]
    assert "brut de la paie 2 391,41 EUR, brut de la DSN 2 291,41 EUR" in findings[0].message.replace("\u202f", " ")
    assert {e.file for e in findings[0].evidence} == {"paie.xml", "mars.dsn"}


def test_same_gross_or_gap_within_tolerance_is_silent(params):
    # 2391.41 - 2391.38 = 0.03 <= 0.05 EUR (controles.tolerance_brut_pes_dsn_eur)
    assert run("QUAL-010", ctx_of(both("1024", 3, 2391.41, 2391.41) + both("1025", 3, 2391.41, 2391.38), params)) == []


def test_agent_missing_from_one_source_fires_but_dsn_only_month_does_not(params):
    slips = both("1024", 3, 2000.0, 2000.0)
    slips.append(payslip("1026", 2024, 3, establishment=SIRET, gross=1500.0, source_kind="pes", source_file="paie.xml"))
    # April only in the DSN: nothing to compare.
    slips.append(payslip("1027", 2024, 4, establishment=SIRET, gross=1800.0, source_kind="dsn", source_file="avril.dsn"))
    findings = run("QUAL-010", ctx_of(slips, params))
    assert [(f.matricule, f.month, f.amount) for f in findings] == [("1026", 3, 1500.0)]
    assert "absent de la DSN" in findings[0].message


def test_dsn_payslips_of_a_payroll_month_are_set_aside_for_the_other_rules(params):
    ctx = ctx_of(both("1024", 3, 2391.41, 2291.41)
                 + [payslip("1027", 2024, 4, establishment=SIRET, gross=1800.0, source_kind="dsn",
                            source_file="avril.dsn", lines=[pay_line("traitement", 1800.0, establishment=SIRET,
                                                                     source_file="avril.dsn")])], params)
    slips, lines, aside = set_aside_dsn_duplicates(ctx.payslips, ctx.pay_lines)
    # March: the PES payslip stays, the DSN one is set aside; April (DSN only) stays.
    assert list(zip(slips["month"], slips["source_kind"])) == [(3, "pes"), (4, "dsn")]
    assert list(zip(lines["month"], lines["source_file"])) == [(3, "paie.xml"), (4, "avril.dsn")]
    assert list(zip(aside["month"], aside["gross"])) == [(3, 2291.41)]
    # QUAL-010 still sees the set-aside payslip through ctx.options.
    ctx.payslips, ctx.pay_lines, ctx.options[OPTION] = slips, lines, aside
    assert [(f.matricule, f.amount) for f in run("QUAL-010", ctx)] == [("1024", 100.00)]
