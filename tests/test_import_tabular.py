"""Tabular payroll exports and the agents reference, through profiles."""

from pathlib import Path

import pytest

from rhaudit.importers.agents import parse_agents
from rhaudit.importers.base import ImportError_
from rhaudit.importers.tabular import UNKNOWN_ESTABLISHMENT, parse_payroll_table

SAMPLES = Path(__file__).resolve().parents[1] / "payroll_import" / "samples"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_balanced(parsed, main: str) -> None:
    """Every row read is either imported or rejected."""
    assert parsed.records_read == len(parsed.tables[main]) + len(parsed.rejected)
    assert parsed.records_imported == len(parsed.tables[main])  # what the import log records


# Sample: 3 agents × 2 months; lines: Jan 3 + 4 + 4 = 11, Feb 5 + 4 + 5 = 14, total 25.
# Gross per payslip = sum of T, I, R lines (MtBrut), e.g. A001 Feb 1801.74 − 60.06 + 250 + 145 = 2136.68;
# A003 Feb 1801.74 + 150 − 45 = 1906.74. Total gross: 2051.74 + 1953.12 + 1951.74 (Jan)
# + 2136.68 + 1953.12 + 1906.74 (Feb) = 5956.60 + 5996.54 = 11953.14.
@pytest.mark.parametrize("name", ["paie_exemple.csv", "paie_exemple.xlsx"])
def test_sample_payroll(name):
    parsed = parse_payroll_table(SAMPLES / name, None)
    lines, slips = parsed.tables["pay_lines"], parsed.tables["payslips"]
    assert parsed.kind == "paie_tableur" and parsed.rejected == [] and parsed.warnings == []
    assert (parsed.records_read, len(lines), len(slips)) == (25, 25, 6)
    assert_balanced(parsed, "pay_lines")
    assert slips["gross"].sum() == pytest.approx(11953.14)
    assert set(slips["establishment"]) == {"Commune d'Exemple"}
    a001_feb = slips[(slips.matricule == "A001") & (slips.month == 2)].iloc[0]
    assert (a001_feb.year, a001_feb.gross, a001_feb.net, a001_feb.indice) == (2025, 2136.68, 1943.35, 366)
    a002 = slips[slips.matricule == "A002"].iloc[0]
    assert (a002.statut, a002.quotite, a002.grade, a002.service) == ("TITULAIRE", 0.8, "Rédacteur", "Finances")
    assert slips[slips.matricule == "A003"].statut.unique().tolist() == ["NON_TITULAIRE"]  # "Contractuel"
    strike = lines[lines.code == "1090"].iloc[0]  # "60,06-" (trailing minus) or -60.06 in Excel
    # header line 1, January lines 2-12, A001 February: traitement line 13, strike line 14
    assert (strike.kind, strike.amount, strike.units, strike.source_line) == ("T", -60.06, 1.0, 14)
    regul = lines[lines.code == "1190"].iloc[0]  # "(45,00)"
    assert (regul.kind, regul.amount) == ("R", -45.0)
    ihts = lines[lines.code == "3010"].iloc[0]  # 10 h × 14,50 = 145,00
    assert (ihts.rate, ihts.units, ihts.amount) == (14.5, 10.0, 145.0)
    cnracl = lines[(lines.code == "5010") & (lines.matricule == "A001") & (lines.month == 1)].iloc[0]
    assert (cnracl.kind, cnracl.base, cnracl.rate, cnracl.amount) == ("C", 1801.74, 11.1, 199.99)
    # Sum of every line amount: Jan 2251.73 (1801.74+250+199.99) + 2143.28 (1654.05+59.07+240+190.16)
    # + 2031.39 (1801.74+150+54.65+25) = 6426.40 ; Feb 2330.01 (1801.74−60.06+250+145+193.33)
    # + 2143.28 + 1985.13 (1801.74+150−45+53.39+25) = 6458.42 ; total 12884.82.
    assert lines["amount"].sum() == pytest.approx(12884.82)


def test_comma_delimiter_decimal_point_and_gross_from_lines(tmp_path):
    profile = write(tmp_path / "logiciel_x.yaml", """
type: paie
format: {separateur: ",", decimale: "."}
colonnes:
  matricule: Agent
  period: Periode
  code: Rubrique
  label: Libelle
  kind: Nature
  amount: Montant
constantes:
  establishment: "21000000000017"
""")
    data = write(tmp_path / "export.csv", (
        "Agent,Periode,Rubrique,Libelle,Nature,Montant\n"
        "B7,03/2025,T01,Traitement,T,1801.74\n"
        "B7,03/2025,I20,IFSE,I,\"1,250.00\"\n"  # a comma inside: not a number with decimale "."
        "B7,03/2025,I21,Prime,I,300.5\n"
        "B7,03/2025,C01,CNRACL,C,199.99\n"
        "B7,04/2025,T01,Traitement,T,1801.74\n"
    ))
    parsed = parse_payroll_table(data, profile)
    slips = parsed.tables["payslips"]
    assert (parsed.records_read, len(parsed.tables["pay_lines"]), len(parsed.rejected)) == (5, 4, 1)
    assert_balanced(parsed, "pay_lines")
    assert parsed.rejected[0].position == 3 and "Montant non numérique : « 1,250.00 »" in parsed.rejected[0].reason
    # No gross column: gross = T + I lines, the C line excluded: March 1801.74 + 300.5 = 2102.24.
    assert slips.set_index("month")["gross"].to_dict() == {3: pytest.approx(2102.24), 4: pytest.approx(1801.74)}
    assert set(slips["establishment"]) == {"21000000000017"}  # from the profile constant
    assert slips["year"].tolist() == [2025, 2025]


def test_missing_mapped_column_names_column_profile_and_columns_found(tmp_path):
    data = write(tmp_path / "sans_montant.csv", "Matricule;Année;Mois;Code;Nature\nA1;2025;1;1010;T\n")
    with pytest.raises(ImportError_) as err:
        parse_payroll_table(data, None)
    msg = str(err.value)
    assert str(data) in msg and "paie_generique" in msg
    assert "Montant [amount] (colonne Montant / Mt)" in msg  # the missing field and the names looked for
    assert "Colonnes trouvées dans le fichier : Matricule, Année, Mois, Code, Nature" in msg


def test_non_numeric_amount_rejects_only_that_line(tmp_path):
    data = write(tmp_path / "paie.csv", (
        "Matricule;Année;Mois;Code;Nature;Montant\n"
        "A1;2025;1;1010;Traitement;1 000,00\n"
        "A1;2025;1;2100;Indemnité;douze\n"
        "A1;2025;1;2200;Indemnité;;\n"  # empty amount (trailing separator): rejected, never invented
        "A1;2025;13;1010;Traitement;5,00\n"  # month 13
        "A1;2025;1;1010;Intérim;5,00\n"  # unknown kind
        ";2025;1;1010;Traitement;5,00\n"  # no matricule
        "A1;2025;1;2300;Indemnité;5;6\n"  # one field too many
    ))
    parsed = parse_payroll_table(data, None)
    assert parsed.records_read == 7 and len(parsed.tables["pay_lines"]) == 1
    assert_balanced(parsed, "pay_lines")
    reasons = {r.position: r.reason for r in parsed.rejected}
    assert reasons[3] == "Montant non numérique : « douze »"
    assert reasons[4] == "Montant manquant(e)"
    assert reasons[5] == "Mois de la paie impossible : « 13 » (attendu de 1 à 12)"
    assert reasons[6].startswith("Nature PES inconnu(e) : « Intérim » ; ajoutez-le à « valeurs: kind: » du profil paie_generique.yaml")
    assert reasons[7] == "Matricule manquant(e)"
    assert reasons[8].startswith("7 champ(s) au lieu de 6")
    assert {r.record for r in parsed.rejected} == {"ligne de paie"}
    first = min(parsed.rejected, key=lambda r: r.position)
    assert (first.matricule, first.file) == ("A1", "paie.csv")
    # The kept payslip: gross 1000.00, no establishment column -> placeholder and a warning.
    slip = parsed.tables["payslips"].iloc[0]
    assert (slip.gross, slip.establishment) == (1000.0, UNKNOWN_ESTABLISHMENT)
    assert "Aucune colonne d'établissement" in parsed.warnings[0]


def test_conflicting_payslip_fields_warn(tmp_path):
    data = write(tmp_path / "paie.csv", (
        "Matricule;Année;Mois;Code;Nature;Montant;Indice\n"
        "A1;2025;1;1010;T;100;366\n"
        "A1;2025;1;2100;I;10;367\n"
    ))
    parsed = parse_payroll_table(data, None)
    assert parsed.tables["payslips"].indice.tolist() == [366]
    assert any("1 bulletin(s) portent des valeurs différentes de « Indice majoré »" in w for w in parsed.warnings)


@pytest.mark.parametrize("content, expected", [
    ("", "fichier vide"),
    ("Matricule;Année;Mois;Code;Nature;Montant\n", "aucune ligne de données"),
])
def test_empty_files_fail(tmp_path, content, expected):
    with pytest.raises(ImportError_, match=expected):
        parse_payroll_table(write(tmp_path / "vide.csv", content), None)


def test_undecodable_file_fails(tmp_path):
    profile = write(tmp_path / "utf8.yaml", "type: paie\nformat: {encodage: utf-8}\ncolonnes: {matricule: M}\n")
    data = tmp_path / "paie.csv"
    data.write_bytes("Matricule;Libellé\n".encode("windows-1252"))
    # "é" is byte 0xe9 in windows-1252: not UTF-8; the message names the line and the encoding to declare.
    with pytest.raises(ImportError_, match="ligne 1 : octet 0xe9 illisible en utf-8 .* indiquez « encodage: windows-1252 »"):
        parse_payroll_table(data, profile)


def test_unreadable_format_fails(tmp_path):
    with pytest.raises(ImportError_, match="format non pris en charge"):
        parse_payroll_table(write(tmp_path / "paie.ods", "x"), None)
    with pytest.raises(ImportError_, match="fichier illisible"):
        parse_payroll_table(write(tmp_path / "faux.xlsx", "pas un classeur"), None)


def test_input_file_is_not_modified(tmp_path):
    data = write(tmp_path / "paie.csv", "Matricule;Année;Mois;Code;Nature;Montant\nA1;2025;1;1010;T;abc\n")
    before = data.read_bytes()
    parse_payroll_table(data, None)
    assert data.read_bytes() == before


# --- agents reference ----------------------------------------------------------------------
def test_sample_agents():
    parsed = parse_agents(SAMPLES / "agents_exemple.csv", None)
    agents = parsed.tables["agents"].set_index("matricule")
    assert (parsed.records_read, len(agents), parsed.rejected) == (3, 3, [])
    assert agents.loc["A002", "birth_date"].date().isoformat() == "1985-11-02"
    assert agents.loc["A001", "entry_date"].date().isoformat() == "2005-09-01"
    assert agents["gender"].to_dict() == {"A001": "M", "A002": "F", "A003": "F"}  # Homme/Femme mapped
    assert agents["categorie"].to_dict() == {"A001": "C", "A002": "B", "A003": "C"}
    assert agents.loc["A002", "rifseep_group"] == "B2" and agents.loc["A001", "work_cycle"] == "Cycle 37h30"


def test_duplicate_and_bad_agents_rejected(tmp_path):
    data = write(tmp_path / "agents.csv", (
        "Matricule;Date de naissance;Catégorie\n"
        "A1;01/01/1980;C\n"
        "A2;31/04/1990;B\n"  # 31 April does not exist
        "A1;02/02/1982;C\n"  # second occurrence of A1
        "A3;01/01/1991;D\n"  # no catégorie D
    ))
    parsed = parse_agents(data, None)
    assert parsed.tables["agents"].matricule.tolist() == ["A1"]
    assert_balanced(parsed, "agents")
    reasons = {r.position: r.reason for r in parsed.rejected}
    assert reasons[3].startswith("Date de naissance impossible ou illisible : « 31/04/1990 »")
    assert reasons[4] == "matricule en double (déjà lu ligne 2) : seule la première ligne est gardée"
    assert reasons[5].startswith("Catégorie A/B/C inconnu(e) : « D »")
    assert parsed.tables["agents"].birth_date.iloc[0].year == 1980  # the first occurrence is kept
