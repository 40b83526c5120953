"""`rhaudit import` then `rhaudit info` end to end on the real samples (click's CliRunner)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from rhaudit.analytics.info import render_info, workspace_info
from rhaudit.cli import main
from rhaudit.model import LINE_KINDS
from rhaudit.workspace import Workspace


def raw_payslips(path: Path) -> list[tuple[str, float]]:
    """(matricule, MtBrut) of each payslip, by regex over the raw text (no XML parser)."""
    text = path.read_bytes().decode("latin-1")
    slips = text.split("<PayeIndivMensuel>")[1:]
    return [(re.search(r'<Matricule V = "([^"]*)"', s).group(1), float(re.search(r'<MtBrut V = "([^"]*)"', s).group(1)))
            for s in slips]


@pytest.fixture(scope="module")
def imported(shared_pes, tmp_path_factory):
    ws_dir = tmp_path_factory.mktemp("info") / "w"
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(shared_pes / "metro2011"), str(shared_pes / "ville2012"),
                                  "--workspace", str(ws_dir)])
    assert result.exit_code == 0, result.output
    return ws_dir, result.output


def test_cli_import_then_reimport_is_skipped(imported, shared_pes):
    ws_dir, output = imported
    assert "Total : 23 fichier(s) importé(s)" in output
    again = CliRunner().invoke(main, ["import", str(shared_pes / "ville2012"), "--workspace", str(ws_dir)])
    assert again.exit_code == 0
    assert again.output.count("déjà importé") == 11  # the 11 months of ville2012
    assert "Total : 0 fichier(s) importé(s), 11 ignoré(s)" in again.output


def test_cli_info_json_totals_equal_independent_sums(imported, shared_pes):
    ws_dir, _ = imported
    result = CliRunner().invoke(main, ["info", "--workspace", str(ws_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)

    per_file = {p: raw_payslips(p) for p in sorted(shared_pes.glob("*/*.xhl"))}
    all_slips = [s for slips in per_file.values() for s in slips]
    assert data["files"] == 23
    assert data["total"]["payslips"] == len(all_slips)  # 12 x 9 + 132 = 243
    assert data["total"]["payslips"] == 243
    assert data["total"]["agents"] == len({m for m, _ in all_slips})
    assert data["total"]["gross"] == pytest.approx(sum(g for _, g in all_slips), abs=0.01)

    # January 2012: ville_2012_01.xhl alone.
    jan = next(p for p in data["periods"] if (p["year"], p["month"]) == (2012, 1))
    slips = per_file[shared_pes / "ville2012" / "ville_2012_01.xhl"]
    assert jan["payslips"] == len(slips) == 13
    assert jan["gross"] == pytest.approx(sum(g for _, g in slips), abs=0.01)
    assert len(data["periods"]) == 23  # 12 months of 2011 + 11 of 2012
    # Lines by kind: count the line elements of each kind in the raw text of that month.
    text = (shared_pes / "ville2012" / "ville_2012_01.xhl").read_bytes().decode("latin-1")

    expected = Counter({code: text.count(f"<{tag}>") for tag, code in LINE_KINDS.items()})
    assert jan["lines_by_kind"] == {k: v for k, v in expected.items() if v}
    assert sum(jan["lines_by_category"].values()) == sum(expected.values())


def test_headcount_by_statut(imported, shared_pes):
    ws_dir, _ = imported
    data = workspace_info(Workspace(ws_dir))
    # metro2011: every payslip is NON_TITULAIRE, 9 distinct matricules.
    text = "".join(p.read_bytes().decode("latin-1") for p in (shared_pes / "metro2011").glob("*.xhl"))
    statuts = set(re.findall(r'<Statut V = "([^"]*)"', text))
    matricules = set(re.findall(r'<Matricule V = "([^"]*)"', text))
    assert data["headcount"]["2011"]["statut"] == {s: len(matricules) for s in statuts}
    assert statuts == {"NON_TITULAIRE"} and len(matricules) == 9


def test_render_info_is_french_text(imported):
    ws_dir, _ = imported
    result = CliRunner().invoke(main, ["info", "--workspace", str(ws_dir)])
    assert result.exit_code == 0
    for header in ("Mois", "Bulletins", "Agents", "Brut", "Effectifs (agents distincts) par statut"):
        assert header in result.output
    assert "01/2012" in result.output


def test_info_on_a_missing_workspace_fails_clearly(tmp_path):
    result = CliRunner().invoke(main, ["info", "--workspace", str(tmp_path / "nulle_part")])
    assert result.exit_code == 2 and "n'est pas un espace de travail rhaudit" in result.output


def test_render_info_of_an_empty_workspace():
    data = {"periods": [], "total": {"payslips": 0, "agents": 0, "gross": 0.0}, "headcount": {}, "files": 1}
    assert render_info(data) == "Aucun bulletin dans l'espace de travail (1 fichier(s) importé(s))."


def test_input_errors_are_introduced_in_french(tmp_path):
    # click would print "Error: ..." (English) before the French message.
    result = CliRunner().invoke(main, ["info", "--workspace", str(tmp_path / "nulle_part")])
    assert result.exit_code == 2
    assert result.output.startswith("Erreur : ") and "Error" not in result.output


def test_months_without_payslips_are_pointed_out(imported):
    # The samples cover 01/2011 to 12/2012 (metro2011: 12 months; ville2012: all but April,
    # no ville_2012_04.xhl file), so 04/2012 is the only month without any payslip.
    ws_dir, _ = imported
    data = workspace_info(Workspace(ws_dir))
    assert data["missing_months"] == ["2012-04"]
    text = render_info(data)
    assert "aucun bulletin pour : 04/2012" in text


@pytest.mark.parametrize("command", [["info"], ["check"], ["import", "--agents", "AGENTS"]])
def test_a_damaged_import_log_is_a_clear_error(tmp_path, command):
    ws_dir = tmp_path / "w"
    ws_dir.mkdir()
    (ws_dir / "import_log.json").write_text("{", encoding="utf-8")  # truncated JSON
    agents = tmp_path / "agents.csv"
    agents.write_text("Matricule\nA1\n", encoding="utf-8")
    args = [str(agents) if a == "AGENTS" else a for a in command]
    result = CliRunner().invoke(main, args + ["--workspace", str(ws_dir), *(["--out", str(tmp_path / "r")] if command == ["check"] else [])])
    assert result.exit_code == 2, result.output
    assert "import_log.json est illisible" in result.output and "Restaurez-le" in result.output


def test_info_counts_categories_with_the_current_code_tables(imported, tmp_path, monkeypatch):
    import shutil

    from rhaudit.classify import UNCLASSIFIED

    ws_dir, _ = imported
    home = tmp_path / "home"
    shutil.copytree(Path(__file__).resolve().parents[1] / "configs", home / "configs")
    table = home / "configs" / "rubriques" / "ville2012.yaml"
    text = table.read_text(encoding="utf-8")
    line = '{code: "401A", categorie: deduction_ri}'
    assert line in text
    table.write_text(text.replace(line, f'{{code: "401A", categorie: {UNCLASSIFIED}}}'), encoding="utf-8")

    def in_2012(data, category):
        return sum(p["lines_by_category"].get(category, 0) for p in data["periods"] if p["year"] == 2012)

    before = workspace_info(Workspace(ws_dir))
    monkeypatch.setenv("RHAUDIT_HOME", str(home))
    after = workspace_info(Workspace(ws_dir))
    # ville2012 has 5 lines of code 401A (months 05, 09, 11 twice, 12): they leave deduction_ri.
    assert in_2012(before, "deduction_ri") - in_2012(after, "deduction_ri") == 5
    assert in_2012(after, UNCLASSIFIED) - in_2012(before, UNCLASSIFIED) == 5
    # `rhaudit rubriques` puts them first, after the classified share of the gross: their amounts
    # are -13.10 x 4 - 6.55 = -58.95 EUR, the only gross amounts left unclassified.
    result = CliRunner().invoke(main, ["rubriques", "--workspace", str(ws_dir)])
    assert result.exit_code == 0, result.output
    first, _, _, row = result.output.splitlines()[:4]
    assert first.startswith("Part du brut classée : 100,0 % (") and "part de tous les montants : 100,0 %" in first
    assert row.split()[0] == "401A" and "non_classe" in row
    total = float(first.split("sur ")[1].split(" EUR")[0].replace(" ", "").replace("\u202f", "").replace(",", "."))
    classified = float(first.split("(")[1].split(" EUR")[0].replace(" ", "").replace("\u202f", "").replace(",", "."))
    assert round(total - classified, 2) == 58.95
