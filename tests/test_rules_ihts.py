"""IHTS-001..011: for each rule a payslip that fires and one just inside the limit."""

import datetime as dt
from pathlib import Path

import pytest

from rhaudit.deliberations import Deliberations, Ihts
from rulekit import ctx_of, pay_line, payslip, run

REPO = Path(__file__).resolve().parents[1]

# 2025: annual point value 59.0734; IM 400 hourly base = 400 × 59.0734 / 1820 = 12.983165 EUR


def _ihts(mat, month, hours, amount, category="ihts_14", year=2025, **slip):
    return payslip(mat, year, month, lines=[pay_line(category, amount, units=hours)], indice=400, **slip)


def _delib(**ihts):
    return Deliberations(name="Test", ihts=Ihts(decision="DCM-2020-12", **ihts))


# --- IHTS-001 monthly cap ------------------------------------------------------------------------

def test_001_over_25h_full_time(params):
    [f] = run("IHTS-001", ctx_of([_ihts("1", 3, 25.5, 400.0)], params))
    # 25.5 − 25 = 0.5 h ; valued at the mean paid rate: 400 × 0.5 / 25.5 = 7.843137
    assert (f.matricule, f.year, f.month) == ("1", 2025, 3)
    assert f.hours == pytest.approx(0.5) and f.amount == pytest.approx(7.843137, abs=1e-5)
    assert f.evidence and f.evidence[0].file == "test.xhl"


def test_001_exactly_25h_does_not_fire(params):
    assert run("IHTS-001", ctx_of([_ihts("1", 3, 25.0, 390.0)], params)) == []


def test_001_part_time_cap_is_prorated(params):
    # quotité 0.8: cap 25 × 0.8 = 20 h. 20 h is inside the cap; 20.5 h exceeds it by 0.5 h:
    # 300 × 0.5 / 20.5 = 7.317073
    assert run("IHTS-001", ctx_of([_ihts("1", 3, 20.0, 290.0, quotite=0.8)], params)) == []
    [f] = run("IHTS-001", ctx_of([_ihts("1", 3, 20.5, 300.0, quotite=0.8)], params))
    assert f.hours == pytest.approx(0.5) and f.amount == pytest.approx(7.317073, abs=1e-5)


def test_001_message_reads_the_cap_in_force(tmp_path):
    """The message quotes the cap of the parameter file, not a literal 25 h."""
    import shutil

    from rhaudit.params import Parameters

    folder = tmp_path / "parametres"
    shutil.copytree(REPO / "configs" / "parametres", folder)
    ihts = folder / "ihts.yaml"
    text = ihts.read_text(encoding="utf-8")
    cap_25 = '- {depuis: 2002-01-01, valeur: 25, source: "Décret 2002-60 du 14 janvier 2002, art. 6"}'
    assert cap_25 in text
    ihts.write_text(text.replace(cap_25, cap_25 + '\n      - {depuis: 2025-01-01, valeur: 30, source: "test"}'),
                    encoding="utf-8")
    # cap 30 h × quotité 0.5 = 15 h ; 16 h paid → 1 h over
    [f] = run("IHTS-001", ctx_of([_ihts("1", 3, 16.0, 200.0, quotite=0.5)], Parameters.load(folder)))
    assert f.hours == pytest.approx(1.0) and "le plafond est de 15 h (30 h × quotité de travail 0,5)" in f.message


def test_001_back_pay_is_reattached_to_the_month_it_pays(params):
    march = _ihts("1", 3, 20.0, 260.0)
    # April pays 6 h of March (kind R, reference period in March): March = 20 + 6 = 26 h > 25
    april = payslip("1", 2025, 4, indice=400, lines=[
        pay_line("ihts_15", 78.0, units=6, kind="R", ref_start=dt.date(2025, 3, 1), ref_end=dt.date(2025, 3, 31))])
    [f] = run("IHTS-001", ctx_of([march, april], params))
    # excess 1 h valued at (260 + 78) / 26 = 13.0 EUR
    assert (f.month, f.hours) == (3, pytest.approx(1.0)) and f.amount == pytest.approx(13.0)
    # hours in `base` when `units` is empty
    assert len(run("IHTS-001", ctx_of([payslip("2", 2025, 5, lines=[pay_line("ihts", 400.0, base=26)])], params))) == 1


# --- IHTS-002 catégorie A ------------------------------------------------------------------------

def test_002_categorie_a(params):
    [f] = run("IHTS-002", ctx_of([_ihts("1", 3, 10, 250.0, categorie="A")], params))
    assert f.amount == pytest.approx(250.0) and f.hours == pytest.approx(10)
    assert run("IHTS-002", ctx_of([_ihts("1", 3, 10, 250.0, categorie="B")], params)) == []


# --- IHTS-003 emploi not listed -----------------------------------------------------------------

def test_003_emploi_not_in_deliberation(params):
    delib = _delib(eligible_emplois=["technique", "police"])
    [f] = run("IHTS-003", ctx_of([_ihts("1", 3, 8, 120.0, emploi="AGENT D'ACCUEIL")], params, deliberation=delib))
    assert f.amount == pytest.approx(120.0) and "DCM-2020-12" in f.message
    assert run("IHTS-003", ctx_of([_ihts("1", 3, 8, 120.0, emploi="ADJOINT TECHNIQUE")], params,
                                  deliberation=delib)) == []
    # no délibération loaded: the rule cannot judge, it stays silent
    assert run("IHTS-003", ctx_of([_ihts("1", 3, 8, 120.0, emploi="AGENT D'ACCUEIL")], params)) == []


# --- IHTS-004 contract agents ------------------------------------------------------------------

def test_004_contract_agent_not_allowed(params):
    slips = [_ihts("1", 3, 8, 120.0, statut="NON_TITULAIRE", emploi="ADJOINT TECHNIQUE")]
    [f] = run("IHTS-004", ctx_of(slips, params, deliberation=_delib(eligible_emplois=["technique"])))
    assert f.amount == pytest.approx(120.0)
    allowed = _delib(eligible_emplois=["technique"], contract_agents=True)
    assert run("IHTS-004", ctx_of(slips, params, deliberation=allowed)) == []


# --- IHTS-005 flat rate -------------------------------------------------------------------------

def test_005_same_hours_six_months(params):
    slips = [_ihts("1", m, 10, 162.29) for m in range(1, 7)]
    [f] = run("IHTS-005", ctx_of(slips, params))
    # 6 months × 162.29 = 973.74 EUR ; 6 × 10 h = 60 h
    assert (f.year, f.month) == (2025, None)
    assert f.amount == pytest.approx(973.74) and f.hours == pytest.approx(60)
    assert "L'agent 1 a été payé d'exactement 10 h d'IHTS pendant 6 mois de 2025 (de 01 à 06)" in f.message
    five = [_ihts("1", m, 10, 162.29) for m in range(1, 6)] + [_ihts("1", 6, 12, 195.0)]
    assert run("IHTS-005", ctx_of(five, params)) == []


# --- IHTS-006 paid while absent all month -------------------------------------------------------

def _absence(kind, start, end):
    return {"matricule": "1", "type": kind, "start": start, "end": end}


def test_006_month_fully_absent(params):
    slips = [_ihts("1", 3, 6, 97.37)]
    # leave 1–15 March and sick leave 10–31 March overlap and cover all 31 days of March
    full = [_absence("conge_annuel", "2025-03-01", "2025-03-15"), _absence("cmo", "2025-03-10", "2025-03-31")]
    [f] = run("IHTS-006", ctx_of(slips, params, absences=full))
    assert f.amount == pytest.approx(97.37) and f.month == 3
    # absent 1–30 March: one day worked, overtime possible
    assert run("IHTS-006", ctx_of(slips, params, absences=[_absence("cmo", "2025-03-01", "2025-03-30")])) == []


# --- IHTS-007 rate -------------------------------------------------------------------------------

def test_007_overpaid_rate(params):
    # due 10 h × 12.983165 × 1.25 = 162.289560 ; paid 180 → excess 17.710440
    [f] = run("IHTS-007", ctx_of([_ihts("1", 3, 10, 180.0)], params))
    assert f.amount == pytest.approx(17.710440, abs=1e-4)
    # divisor and coefficients quoted from ihts.yaml (1820 ; 1.25 / 1.27 ; night 2 ; Sunday 1.6666667)
    assert "/ 1 820)" in f.message
    assert "avec les majorations de 1,25 / 1,27 (nuit × 2, dimanche et férié × 1,67)" in f.message
    # paid 163: 0.71 EUR above, inside the 1 EUR tolerance
    assert run("IHTS-007", ctx_of([_ihts("1", 3, 10, 163.0)], params)) == []


def test_007_tiers_night_residence_and_nbi(params):
    # IM 400 + NBI 15 points, résidence 3 % (IR 3 % of the traitement):
    # base = 415 × 59.0734 × 1.03 / 1820 = 13.874136
    # 16 h: 14 × 1.25 + 2 × 1.27 = 20.04 ; + 2 night hours, extra (2 − 1) × 1.27 × 2 = 2.54 → 22.58
    # due = 13.874136 × 22.58 = 313.277991 ; paid 320 → excess 6.722009
    lines = [pay_line("traitement", 1969.11), pay_line("indemnite_residence", 59.07),
             pay_line("ihts_14", 240.0, units=14), pay_line("ihts_15", 40.0, units=0, base=0),
             pay_line("ihts_nuit", 40.0, units=2)]
    # ihts_15 line with 0 h: the 16 h are 14 + 2 night hours
    slip = payslip("1", 2025, 3, lines=lines, indice=400, nbi_points=15)
    [f] = run("IHTS-007", ctx_of([slip], params))
    ir = round(59.07 / 1969.11, 3)  # 0.030
    base = 415 * 59.0734 * (1 + ir) / 1820
    assert base == pytest.approx(13.874136, abs=1e-5)
    assert f.amount == pytest.approx(320.0 - base * 22.58, abs=1e-4)
    assert f.amount == pytest.approx(6.722009, abs=1e-4)


def test_007_residence_rate_read_on_traitement_plus_nbi(params):
    # Same agent with its NBI paid on a line: traitement 1969.11 + NBI 73.84 = 2042.95 ; IR 3 % of it
    # = 61.29. Rate 61.29 / 2042.95 = 0.030 (61.29 / 1969.11 = 0.031 would inflate the base).
    # base = 415 × 59.0734 × 1.03 / 1820 = 13.874136 ; due 13.874136 × 22.58 = 313.277991 ; excess 6.722009
    lines = [pay_line("traitement", 1969.11), pay_line("nbi", 73.84, units=15),
             pay_line("indemnite_residence", 61.29), pay_line("ihts_14", 240.0, units=14),
             pay_line("ihts_15", 40.0, units=0, base=0), pay_line("ihts_nuit", 40.0, units=2)]
    slip = payslip("1", 2025, 3, lines=lines, indice=400, nbi_points=15)
    [f] = run("IHTS-007", ctx_of([slip], params))
    assert f.amount == pytest.approx(6.722009, abs=1e-4)


def test_007_part_time_plain_rate(params):
    # quotité 0.8: plain rate, due 10 × 12.983165 = 129.831650 ; paid 140 → excess 10.168350
    [f] = run("IHTS-007", ctx_of([_ihts("1", 3, 10, 140.0, quotite=0.8)], params))
    assert f.amount == pytest.approx(10.168350, abs=1e-4)
    assert run("IHTS-007", ctx_of([_ihts("1", 3, 10, 130.5, quotite=0.8)], params)) == []


# --- IHTS-008 NbHeureSup ------------------------------------------------------------------------

def test_008_declared_vs_paid(params):
    [f] = run("IHTS-008", ctx_of([_ihts("1", 3, 12, 160.0, overtime_hours=10)], params))
    assert f.hours == pytest.approx(2.0)
    assert run("IHTS-008", ctx_of([_ihts("1", 3, 12, 160.0, overtime_hours=12)], params)) == []


# --- IHTS-009 / 010 same-month cumulations -------------------------------------------------------

def test_009_ihts_with_ifts(params):
    slip = payslip("1", 2025, 4, lines=[pay_line("ihts_14", 64.92, units=5), pay_line("ifts", 300.0)])
    [f] = run("IHTS-009", ctx_of([slip], params))
    assert f.amount == pytest.approx(64.92) and len(f.evidence) == 2
    assert run("IHTS-009", ctx_of([payslip("1", 2025, 4, lines=[pay_line("ifts", 300.0)])], params)) == []


def test_010_ihts_with_astreinte_is_information(params):
    slip = payslip("1", 2025, 5, lines=[pay_line("ihts_14", 51.93, units=4), pay_line("astreinte", 159.20)])
    [f] = run("IHTS-010", ctx_of([slip], params))
    assert f.severity == "info" and f.amount is None
    assert run("IHTS-010", ctx_of([_ihts("1", 5, 4, 51.93)], params)) == []


# --- IHTS-011 automated time recording -----------------------------------------------------------

def _site(n_agents, paid=100.0):
    slips = [payslip(str(i), 2025, 1, service="VOIRIE", emploi="ADJOINT TECHNIQUE") for i in range(1, n_agents)]
    slips.append(payslip("99", 2025, 1, service="VOIRIE", emploi="ADJOINT TECHNIQUE",
                         lines=[pay_line("ihts_14", paid, units=7)]))
    return slips


def test_011_site_of_10_without_automated_recording(params):
    delib = _delib(eligible_emplois=["technique"])
    [f] = run("IHTS-011", ctx_of(_site(10), params, deliberation=delib))
    # all the overtime of the site is the amount concerned, not an excess at stake
    assert f.matricule is None and f.amount is None and f.amount_concerned == pytest.approx(100.0) and "VOIRIE" in f.message
    assert run("IHTS-011", ctx_of(_site(9), params, deliberation=delib)) == []
    recorded = _delib(eligible_emplois=["technique"], automated_recording={"voirie": True})
    assert run("IHTS-011", ctx_of(_site(10), params, deliberation=recorded)) == []


def test_rules_cope_with_empty_tables(params):
    ctx = ctx_of([], params, deliberation=_delib(eligible_emplois=["technique"]))
    for i in range(1, 12):
        assert run(f"IHTS-{i:03d}", ctx) == []


def test_hours_read_from_rate_when_base_is_the_price(params):
    # 2012 (point 55.5635), IM 311: plain rate 311 × 55.5635 / 1820 = 9.4946, first tier × 1.25 = 11.87;
    # a line "base 11.87 × taux 4 = 47.48" carries 4 h (taux), not 11.87 h; 26 h in taux → 1 h over 25
    slip = payslip("1", 2012, 11, indice=311, lines=[pay_line("ihts_14", 47.48, base=11.87, rate=4.0),
                                                      pay_line("ihts_15", 265.32, base=12.06, rate=22.0)])
    # 12.06 × 22 = 265.32 ; 4 + 22 = 26 h ; excess 1 h × (47.48 + 265.32) / 26 = 12.030769
    [f] = run("IHTS-001", ctx_of([slip], params))
    assert f.hours == pytest.approx(1.0) and f.amount == pytest.approx(12.030769, abs=1e-5)
    # heures complémentaires "9.22 × 10.5": 10.5 is a whole number of quarter hours, 9.22 is a price
    hc = payslip("2", 2012, 5, indice=302, overtime_hours=10.5,
                 lines=[pay_line("heures_complementaires", 96.81, base=9.22, rate=10.5)])
    assert run("IHTS-008", ctx_of([hc], params)) == []


# --- real samples: regression snapshot reviewed by hand ----------------------------------------

def _real_findings(shared_pes, params, name):
    from pes_samples import load_sample

    from rhaudit.classify import classify_lines
    from rhaudit.enrich import line_hours
    from rhaudit.model import empty_frame
    from rhaudit.population import annotate_population
    from rhaudit.rules import RuleContext, run_rules, select_rules

    ps, pl = load_sample(str(shared_pes / name))
    pl = pl.assign(category=classify_lines(pl))
    ps = annotate_population(ps, pl)
    ctx = RuleContext(payslips=ps, pay_lines=pl.assign(hours=line_hours(pl, ps, params)), absences=empty_frame("absences"),
                      agents=empty_frame("agents"), params=params)
    return run_rules(ctx, select_rules("IHTS*,NBI*,SFT*,COTIS*,AVN*"))


def test_real_samples_snapshot(shared_pes, params):
    """Reviewed by hand (November 2026):

    - metro2011: IHTS-007 on the overtime paid at × 1.5 and × 2 (payslips without Indice, see
      below). Agent 343 Y is paid in October 10 h + 0.37 h of overtime (lines 630A/631A, hours
      in NbUnite) while the payslip declares NbHeureSup = 0 → IHTS-008, 10.37 h. 32 agent-months
      with IHTS and astreinte (information, IHTS-010).
    - ville2012: agent 014004 declares 2 h (01) and 5 h (10) in NbHeureSup that are hours of the
      Sunday-work allowance (195B, 0.74 EUR/h, not IHTS) → IHTS-008 is right to ask; agent 300606
      is paid IHTS and astreinte of December 2011 in January (IHTS-010). NBI (15 points, 69.45 EUR),
      SFT (floor index 449: 73.04 EUR for 2 children) and the CNRACL employer rate (27.30 %, then
      27.40 % from November 2012) all match the recomputed values: no finding.
    """
    metro = _real_findings(shared_pes, params, "metro2011")
    assert [(f.rule, f.matricule, f.month, f.hours) for f in metro if f.rule not in ("IHTS-007", "IHTS-010")] == [
        ("IHTS-008", "343 Y", 10, pytest.approx(10.37))]
    # metro2011 writes Indice 0 on every payslip: the hourly base comes from the traitement line
    # (issue 7 §4). Overtime paid "TX 1.5" and "TX 2" exceeds the 1.25 / 1.27 daytime rates: 37
    # agent-months of 7 agents. Agent 196 N, 05/2011: 1 h paid 32.62 EUR; traitement 2,473.74 EUR
    # a month at full time → 29,684.88 / 1,820 = 16.3103 EUR an hour; at most × 1.25 = 20.39 EUR
    # → excess 32.62 − 20.39 = 12.23 EUR.
    ihts7 = [f for f in metro if f.rule == "IHTS-007"]
    assert len(ihts7) == 37 and {f.matricule for f in ihts7} == {"196 N", "197 P", "205 Y", "212 F", "222 S",
                                                                  "233 D", "343 Y"}
    assert all("indice majoré absent du bulletin" in f.message for f in ihts7)
    [may] = [f for f in ihts7 if (f.matricule, f.month) == ("196 N", 5)]
    assert may.amount == pytest.approx(12.23, abs=0.01) and "29 684,88 EUR" in may.message
    assert sum(f.rule == "IHTS-010" for f in metro) == 32
    ville = _real_findings(shared_pes, params, "ville2012")
    assert [(f.rule, f.matricule, f.year, f.month, f.hours) for f in ville] == [
        ("IHTS-008", "014004", 2012, 1, pytest.approx(2.0)),
        ("IHTS-008", "014004", 2012, 10, pytest.approx(5.0)),
        ("IHTS-010", "300606", 2012, 1, None),
    ]
