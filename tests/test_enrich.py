"""rhaudit.enrich: one enrichment step for the import and every command reading a workspace.

The old disagreement: `info` showed the catégorie stored at import while `check` recomputed
it, so after a corrected grade table or agents reference the two commands disagreed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from rhaudit.check import build_context
from rhaudit.cli import main
from rhaudit.enrich import configs_fingerprint, line_hours
from rhaudit.importers import import_files
from rhaudit.model import conform
from rhaudit.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PES = REPO / "tests" / "data" / "pes"


def info_categories(ws: Workspace) -> dict:
    """The catégorie headcount of 2025 that `rhaudit info --format json` shows."""
    result = CliRunner().invoke(main, ["info", "-w", str(ws.root), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["headcount"]["2025"]["categorie"]


def check_categories(ws: Workspace) -> dict:
    """The catégorie of each payslip that the rules of `rhaudit check` read."""
    slips = build_context(ws).payslips
    return slips.groupby("categorie")["matricule"].nunique().to_dict()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A copy of the repository's configs/ that the test may edit (RHAUDIT_HOME)."""
    root = tmp_path / "home"
    shutil.copytree(REPO / "configs", root / "configs")
    for folder in ("calendars", "payroll_import"):
        (root / folder).symlink_to(REPO / folder)
    monkeypatch.setenv("RHAUDIT_HOME", str(root))
    return root


def test_corrected_grade_table_shows_in_info_and_check(home, tmp_path):
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=[PES / "grade_redacteur.xhl"])
    # REDACTEUR is catégorie B in the shipped configs/grades.yaml.
    assert info_categories(ws) == {"B": 1} and check_categories(ws) == {"B": 1}

    grades = home / "configs" / "grades.yaml"
    text = grades.read_text(encoding="utf-8")
    assert text.count("categorie: B, cadre_emplois: Rédacteurs territoriaux") == 1
    grades.write_text(text.replace("categorie: B, cadre_emplois: Rédacteurs territoriaux",
                                   "categorie: A, cadre_emplois: Rédacteurs territoriaux"), encoding="utf-8")

    # No re-import: both commands read the corrected table.
    assert info_categories(ws) == {"A": 1}
    assert check_categories(ws) == {"A": 1}
    # The value stored at import is the old one: no command reads it as it is.
    assert ws.read("payslips")["categorie"].tolist() == ["B"]


def test_stored_derived_columns_carry_the_fingerprint_of_their_configs(home, tmp_path):
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=[PES / "grade_redacteur.xhl"])
    stamp = ws.read_log()[0]["derived_with"]
    assert len(stamp) == 16 and stamp == configs_fingerprint()
    result = CliRunner().invoke(main, ["info", "-w", str(ws.root), "--format", "json"])
    assert json.loads(result.output)["stale_derived_files"] == 0

    grades = home / "configs" / "grades.yaml"
    grades.write_text(grades.read_text(encoding="utf-8") + "\n# corrigé\n", encoding="utf-8")
    assert configs_fingerprint() != stamp  # any edit of a file enrich reads changes it
    result = CliRunner().invoke(main, ["info", "-w", str(ws.root)])
    assert "1 fichier(s) de paie importé(s) avec une autre version des tables" in result.output
    assert "--replace" in result.output

    # Re-importing stores columns computed with today's configs.
    import_files(ws, payroll=[PES / "grade_redacteur.xhl"], replace=True)
    assert ws.read_log()[0]["derived_with"] == configs_fingerprint()


def test_corrected_agents_reference_shows_in_info_and_check(tmp_path):
    ws = Workspace(tmp_path / "w")
    v1, v2 = tmp_path / "agents_v1.csv", tmp_path / "agents_v2.csv"
    v1.write_text("Matricule;Catégorie\nG1;C\n", encoding="utf-8")
    v2.write_text("Matricule;Catégorie\nG1;A\n", encoding="utf-8")
    import_files(ws, payroll=[PES / "grade_redacteur.xhl"], agents=[v1])
    # The agents reference prevails over the grade (REDACTEUR: B).
    assert info_categories(ws) == {"C": 1} and check_categories(ws) == {"C": 1}

    import_files(ws, agents=[v2])  # the corrected reference, without the payroll again
    assert info_categories(ws) == {"A": 1}
    assert check_categories(ws) == {"A": 1}


# --- the canonical hours column --------------------------------------------------------------

def _frames(line_specs):
    slips = conform(pd.DataFrame([
        {"matricule": "P", "year": 2025, "month": 3, "establishment": "E", "indice": 400, "quotite": 1.0, "source_file": "f"},
        {"matricule": "T", "year": 2025, "month": 3, "establishment": "E", "indice": 0, "quotite": 1.0, "source_file": "f"},
        {"matricule": "N", "year": 2025, "month": 3, "establishment": "E", "indice": 0, "quotite": 1.0, "source_file": "f"},
    ]), "payslips")
    rows = [{"year": 2025, "month": 3, "establishment": "E", "source_file": "f", "kind": "I", **r} for r in line_specs]
    return slips, conform(pd.DataFrame(rows), "pay_lines")


def test_hours_column_tells_hours_from_price_with_the_usual_ihts_price(params):
    # 16 × 10.5 = 168.00: both factors are whole quarter hours, so the usual first-tier IHTS price
    # decides. Indice 400 in March 2025: 400 × 59.0734 (point, configs/parametres/point_indice.yaml)
    # = 23,629.36 / 1,820 × 1.25 = 16.23 EUR; 16 is the price, 10.5 the hours.
    ihts = {"category": "ihts_14", "base": 16.0, "rate": 10.5, "amount": 168.0}
    slips, lines = _frames([
        {"matricule": "P", **ihts},
        # Indice 0: the full-time annual indiciaire is the traitement paid × 12 (1,969.11 × 12 =
        # 23,629.32, the same price), so 10.5 h again.
        {"matricule": "T", "category": "traitement", "kind": "T", "amount": 1969.11},
        {"matricule": "T", **ihts},
        # Neither indice nor traitement: the price is unknown, a whole base is taken as the hours.
        {"matricule": "N", **ihts},
        # Units given: they are the hours (7 h × 17.50 = 122.50).
        {"matricule": "P", "category": "heures_complementaires", "units": 7.0, "base": 17.5, "amount": 122.5},
    ])
    hours = line_hours(lines, slips, params)
    assert pd.isna(hours[1])  # a traitement line has no hours
    assert hours.drop(1).tolist() == [10.5, 10.5, 16.0, 7.0]


def test_hours_before_the_first_point_value_have_an_unknown_price(params):
    # The point's annual value starts 2007-02-01 in configs/parametres/point_indice.yaml: a line of
    # January 2005 has no usual price (NaN, not an error), so 16 × 10.5 is read as 16 h like a
    # payslip without an indice, while March 2025 in the same frame still gives 10.5 h.
    slips, lines = _frames([{"matricule": "P", "category": "ihts_14", "base": 16.0, "rate": 10.5, "amount": 168.0}])
    old = slips.assign(year=2005, month=1)
    old_lines = lines.assign(year=2005, month=1)
    both_slips = pd.concat([slips, old], ignore_index=True)
    both_lines = pd.concat([lines, old_lines], ignore_index=True)
    assert line_hours(both_lines, both_slips, params).tolist() == [10.5, 16.0]


def test_hours_column_is_read_by_check_as_enrich_computes_it(tmp_path):
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=[PES / "grade_redacteur.xhl"])
    lines = build_context(ws).pay_lines
    # Indice 400 in March 2025: usual price 16.23 EUR (see above), so the IHTS line 16 × 10.5 pays
    # 10.5 h; the traitement line pays none.
    assert lines["category"].tolist() == ["traitement", "ihts_14"]
    assert pd.isna(lines["hours"].iloc[0]) and lines["hours"].iloc[1] == 10.5
