"""Nothing silently skipped: rules not run or partly run and why, coverage, evidence cut at 50,
statut à qualifier, dated délibérations over several files, no "prime sans délibération" for
negative amounts or national elements."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from rulekit import ctx_of, pay_line, payslip, run

from rhaudit.coverage import coverage_of, run_report
from rhaudit.deliberations import Decision, Deliberations, Ihts, merge_deliberations
from rhaudit.findings import Evidence, Finding, findings_frame
from rhaudit.present.checkdoc import write_findings
from rhaudit.model import conform
from rhaudit.population import GradeTable, annotate_population
from rhaudit.rules import NOT_RUN, PARTIAL, RUN, run_rules, select_rules

from conftest import REPO


def _ihts(matricule="1", month=3, indice=400, emploi="ADJOINT TECHNIQUE", statut="TITULAIRE", amount=162.29, year=2025):
    return payslip(matricule, year, month, indice=indice, emploi=emploi, statut=statut,
                   lines=[pay_line("ihts_14", amount, units=10)])


# --- the engine: requirements, not run, partly run -----------------------------------------------

def test_rules_whose_data_is_missing_are_reported_not_run_with_the_reason(params):
    ctx = ctx_of([_ihts()], params)  # no délibération, no absences file
    found = run_rules(ctx, select_rules("IHTS-003,IHTS-006,TEMPS-005,AVN-001,IHTS-001"))
    assert found == []
    runs = ctx.runs
    assert runs["IHTS-003"].status == NOT_RUN and "aucun fichier de délibérations" in runs["IHTS-003"].reasons[0]
    assert runs["IHTS-006"].status == NOT_RUN and "aucun fichier d'absences" in runs["IHTS-006"].reasons[0]
    # TEMPS-005 needs both: two reasons
    assert runs["TEMPS-005"].status == NOT_RUN and len(runs["TEMPS-005"].reasons) == 2
    assert runs["AVN-001"].status == NOT_RUN
    # IHTS-001 needs only the payroll: run, no finding (10 h < 25 h)
    assert runs["IHTS-001"].status == RUN and runs["IHTS-001"].findings == 0


def test_a_rule_that_cannot_judge_some_payslips_says_how_many_and_why(params):
    # IHTS-007 recomputes the hourly rate from the indice, or else from the traitement line: the
    # payslip with indice 0 and no traitement line is not judged.
    ctx = ctx_of([_ihts("1", indice=400, amount=180.0), _ihts("2", indice=0)], params)
    [f] = run_rules(ctx, select_rules("IHTS-007"))
    assert f.matricule == "1"  # 180 - 162.29 = 17.71 EUR excess, the indice-400 agent only
    r = ctx.runs["IHTS-007"]
    assert r.status == PARTIAL and r.findings == 1
    assert r.reasons == ["1 bulletins payant des IHTS non contrôlé(e)s : ni indice majoré ni ligne de traitement, "
                         "taux horaire non recalculé"]


def test_ihts_004_is_not_run_when_the_deliberation_opens_ihts_to_contract_agents(params):
    delib = Deliberations(name="T", ihts=Ihts(decision="D1", eligible_emplois=["TECHNIQUE"], contract_agents=True))
    ctx = ctx_of([_ihts(statut="NON_TITULAIRE")], params, deliberation=delib)
    assert run_rules(ctx, select_rules("IHTS-004")) == []
    assert ctx.runs["IHTS-004"].status == NOT_RUN and "sans objet" in ctx.runs["IHTS-004"].reasons[0]


# --- coverage and outputs ------------------------------------------------------------------------

def test_coverage_counts_agents_months_and_the_classified_share_of_gross(params):
    a = payslip("1", 2025, 1, indice=400, lines=[pay_line("traitement", 1968.0), pay_line("non_classe", 32.0)])
    b = payslip("1", 2025, 2, indice=400, lines=[pay_line("traitement", 1968.0), pay_line("non_classe", 32.0)])
    c = payslip("2", 2025, 2, indice=0, lines=[pay_line("traitement", 2000.0)])
    ctx = ctx_of([a, b, c], params)
    cov = coverage_of(ctx)
    # gross lines: 1968 + 32 + 1968 + 32 + 2000 = 6000; unclassified 64 -> 5936 / 6000 = 98.93 %
    assert (cov["agents"], cov["payslips"], cov["months"]) == (2, 3, 2)
    assert (cov["first_month"], cov["last_month"]) == ("01/2025", "02/2025")
    assert cov["gross_lines_eur"] == 6000.0 and cov["gross_unclassified_eur"] == 64.0
    assert cov["gross_classified_share"] == pytest.approx(98.93, abs=0.005)
    assert cov["payslips_without_indice"] == 1 and cov["absences"] is None and cov["deliberations"] is None


def test_every_output_carries_the_rules_not_run_and_the_coverage(params, tmp_path):
    ctx = ctx_of([_ihts("1", indice=400, amount=180.0), _ihts("2", indice=0)], params)
    findings = run_rules(ctx, select_rules("IHTS-003,IHTS-007"))
    report = run_report(ctx)
    paths = write_findings(findings, tmp_path, report)
    assert [p.name for p in paths] == ["findings.csv", "findings.json", "findings.xlsx", "execution.json",
                                       "execution.csv", "couverture.csv"]
    assert isinstance(json.loads((tmp_path / "findings.json").read_text(encoding="utf-8")), list)  # unchanged
    data = json.loads((tmp_path / "execution.json").read_text(encoding="utf-8"))
    by_rule = {r["rule"]: r for r in data["rules"]}
    assert by_rule["IHTS-003"]["status"] == "not_run" and by_rule["IHTS-003"]["status_label"] == "non exécutée"
    assert by_rule["IHTS-007"]["status"] == "partial" and by_rule["IHTS-007"]["findings"] == 1
    assert data["coverage"]["agents"] == 2 and data["coverage"]["rules_not_run"] == 1
    csv = pd.read_csv(tmp_path / "execution.csv", sep=";", encoding="utf-8-sig")
    assert csv.set_index("Règle").loc["IHTS-003", "Exécution"] == "non exécutée"
    xl = pd.read_excel(tmp_path / "findings.xlsx", sheet_name=None)
    assert {"Couverture", "Exécution des règles"} <= set(xl)
    assert "Agents (matricules distincts)" in set(pd.read_csv(tmp_path / "couverture.csv", sep=";")["Élément"])
    text = report.render()
    assert "Règles non exécutées (1)" in text and "leur absence de constat ne vaut pas conformité" in text
    assert "IHTS-007" in text.split("Règles exécutées en partie")[1]


def test_check_prints_the_rules_not_run(tmp_path, shared_pes):
    from rhaudit.cli import main

    ws = tmp_path / "w"
    assert CliRunner().invoke(main, ["import", str(shared_pes / "ville2012"), "-w", str(ws)]).exit_code == 0
    result = CliRunner().invoke(main, ["check", "-w", str(ws), "--rules", "IHTS*,TEMPS-001", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "Couverture : 19 agents" in result.output  # `rhaudit info` on ville2012: 19 agents
    assert "TEMPS-001" in result.output.split("Règles non exécutées")[1]
    assert (tmp_path / "r" / "execution.json").is_file()
    # Two délibération files over time: one passed with --deliberations, one in W/deliberations/
    (tmp_path / "d2010.yaml").write_text(
        "name: Ville\ndecisions:\n  - {id: D2010-01, date: 2010-01-15, subject: IHTS}\n"
        "ihts: {decision: D2010-01, eligible_emplois: ['.']}\n", encoding="utf-8")
    (ws / "deliberations").mkdir()
    (ws / "deliberations" / "d2013.yaml").write_text(
        "name: Ville\ndecisions:\n  - {id: D2013-02, date: 2013-02-01, subject: IHTS}\n"
        "ihts: {decision: D2013-02, eligible_emplois: ['TECHNIQUE']}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "-w", str(ws), "--rules", "IHTS-003", "--out", str(tmp_path / "r2")])
    assert result.exit_code == 0, result.output
    # only the 2013 file: every IHTS of 2012 predates it, and it says so
    data = json.loads((tmp_path / "r2" / "findings.json").read_text(encoding="utf-8"))
    assert data and all("antérieur à la délibération D2013-02 du 01/02/2013" in f["message"] for f in data)
    assert "D2013-02 du 01/02/2013" in result.output  # listed as later than the period
    result = CliRunner().invoke(main, ["check", "-w", str(ws), "--rules", "IHTS-003", "--out", str(tmp_path / "r3"),
                                       "--deliberations", str(tmp_path / "d2010.yaml"),
                                       "--deliberations", str(ws / "deliberations" / "d2013.yaml")])
    assert result.exit_code == 0, result.output
    # with the 2010 file in force for 2012 (every emploi eligible): nothing
    assert json.loads((tmp_path / "r3" / "findings.json").read_text(encoding="utf-8")) == []
    cov = json.loads((tmp_path / "r3" / "execution.json").read_text(encoding="utf-8"))["coverage"]
    assert "d2010.yaml" in cov["deliberations"] and "d2013.yaml" in cov["deliberations"]


# --- evidence --------------------------------------------------------------------------------------

def test_an_evidence_list_cut_at_50_lines_says_so(params):
    lines = [pay_line("ihts_14", 10.0, units=1) for _ in range(60)]
    ctx = ctx_of([payslip("1", 2025, 3, indice=400, lines=lines)], params)
    [f] = run("IHTS-001", ctx)  # 60 h > 25 h
    assert len(f.evidence) == 50 and f.evidence_total == 60
    text = findings_frame([f])["evidence"][0]
    assert text.startswith("50 premières lignes sur 60 : test.xhl:301")
    assert f.to_dict()["evidence_total"] == 60
    short = Finding("X", "info", "t", "r", evidence=[Evidence("a", 1)])
    assert findings_frame([short])["evidence"][0] == "a:1"  # complete: no note


# --- statut à qualifier ----------------------------------------------------------------------------

def test_staff_with_no_grade_no_indice_and_a_fixed_salary_are_a_qualifier():
    table = GradeTable.load(REPO / "configs" / "grades.yaml")
    ps = conform(pd.DataFrame([
        {"matricule": "S1", "statut": "NON_TITULAIRE", "emploi": "OUVRIER EGOUTIER", "indice": 0},
        {"matricule": "S2", "statut": "NON_TITULAIRE", "emploi": "OUVRIER EGOUTIER", "indice": 350},  # on a grid
        {"matricule": "S3", "statut": "TITULAIRE", "emploi": "OUVRIER", "indice": 0},  # a data gap, not a status
        # a "TRAITEMENT" is indiciaire pay even when the file leaves the indice at 0 (metro2011)
        {"matricule": "S4", "statut": "NON_TITULAIRE", "emploi": "OUVRIER EGOUTIER", "indice": 0},
    ]).assign(year=2011, month=3, establishment="E"), "payslips")
    pl = conform(pd.DataFrame([{"matricule": m, "kind": "T", "label": label, "amount": 2100.0}
                               for m, label in (("S1", "SALAIRE DE BASE"), ("S2", "SALAIRE DE BASE"),
                                                ("S3", "SALAIRE DE BASE"), ("S4", "TRAITEMENT DE BASE"))]
                              ).assign(year=2011, month=3, establishment="E"), "pay_lines")
    out = annotate_population(ps, pl, None, table)
    assert out["population"].tolist() == ["a_qualifier", "agent", "agent", "agent"]


def test_statut_001_reports_each_agent_once_and_the_pay_rules_leave_them_out(params):
    slips = [payslip("S1", 2011, m, population="a_qualifier", statut="NON_TITULAIRE", grade=None, indice=0, gross=2100.0,
                     lines=[pay_line("traitement", 2100.0, label="SALAIRE DE BASE"), pay_line("ihts_14", 50.0, units=60)])
             for m in (1, 2, 3)]
    twin = payslip("A1", 2011, 1, indice=350, gross=1600.0, lines=[pay_line("traitement", 1600.0)])
    ctx = ctx_of(slips + [twin], params)
    [f] = run("STATUT-001", ctx)
    # once for the agent: 3 payslips, 3 × 2 100 = 6 300 EUR of gross concerned, no excess at stake
    assert f.matricule == "S1" and f.month is None and f.amount is None and f.amount_concerned == 6300.0
    assert "01/2011 à 03/2011" in f.message
    # 60 h of "IHTS" a month would be over the 25 h cap, but the civil-service rule is not applied
    assert run("IHTS-001", ctx) == []


# --- dated délibérations ------------------------------------------------------------------------

def _ihts_delib(decision: str, day: dt.date, emplois, contract_agents=False) -> Deliberations:
    return Deliberations(name="T", decisions=[Decision(id=decision, date=day, subject="IHTS")],
                         ihts=Ihts(decision=decision, eligible_emplois=emplois, contract_agents=contract_agents))


def test_a_deliberation_later_than_the_pay_month_is_not_applied(params):
    delib = _ihts_delib("D2018-12", dt.date(2018, 3, 29), ["TECHNIQUE"])
    feb, mar = _ihts(month=2, year=2018), _ihts(month=3, year=2018)
    found = run("IHTS-003", ctx_of([feb, mar], params, deliberation=delib))
    # February 2018: before the 29 March délibération, no basis; March: decided during the month, eligible emploi
    assert [(f.month, f.amount) for f in found] == [(2, pytest.approx(162.29))]
    assert "antérieur à la délibération D2018-12 du 29/03/2018" in found[0].message


def test_several_deliberation_files_over_time_each_apply_from_their_date(params):
    old = _ihts_delib("D2010-01", dt.date(2010, 1, 15), ["TECHNIQUE"])
    new = _ihts_delib("D2018-12", dt.date(2018, 3, 29), ["ACCUEIL"])
    merged = merge_deliberations([new, old])
    assert [d.id for d in merged.decisions] == ["D2010-01", "D2018-12"] and merged.ihts.decision == "D2018-12"
    assert merged.in_force("ihts", 2018, 2).decision == "D2010-01" and merged.in_force("ihts", 2009, 12) is None
    # A technician paid IHTS in February 2018 (old délibération: eligible) and in April 2018 (new: not listed)
    found = run("IHTS-003", ctx_of([_ihts(month=2, year=2018), _ihts(month=4, year=2018)], params, deliberation=merged))
    assert [f.month for f in found] == [4] and "D2018-12" in found[0].message


def test_a_decision_after_the_period_is_listed_in_the_coverage(params):
    delib = _ihts_delib("D2026-01", dt.date(2026, 2, 1), ["TECHNIQUE"])
    ctx = ctx_of([_ihts(month=12, year=2025)], params, deliberation=delib)
    assert coverage_of(ctx)["decisions_after_period"] == "D2026-01 du 01/02/2026"


# --- RIFSEEP-011: never for a negative amount or a nationally set element -------------------------

def test_negative_amounts_and_national_elements_are_never_bonus_without_deliberation(params):
    delib = Deliberations(name="T")
    slip = payslip("1", 2025, 3, indice=400, lines=[
        pay_line("autre_prime", 50.0, label="PRIME INFORMATIQUE"),
        pay_line("autre_prime", 36.12, label="INDEMNITE COMPENSATRICE CSG"),
        pay_line("autre_prime", 20.0, label="Suppl. familial traitement"),
        pay_line("iat", -40.0, label="RETENUE IAT ABSENCE"),
    ])
    [f] = run("RIFSEEP-011", ctx_of([slip], params, deliberation=delib))
    assert f.amount == 50.0 and "autre prime" in f.message.lower()  # the computer bonus only


def test_a_bonus_basis_decided_after_the_month_does_not_ground_it(params):
    delib = Deliberations(name="T", decisions=[Decision(id="D2025-07", date=dt.date(2025, 4, 10), subject="IAT")],
                          bonuses_with_basis={"iat": "D2025-07"})
    slips = [payslip("1", 2025, m, indice=350, lines=[pay_line("iat", 100.0)]) for m in (3, 4)]
    [f] = run("RIFSEEP-011", ctx_of(slips, params, deliberation=delib))
    # March (before 10 April) is without basis; April is grounded
    assert f.amount == 100.0 and "D2025-07 du 10/04/2025" in f.message


# --- the demo commune: amounts an auditor can trust, and a full run -------------------------------

def test_demo_amounts_are_the_sum_of_their_evidence_or_stated_in_the_message(demo_120):
    from rhaudit.check import check_workspace
    from rhaudit.fmt import fr_amount

    files, ws = demo_120
    result = check_workspace(ws, deliberations=files.deliberations_file)
    offenders = []
    for f in result.findings:
        if f.amount is None:
            continue
        complete = (f.evidence_total or 0) == len(f.evidence)
        total = round(sum(e.amount for e in f.evidence if e.amount is not None), 2)
        if not (complete and abs(total - f.amount) < 0.011) and fr_amount(f.amount) not in f.message:
            offenders.append((f.rule, f.matricule, f.month))
    assert offenders == []
    # every datum is there: no rule left out; all 121 agents and 12 months covered
    assert result.report.of_status(NOT_RUN) == []
    assert (result.report.coverage["agents"], result.report.coverage["months"]) == (121, 12)


def test_a_deliberation_file_without_the_section_says_which_section_is_missing(params):
    ctx = ctx_of([_ihts()], params, deliberation=Deliberations(name="T"))
    run_rules(ctx, select_rules("IHTS-003,TEMPS-005"))
    assert ctx.runs["IHTS-003"].reasons == [
        "les délibérations ne décrivent pas les IHTS (section ihts : emplois éligibles)"]
    assert len(ctx.runs["TEMPS-005"].reasons) == 2  # no working_time section, no absences


def test_ihts_lines_without_hours_are_counted_as_not_judged(params):
    slip = payslip("1", 2025, 3, indice=400, lines=[pay_line("ihts_14", 162.29, units=10), pay_line("ihts_15", 80.0)])
    ctx = ctx_of([slip], params)
    assert run_rules(ctx, select_rules("IHTS-001")) == []
    assert ctx.runs["IHTS-001"].reasons == [
        "1 lignes d'IHTS non contrôlé(e)s : aucun nombre d'heures sur la ligne (unités, base ou taux)"]


def test_a_deduction_is_netted_with_the_bonus_it_corrects(params):
    # IAT without basis: 100 EUR paid, then a 40 EUR deduction for absence the same year: 60 EUR at stake
    slips = [payslip("1", 2025, 3, indice=350, lines=[pay_line("iat", 100.0)]),
             payslip("1", 2025, 4, indice=350, lines=[pay_line("iat", -40.0, label="RETENUE IAT ABSENCE")])]
    [f] = run("RIFSEEP-011", ctx_of(slips, params, deliberation=Deliberations(name="T")))
    assert f.amount == 60.0
