"""Import profiles: loading, validation errors, column matching, cell conversion."""

from pathlib import Path

import pandas as pd
import pytest

from rhaudit.importers.base import ImportError_
from rhaudit.importers.profiles import CellError, CellParser, ProfileError, load_profile, read_mapped

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("kind, name", [("paie", "paie_generique"), ("absences", "absences_generique"),
                                        ("agents", "agents_generique")])
def test_default_profiles_load(kind, name):
    prof = load_profile(None, kind)
    assert (prof.name, prof.kind) == (name, kind)
    assert prof.path == REPO / "payroll_import" / "profiles" / f"{name}.yaml"
    assert "matricule" in prof.columns


def test_profile_by_path_and_by_name(tmp_path):
    path = write(tmp_path / "mon_logiciel.yaml", "type: agents\ncolonnes:\n  matricule: Mat\n")
    prof = load_profile(path, "agents")
    assert prof.name == "mon_logiciel" and prof.columns == {"matricule": ["Mat"]}
    assert load_profile("agents_generique", "agents").name == "agents_generique"


def test_unknown_profile_lists_available():
    with pytest.raises(ImportError_) as err:
        load_profile("logiciel_inexistant", "paie")
    msg = str(err.value)
    assert "« logiciel_inexistant »" in msg and "paie_generique" in msg and "Profils disponibles" in msg


def test_unknown_field_names_profile_file_and_field(tmp_path):
    path = write(tmp_path / "faux.yaml", "type: paie\ncolonnes:\n  matricule: Mat\n  salaire: Salaire\n")
    with pytest.raises(ProfileError) as err:
        load_profile(path, "paie")
    msg = str(err.value)
    assert str(path) in msg and "salaire" in msg and "amount" in msg  # the possible fields are listed


def test_wrong_kind_is_refused(tmp_path):
    with pytest.raises(ProfileError, match="type « absences »"):
        load_profile("absences_generique", "paie")


def test_bad_absence_rule_is_refused(tmp_path):
    path = write(tmp_path / "abs.yaml", "type: absences\ncolonnes: {matricule: M}\n"
                 "absences:\n  - {libelle: Congé, type: vacances}\n")
    with pytest.raises(ProfileError) as err:
        load_profile(path, "absences")
    assert str(path) in str(err.value) and "type d'absence inconnu « vacances »" in str(err.value)


def test_bad_value_mapping_is_refused(tmp_path):
    path = write(tmp_path / "p.yaml", "type: paie\ncolonnes: {matricule: M}\nvaleurs:\n  statut: {Titulaire: TITU}\n")
    with pytest.raises(ProfileError, match="TITU n'est pas une valeur possible"):
        load_profile(path, "paie")


def test_columns_match_ignoring_case_accents_and_spaces(tmp_path):
    # Header spelled differently from the profile: "MATRICULE", "date  de NAISSANCE", "Date d’entree".
    path = write(tmp_path / "agents.csv", "MATRICULE;date  de NAISSANCE;Date d’entree;Autre\nA9;01/02/1990;03/04/2020;x\n")
    table = read_mapped(path, load_profile(None, "agents"), ["matricule"])
    assert table.fields == {"matricule", "birth_date", "entry_date"}
    assert table.rows == [(2, {"matricule": "A9", "birth_date": "01/02/1990", "entry_date": "03/04/2020"})]


def test_windows_1252_fallback_and_comma_autodetect(tmp_path):
    path = write(tmp_path / "agents.csv", "Matricule,Filière\nB1,Médico-sociale\n", encoding="windows-1252")
    table = read_mapped(path, load_profile(None, "agents"), ["matricule"])
    assert table.rows == [(2, {"matricule": "B1", "filiere": "Médico-sociale"})]


def test_header_row_and_blank_lines_keep_file_line_numbers(tmp_path):
    prof_path = write(tmp_path / "p.yaml", "type: agents\nformat: {ligne_entete: 3}\ncolonnes: {matricule: Mat}\n")
    path = write(tmp_path / "a.csv", "Export du 01/03/2025\n\nMat;Nom\nC1;x\n;\nC2;y\n")
    table = read_mapped(path, load_profile(prof_path, "agents"), ["matricule"])
    # header on line 3, data on lines 4 and 6, line 5 entirely blank
    assert [line for line, _ in table.rows] == [4, 6]


@pytest.mark.parametrize("raw, expected", [
    ("1 801,74", 1801.74), ("1\u202f801,74", 1801.74), ("(45,00)", -45.0), ("60,06-", -60.06),
    ("-12,5", -12.5), ("+3", 3.0), ("12 €", 12.0), (250.0, 250.0), (None, None),
])
def test_numbers_with_decimal_comma(raw, expected):
    parser = CellParser(load_profile(None, "paie"))
    assert parser.number(raw, "Montant") == expected


@pytest.mark.parametrize("raw", ["abc", "1.801", "12,3,4", "inf", "nan", "1e5", "(12"])
def test_non_numbers_raise(raw):
    parser = CellParser(load_profile(None, "paie"))
    with pytest.raises(CellError, match="Montant non numérique"):
        parser.number(raw, "Montant")


def test_thousands_dot_declared(tmp_path):
    path = write(tmp_path / "p.yaml", 'type: paie\nformat: {decimale: ",", milliers: "."}\ncolonnes: {matricule: M}\n')
    parser = CellParser(load_profile(path, "paie"))
    assert parser.number("1.234.567,89", "Montant") == 1234567.89


def test_quotite_percent_or_fraction():
    parser = CellParser(load_profile(None, "paie"))  # quotite: auto
    assert parser.quotite("80") == 0.8  # 80 % -> 80 / 100
    assert parser.quotite("0,5") == 0.5  # already a fraction
    assert parser.quotite("100") == 1.0
    with pytest.raises(CellError, match="Quotité impossible"):
        parser.quotite("150")


def test_period_forms():
    parser = CellParser(load_profile(None, "paie"))
    assert parser.period("01/2025") == (2025, 1)
    assert parser.period("2025-02") == (2025, 2)
    assert parser.period("15/03/2025") == (2025, 3)
    assert parser.period(pd.Timestamp("2025-04-01")) == (2025, 4)
    with pytest.raises(CellError):
        parser.period("13/2025")


def test_impossible_date():
    parser = CellParser(load_profile(None, "absences"))
    assert parser.date("29/02/2024", "Premier jour") == pd.Timestamp("2024-02-29")
    with pytest.raises(CellError, match="impossible ou illisible : « 29/02/2025 »"):
        parser.date("29/02/2025", "Premier jour")


def test_value_mappings_and_closed_sets():
    parser = CellParser(load_profile(None, "paie"))
    assert parser.text("statut", "contractuel") == "NON_TITULAIRE"  # mapped, case-insensitive
    assert parser.text("statut", "TITULAIRE") == "TITULAIRE"  # already a PES code
    assert parser.text("kind", "TraitBrut") == "T"  # PES element name
    assert parser.text("kind", "Indemnite") == "I"  # mapped "Indemnité", accent-insensitive
    with pytest.raises(CellError, match="Statut PES inconnu\\(e\\) : « Intérimaire »"):
        parser.text("statut", "Intérimaire")
    assert parser.text("grade", "Rédacteur") == "Rédacteur"  # open field: kept as is


def test_absence_rules_first_match_wins():
    prof = load_profile(None, "absences")
    assert prof.absence_type("Congé de longue maladie") == ("clm", None)  # not cmo
    assert prof.absence_type("Garde enfant malade") == ("asa", "enfant_malade")  # not a sickness
    assert prof.absence_type("ASA décès du père") == ("asa", "deces_parent")
    assert prof.absence_type("cmo") == ("cmo", None)
    with pytest.raises(CellError, match="libellé d'absence inconnu : Sabbatique ; ajoutez-le au profil absences_generique.yaml"):
        prof.absence_type("Sabbatique")


def test_excel_sheet_by_name_and_header_row(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Garde"
    ws = wb.create_sheet("Agents")
    ws.append(["Référentiel au 01/01/2025"])  # line 1: a title
    ws.append(["Mat", "Cat"])  # line 2: the header
    ws.append([1234, "B"])  # a matricule typed as a number
    wb.save(tmp_path / "agents.xlsx")
    prof_path = write(tmp_path / "p.yaml", "type: agents\nformat: {feuille: Agents, ligne_entete: 2}\n"
                      "colonnes: {matricule: Mat, categorie: Cat}\n")
    prof = load_profile(prof_path, "agents")
    table = read_mapped(tmp_path / "agents.xlsx", prof, ["matricule"])
    assert table.rows == [(3, {"matricule": 1234, "categorie": "B"})]
    assert CellParser(prof).text("matricule", 1234.0) == "1234"
    missing_sheet = write(tmp_path / "q.yaml", "type: agents\nformat: {feuille: Paie}\ncolonnes: {matricule: Mat}\n")
    with pytest.raises(ImportError_, match="fichier illisible"):
        read_mapped(tmp_path / "agents.xlsx", load_profile(missing_sheet, "agents"), ["matricule"])


def test_documentation_example_imports(tmp_path):
    """The worked example of docs/profils.md stays true."""
    import re

    from rhaudit.importers.tabular import parse_payroll_table

    doc = (REPO / "docs" / "profils.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:yaml)?\n(.*?)```", doc, re.S)
    export = write(tmp_path / "export.csv", next(b for b in blocks if b.startswith("Export paie")))
    profile = write(tmp_path / "logiciel_x.yaml", next(b for b in blocks if "Logiciel X" in b))
    parsed = parse_payroll_table(export, profile)
    slip = parsed.tables["payslips"].iloc[0]
    # Gross = the "G" line only (mapped to kind A): 1801.74 ; the "R" CNRACL line is excluded.
    assert (slip.matricule, slip.year, slip.month, slip.statut, slip.quotite, slip.gross) == (
        "A001", 2025, 3, "TITULAIRE", 1.0, 1801.74)
    assert parsed.tables["pay_lines"]["source_line"].tolist() == [4, 5]  # header on line 3


def test_a_matricule_column_holding_nirs_stops_the_import_without_showing_them(tmp_path):
    # Line 3: "2 85 07 2A 123 456 78" is a NIR shape (sex 2, born 07/1985, Corse-du-Sud, key 78);
    # line 2 "185079" (6 digits) is an ordinary matricule.
    path = write(tmp_path / "agents.csv", "Matricule;Filière\n185079;Technique\n2 85 07 2A 123 456 78;Technique\n")
    with pytest.raises(ImportError_) as err:
        read_mapped(path, load_profile(None, "agents"), ["matricule"])
    message = str(err.value)
    assert f"{path}, ligne 3" in message and "NIR" in message and "Rien n'a été importé" in message
    shown = message.replace(str(path), "")  # the temporary path may hold any digits
    assert "123" not in shown and "456" not in shown


def test_a_nir_typed_as_an_excel_number_is_recognised(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Matricule"])
    wb.active.append([1850799123456])  # 13 digits without key, read back by Excel as 1850799123456.0
    wb.save(tmp_path / "agents.xlsx")
    with pytest.raises(ImportError_, match=r"ligne 2 : la colonne « Matricule », lue comme matricule"):
        read_mapped(tmp_path / "agents.xlsx", load_profile(None, "agents"), ["matricule"])
