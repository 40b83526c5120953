"""TEMPS rules on a small hand-built collectivité: every rule fires once where planted, nowhere else."""

import pandas as pd
import pytest

from rhaudit.deliberations import Deliberations
from rhaudit.model import conform, empty_frame
from rhaudit.rules import RuleContext, run_rules, select_rules

YEAR = 2026
FIFTY_HOUR_WEEK = {d: "07:00-12:00, 13:00-18:00" for d in ("lun", "mar", "mer", "jeu", "ven")}

DELIB = {
    "name": "Commune d'essai",
    "decisions": [{"id": "D2021-12", "date": "2021-12-10", "subject": "Temps de travail"}],
    "working_time": {
        "decision": "D2021-12",
        "etp_cost": 45000,
        "fractionnement": "conditions",
        "cycles": [
            {"name": "Administratif", "weekly_hours": 35, "services": ["Administration"],
             "extra_days": {"jours du maire": 3}, "decision": "D2021-12"},
            {"name": "Technique", "weekly_hours": 38, "artt_days": 20, "services": ["Voirie|Espaces verts"],
             "solidarity": "none"},
            {"name": "Police", "weekly_hours": 38, "artt_days": 20, "sujetions": True, "services": ["Police"],
             "schedule": [FIFTY_HOUR_WEEK]},
        ],
    },
}
AGENTS = {"A1": ("Administration", 1.0), "A2": ("Administration", 0.8), "T1": ("Voirie", 1.0)}


def absence(matricule, type_, start, end, days, label=""):
    return {"matricule": matricule, "type": type_, "start": start, "end": end, "days": days,
            "motive": label, "source_label": label or type_, "source_file": "absences.csv", "source_line": 2}


ABSENCES = [
    absence("A1", "conge_annuel", "2026-07-01", "2026-08-11", 30),  # 30 days, all in summer, 25 due
    absence("A2", "conge_annuel", "2026-02-09", "2026-02-11", 3),  # 3 days outside May-Oct: no fractionnement
    absence("A2", "conge_annuel", "2026-08-03", "2026-08-25", 17),
    absence("A2", "conge_annuel", "2026-11-02", "2026-11-03", 2, "Jours de fractionnement"),
    absence("T1", "conge_annuel", "2026-07-06", "2026-07-24", 15),
    absence("T1", "conge_annuel", "2026-12-14", "2026-12-23", 8),  # 8 days outside -> 2 earned
    absence("T1", "cmo", "2026-03-02", "2026-03-24", 23),
    absence("T1", "rtt", "2026-01-05", "2026-01-30", 20),
]


def context(absences=ABSENCES, delib=DELIB, payslips=True):
    slips = pd.DataFrame([
        {"matricule": m, "year": YEAR, "month": month, "establishment": "X", "service": svc, "quotite": q}
        for m, (svc, q) in AGENTS.items() for month in range(1, 13)
    ]) if payslips else empty_frame("payslips")
    from rhaudit.params import default_parameters

    return RuleContext(
        payslips=conform(slips, "payslips"), pay_lines=empty_frame("pay_lines"),
        absences=conform(pd.DataFrame(absences), "absences") if absences else empty_frame("absences"),
        agents=empty_frame("agents"), params=default_parameters(),
        deliberation=Deliberations.model_validate(delib) if delib else None,
    )


@pytest.fixture(scope="module")
def findings():
    return run_rules(context(), select_rules("TEMPS*"))


def test_each_rule_fires_exactly_where_planted(findings):
    assert [(f.rule, f.matricule, f.year) for f in findings] == [
        ("TEMPS-001", None, YEAR),
        ("TEMPS-002", None, YEAR),
        ("TEMPS-003", "A2", YEAR),
        ("TEMPS-004", None, YEAR),
        ("TEMPS-005", "A1", YEAR),
        ("TEMPS-006", "T1", YEAR),
        ("TEMPS-007", None, YEAR),
    ]


def by_rule(findings, rule):
    return next(f for f in findings if f.rule == rule)


def test_temps_001_technique_cycle_gap(findings):
    f = by_rule(findings, "TEMPS-001")
    # 38 h, 20 ARTT, solidarity counted as applied (TEMPS-004 reports it):
    # (228 - 20) x 7.6 = 1,580.8 + 4 (rounding) + 7 = 1,591.8 -> 15.2 h short, 1 agent (T1).
    # Police (same regime) has sujétions: no finding.
    assert f.hours == pytest.approx(15.2)
    assert f.amount == pytest.approx(15.2 / 1607 * 45000)  # 425.64 EUR
    assert "Technique" in f.message and "1 591,8 h" in f.message


def test_temps_002_jours_du_maire_cost(findings):
    f = by_rule(findings, "TEMPS-002")
    # 3 days x 7 h = 21 h per full-time agent x (A1 100 % + A2 80 %, 12 months) 1.8 ETP = 37.8 h
    # (was 42 h: A2's days counted as full-time days) = 37.8 / 1,607 ETP x 45,000 = 1,058.49 EUR.
    assert f.hours == pytest.approx(37.8)
    assert f.amount == pytest.approx(1058.49, abs=0.01)
    assert "× 1,8 ETP (2 agent(s) du cycle" in f.message
    assert "délibération D2021-12 du 10/12/2021" in f.message


def test_temps_003_fractionnement_taken_without_right(findings):
    f = by_rule(findings, "TEMPS-003")
    # A2 took 3 days outside 1 May-31 Oct (< 5: nothing earned) but 2 fractionnement days: 2 x 7 h.
    assert f.hours == pytest.approx(14)


def test_temps_004_solidarity(findings):
    # 7 h x 1 agent of the Technique cycle = 7 h; 7 / 1,607 x 45,000 = 196.02 EUR.
    f = by_rule(findings, "TEMPS-004")
    assert (f.hours, round(f.amount, 2)) == (7, 196.02)


def test_temps_005_leave_beyond_entitlement(findings):
    # A1: 30 days taken, 5 x 5 = 25 due, none outside May-Oct -> 5 days x 7 h = 35 h.
    # A2 (80 %): 20 ordinary days for 25 x 0.8 = 20 due -> nothing. T1: 23 for 25 (+2 earned) -> nothing.
    assert by_rule(findings, "TEMPS-005").hours == pytest.approx(35)


def test_temps_006_artt_reduced_for_sickness(findings):
    f = by_rule(findings, "TEMPS-006")
    # Q = 228 / 20 = 11.4; 23 days of CMO -> floor(23 / 11.4 = 2.02) = 2 days removed -> 18 due;
    # 20 taken -> 2 days x 7.6 h = 15.2 h.
    assert f.hours == pytest.approx(15.2)
    assert "2 jour(s) retiré(s) pour 23 jours" in f.message


def test_temps_007_lists_the_breaches(findings):
    f = by_rule(findings, "TEMPS-007")
    assert "Police" in f.message and "durée hebdomadaire 50 h (limite 48 h)" in f.message


def test_clean_collectivite_gives_nothing():
    clean = {"name": "Propre", "working_time": {"cycles": [
        {"name": "Tous", "weekly_hours": 39, "artt_days": 23, "services": [".*"]}]}}
    ok_absences = [absence("A1", "conge_annuel", "2026-07-01", "2026-07-29", 25), absence("A1", "rtt", "2026-02-02", "2026-02-20", 15)]
    assert run_rules(context(ok_absences, clean), select_rules("TEMPS*")) == []


def test_rules_cope_with_empty_tables_and_no_deliberation():
    assert run_rules(context(absences=[], delib=None, payslips=False), select_rules("TEMPS*")) == []
    assert run_rules(context(absences=[], payslips=False), select_rules("TEMPS-005,TEMPS-006")) == []


def test_fractionnement_thresholds_and_straddling_leave(params):
    from rhaudit.worktime.balances import fractionnement_earned

    rule = params.value("temps_travail.fractionnement", "2026-01-01")

    def leave(*spans):
        return conform(pd.DataFrame([absence("X", "conge_annuel", s, e, d) for s, e, d in spans]), "absences")

    # 4.5 days outside May-Oct -> nothing; 5 -> 1; 7 -> 1; 8 -> 2.
    assert fractionnement_earned(leave(("2026-02-02", "2026-02-06", 4.5)), 2026, rule) == 0
    assert fractionnement_earned(leave(("2026-02-02", "2026-02-06", 5)), 2026, rule) == 1
    assert fractionnement_earned(leave(("2026-02-02", "2026-02-10", 7)), 2026, rule) == 1
    assert fractionnement_earned(leave(("2026-02-02", "2026-02-11", 8)), 2026, rule) == 2
    # Mon 26/10 - Fri 6/11: 10 weekdays, 5 inside (26-30/10), 5 outside (2-6/11):
    # 10 days x 5/10 = 5 outside -> 1 day.
    assert fractionnement_earned(leave(("2026-10-26", "2026-11-06", 10)), 2026, rule) == 1


def test_temps_002_counts_the_local_calendar_days_off(tmp_path):
    cal = tmp_path / "ville.yaml"
    # 19/6/2026 is a Friday: one extra day; 14/7/2026 is already a public holiday: not counted.
    cal.write_text("name: Ville\nbase: metropole\ndays_off:\n  - {date: 2026-06-19, label: Fête locale}\n"
                   "  - {date: 2026-07-14, label: Fête nationale locale}\n", encoding="utf-8")
    delib = {"name": "Ville", "territory": str(cal), "working_time": {"cycles": [
        {"name": "Tous", "weekly_hours": 39, "artt_days": 23, "services": [".*"]}]}}
    found = run_rules(context([], delib), select_rules("TEMPS-002"))
    # 1 day x 7.8 h x (1 + 0.8 + 1) ETP (A1, A2, T1) = 21.84 h; no ETP cost given: no amount.
    assert [(f.hours, f.amount) for f in found] == [(pytest.approx(21.84), None)]
    assert "Fête locale (19/06/2026, calendrier local)" in found[0].message


def test_temps_002_says_when_the_territory_is_unknown():
    # "Alsace" is not a territory nor a calendars/ file: the local days off cannot be checked (they
    # used to be skipped silently); one finding says so, the cycle's own extra days are still counted.
    delib = {"name": "Ville", "territory": "Alsace", "working_time": {"cycles": [
        {"name": "Tous", "weekly_hours": 35, "services": [".*"], "extra_days": {"pont": 1}}]}}
    found = run_rules(context([], delib), select_rules("TEMPS-002"))
    assert len(found) == 2
    assert "Jours chômés locaux non contrôlés : Territoire inconnu : 'Alsace'" in found[0].message
    assert "Corrigez « territory » dans la délibération." in found[0].message
    # 1 "pont" day x 7 h x (1 + 0.8 + 1) ETP = 19.6 h.
    assert found[1].hours == pytest.approx(19.6)


def test_a_cycle_that_cannot_be_counted_is_reported_not_a_traceback():
    # 250 days of leave (a typo for 25) + 5 extra days > 253 open days of the norm (365 - 104 - 8): the
    # count raised ScenarioError inside `rhaudit check`. TEMPS-001 now says so once per year; the other
    # rules skip that cycle (its agents are not checked) and still check the others.
    delib = {"name": "Ville", "working_time": {"cycles": [
        {"name": "Faute", "weekly_hours": 35, "annual_leave_days": 250, "extra_days": {"pont": 5}, "services": [".*"]},
        {"name": "Technique", "weekly_hours": 38, "artt_days": 20, "services": ["Voirie"], "solidarity": "none"}]}}
    found = run_rules(context(ABSENCES, delib), select_rules("TEMPS*"))
    bad = [f for f in found if "incohérent" in f.message]
    assert len(bad) == 1 and bad[0].rule == "TEMPS-001"
    assert "Cycle « Faute » incohérent dans la délibération : Faute : 255 jours de congés" in bad[0].message
    # The Technique cycle is still checked: below 1,607 h (TEMPS-001) and no solidarity (TEMPS-004).
    assert {f.rule for f in found if "Technique" in f.message} == {"TEMPS-001", "TEMPS-004"}
    # Every agent matches "Faute" first (services ".*"): no per-agent finding (A1's 30 days of leave
    # would be TEMPS-005 in a countable cycle).
    assert not [f for f in found if f.matricule]


def test_temps_005_part_time_entitlement_on_the_work_quotite():
    # 80 % part time is paid 6/7 (QuotiteTrav 85.71): leave entitlement 5 × 5 × 0.8 = 20 days (not
    # 25 × 6/7 = 21.4). 21 days taken in summer (no fractionnement) → 1 day × 7 h = 7 h.
    slips = pd.DataFrame([{"matricule": "P1", "year": YEAR, "month": month, "establishment": "X",
                           "service": "Administration", "quotite": 0.8571} for month in range(1, 13)])
    from rhaudit.params import default_parameters

    ctx = RuleContext(
        payslips=conform(slips, "payslips"), pay_lines=empty_frame("pay_lines"),
        absences=conform(pd.DataFrame([absence("P1", "conge_annuel", "2026-07-01", "2026-07-29", 21)]), "absences"),
        agents=empty_frame("agents"), params=default_parameters(), deliberation=Deliberations.model_validate(DELIB),
    )
    [f] = run_rules(ctx, select_rules("TEMPS-005"))
    assert (f.matricule, f.hours) == ("P1", pytest.approx(7.0))
    assert "pour 20 jours de droits" in f.message


def test_temps_001_no_tolerance_on_top_of_the_legal_rounding():
    # 36.25 h over 5 days (7.25 h a day) with 8 ARTT: (228 − 8) × 7.25 = 1,595 h, + 4 h (the décret's
    # rounding of 1,596 to 1,600, already in the count) + 7 h (solidarity) = 1,606 h: 1 h short of
    # 1,607 h. A 4 h tolerance on top would have counted the rounding twice and let it pass.
    delib = {**DELIB, "working_time": {**DELIB["working_time"], "cycles": [
        {"name": "Administratif", "weekly_hours": 36.25, "artt_days": 8, "services": ["Administration"]}]}}
    found = run_rules(context(absences=[], delib=delib), select_rules("TEMPS-001"))
    # 1 h per full-time agent × 1.8 ETP (A1 1.0 + A2 0.8 in Administration ; T1 has no cycle here)
    assert [f.hours for f in found] == [pytest.approx(1.8)] and "1 h sous les 1 607 h" in found[0].message


def test_a_working_time_deliberation_later_than_the_year_is_not_applied():
    # The same collectivité, the délibération dated 10 December 2027: nothing judged for 2026, and said so.
    late = {**DELIB, "decisions": [{"id": "D2021-12", "date": "2027-12-10", "subject": "Temps de travail"}]}
    ctx = context(ABSENCES, late)
    assert run_rules(ctx, select_rules("TEMPS-001,TEMPS-002")) == []
    assert ctx.runs["TEMPS-001"].status == "partial"
    assert "2026 antérieure(s) à la délibération sur le temps de travail du 10/12/2027" in ctx.runs["TEMPS-001"].reasons[0]
    # dated 10 December 2021: the Technique cycle (38 h, 20 ARTT, < 1 607 h) is reported for 2026
    assert any(f.rule == "TEMPS-001" for f in run_rules(context(), select_rules("TEMPS-001")))
