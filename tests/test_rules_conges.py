"""Rules CONGES-001 and CET-001 on hand-made balances: a case that fires and its twin that does not."""

import pandas as pd
import pytest
from rulekit import ctx_of, payslip, run

from rhaudit.deliberations import Deliberations, Leave
from rhaudit.model import conform
from rhaudit.params import default_parameters
from rhaudit.rules import get_rule, run_rules


@pytest.fixture(scope="module")
def params():
    return default_parameters()


def balance(matricule, year, kind, **days):
    return {"matricule": matricule, "year": year, "type": kind, "source_file": "soldes.csv", "source_line": 2, **days}


def cmo(matricule, start, end):
    return {"matricule": matricule, "type": "cmo", "motive": "Maladie", "source_label": "Maladie",
            "start": pd.Timestamp(start), "end": pd.Timestamp(end), "days": None,
            "source_file": "absences.csv", "source_line": 2}


def ctx_with(params, balances, year, categorie="C", absences=None, leave=None):
    ctx = ctx_of([payslip("A01", year, 12, categorie=categorie)], params, absences=absences,
                 deliberation=Deliberations(name="T", leave=leave) if leave else None)
    ctx.leave_balances = conform(pd.DataFrame(balances), "leave_balances")
    return ctx


# --- CONGES-001 --------------------------------------------------------------------------------

def test_carry_over_beyond_the_deliberation_limit_net_of_sick_leave(params):
    # Limit 5 days (délibération); CMO Mon 4 – Fri 8 March 2024 = 5 working days carried by right:
    # allowed 5 + 5 = 10; 12 carried → 2 days beyond, 2 × 35 / 5 = 14 h.
    sick = [cmo("A01", "2024-03-04", "2024-03-08")]
    found = run("CONGES-001", ctx_with(params, [balance("A01", 2024, "conge_annuel", days_carried_over=12)], 2024,
                                       absences=sick, leave=Leave(carry_over_max_days=5)))
    assert [(f.matricule, f.year, f.hours, f.amount) for f in found] == [("A01", 2024, 14.0, None)]
    assert "reporte 12 j" in found[0].message and "2 j" in found[0].message
    twin = run("CONGES-001", ctx_with(params, [balance("A01", 2024, "conge_annuel", days_carried_over=10)], 2024,
                                      absences=sick, leave=Leave(carry_over_max_days=5)))
    assert twin == []


def test_without_deliberation_any_carry_over_asks_for_the_authorisation(params):
    # Décret 85-1250 art. 5: no carry-over without authorisation; 3 days, no absence file → 3 × 7 = 21 h.
    found = run("CONGES-001", ctx_with(params, [balance("A01", 2024, "conge_annuel", days_carried_over=3)], 2024))
    assert [(f.severity, f.hours) for f in found] == [("alerte", 21.0)]
    assert "autorisation exceptionnelle" in found[0].message and "Aucun fichier d'absences" in found[0].message
    assert run("CONGES-001", ctx_with(params, [balance("A01", 2024, "conge_annuel", days_carried_over=0)], 2024)) == []


def test_sick_leave_carry_over_is_capped_at_four_weeks(params):
    # CMO the whole of March 2024: 21 working days (Fri 1st + 4 full weeks), capped at 20 (4 weeks).
    # Limit 5 → allowed 25: 25 carried is fine, 26 carried is 1 day beyond (7 h).
    sick = [cmo("A01", "2024-03-01", "2024-03-31")]
    ok = ctx_with(params, [balance("A01", 2024, "conge_annuel", days_carried_over=25)], 2024, absences=sick,
                  leave=Leave(carry_over_max_days=5))
    assert run("CONGES-001", ok) == []
    over = ctx_with(params, [balance("A01", 2024, "conge_annuel", days_carried_over=26)], 2024, absences=sick,
                    leave=Leave(carry_over_max_days=5))
    assert [f.hours for f in run("CONGES-001", over)] == [7.0]


# --- CET-001 -----------------------------------------------------------------------------------

def test_cet_above_sixty_days_valued_at_the_category_rate(params):
    # 66 days at 31/12/2025, catégorie B: 6 beyond 60, 6 × 7 = 42 h, 6 × 100 EUR (arrêté 24/11/2023) = 600 EUR.
    found = run("CET-001", ctx_with(params, [balance("A01", 2025, "cet", balance_days=66)], 2025, categorie="B"))
    assert [(f.severity, f.hours, f.amount) for f in found] == [("irregularite", 42.0, 600.0)]
    assert run("CET-001", ctx_with(params, [balance("A01", 2025, "cet", balance_days=60)], 2025, categorie="B")) == []


def test_cet_deliberation_day_value_and_unknown_category(params):
    # Délibération's own value 120 EUR/day: 6 × 120 = 720 EUR.
    ctx = ctx_with(params, [balance("A01", 2025, "cet", balance_days=66)], 2025, categorie="B",
                   leave=Leave(cet_day_value=120))
    assert [f.amount for f in run("CET-001", ctx)] == [720.0]
    unknown = ctx_with(params, [balance("A01", 2025, "cet", balance_days=66)], 2025, categorie=None)
    found = run("CET-001", unknown)
    assert [(f.hours, f.amount) for f in found] == [(42.0, None)] and "catégorie de l'agent inconnue" in found[0].message


def test_cet_2020_raise_and_the_days_kept_afterwards(params):
    # 2020: ceiling 60 + 10 (décret 2020-723) = 70, so 66 days is fine.
    assert run("CET-001", ctx_with(params, [balance("A01", 2020, "cet", balance_days=66)], 2020)) == []
    # 2021: 66 at end 2020 → 6 days kept beyond 60; 66 in 2021 is fine, 67 is 1 day beyond:
    # 7 h, catégorie C in 2021 at 75 EUR (arrêté du 28 novembre 2018) = 75 EUR.
    rows = [balance("A01", 2020, "cet", balance_days=66), balance("A01", 2021, "cet", balance_days=66)]
    assert run("CET-001", ctx_with(params, rows, 2021)) == []
    rows[1]["balance_days"] = 67
    found = run("CET-001", ctx_with(params, rows, 2021))
    assert [(f.year, f.hours, f.amount) for f in found] == [(2021, 7.0, 75.0)]


def test_not_run_without_a_balances_file(params):
    ctx = ctx_of([payslip("A01", 2025, 12)], params)
    run_rules(ctx, [get_rule("CONGES-001"), get_rule("CET-001")])
    for rule_id in ("CONGES-001", "CET-001"):
        assert ctx.runs[rule_id].status == "not_run"
        assert ctx.runs[rule_id].reasons == ["aucun fichier de soldes de congés (rhaudit import --balances)"]
