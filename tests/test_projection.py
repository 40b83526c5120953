"""`rhaudit project`: trajectories checked against figures computed by hand.

The tests use a parameter folder of their own (constant point, employer rates changing on
1 January or 1 July) so that every expected figure is plain arithmetic, written in the comments.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from rhaudit.analytics.projection import ProjectionError, run_projection
from rhaudit.cli import main
from rhaudit.params import Parameters
from rhaudit.workspace import Workspace

from test_payroll import fixture_workspace


def _param(description, values):
    return {"description": description, "unite": "fraction",
            "valeurs": [{"depuis": d, "valeur": v, "source": "test"} for d, v in values]}


@pytest.fixture
def params(tmp_path):
    folder = tmp_path / "parametres"
    folder.mkdir()
    files = {
        "point_indice": {"valeur_annuelle": _param("Point", [("2020-01-01", 60.0)])},
        "cotisations": {
            # CNRACL: 30 % in 2025, 32 % from 1 July 2026, 35 % from 1 January 2027.
            "cnracl_patronal": _param("CNRACL", [("2020-01-01", 0.30), ("2026-07-01", 0.32), ("2027-01-01", 0.35)]),
            "ircantec_patronal_tranche_a": _param("IRCANTEC", [("2020-01-01", 0.042)]),
        },
    }
    for name, parametres in files.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump({"description": name, "parametres": parametres}),
                                             encoding="utf-8")
    return Parameters.load(folder)


def _spec(tmp_path, text: str):
    path = tmp_path / "projection.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _by(rows, scenario):
    return {r["year"]: r for r in rows if r["scenario"] == scenario}


def test_closed_form_with_only_charges_and_gvt(tmp_path, params):
    path = _spec(tmp_path, "base_year: 2025\nbase: {personnel_charges: 4225843}\nhorizon: 5\n"
                           "scenarios:\n  - {name: Tendanciel, gvt_rate: 0.016}\n")
    rows, _, _ = run_projection(path, params=params)
    # Year n = 4,225,843 × 1.016^n, rounded to the euro at the end only:
    # 2026: 4,225,843 × 1.016 = 4,293,456.488 -> 4,293,456.
    assert [r["personnel_charges"] for r in rows] == [round(4225843 * 1.016 ** n) for n in range(1, 6)]
    assert rows[0]["personnel_charges"] == 4_293_456
    assert all(r["growth_rate"] == 0.016 for r in rows)


def test_contribution_rates_at_their_dates(tmp_path, params):
    path = _spec(tmp_path, "base_year: 2025\nbase: {personnel_charges: 3000000, assiettes: {cnracl: 1000000}}\n"
                           "horizon: 3\nscenarios:\n  - {name: Taux}\n  - {name: GVT, gvt_rate: 0.02}\n")
    rows, _, _ = run_projection(path, params=params)
    taux = _by(rows, "Taux")
    # 2026: 32 % from 1 July only -> yearly mean (6 × 30 % + 6 × 32 %) / 12 = 31 %: +1 point on
    # 1,000,000 = 10,000. 2027: 35 % all year: +5 points = 50,000. 2028: unchanged.
    assert [taux[y]["personnel_charges"] for y in (2026, 2027, 2028)] == [3_010_000, 3_050_000, 3_050_000]
    # With 2 % GVT the base grows too: 2026 (3,000,000 + 10,000) × 1.02 = 3,070,200;
    # 2027 (3,000,000 + 50,000) × 1.02² = 3,173,220.
    gvt = _by(rows, "GVT")
    assert (gvt[2026]["personnel_charges"], gvt[2027]["personnel_charges"]) == (3_070_200, 3_173_220)
    assert gvt[2026]["gap_to_first"] == 60_200


def test_one_off_applied_once_and_point_revaluation(tmp_path, params):
    path = _spec(tmp_path, "base_year: 2025\nbase: {personnel_charges: 1000000, etp: 100, indiciaire_share: 0.5}\n"
                           "horizon: 2\nscenarios:\n"
                           "  - {name: Transfert, gvt_rate: 0.01, one_off: {2026: -0.05}}\n"
                           "  - {name: Point, point_indice: {2026-07-01: 0.02}}\n")
    rows, _, _ = run_projection(path, params=params)
    t = _by(rows, "Transfert")
    # 2026: 1,000,000 × 1.01 × 0.95 = 959,500 (95 ETP); 2027: 959,500 × 1.01 = 969,095 (still 95 ETP).
    assert (t[2026]["personnel_charges"], t[2026]["etp"]) == (959_500, 95.0)
    assert (t[2027]["personnel_charges"], t[2027]["etp"]) == (969_095, 95.0)
    p = _by(rows, "Point")
    # +2 % on 1 July 2026: yearly mean point +1 % in 2026, then 1.02 / 1.01 in 2027 (carry-over),
    # on half the pay: 2026 1,000,000 × 1.005 = 1,005,000; 2027 1,005,000 × (1 + 0.5 × (1.02 / 1.01 − 1))
    # = 1,005,000 × 1.004950495 = 1,009,975.25 -> 1,009,975.
    assert (p[2026]["personnel_charges"], p[2027]["personnel_charges"]) == (1_005_000, 1_009_975)


def _workspace(tmp_path) -> Workspace:
    agents = pd.DataFrame({"matricule": ["A12", "A1"], "birth_date": pd.to_datetime(["1964-05-02", "1990-01-01"])})
    return fixture_workspace(tmp_path / "ws", agents)


def test_from_workspace_with_retirements(tmp_path, params):
    ws = _workspace(tmp_path)
    path = _spec(tmp_path, "base_year: 2025\nhorizon: 1\nscenarios:\n  - {name: Base}\n"
                           "  - {name: Retraites, retirement_age: 62, replacement_rate: 0}\n")
    rows, start, _ = run_projection(path, ws, params=params)
    # Base year (tests/test_payroll.py fixture, 2025): gross 294,846, CNRACL 67,564.80 on the
    # titulaires' traitement 225,216 (67,564.80 / 30 %), IRCANTEC 1,800; 10.3 ETPT, 11 at 31/12.
    assert start.bases["cnracl"] == pytest.approx(225_216.0)
    base = _by(rows, "Base")[2026]
    # 2026: CNRACL mean rate 31 % (32 % from 1 July): + 225,216 × 1 % = 2,252.16;
    # 294,846 + 67,564.80 + 1,800 + 2,252.16 = 366,462.96 -> 366,463.
    assert base["personnel_charges"] == 366_463 and base["etp"] == 10.3 and base["headcount"] == 11
    assert base["gross"] == 294_846 and base["employer_charges"] == 71_617
    # A12 (born 1964, 1 ETP at 31/12/2025) reaches 62 in 2026, not replaced: 9.3 ETP, every
    # amount × 9.3 / 10.3: 366,462.96 × 9.3 / 10.3 = 330,884.61 -> 330,885.
    ret = _by(rows, "Retraites")[2026]
    assert ret["etp"] == 9.3 and ret["personnel_charges"] == round(366_462.96 * 9.3 / 10.3)


def test_cli_json_contract_and_xlsx_chart(tmp_path):
    from openpyxl import load_workbook

    runner = CliRunner()
    res = runner.invoke(main, ["project", "configs/projections/exemple.yaml", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {"scenario", "year", "personnel_charges", "etp", "growth_rate"} <= set(rows[0])
    assert {r["scenario"] for r in rows} == {"Tendanciel", "Maîtrise", "Revalorisation"}
    out = tmp_path / "p.xlsx"
    res = runner.invoke(main, ["project", "configs/projections/exemple.yaml", "--format", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert len(load_workbook(out)["Trajectoires"]._charts) == 1


def test_bad_projection_files_are_french_errors(tmp_path, params):
    with pytest.raises(ProjectionError, match="scenarios.0.gvt : clé inconnue"):
        run_projection(_spec(tmp_path, "base_year: 2025\nbase: {personnel_charges: 1}\nhorizon: 1\n"
                                       "scenarios: [{name: A, gvt: 0.01}]\n"), params=params)
    with pytest.raises(ProjectionError, match="base.personnel_charges"):
        run_projection(_spec(tmp_path, "base_year: 2025\nhorizon: 1\nscenarios: [{name: A}]\n"), params=params)
    res = CliRunner().invoke(main, ["project", str(_spec(tmp_path, "base_year: 2025\nhorizon: 1\nscenarios: [{name: A, hires: {2026: 1}}]\nbase: {personnel_charges: 5}\n"))])
    assert res.exit_code == 2 and "base.etp" in res.output
