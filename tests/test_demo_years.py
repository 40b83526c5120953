"""`rhaudit demo --years 2024-2025`: the same commune over two years, and `rhaudit payroll` on it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rhaudit.cli import main
from rhaudit.demo import compare_with_answer_key, run_demo
from rhaudit.demo.plants import AnswerKeyEntry
from rhaudit.demo.years import YearsError, parse_years
from rhaudit.rules import all_rules
from rhaudit.workspace import Workspace


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_years")
    summary = run_demo(out, n_agents=80, seed=1, years=[2024, 2025])
    return out, summary


def test_two_years_of_payroll_and_the_answer_key(two_years):
    out, summary = two_years
    assert "Commune de démonstration 2024-2025" in summary and "24 fichiers de paie PES" in summary
    assert "; 0 enregistrement(s) rejeté(s)" in summary
    findings = json.loads((out / "reports" / "findings.json").read_text(encoding="utf-8"))
    key = json.loads((out / "corrige.json").read_text(encoding="utf-8"))
    # The irregularities are planted in the last year (or concern no year, like a délibération's
    # missing date); earlier-year entries are only tolerated ones.
    assert {e["year"] for e in key if not e.get("optional")} - {None} == {2025}
    assert all(e["year"] == 2024 and e["month"] is None for e in key if e.get("optional"))
    cmp = compare_with_answer_key(findings, key, {r.id for r in all_rules()})
    describe = lambda f: f"{f['rule']} {f['matricule']} {f['year']} {f['month']}: {f.get('message') or f.get('description')}"  # noqa: E731
    assert [describe(e) for e in cmp.missed] == []
    assert [describe(f) for f in cmp.extras] == []
    assert [(describe(e), total) for e, total in cmp.amount_mismatches] == []


def test_same_agents_with_entrants_leavers_and_advancement(two_years):
    out, _ = two_years
    slips = Workspace(out / "workspace").read("payslips")
    staff = slips[slips["population"] == "agent"]
    by_year = {y: set(g["matricule"]) for y, g in staff.groupby("year")}
    stayers = by_year[2024] & by_year[2025]
    assert len(stayers) > 0.85 * len(by_year[2024])
    assert by_year[2025] - by_year[2024], "aucun recrutement en 2025"
    assert by_year[2024] - by_year[2025], "aucun départ"
    dec = staff[staff["month"] == 12].set_index(["year", "matricule"])
    both = [m for m in stayers if (2024, m) in dec.index and (2025, m) in dec.index]
    up = [m for m in both if dec.loc[(2025, m), "indice"] > dec.loc[(2024, m), "indice"]]
    promoted = [m for m in both if dec.loc[(2025, m), "grade"] != dec.loc[(2024, m), "grade"]]
    assert up, "aucun avancement d'échelon"
    # Promotions are rare (4 %); stagiaires of 2024 are titulaires in 2025.
    titularised = [m for m in both if dec.loc[(2024, m), "statut"] == "STAGIAIRE"]
    assert all(dec.loc[(2025, m), "statut"] == "TITULAIRE" for m in titularised)
    assert len(promoted) <= len(up)


def test_payroll_runs_end_to_end_on_the_demo(two_years, tmp_path):
    out, _ = two_years
    runner = CliRunner()
    res = runner.invoke(main, ["payroll", "-w", str(out / "workspace"), "--by", "statut,categorie", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["years"] == [2024, 2025]
    d = data["decomposition"][0]
    assert d["rmpp_agents"] > 0 and d["entrants"] > 0 and d["leavers"] > 0
    assert sum(d["parts"].values()) + d["residual"] == pytest.approx(d["change"], abs=0.05)
    # No revaluation of the point between 2024 and 2025 (59.0734 since 1 July 2023).
    assert d["general_measures"]["point"] == 0.0
    assert d["gvt_positif_rate"] > 0  # échelons and promotions of the staff in place
    res = runner.invoke(main, ["payroll", "-w", str(out / "workspace"), "--format", "xlsx", "--out", str(tmp_path / "m.xlsx")])
    assert res.exit_code == 0 and (tmp_path / "m.xlsx").is_file()
    res = runner.invoke(main, ["project", "configs/projections/exemple.yaml", "-w", str(out / "workspace")])
    assert res.exit_code == 0, res.output
    assert "Tendanciel" in res.output


def test_optional_entries_are_tolerated_not_required():
    key = [AnswerKeyEntry("TEMPS-001", None, 2025, None).to_dict(),
           AnswerKeyEntry("TEMPS-001", None, 2024, None, optional=True).to_dict(),
           AnswerKeyEntry("TEMPS-004", None, 2024, None, optional=True).to_dict()]
    assert "optional" not in key[0]
    found = [{"rule": "TEMPS-001", "severity": "alerte", "matricule": None, "year": y, "month": None, "amount": None,
              "message": ""} for y in (2024, 2025)]
    cmp = compare_with_answer_key(found, key, {"TEMPS-001", "TEMPS-004"})
    # TEMPS-001 2024 found and tolerated, TEMPS-004 2024 absent and not missed.
    assert len(cmp.expected) == 1 and cmp.missed == [] and cmp.extras == []


def test_years_option():
    assert parse_years("2024-2025") == [2024, 2025] and parse_years("2025") == [2025]
    for bad in ("2025-2024", "2020-2026", "deux"):
        with pytest.raises(YearsError, match="--years"):
            parse_years(bad)
    res = CliRunner().invoke(main, ["demo", "--years", "2025-2024", "--no-check"])
    assert res.exit_code == 2 and "Erreur : --years" in res.output
