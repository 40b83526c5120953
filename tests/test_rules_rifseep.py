"""RIFSEEP and older regimes: RIFSEEP-001..012, each with a case that fires and one just inside.

State ceilings used (configs/parametres/rifseep_etat.yaml): adjoints administratifs G1 IFSE
11 340 EUR (logé 7 090), CIA 1 260 EUR. Tolerances (regimes_indemnitaires.yaml): 1 EUR per year
on annual ceilings, 1 EUR per month on monthly amounts.
"""

import datetime as dt

import pytest
from rulekit import ctx_of, pay_line, payslip, run

from rhaudit.deliberations import Deliberations
from rhaudit.rules.rifseep import ri_spread


def delib(groups=None, **rifseep):
    """A délibération with one C1 group (adjoints administratifs, State ceilings) and agent '1' in it."""
    groups = groups or [dict(name="C1", categorie="C", cadres_emplois=["Adjoints administratifs"],
                             ifse_annual_ceiling=11340, ifse_annual_ceiling_housed=7090, cia_annual_ceiling=1260)]
    rif = dict(decision="D2018-12", effective_date="2018-01-01", groups=groups,
               assignments=[{"group": groups[0]["name"], "matricule": m} for m in ("1", "2", "3")]) | rifseep
    return Deliberations.model_validate(dict(
        name="Commune test",
        decisions=[{"id": "D2018-12", "date": "2017-12-14", "subject": "RIFSEEP"}],
        rifseep=rif, bonuses_with_basis={"ifse": "D2018-12", "cia": "D2018-12"},
    ))


def year_of(matricule, monthly, category="ifse", months=range(1, 13), **slip):
    """Payslips of 2025 with one line of `category` of `monthly` EUR (a number or a dict month -> amount)."""
    out = []
    for m in months:
        amount = monthly.get(m) if isinstance(monthly, dict) else monthly
        lines = [pay_line(category, amount)] if amount else []
        out.append(payslip(matricule, 2025, m, lines=lines, **slip))
    return out


# --- RIFSEEP-001 ---------------------------------------------------------------------------------


def test_001_ifse_above_group_ceiling(params):
    # 12 × 1 000 = 12 000 EUR ; ceiling C1 11 340 ; excess 660 EUR
    [f] = run("RIFSEEP-001", ctx_of(year_of("1", 1000), params, deliberation=delib()))
    assert (f.matricule, f.year, f.amount) == ("1", 2025, pytest.approx(660.0))
    assert "11 340,00 EUR" in f.message and "660,00 EUR" in f.message and len(f.evidence) == 12


def test_001_at_the_ceiling_does_not_fire(params):
    # 12 × 945 = 11 340 EUR = ceiling
    assert run("RIFSEEP-001", ctx_of(year_of("1", 945), params, deliberation=delib())) == []


def test_001_part_time_compared_in_full_time_equivalent(params):
    # quotité 0.5, 500 EUR a month: FTE 12 × 1 000 = 12 000 ; excess FTE 660 ; paid excess 660 × 0.5 = 330
    [f] = run("RIFSEEP-001", ctx_of(year_of("1", 500, quotite=0.5), params, deliberation=delib()))
    assert f.amount == pytest.approx(330.0)


def test_001_ceiling_prorated_to_months_on_payroll(params):
    # 6 months × 1 000 = 6 000 ; ceiling 11 340 × 6/12 = 5 670 ; excess 330
    [f] = run("RIFSEEP-001", ctx_of(year_of("1", 1000, months=range(1, 7)), params, deliberation=delib()))
    assert f.amount == pytest.approx(330.0)
    # 6 × 945 = 5 670: inside
    assert run("RIFSEEP-001", ctx_of(year_of("1", 945, months=range(1, 7)), params, deliberation=delib())) == []


def test_001_housed_agent_uses_housed_ceiling(params):
    # housed: ceiling 7 090 ; 12 × 600 = 7 200 ; excess 110
    d = Deliberations.model_validate(delib().model_dump() | {"benefits_in_kind": [{"matricule": "1", "nature": "logement"}]})
    [f] = run("RIFSEEP-001", ctx_of(year_of("1", 600), params, deliberation=d))
    assert f.amount == pytest.approx(110.0) and "agent logé" in f.message


def test_001_agent_without_group_or_deliberation_is_skipped(params):
    assert run("RIFSEEP-001", ctx_of(year_of("9", 2000), params, deliberation=delib())) == []
    assert run("RIFSEEP-001", ctx_of(year_of("1", 2000), params)) == []


# --- RIFSEEP-002 ---------------------------------------------------------------------------------

LOCAL_ABOVE_STATE = [dict(name="C1", categorie="C", cadres_emplois=["Adjoints administratifs"],
                          ifse_annual_ceiling=12000, cia_annual_ceiling=1260)]


def test_002_local_ceiling_above_state_global_ceiling_agent_within(params):
    # délibération C1: 12 000 IFSE + 1 260 CIA = 13 260 > State G1 11 340 + 1 260 = 12 600 (écart 660).
    # Agent paid 12 × 983.3333 = 11 800 of IFSE and no CIA: 11 800 ≤ 12 600, legal (parity on the sum).
    ctx = ctx_of(year_of("1", 11800 / 12), params, deliberation=delib(LOCAL_ABOVE_STATE))
    [local] = run("RIFSEEP-002", ctx)
    assert local.matricule is None and local.amount is None and "660,00 EUR" in local.message
    assert "13 260,00 EUR" in local.message and "12 600,00 EUR" in local.message
    assert run("RIFSEEP-001", ctx) == []


def test_002_excess_beyond_local_ceiling_counted_once(params):
    # IFSE paid 12 × 1 050 = 12 600 and CIA 1 200 in November.
    # RIFSEEP-001: 12 600 − 12 000 (local IFSE ceiling) = 600.
    # RIFSEEP-002: within the local ceilings 12 000 + 1 200 = 13 200 ; − 12 600 (State) = 600.
    slips = year_of("1", 1050)
    slips[10][1].append(pay_line("cia", 1200.0, matricule="1", year=2025, month=11, establishment="COMMUNE",
                                 source_file="test.xhl", source_line=1199))
    ctx = ctx_of(slips, params, deliberation=delib(LOCAL_ABOVE_STATE))
    assert [f.amount for f in run("RIFSEEP-002", ctx) if f.matricule] == [pytest.approx(600.0)]
    assert [f.amount for f in run("RIFSEEP-001", ctx)] == [pytest.approx(600.0)]


def test_002_local_equal_to_state_does_not_fire(params):
    # local = State = 11 340 ; agent at 11 340
    assert run("RIFSEEP-002", ctx_of(year_of("1", 945), params, deliberation=delib())) == []


def test_002_uses_declared_state_corps_and_group(params):
    # group "B-expert" declared as secrétaires administratifs G1 (17 480 + 2 380 = 19 860) ;
    # local 17 500 + 2 380 = 19 880 -> écart 20
    groups = [dict(name="B-expert", categorie="B", state_corps="secretaires_administratifs", state_group="G1",
                   ifse_annual_ceiling=17500, cia_annual_ceiling=2380)]
    [f] = run("RIFSEEP-002", ctx_of(year_of("1", 100), params, deliberation=delib(groups)))
    assert "17 480,00 EUR" in f.message and "20,00 EUR" in f.message


# --- RIFSEEP-003 ---------------------------------------------------------------------------------


def test_003_cia_above_ceiling(params):
    # CIA 1 500 in November ; ceiling 1 260 ; excess 240
    [f] = run("RIFSEEP-003", ctx_of(year_of("1", {11: 1500}, "cia"), params, deliberation=delib()))
    assert (f.year, f.amount) == (2025, pytest.approx(240.0))


def test_003_cia_at_ceiling_does_not_fire(params):
    assert run("RIFSEEP-003", ctx_of(year_of("1", {11: 1260}, "cia"), params, deliberation=delib())) == []


# --- RIFSEEP-004 ---------------------------------------------------------------------------------


def test_004_cia_paid_every_month_identically(params):
    # 12 × 50 EUR ; beyond the 2 first instalments: 10 × 50 = 500
    [f] = run("RIFSEEP-004", ctx_of(year_of("1", 50, "cia"), params))
    assert f.amount == pytest.approx(500.0) and "automatique" in f.message


def test_004_three_different_instalments(params):
    # 100 (March), 200 (June), 300 (November): the third one, 300, is at stake ; not "automatic"
    [f] = run("RIFSEEP-004", ctx_of(year_of("1", {3: 100, 6: 200, 11: 300}, "cia"), params))
    assert f.amount == pytest.approx(300.0) and "automatique" not in f.message


def test_004_two_instalments_do_not_fire(params):
    assert run("RIFSEEP-004", ctx_of(year_of("1", {6: 600, 11: 600}, "cia"), params)) == []


# --- RIFSEEP-005 ---------------------------------------------------------------------------------


def test_005_cia_share_above_guide(params):
    # C: 1 260 / (9 000 + 1 260) = 12.28 % > 10 % ; guide 10 % × 10 260 = 1 026 ; écart 234
    groups = [dict(name="C1", categorie="C", ifse_annual_ceiling=9000, cia_annual_ceiling=1260)]
    [f] = run("RIFSEEP-005", ctx_of([], params, deliberation=delib(groups)))
    assert "12,3 %" in f.message and "1 026,00 EUR" in f.message and "234,00 EUR" in f.message
    # the guide for catégorie C is 10 % (cia_part_indicative), printed whole: it read "1 %" when the
    # number formatter stripped the zeros of whole numbers
    assert "le guide de la circulaire du 5 décembre 2014 est de 10 %," in f.message


def test_005_share_at_guide_does_not_fire(params):
    # 1 260 / (11 340 + 1 260) = 10.0 % exactly
    assert run("RIFSEEP-005", ctx_of([], params, deliberation=delib())) == []


# --- RIFSEEP-006 ---------------------------------------------------------------------------------


def _part_time_year(second_half_amount):
    full = year_of("1", 500, months=range(1, 7))
    part = year_of("1", second_half_amount, months=range(7, 13), quotite=6 / 7)
    return full + part


def test_006_ifse_not_prorated(params):
    # July-December at 6/7 with 500 EUR: 500 × (1 - 6/7) = 71.428571 a month, 6 findings
    found = run("RIFSEEP-006", ctx_of(_part_time_year(500), params))
    assert [f.month for f in found] == [7, 8, 9, 10, 11, 12]
    assert found[0].amount == pytest.approx(500 / 7)


def test_006_prorated_ifse_does_not_fire(params):
    # 500 × 6/7 = 428.57
    assert run("RIFSEEP-006", ctx_of(_part_time_year(428.57), params)) == []


# --- RIFSEEP-007 ---------------------------------------------------------------------------------


def _absence(kind, start, end):
    return [{"matricule": "1", "type": kind, "start": start, "end": end,
             "days": (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1}]


def test_007_ifse_maintained_during_whole_month_of_clm(params):
    # CLM all April, 600 EUR paid: due 0, excess 600
    ctx = ctx_of(year_of("1", 600), params, absences=_absence("clm", "2025-04-01", "2025-04-30"))
    [f] = run("RIFSEEP-007", ctx)
    assert (f.month, f.amount) == (4, pytest.approx(600.0)) and "longue maladie" in f.message


def test_007_half_month(params):
    # CLM 16-30 April: 15/30 of the month ; due 600 × 0.5 = 300 ; paid 600 -> 300
    ctx = ctx_of(year_of("1", 600), params, absences=_absence("clm", "2025-04-16", "2025-04-30"))
    [f] = run("RIFSEEP-007", ctx)
    assert f.amount == pytest.approx(300.0)


def test_007_suspended_ifse_does_not_fire(params):
    # April paid 300 for half a month of CLD: due 300
    ctx = ctx_of(year_of("1", {m: (300 if m == 4 else 600) for m in range(1, 13)}), params,
                 absences=_absence("cld", "2025-04-16", "2025-04-30"))
    assert run("RIFSEEP-007", ctx) == []


def test_007_ordinary_sick_leave_follows_the_traitement_or_the_deliberation(params):
    # CMO in January 2025 (before 2025-03-01): full traitement, IFSE 600 kept in full → nothing.
    jan = _absence("cmo", "2025-01-06", "2025-01-31")
    assert run("RIFSEEP-007", ctx_of(year_of("1", 600), params, absences=jan, deliberation=delib())) == []
    # CMO of the whole of April 2025 (30 days, the first of the rolling year): traitement at 90 %
    # (loi 2025-127 art. 189), so the IFSE kept by the délibération is at most 600 × 0.9 = 540 →
    # 600 − 540 = 60 EUR paid in excess.
    ab = _absence("cmo", "2025-04-01", "2025-04-30")
    [f] = run("RIFSEEP-007", ctx_of(year_of("1", 600), params, absences=ab, deliberation=delib()))
    assert (f.month, f.amount) == (4, pytest.approx(60.0)) and "90 % du traitement" in f.message
    # Suspended by the délibération: the whole 600 is at stake.
    d = delib(maintained_during={"cmo": False})
    [f] = run("RIFSEEP-007", ctx_of(year_of("1", 600), params, absences=ab, deliberation=d))
    assert f.amount == pytest.approx(600.0)


# --- RIFSEEP-008 ---------------------------------------------------------------------------------


def test_008_ifse_with_iat(params):
    # March: IFSE 400 and IAT 120 -> 120
    slip = [payslip("5", 2025, 3, lines=[pay_line("ifse", 400), pay_line("iat", 120)])]
    [f] = run("RIFSEEP-008", ctx_of(slip, params))
    assert (f.month, f.amount) == (3, pytest.approx(120.0))


def test_008_iat_with_ifts(params):
    # IAT 100 and IFTS 150, no IFSE: the smaller, 100
    slip = [payslip("5", 2025, 3, lines=[pay_line("iat", 100), pay_line("ifts", 150)])]
    [f] = run("RIFSEEP-008", ctx_of(slip, params))
    assert f.amount == pytest.approx(100.0)


def test_008_legacy_after_rifseep_date(params):
    # agent 1 in group C1 since 01/01/2025, IAT 100 in March -> 100 ; IAT before 01/06/2025 is lawful
    slip = [payslip("1", 2025, 3, lines=[pay_line("iat", 100)])]
    [f] = run("RIFSEEP-008", ctx_of(slip, params, deliberation=delib(effective_date="2025-01-01")))
    assert f.amount == pytest.approx(100.0)
    assert run("RIFSEEP-008", ctx_of(slip, params, deliberation=delib(effective_date="2025-06-01"))) == []


def test_008_ifse_alone_does_not_fire(params):
    assert run("RIFSEEP-008", ctx_of([payslip("5", 2025, 3, lines=[pay_line("ifse", 400)])], params)) == []


# --- RIFSEEP-009 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("category, categorie, year, indice, fires", [
    ("iat", "A", 2025, 500, True),
    ("iat", "B", 2025, 356, True),   # IB 380 = IM 355 since 2024-01-01 (+5 points, décret 2023-519)
    ("iat", "B", 2025, 355, False),
    ("iat", "B", 2023, 351, True),   # IB 380 = IM 350 before
    ("iat", "C", 2025, 400, False),
    ("ifts", "C", 2025, 400, True),
    ("ifts", "B", 2025, 355, True),
    ("ifts", "B", 2025, 356, False),
    ("ifts", "B", 2023, 351, False),
    ("ifts", "A", 2025, 500, False),
])
def test_009_iat_ifts_eligibility(params, category, categorie, year, indice, fires):
    slip = [payslip("5", year, 3, lines=[pay_line(category, 90)], categorie=categorie, indice=indice)]
    found = run("RIFSEEP-009", ctx_of(slip, params))
    assert [f.amount for f in found] == ([pytest.approx(90.0)] if fires else [])


# --- RIFSEEP-010 ---------------------------------------------------------------------------------


def test_010_bonus_to_vacataire(params):
    # July: IFSE 80 to a vacataire -> 80
    slip = [payslip("7", 2025, 7, lines=[pay_line("ifse", 80)], population="vacataire", statut="NON_TITULAIRE")]
    [f] = run("RIFSEEP-010", ctx_of(slip, params))
    assert (f.month, f.amount) == (7, pytest.approx(80.0))


def test_010_agent_does_not_fire(params):
    assert run("RIFSEEP-010", ctx_of([payslip("7", 2025, 7, lines=[pay_line("ifse", 80)])], params)) == []


# --- RIFSEEP-011 ---------------------------------------------------------------------------------


def test_011_bonus_without_deliberation(params):
    # "autre_prime" 50 × 12 with no basis -> 600 ; IFSE is grounded by the RIFSEEP section
    slips = [payslip("1", 2025, m, lines=[pay_line("autre_prime", 50), pay_line("ifse", 300)]) for m in range(1, 13)]
    [f] = run("RIFSEEP-011", ctx_of(slips, params, deliberation=delib()))
    assert f.amount == pytest.approx(600.0) and "12 mois" in f.message


def test_011_ifse_before_rifseep_effective_date(params):
    # RIFSEEP from 01/07/2025: IFSE of January-June, 6 × 100 = 600, has no basis ; from July it has
    d = delib(effective_date="2025-07-01")
    [f] = run("RIFSEEP-011", ctx_of(year_of("1", 100), params, deliberation=d))
    assert f.amount == pytest.approx(600.0)
    assert run("RIFSEEP-011", ctx_of(year_of("1", 100, months=range(7, 13)), params, deliberation=d)) == []


def test_011_needs_a_deliberation(params):
    assert run("RIFSEEP-011", ctx_of(year_of("1", 50, "autre_prime"), params)) == []


# --- RIFSEEP-012 ---------------------------------------------------------------------------------


def _spread_ctx(params):
    # annual RI: C agents 1 200, 2 400, 6 000 ; B agents 3 000, 5 000 (median B 4 000)
    slips = []
    for mat, annual, cat in (("c1", 1200, "C"), ("c2", 2400, "C"), ("c3", 6000, "C"), ("b1", 3000, "B"), ("b2", 5000, "B")):
        slips += year_of(mat, annual / 12, categorie=cat, emploi=f"EMPLOI {cat}")
    return ctx_of(slips, params)


def test_012_spread_table(params):
    by_group, above = ri_spread(_spread_ctx(params))
    c = by_group[(by_group["axis"] == "catégorie") & (by_group["value"] == "C")].iloc[0]
    # C: min 1 200, median 2 400, max 6 000, ratio 6 000 / 1 200 = 5
    assert (c["agents"], c["min"], c["median"], c["max"], c["ratio"]) == (3, pytest.approx(1200), pytest.approx(2400),
                                                                          pytest.approx(6000), pytest.approx(5.0))
    # only c3 (6 000) is above the B median (4 000)
    assert above["matricule"].tolist() == ["c3"] and above["median"].iloc[0] == pytest.approx(4000)


def test_012_info_findings(params):
    found = run("RIFSEEP-012", _spread_ctx(params))
    assert all(f.severity == "info" and f.amount is None for f in found)
    # catégories B, C and emplois B, C (2 agents or more), plus c3 above the B median
    assert len(found) == 5 and sum(f.matricule == "c3" for f in found) == 1


# --- all rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", [f"RIFSEEP-{i:03d}" for i in range(1, 13)])
def test_rules_cope_with_empty_tables(params, rule_id):
    assert run(rule_id, ctx_of([], params)) == []
    assert run(rule_id, ctx_of([], params, deliberation=delib(groups=[dict(
        name="C1", categorie="C", ifse_annual_ceiling=11340, cia_annual_ceiling=1260)]))) == []


# --- regression snapshot on the real samples (../shared/data/pes), reviewed by hand ---------------


def _real_ctx(shared_pes, params, name):
    from pes_samples import load_sample

    from rhaudit.classify import classify_lines
    from rhaudit.model import empty_frame
    from rhaudit.population import annotate_population
    from rhaudit.rules import RuleContext

    ps, pl = load_sample(str(shared_pes / name))
    pl = pl.assign(category=classify_lines(pl))
    return RuleContext(annotate_population(ps, pl), pl, empty_frame("absences"), empty_frame("agents"), params)


def test_real_metro2011_snapshot(shared_pes, params):
    from rhaudit.rules import run_rules, select_rules

    ctx = _real_ctx(shared_pes, params, "metro2011")
    # No délibération: only the rules on the payroll alone run; its régime indemnitaire is one
    # "PRIME SERVICE" line (autre_prime), no IFSE, no IAT/IFTS: no alert nor irregularity.
    assert [f for f in run_rules(ctx, select_rules("RIFSEEP*")) if f.severity != "info"] == []
    by_group, above = ri_spread(ctx)
    c = by_group[(by_group["axis"] == "catégorie") & (by_group["value"] == "C")].iloc[0]
    assert (c["agents"], round(c["min"], 2), round(c["max"], 2)) == (5, 3086.16, 4008.60)
    # 233 D (CHEF EGOUTIER, C, full time): 332.48 + 1.57 (back pay) + 11 × 334.05 = 4 008.60 EUR,
    # above the median of the two B agents (3 755.52 + 4 259.76) / 2 = 4 007.64
    assert above[["matricule", "categorie"]].values.tolist() == [["233 D", "C"]]
    assert round(above["annual"].iloc[0], 2) == 4008.60 and round(above["median"].iloc[0], 2) == 4007.64


def test_real_ville2012_snapshot(shared_pes, params):
    from rhaudit.rules import run_rules, select_rules

    ctx = _real_ctx(shared_pes, params, "ville2012")
    # IAT, IEMP, IFTS and other bonuses, never IAT and IFTS in the same month, IAT only to C agents,
    # IFTS to B agents above IM 350, no bonus to the 16 vacataire payslips: nothing but information.
    found = run_rules(ctx, select_rules("RIFSEEP*"))
    assert [f for f in found if f.severity != "info"] == []
    by_group, above = ri_spread(ctx)
    c = by_group[(by_group["axis"] == "catégorie") & (by_group["value"] == "C")].iloc[0]
    assert (c["agents"], round(c["min"], 2), round(c["max"], 2), round(c["ratio"], 2)) == (10, 1048.48, 3520.18, 3.36)
    assert above.empty and len(found) == 3


# --- the demo commune: every planted RIFSEEP irregularity found with its amount, nothing else ----


@pytest.fixture(scope="module")
def demo_rifseep(demo_120):
    from rhaudit.check import run_check

    files, ws = demo_120
    return files, run_check(ws, rule_patterns="RIFSEEP*", deliberations=files.deliberations_file)


def test_demo_rifseep_plants_found_with_their_amounts_and_nothing_else(demo_rifseep):
    from rhaudit.demo import compare_with_answer_key
    from rhaudit.rules import select_rules

    files, findings = demo_rifseep
    assert [p for p in files.skipped_plants if p.startswith("RIFSEEP")] == []
    registered = {r.id for r in select_rules("RIFSEEP*")}
    cmp = compare_with_answer_key([f.to_dict() for f in findings], files.answer_key, registered)
    # every rule planted except RIFSEEP-006 (one quotité per agent in the demo) and the information rule
    assert {e["rule"] for e in cmp.expected} == registered - {"RIFSEEP-006", "RIFSEEP-012"}
    assert cmp.missed == [] and cmp.amount_mismatches == []
    assert [(f["rule"], f["matricule"], f["month"], f["message"]) for f in cmp.extras] == []


def test_iat_reference_amounts_follow_the_point_value(params):
    # Arrêté du 14 janvier 2002: IAT reference amounts are indexed on the point value.
    # 2017-02 amount 475.31 ; 2024-03 point 59.0734 vs 56.2323 in 2017: 475.31 × 59.0734 / 56.2323 = 499.32
    assert params.value("iat.montant_reference_annuel", (2017, 3))["GARDIEN-BRIGADIER"] == pytest.approx(475.31)
    ref = params.value("iat.montant_reference_annuel", (2024, 3))["GARDIEN-BRIGADIER"]
    assert ref == pytest.approx(475.31 * 59.0734 / 56.2323, abs=0.005)
