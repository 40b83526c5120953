"""ASA-*, CARENCE-001 and MALADIE-*: each rule fires on a case and stays silent on its twin.

Values used below: point value 59.0734 EUR a year (décret 2023-519, in force in 2025), so the
monthly traitement of IM 400 at full time is 400 × 59.0734 / 12 = 1,969.1133 EUR; a day is 7 h
(35 h / 5).
"""

import pytest

from rhaudit.deliberations import Deliberations
from tests.rulekit import ctx_of, pay_line, payslip, run

FULL_400 = 400 * 59.0734 / 12  # 1,969.1133 EUR


def _delib(**grid):
    return Deliberations(name="Test", asa=[{"motive": m, "days": d} for m, d in grid.items()])


def _asa(mat, motive, start, end, days):
    return {"matricule": mat, "type": "asa", "motive": motive, "start": start, "end": end, "days": days,
            "source_label": f"ASA {motive}", "source_file": "abs.csv", "source_line": 2}


def _cmo(mat, start, end, motive="", line=2):
    return {"matricule": mat, "type": "cmo", "motive": motive, "start": start, "end": end,
            "source_label": "Maladie ordinaire", "source_file": "abs.csv", "source_line": line}


SLIP_2025 = [payslip("1", 2025, 3, indice=400)]


# --- ASA ------------------------------------------------------------------------------------------

def test_asa001_longer_marriage_and_extra_motive(params):
    # Grid: marriage 7 days (reference 5), moving house 1 day (not in the reference).
    # Taken: a 7-day marriage (2 days beyond the reference) and 1 day for moving: 3 days × 7 h = 21 h.
    absences = [_asa("1", "mariage_agent", "2025-03-03", "2025-03-11", 7), _asa("1", "demenagement", "2025-05-05", "2025-05-05", 1)]
    f = run("ASA-001", ctx_of(SLIP_2025, params, absences, _delib(mariage_agent=7, naissance=3, demenagement=1)))
    assert len(f) == 1 and f[0].year == 2025 and f[0].matricule is None
    assert f[0].hours == pytest.approx(21.0)
    assert f[0].amount is None  # no ETP cost in the délibération
    assert "11 j contre 8 j" in f[0].message  # 7 + 3 + 1 = 11 local; 5 + 3 = 8 reference for the same motives


def test_asa001_silent_when_grid_matches_reference(params):
    absences = [_asa("1", "mariage_agent", "2025-03-03", "2025-03-07", 5)]
    assert run("ASA-001", ctx_of(SLIP_2025, params, absences, _delib(mariage_agent=5, naissance=3, enfant_malade=6))) == []


def test_asa002_event_beyond_grid(params):
    absences = [_asa("1", "naissance", "2025-03-03", "2025-03-07", 5)]
    f = run("ASA-002", ctx_of(SLIP_2025, params, absences, _delib(naissance=3)))
    assert [(x.matricule, x.month, x.hours) for x in f] == [("1", 3, 14.0)]  # (5 - 3) days × 7 h


def test_asa002_twin_within_grid(params):
    absences = [_asa("1", "naissance", "2025-03-03", "2025-03-05", 3)]
    assert run("ASA-002", ctx_of(SLIP_2025, params, absences, _delib(naissance=3))) == []


def test_asa002_sick_child_is_an_annual_quota(params):
    # 4 + 4 = 8 days in the year against 6 per year: 2 days, 14 h; no month (a yearly total).
    over = [_asa("1", "enfant_malade", "2025-02-03", "2025-02-06", 4), _asa("1", "enfant_malade", "2025-10-06", "2025-10-09", 4)]
    f = run("ASA-002", ctx_of(SLIP_2025, params, over, _delib(enfant_malade=6)))
    assert [(x.month, x.hours) for x in f] == [(None, 14.0)]
    within = [_asa("1", "enfant_malade", "2025-02-03", "2025-02-05", 3), _asa("1", "enfant_malade", "2025-10-06", "2025-10-08", 3)]
    assert run("ASA-002", ctx_of(SLIP_2025, params, within, _delib(enfant_malade=6))) == []


def test_asa003_motive_absent_from_grid(params):
    absences = [_asa("1", "demenagement", "2025-05-05", "2025-05-05", 1), _asa("1", "syndical", "2025-06-02", "2025-06-02", 1),
                _asa("1", "mariage_agent", "2025-07-07", "2025-07-11", 5)]
    f = run("ASA-003", ctx_of(SLIP_2025, params, absences, _delib(mariage_agent=5)))
    # Only moving house: union leave has its own legal basis, marriage is in the grid.
    assert [(x.month, x.hours) for x in f] == [(5, 7.0)]


# --- CARENCE ----------------------------------------------------------------------------------------

def _march_slip(extra=()):
    return payslip("1", 2025, 3, lines=[pay_line("traitement", 1900.0), pay_line("nbi", 50.0), pay_line("ifse", 450.0),
                                        pay_line("cia", 300.0), *extra])


def test_carence001_not_withheld(params):
    # (1,900 + 50 + 450) / 30 = 80 EUR (the annual CIA is not part of the base).
    ctx = ctx_of([_march_slip(), payslip("1", 2025, 4)], params, [_cmo("1", "2025-03-10", "2025-03-14")])
    f = run("CARENCE-001", ctx)
    assert [(x.matricule, x.year, x.month) for x in f] == [("1", 2025, 3)]
    assert f[0].amount == pytest.approx(80.0)
    assert f[0].evidence[0].position == 2


def test_carence001_twins(params):
    withheld_next_month = [_march_slip(), payslip("1", 2025, 4, lines=[pay_line("carence", -80.0)])]
    assert run("CARENCE-001", ctx_of(withheld_next_month, params, [_cmo("1", "2025-03-10", "2025-03-14")])) == []
    # A prolongation (starts the day after the previous stop, whose carence was withheld) is not a new stop.
    slips = [_march_slip([pay_line("carence", -80.0)]), payslip("1", 2025, 4)]
    chain = [_cmo("1", "2025-03-05", "2025-03-09"), _cmo("1", "2025-03-10", "2025-03-14", line=3)]
    assert run("CARENCE-001", ctx_of(slips, params, chain)) == []
    # First stop 25-28 March (carence withheld in March). Back at work 48 hours (29 and 30 March) before
    # a new stop on 31 March: no new carence. Back 72 hours (29-31 March), new stop on 1 April with no
    # carence in April nor May: (1,900 + 50 + 450) / 30 = 80 EUR for April's stop.
    april = payslip("1", 2025, 4, lines=[pay_line("traitement", 1900.0), pay_line("nbi", 50.0), pay_line("ifse", 450.0)])
    slips = [_march_slip([pay_line("carence", -80.0)]), april, payslip("1", 2025, 5)]
    after_48h = [_cmo("1", "2025-03-25", "2025-03-28"), _cmo("1", "2025-03-31", "2025-04-04", line=3)]
    assert run("CARENCE-001", ctx_of(slips, params, after_48h)) == []
    after_72h = [_cmo("1", "2025-03-25", "2025-03-28"), _cmo("1", "2025-04-01", "2025-04-04", line=3)]
    f = run("CARENCE-001", ctx_of(slips, params, after_72h))
    assert [(x.month, x.amount) for x in f] == [(4, pytest.approx(80.0))]
    ald = _cmo("1", "2025-03-10", "2025-03-14", motive="Maladie ordinaire - ALD")
    assert run("CARENCE-001", ctx_of([_march_slip()], params, [ald])) == []
    pregnancy = _cmo("1", "2025-03-10", "2025-03-14", motive="CMO (état de Grossesse)")
    assert run("CARENCE-001", ctx_of([_march_slip()], params, [pregnancy])) == []
    slip_2016 = payslip("1", 2016, 3, lines=[pay_line("traitement", 1900.0)])
    assert run("CARENCE-001", ctx_of([slip_2016], params, [_cmo("1", "2016-03-10", "2016-03-14")])) == []


# --- MALADIE ----------------------------------------------------------------------------------------

def _slip(month, traitement, statut="TITULAIRE"):
    return payslip("1", 2025, month, indice=400, statut=statut, lines=[pay_line("traitement", traitement)])


def test_maladie001_ninety_percent_not_applied(params):
    # CMO 10-19 March 2025, 10 days at 90 %: due 1,969.1133 × (1 - 10 × 0.10 / 30) = 1,903.4762;
    # paid 1,969.11 -> 65.63 EUR in excess (at most the 65.6371 EUR withholding due).
    f = run("MALADIE-001", ctx_of([_slip(3, 1969.11)], params, [_cmo("1", "2025-03-10", "2025-03-19")]))
    assert [(x.month, round(x.amount, 2)) for x in f] == [(3, 65.63)]


def test_maladie001_twins(params):
    # Same stop in February 2025: granted before 1 March 2025, full pay.
    assert run("MALADIE-001", ctx_of([_slip(2, 1969.11)], params, [_cmo("1", "2025-02-10", "2025-02-19")])) == []
    # Withholding applied (1,903.48 paid).
    assert run("MALADIE-001", ctx_of([_slip(3, 1903.48)], params, [_cmo("1", "2025-03-10", "2025-03-19")])) == []
    # Withholding booked on a line of its own (a program's "RETENUE TRAITEMENT MALADIE", category
    # retenue_absence): 1,969.11 − 65.63 = 1,903.48 paid, nothing in excess. Before, only the
    # traitement line was read and this month was flagged 65.63 EUR.
    withheld_apart = payslip("1", 2025, 3, indice=400, statut="TITULAIRE",
                             lines=[pay_line("traitement", 1969.11), pay_line("retenue_absence", -65.63)])
    assert run("MALADIE-001", ctx_of([withheld_apart], params, [_cmo("1", "2025-03-10", "2025-03-19")])) == []
    # A carence deduction does not stand for the withholding (it is due on top): still 65.63 EUR.
    carence_only = payslip("1", 2025, 3, indice=400, statut="TITULAIRE",
                           lines=[pay_line("traitement", 1969.11), pay_line("carence", -65.64)])
    f = run("MALADIE-001", ctx_of([carence_only], params, [_cmo("1", "2025-03-10", "2025-03-19")]))
    assert [(x.month, round(x.amount, 2)) for x in f] == [(3, 65.63)]
    # A contract agent: rights depend on seniority, not checked.
    assert run("MALADIE-001", ctx_of([_slip(3, 1969.11, "NON_TITULAIRE")], params, [_cmo("1", "2025-03-10", "2025-03-19")])) == []


def test_maladie001_half_pay_beyond_ninety_days(params):
    # CMO from 1 January 2025 (granted before March: first period at 100 %) to 30 April.
    # CMO days up to 31 March: 31 + 28 + 31 = 90 -> March still at full pay; every April day is
    # beyond 90 in the rolling year -> half pay for the whole month: due 1,969.1133 × 0.5 = 984.5567.
    absences = [_cmo("1", "2025-01-01", "2025-04-30")]
    paid_in_full = [_slip(3, 1969.11), _slip(4, 1969.11)]
    f = run("MALADIE-001", ctx_of(paid_in_full, params, absences))
    assert [(x.month, round(x.amount, 2)) for x in f] == [(4, 984.55)]  # 1,969.11 - 984.5567
    halved = [_slip(3, 1969.11), _slip(4, 984.56)]
    assert run("MALADIE-001", ctx_of(halved, params, absences)) == []


def test_maladie002_beyond_twelve_months(params):
    # 1 January 2024 to 31 March 2025: 456 days; day 366 is 31 December 2024 -> January in the 2025 payroll.
    f = run("MALADIE-002", ctx_of([_slip(1, 984.56)], params, [_cmo("1", "2024-01-01", "2025-03-31")]))
    assert [(x.matricule, x.year, x.month) for x in f] == [("1", 2025, 1)]
    # 300 days (1 June 2024 to 27 March 2025): within the twelve months.
    assert run("MALADIE-002", ctx_of([_slip(1, 984.56)], params, [_cmo("1", "2024-06-01", "2025-03-27")])) == []


@pytest.mark.parametrize("rule_id", ["ASA-001", "ASA-002", "ASA-003", "CARENCE-001", "MALADIE-001", "MALADIE-002"])
def test_empty_tables_and_no_deliberation(params, rule_id):
    assert run(rule_id, ctx_of([], params)) == []
    assert run(rule_id, ctx_of(SLIP_2025, params, [_asa("1", "demenagement", "2025-05-05", "2025-05-05", 1)])) == []


def test_day_offsets_numbers_the_days_of_each_record_from_its_start():
    from rhaudit.rules._absences import day_offsets

    # A 2-day record (days 0 and 1), a record ending before it starts (clipped to 0 days), a 3-day one.
    assert day_offsets([2, 0, 3]).tolist() == [0, 1, 0, 1, 2]
    assert day_offsets([]).tolist() == []
