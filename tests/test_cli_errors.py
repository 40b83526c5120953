"""Issue 9, items 7, 10, 11 and 12: French messages and exit status 2 instead of tracebacks, click
and pydantic in French, simulator inputs, territories. Each test reproduces the fault first."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rhaudit.cli import main
from rhaudit.configfile import yaml_problem
from rhaudit.deliberations import DeliberationError, load_deliberations
from rhaudit.worktime import ScenarioError, load_scenarios, run_worktime

from test_import_pes import document, donnees, line, payslip


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def pes(tmp_path: Path, name: str = "paie.xml", year: str = "2025") -> Path:
    path = tmp_path / name
    text = document(donnees(payslip("M1", lines=line()))).replace('<Annee V="2025"/>', f'<Annee V="{year}"/>')
    path.write_text(text, encoding="utf-8")
    return path


def imported_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "w"
    assert run("import", str(pes(tmp_path)), "-w", str(ws)).exit_code == 0
    return ws


# --- item 7 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("year", ["0", "99999"])
def test_impossible_year_in_a_pes_file(tmp_path, year):
    # Annee 0 raised "ValueError: year 0 is out of range" from the population inference.
    result = run("import", str(pes(tmp_path, year=year)), "-w", str(tmp_path / "w"))
    assert result.exit_code == 2, result.output
    assert f"année de paie impossible : {year} (attendu entre 1950 et 2100" in result.output
    assert "Rien n'a été importé" in result.output and not (tmp_path / "w").exists()


def test_file_name_with_non_utf8_bytes(tmp_path):
    # "café.xml" with the é in windows-1252 (byte E9): lxml and the UTF-8 log could not take the name.
    raw_name = b"caf\xe9.xml"
    path = tmp_path / raw_name.decode("utf-8", "surrogateescape")
    path.write_text(document(donnees(payslip("M1", lines=line()))), encoding="utf-8")
    result = run("import", str(tmp_path), "-w", str(tmp_path / "w"))
    assert result.exit_code == 0, result.output
    assert "café.xml (PES paye)" in result.output
    log = json.loads((tmp_path / "w" / "import_log.json").read_text(encoding="utf-8"))
    assert log["files"][0]["path"].endswith("café.xml") and log["files"][0]["payslips"] == 1
    assert path.exists()  # the input file is neither renamed nor modified


def test_check_out_to_an_unwritable_place(tmp_path):
    ws = imported_workspace(tmp_path)
    blocker = tmp_path / "un_fichier"
    blocker.write_text("x", encoding="utf-8")
    result = run("check", "-w", str(ws), "--out", str(blocker / "rapports"))
    assert result.exit_code == 2, result.output
    assert "un fichier porte déjà ce nom là où un dossier est attendu" in result.output


def test_workbook_still_open_in_excel(tmp_path, monkeypatch):
    # On Windows, Excel locks an open workbook: writing it raises PermissionError.
    ws = imported_workspace(tmp_path)
    import rhaudit.present.excel as excel

    def locked(workbook, path, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(excel.Workbook, "save", locked)
    result = run("check", "-w", str(ws), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert "findings.xlsx : écriture refusée (fichier encore ouvert dans Excel ou un autre programme : fermez-le" in result.output


def test_worktime_out_to_an_unwritable_place(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("year: 2026\nscenarios:\n  - {name: A, weekly_hours: 35}\n", encoding="utf-8")
    blocker = tmp_path / "f"
    blocker.write_text("x", encoding="utf-8")
    result = run("worktime", str(scenario), "--format", "xlsx", "--out", str(blocker / "t.xlsx"))
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "un fichier porte déjà ce nom là où un dossier est attendu" in result.output


def test_full_disk_during_check_output(tmp_path, monkeypatch):
    ws = imported_workspace(tmp_path)
    import rhaudit.present.checkdoc as checkdoc

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(checkdoc.Path, "write_text", full)
    result = run("check", "-w", str(ws), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and "disque plein : libérez de la place" in result.output, result.output


# --- item 10 --------------------------------------------------------------------------------------

def test_click_usage_errors_and_help_are_french(tmp_path):
    missing = run("info")
    assert missing.exit_code == 2
    assert "Option manquante '--workspace'" in missing.output and "Missing option" not in missing.output
    assert "Utilisation : main info [OPTIONS]" in missing.output and "Usage:" not in missing.output  # "main": CliRunner
    absent = run("import", str(tmp_path / "absent.xml"), "-w", str(tmp_path / "w"))
    assert "introuvable (il n'existe pas)" in absent.output and "does not exist" not in absent.output
    helped = run("info", "--help")
    assert "Afficher cette aide et quitter." in helped.output and "Show this message" not in helped.output
    assert "Erreur : Commande inconnue : 'nope'." in run("nope").output
    choice = run("info", "-w", str(tmp_path), "--format", "yaml")
    assert "'yaml' n'est pas l'une des valeurs 'text', 'json'" in choice.output


def test_help_placeholders_and_type_errors_are_french(tmp_path):
    top = run("--help").output
    assert "COMMANDE [ARGUMENTS]..." in top and "COMMAND [ARGS]" not in top
    assert "COMMANDE [ARGUMENTS]..." in run("dev", "--help").output
    helped = run("check", "--help").output
    assert "--rules TEXTE" in helped and "--year ENTIER" in helped and "TEXT " not in helped and "INTEGER" not in helped
    bad_year = run("check", "-w", str(tmp_path), "--year", "deux-mille")
    assert bad_year.exit_code == 2 and "'deux-mille' n'est pas un entier valide." in bad_year.output


def test_pydantic_constraints_are_french(tmp_path):
    bad = tmp_path / "d.yaml"
    bad.write_text("name: X\nworking_time:\n  cycles:\n    - {name: A, weekly_hours: 35, quotite: 0}\n", encoding="utf-8")
    with pytest.raises(DeliberationError) as err:
        load_deliberations(bad)
    assert "working_time.cycles.0.quotite : doit être supérieur à 0 (valeur lue : 0)" in str(err.value)
    assert "Input should" not in str(err.value)


def test_yaml_syntax_error_gives_file_line_and_french_reason(tmp_path):
    bad = tmp_path / "d.yaml"
    bad.write_text("name: X\nterritory: metropole\n  decisions: []\n", encoding="utf-8")
    with pytest.raises(DeliberationError) as err:
        load_deliberations(bad)
    # Line 3 is indented under a scalar: PyYAML's "mapping values are not allowed here".
    assert f"{bad} : YAML illisible, ligne 3, colonne 12 : « : » inattendu" in str(err.value)
    import yaml

    with pytest.raises(yaml.YAMLError) as raw:
        yaml.safe_load("a: [1, 2\n")
    assert yaml_problem(raw.value).startswith("ligne 2, colonne 1 : « , » ou « ] » attendu")


@pytest.mark.parametrize("given", ["01/01/2016", "2016-01-01"])
def test_params_date_in_french_form(given):
    result = run("params", "point_indice.valeur_annuelle", "--date", given)
    # point_indice.yaml: 55.5635 EUR since 01/07/2010, until the +0.6 % of 1 July 2016.
    assert result.exit_code == 0, result.output
    assert "55.5635" in result.output and "01/07/2010" in result.output


def test_params_impossible_date():
    result = run("params", "point_indice.valeur_annuelle", "--date", "31/02/2016")
    assert result.exit_code == 2 and "Date illisible ou impossible : « 31/02/2016 »" in result.output
    assert "isoformat" not in result.output


# --- item 11 --------------------------------------------------------------------------------------

def test_negative_artt_days_are_refused(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("year: 2026\nscenarios:\n  - {name: A, weekly_hours: 35, artt_days: -5}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"scenarios\.0\.artt_days : doit être supérieur ou égal à 0 \(valeur lue : -5\)"):
        load_scenarios(bad)
    bad.write_text("year: 2026\nscenarios:\n  - {name: A, weekly_hours: 35, extra_days: {pont: -1}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"scenarios\.0\.extra_days\.pont : doit être supérieur ou égal à 0"):
        load_scenarios(bad)


def test_a_cycle_beyond_the_garanties_minimales_is_warned(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("year: 2026\nscenarios:\n  - {name: Long, weekly_hours: 70}\n  - {name: Normal, weekly_hours: 39}\n"
                        "  - {name: Quarante-six, weekly_hours: 46}\n", encoding="utf-8")
    counts = json.loads(run_worktime(scenario, fmt="json"))
    notes = {c["name"]: c["notes"] for c in counts if c["method"] == "norme"}
    # 70 h over 5 days: 14 h a day. Limits of temps_travail.garanties_minimales (décret 2000-815, art. 3):
    # 48 h a week, 44 h on average over 12 weeks, 10 h a day.
    long = [n for n in notes["Long"] if n.startswith("Attention")]
    assert long[0].startswith("Attention : 70 h par semaine dépassent la durée hebdomadaire maximale de 48 h "
                              "(garanties minimales, Décret 2000-815 du 25 août 2000, art. 3")
    assert long[1].startswith("Attention : 14 h par jour dépassent la durée quotidienne maximale de 10 h")
    assert not [n for n in notes["Normal"] if n.startswith("Attention")]  # 39 h, 7,8 h a day
    # 46 h every week: under 48 h but above the 44 h average; 9,2 h a day.
    assert [n for n in notes["Quarante-six"] if n.startswith("Attention")] == [
        "Attention : 46 h chaque semaine dépassent la moyenne maximale de 44 h sur 12 semaines consécutives "
        "(garanties minimales, Décret 2000-815 du 25 août 2000, art. 3, I (rendu applicable à la FPT par le décret "
        "2001-623, art. 1))."]


# --- item 12 --------------------------------------------------------------------------------------

def test_unknown_territory_in_deliberations_is_refused_on_load(tmp_path):
    delib = tmp_path / "d.yaml"
    delib.write_text("name: X\nterritory: mars\n", encoding="utf-8")
    result = run("import", str(pes(tmp_path)), "--deliberations", str(delib), "-w", str(tmp_path / "w"))
    assert result.exit_code == 2  # was "Délibérations validées", failing only at check
    assert "territory : Territoire inconnu : 'mars'" in result.output and "Rien n'a été importé" in result.output


@pytest.mark.parametrize("code, label", [(972, "Martinique"), (974, "La Réunion")])
def test_overseas_territory_written_as_a_number(tmp_path, code, label):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"year: 2026\nterritory: {code}\nscenarios:\n  - {{name: A, weekly_hours: 35}}\n", encoding="utf-8")
    assert load_scenarios(scenario).territory == str(code)  # was "texte attendu"
    assert f"2026, {label}" in run_worktime(scenario)
    delib = tmp_path / "d.yaml"
    delib.write_text(f"name: X\nterritory: {code}\n", encoding="utf-8")
    assert load_deliberations(delib).territory == str(code)
