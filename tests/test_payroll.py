"""`rhaudit payroll`: per-year figures and the decomposition of the change, on a hand-built fixture.

Thirteen agents and one elected official over 2024 and 2025, monthly amounts constant within a
year, a point revaluation of +2 % on 1 January 2025 (a parameter folder of the test's own: point
60.00 in 2024, 61.20 from 2025, so that every figure below is computed by hand):

    agent  cat  2024 (per month)              2025 (per month)                      note
    A1-A6  C    T 2000 + IFSE 300, 12 months  T 2040 + IFSE 300, 12 months          point +2 %; A1: IHTS 150 in March 2025
    A7     C    T 2000 + IFSE 300             T 2142 (indice up, ×1.02) + IFSE 300  échelon
    A8     B    T 2500 + IFSE 400             T 2754 (2700 × 1.02) + IFSE 500        grade promotion
    A9     C    T 2000 + IFSE 300, q 1.0      T 1632 + IFSE 240, quotité 0.8         quotité changed: not RMPP
    A10    A    T 3000 + IFSE 600             —                                      leaver
    A11    C    T 2200, January-June          —                                      leaver (mid-year)
    A12    C    —                             T 1800 + IFSE 200, 12 months           entrant (contract)
    A13    C    —                             T 1900, July-December                  entrant (contract)
    E1     —    indemnité d'élu 1000           idem                                   elected: left out

Employer contributions: titulaires CNRACL 30 % of the traitement, contract agents IRCANTEC 100 a month.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from rhaudit.analytics.payroll import PayrollError, analyse, cagr, load_budget, tables
from rhaudit.model import conform
from rhaudit.params import Parameters
from rhaudit.workspace import FileEntry, Workspace

CODES = {  # demo code table (configs/rubriques/demo.yaml): code -> (kind, label)
    "T": ("T", "101000", "TRAITEMENT INDICIAIRE"),
    "IFSE": ("I", "201000", "IFSE MENSUELLE"),
    "IHTS": ("I", "203000", "HEURES SUPPL. <= 14 H"),
    "CNRACL": ("C", "701000", "CONTRIBUTION CNRACL EMPLOYEUR"),
    "IRCANTEC": ("C", "702000", "IRCANTEC TR. A PATRONALE"),
    "ELU": ("I", "205000", "INDEMNITE DE FONCTION ELU"),
}


def _agent(mat, cat, statut="TITULAIRE", population="agent"):
    return {"matricule": mat, "categorie": cat, "statut": statut, "population": population,
            "service": "CRECHE" if mat in ("A1", "A2", "A12") else "VOIRIE"}


def build(spec):
    """spec: list of (agent dict, year, months, quotite, {element: monthly amount})."""
    slips, lines = [], []
    for agent, year, months, quotite, amounts in spec:
        for m in months:
            extra = dict(amounts)
            if agent["matricule"] == "A1" and year == 2025 and m == 3:
                extra["IHTS"] = 150.0
            if agent["population"] == "agent":
                if agent["statut"] == "TITULAIRE":
                    extra["CNRACL"] = round(0.3 * extra["T"], 2)
                else:
                    extra["IRCANTEC"] = 100.0
            gross = sum(v for k, v in extra.items() if CODES[k][0] != "C")
            slips.append({**agent, "year": year, "month": m, "establishment": "X", "quotite": quotite, "gross": gross})
            for k, v in extra.items():
                kind, code, label = CODES[k]
                lines.append({"matricule": agent["matricule"], "year": year, "month": m, "establishment": "X",
                              "kind": kind, "code": code, "label": label, "amount": v})
    return conform(pd.DataFrame(slips), "payslips"), conform(pd.DataFrame(lines), "pay_lines")


ALL = range(1, 13)


def fixture_spec():
    spec = []
    for i in range(1, 7):
        a = _agent(f"A{i}", "C")
        spec += [(a, 2024, ALL, 1.0, {"T": 2000.0, "IFSE": 300.0}), (a, 2025, ALL, 1.0, {"T": 2040.0, "IFSE": 300.0})]
    a7, a8, a9 = _agent("A7", "C"), _agent("A8", "B"), _agent("A9", "C")
    spec += [(a7, 2024, ALL, 1.0, {"T": 2000.0, "IFSE": 300.0}), (a7, 2025, ALL, 1.0, {"T": 2142.0, "IFSE": 300.0})]
    spec += [(a8, 2024, ALL, 1.0, {"T": 2500.0, "IFSE": 400.0}), (a8, 2025, ALL, 1.0, {"T": 2754.0, "IFSE": 500.0})]
    spec += [(a9, 2024, ALL, 1.0, {"T": 2000.0, "IFSE": 300.0}), (a9, 2025, ALL, 0.8, {"T": 1632.0, "IFSE": 240.0})]
    spec += [(_agent("A10", "A"), 2024, ALL, 1.0, {"T": 3000.0, "IFSE": 600.0})]
    spec += [(_agent("A11", "C"), 2024, range(1, 7), 1.0, {"T": 2200.0})]
    spec += [(_agent("A12", "C", "NON_TITULAIRE"), 2025, ALL, 1.0, {"T": 1800.0, "IFSE": 200.0})]
    spec += [(_agent("A13", "C", "NON_TITULAIRE"), 2025, range(7, 13), 1.0, {"T": 1900.0})]
    elu = _agent("E1", None, "AUTRE_STATUT", "elu")
    spec += [(elu, y, ALL, None, {"ELU": 1000.0}) for y in (2024, 2025)]
    return spec


@pytest.fixture
def point_params(tmp_path):
    folder = tmp_path / "parametres"
    folder.mkdir()
    (folder / "point_indice.yaml").write_text(yaml.safe_dump({
        "description": "Point fictif du test",
        "parametres": {"valeur_annuelle": {"description": "Point", "unite": "EUR", "valeurs": [
            {"depuis": "2020-01-01", "valeur": 60.0, "source": "test"},
            {"depuis": "2025-01-01", "valeur": 61.2, "source": "test (+2 %)"}]}}}), encoding="utf-8")
    return Parameters.load(folder)


@pytest.fixture
def result(point_params):
    slips, lines = build(fixture_spec())
    return analyse(slips, lines, by=["categorie"], params=point_params)


def test_per_year_figures(result):
    y0, y1 = result["per_year"]["2024"], result["per_year"]["2025"]
    # 2024: A1-A7 and A9 12 × 2300 = 27,600 each (8 × 27,600 = 220,800), A8 12 × 2900 = 34,800,
    # A10 12 × 3600 = 43,200, A11 6 × 2200 = 13,200 -> 312,000; the elected official is left out.
    assert y0["gross"] == 312_000.0
    # ETPT 2024: 10 agents × 12 months + A11 6 months -> (120 + 6) / 12 = 10.5; at 31/12: A1-A10.
    assert y0["etpt"] == 10.5 and y0["headcount_31_12"] == 10 and y0["etp_31_12"] == 10.0
    # 2025: A1 28,080 + 150; A2-A6 5 × 28,080 = 140,400; A7 12 × 2442 = 29,304; A8 12 × 3254 = 39,048;
    # A9 12 × 1872 = 22,464; A12 12 × 2000 = 24,000; A13 6 × 1900 = 11,400 -> 294,846.
    assert y1["gross"] == 294_846.0
    # ETPT 2025: 8 + 0.8 (A9) + 1 (A12) + 0.5 (A13) = 10.3; at 31/12: 11 persons, ETP 8 + 0.8 + 1 + 1 = 10.8.
    assert y1["etpt"] == 10.3 and y1["headcount_31_12"] == 11 and y1["etp_31_12"] == 10.8
    # Parts 2025: traitement 6 × 12 × 2040 + 12 × (2142 + 2754 + 1632 + 1800) + 6 × 1900 = 258,216;
    # RI 12 × (7 × 300 + 500 + 240 + 200) = 36,480; overtime 150.
    parts = y1["gross_parts"]
    assert parts["traitement"] == 258_216.0 and parts["regime_indemnitaire"] == 36_480.0
    assert parts["heures_supplementaires"] == 150.0 and parts["autres"] == 0.0 and y1["lines_gap"] == 0.0
    # Employer 2025: CNRACL 0.3 × (258,216 − 21,600 − 11,400) = 67,564.80; IRCANTEC 18 months × 100.
    assert y1["employer_contributions"] == {"cnracl": 67_564.8, "ircantec": 1_800.0}
    assert y1["total_cost"] == 294_846.0 + 67_564.8 + 1_800.0
    # SMPT 2024 = 312,000 / 10.5.
    assert y0["smpt"] == round(312_000 / 10.5, 2)
    assert (y1["entrants"], y1["leavers"]) == (2, 2)


def test_decomposition_by_hand(result):
    d = result["decomposition"][0]
    assert (d["from"], d["to"], d["change"]) == (2024, 2025, 294_846.0 - 312_000.0)
    # RMPP: A1-A8 (A9 changed quotité): 2024 7 × 27,600 + 34,800 = 228,000 -> 28,500 a head;
    # 2025 28,230 + 140,400 + 29,304 + 39,048 = 236,982 -> 29,622.75; +8,982 / 228,000.
    assert d["rmpp_agents"] == 8 and d["rmpp_from"] == 28_500.0 and d["rmpp_to"] == 29_622.75
    assert d["rmpp_rate"] == round(8_982 / 228_000, 6)
    # General measures: the point +2 % (60.00 -> 61.20 on average) on the 2024 traitement of the
    # staff in place, 7 × 24,000 + 30,000 = 198,000 -> 3,960 EUR, i.e. 3,960 / 228,000 of their pay.
    assert d["general_measures"] == {"point": 3_960.0, "uniform_points": 0.0, "gipa": 0.0, "minimum_wage": 0.0}
    assert d["general_measures_rate"] == round(3_960 / 228_000, 6)
    # GVT positif rate = RMPP rate − general measures = (8,982 − 3,960) / 228,000 = 5,022 / 228,000.
    assert d["gvt_positif_rate"] == round(5_022 / 228_000, 6)
    smpt0 = 312_000 / 10.5
    parts = d["parts"]
    # Effet de masse: (10.3 − 10.5) ETPT at the 2024 SMPT.
    assert parts["effet_masse"] == pytest.approx(-0.2 * smpt0, abs=0.01)
    # Measures and GVT: their rate × 2024 SMPT × 2025 ETPT.
    assert parts["mesures_generales"] == pytest.approx(3_960 / 228_000 * smpt0 * 10.3, abs=0.01)
    assert parts["gvt_positif"] == pytest.approx(5_022 / 228_000 * smpt0 * 10.3, abs=0.01)
    # Noria: entrants A12 + A13, 35,400 for 1.5 ETPT (23,600 a head); leavers A10 + A11, 56,400
    # for 1.5 ETPT (37,600): 1.5 × (23,600 − 37,600) = −21,000.
    assert parts["effet_noria"] == -21_000.0
    assert (d["smpt_entrants"], d["smpt_leavers"]) == (23_600.0, 37_600.0)
    # Structure by catégorie: 2024 shares A 1/10.5 (43,200 a head), B 1/10.5 (34,800), C 8.5/10.5
    # (234,000 / 8.5); 2025 A 0, B 1/10.3, C 9.3/10.3; × 10.3 ETPT.
    structure = 10.3 * ((0 - 1 / 10.5) * 43_200 + (1 / 10.3 - 1 / 10.5) * 34_800
                        + (9.3 / 10.3 - 8.5 / 10.5) * 234_000 / 8.5)
    assert parts["effet_structure"] == pytest.approx(structure, abs=0.01)
    # The parts and the residual add up to the observed change, and the residual is reported.
    explained = -0.2 * smpt0 + 8_982 / 228_000 * smpt0 * 10.3 - 21_000 + structure
    assert d["residual"] == pytest.approx(-17_154 - explained, abs=0.02)
    assert sum(parts.values()) + d["residual"] == pytest.approx(d["change"], abs=0.02)
    assert d["gvt_solde"] == pytest.approx(parts["gvt_positif"] - 21_000, abs=0.01)
    assert any("résidu" in n for n in result["notes"])


def test_groups_services_and_cagr(result, point_params):
    by = {(g["year"], g["group"]): g for g in result["by_group"]}
    assert by[(2025, "B")]["gross"] == 39_048.0 and (2025, "A") not in by and by[(2024, "A")]["gross"] == 43_200.0
    svc = {r["service"]: r for r in result["services"]["rows"]}
    # CRECHE 2025: A1 28,230 + A2 28,080 + A12 24,000 = 80,310; CNRACL 0.3 × 12 × 2040 × 2 = 14,688;
    # IRCANTEC 1,200 -> 96,198; what-if at the measured GVT rate 5,022 / 228,000.
    assert svc["CRECHE"]["total_cost"] == 96_198.0
    assert svc["CRECHE"]["what_if_cost"] == round(96_198 * (1 + round(5_022 / 228_000, 6)), 2)
    # CAGR over one year is the plain growth rate.
    assert result["cagr"]["gross"] == round(294_846 / 312_000 - 1, 6)
    assert cagr(100.0, 121.0, 2) == pytest.approx(0.1)
    slips, lines = build(fixture_spec())
    forced = analyse(slips, lines, params=point_params, gvt_what_if=0.05,
                     service_map={"CRECHE": "Petite enfance", "VOIRIE": "Voirie"})
    svc = {r["service"]: r for r in forced["services"]["rows"]}
    assert svc["Petite enfance"]["what_if_cost"] == round(96_198 * 1.05, 2)
    assert "Évolution 2024-2025" in tables(forced)


def test_budget_ratios(tmp_path, point_params):
    path = tmp_path / "budget.yaml"
    path.write_text("annees:\n  2025: {chapitre_012: 400000, chapitre_013: 20000, "
                    "recettes_reelles_fonctionnement: 1600000, depenses_reelles_fonctionnement: 1250000}\n",
                    encoding="utf-8")
    slips, lines = build(fixture_spec())
    data = analyse(slips, lines, params=point_params, budget=load_budget(path))
    b = data["budget"][0]
    # Net 400,000 − 20,000 = 380,000; rigidity 400,000 / 1,600,000 = 0.25 gross, 380,000 / 1,600,000 net.
    assert b["net_charges"] == 380_000.0 and b["rigidity_gross"] == 0.25 and b["rigidity_net"] == 0.2375
    assert b["share_of_expenditure"] == 0.32  # 400,000 / 1,250,000
    assert b["payroll_total_cost"] == 364_210.8


def test_bad_budget_is_a_french_error(tmp_path):
    path = tmp_path / "budget.yaml"
    path.write_text("annees:\n  2025: {chapitre_12: 1}\n", encoding="utf-8")
    with pytest.raises(PayrollError, match="chapitre_12 : clé inconnue"):
        load_budget(path)


def test_uniform_index_points_are_a_general_measure(tmp_path, point_params):
    # The same fixture with 5 index points granted to every agent on 1 January 2025 (as décret
    # 2023-519 did on 1 January 2024): 5 points × 61.20 EUR a year × 8 full-time agents in place
    # = 2,448 EUR more of general measures, as much less GVT.
    folder = tmp_path / "parametres"
    (folder / "mesures_generales.yaml").write_text(yaml.safe_dump({
        "description": "Points uniformes du test",
        "parametres": {"points_uniformes": {"description": "Points", "unite": "points", "valeurs": [
            {"depuis": "2020-01-01", "valeur": 0, "source": "test"},
            {"depuis": "2025-01-01", "valeur": 5, "source": "test"}]}}}), encoding="utf-8")
    slips, lines = build(fixture_spec())
    d = analyse(slips, lines, params=Parameters.load(folder))["decomposition"][0]
    assert d["general_measures"]["uniform_points"] == 2_448.0
    assert d["general_measures_rate"] == round((3_960 + 2_448) / 228_000, 6)
    assert d["gvt_positif_rate"] == round((8_982 - 3_960 - 2_448) / 228_000, 6)


def fixture_workspace(root, agents=None) -> Workspace:
    """The fixture imported in a workspace (and an agents reference when given)."""
    slips, lines = build(fixture_spec())
    ws = Workspace(root)
    entry = FileEntry(path="fixture", sha256="0" * 64, kind="pes", imported_at="2026-01-01T00:00:00",
                      records_read=len(slips), records_imported=len(slips))
    tables_ = {"payslips": slips, "pay_lines": lines}
    if agents is not None:
        tables_["agents"] = agents
    ws.commit([(entry, tables_)])
    return ws


def test_cli_text_with_budget_services_and_what_if(tmp_path):
    from click.testing import CliRunner

    from rhaudit.cli import main

    ws = fixture_workspace(tmp_path / "ws")
    (tmp_path / "budget.yaml").write_text("annees:\n  2025: {chapitre_012: 400000, chapitre_013: 20000, "
                                          "recettes_reelles_fonctionnement: 1600000, "
                                          "recettes_services: {Petite enfance: 9619.8}}\n", encoding="utf-8")
    (tmp_path / "fonctions.yaml").write_text("fonctions:\n  Petite enfance: [CRECHE]\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["payroll", "-w", str(ws.root), "--by", "statut", "--budget",
                                    str(tmp_path / "budget.yaml"), "--services", str(tmp_path / "fonctions.yaml"),
                                    "--gvt", "2"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Évolution 2024-2025" in out and "Rigidité nette (%)" in out and "Coût avec GVT 2 %" in out
    # Petite enfance (CRECHE) costs 96,198 in 2025: +2 % = 98,121.96; revenue 9,619.80 covers 10 %.
    row = next(line for line in out.splitlines() if line.startswith("Petite enfance"))
    assert "96 198,00" in row and "98 121,96" in row and "10,00" in row
    assert "(service non rattaché)" in out  # VOIRIE is in no function of the file
    (tmp_path / "bad.yaml").write_text("fonctions:\n  A: [CRECHE]\n  B: [creche]\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["payroll", "-w", str(ws.root), "--services", str(tmp_path / "bad.yaml")])
    assert res.exit_code == 2 and "rattaché à deux fonctions" in res.output
