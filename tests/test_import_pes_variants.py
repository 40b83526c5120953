"""PES paye variants seen in real files of other employers and programs (hand-made files in tests/data/pes).

Each file shows one variant; the expected values are read off the file by hand (the lines of
the file are counted in the file itself, never taken from the importer).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rhaudit.importers import import_files
from rhaudit.importers.base import ImportError_
from rhaudit.importers.pes import parse_pes_file
from rhaudit.workspace import Workspace

DATA = Path(__file__).parent / "data" / "pes"


def line_of(path: Path, needle: str, nth: int = 1, encoding: str = "utf-8") -> int:
    """1-based line of the nth line of the file containing `needle` (a plain reading of the file)."""
    hits = [i + 1 for i, t in enumerate(path.read_bytes().decode(encoding).split("\n")) if needle in t]
    return hits[nth - 1]


def balance(parsed) -> bool:
    """lus = importés + rejetés, on payslips."""
    return parsed.records_read == parsed.records_imported + sum(r.record == "bulletin" for r in parsed.rejected)


# --- document root ---------------------------------------------------------------------------------

def test_older_namespace_with_a_prefix_is_a_pes_file():
    path = DATA / "ancien_espace_prefixe.xhl"  # p:DocumentPaye in …/helios/pes, IdVer 1.1, ISO-8859-1
    parsed = parse_pes_file(path)
    slips, lines = parsed.tables["payslips"], parsed.tables["pay_lines"]
    assert list(slips["matricule"]) == ["0042"]  # a matricule keeps its zeros (text)
    assert slips["indice"].iloc[0] == 330  # Indice "0330"
    assert (slips["year"].iloc[0], slips["month"].iloc[0]) == (2009, 2)
    assert list(lines["kind"]) == ["T", "D"] and list(lines["amount"]) == [1512.40, 118.72]
    assert list(lines["code"]) == ["0100", "4000"]
    assert parsed.warnings == [] and parsed.rejected == []


def test_no_namespace_is_a_pes_file():
    parsed = parse_pes_file(DATA / "sans_espace_de_noms.xhl")
    assert list(parsed.tables["payslips"]["gross"]) == [1400.00]
    assert parsed.warnings == [] and parsed.rejected == []


@pytest.mark.parametrize("root", [
    '<DocumentPaye xmlns="http://example.org/paye">',  # right name, foreign namespace
    '<PES_Aller xmlns="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/PES_Aller">',  # another PES flow
])
def test_foreign_xml_is_still_refused_in_french(tmp_path, root):
    name = root[1:].split()[0]
    path = tmp_path / "autre.xml"
    path.write_text(f'<?xml version="1.0"?>\n{root}\n<Annee V="2012"/>\n</{name}>\n', encoding="utf-8")
    with pytest.raises(ImportError_) as err:
        parse_pes_file(path)
    assert "ce n'est pas un flux PES paye" in str(err.value)


# --- payslip contents --------------------------------------------------------------------------------

def test_payslips_without_mtbrut_get_the_sum_of_their_gross_lines_marked_derived():
    parsed = parse_pes_file(DATA / "sans_mtbrut.xhl")
    slips = parsed.tables["payslips"].set_index("matricule")
    # A1: T 1500.00 + IR 15.00 + I 120.50 = 1635.50 (the Deduction 117.75 is not gross)
    assert slips.loc["A1", "gross"] == pytest.approx(1635.50)
    # B2: T 1800.00 + R -40.00 = 1760.00
    assert slips.loc["B2", "gross"] == pytest.approx(1760.00)
    # C3 has MtBrut 999.00 (its line says 1000.00): kept as written, not derived
    assert slips.loc["C3", "gross"] == 999.00
    assert list(slips["gross_derived"]) == [True, True, False]
    said = [w for w in parsed.warnings if "MtBrut" in w]
    assert len(said) == 1 and "2 bulletin(s) sans élément MtBrut" in said[0]  # once per file


def test_derived_gross_is_stored_and_raises_no_gross_gap(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_files(ws, payroll=[DATA / "sans_mtbrut.xhl"])
    stored = ws.read("payslips").set_index("matricule")
    assert stored.loc["A1", "gross_derived"] and not stored.loc["C3", "gross_derived"]
    assert report.gross_mismatches == 1  # C3 only: MtBrut 999.00 against a 1000.00 line


def test_irregular_whitespace_and_line_breaks_inside_tags():
    path = DATA / "espaces_dans_les_balises.xhl"
    parsed = parse_pes_file(path)
    lines = parsed.tables["pay_lines"]
    assert list(lines["amount"]) == [158.26, 42.10]
    assert list(lines["label"]) == ["TRAITEMENT INDICIAIRE", "PRIME"]
    assert parsed.tables["payslips"]["gross"].iloc[0] == 200.36
    # The line of a tag written over two lines is that of its '<'.
    assert parsed.tables["payslips"]["source_line"].iloc[0] == line_of(path, "<PayeIndivMensuel") == 9
    assert list(lines["source_line"]) == [line_of(path, "<TraitBrut>"), line_of(path, "<Indemnite")] == [15, 20]


def test_malformed_dates_are_read_with_a_warning_naming_the_line_and_impossible_ones_left_empty():
    path = DATA / "dates_irregulieres.xhl"
    parsed = parse_pes_file(path)
    slip = parsed.tables["payslips"].iloc[0]
    assert slip["period_start"] == pd.Timestamp("2008-09-01")  # "2008-9-1"
    assert slip["period_end"] == pd.Timestamp("2008-09-03")  # "2008-09-3"
    line = parsed.tables["pay_lines"].iloc[0]
    assert line["ref_start"] == pd.Timestamp("2008-02-01") and pd.isna(line["ref_end"])  # "2008-02-30"
    periode = line_of(path, "<Periode>")
    rappel = line_of(path, "<Rappel>")
    assert f"Periode/DateFin au format irrégulier lue(s) comme AAAA-MM-JJ (élément Periode de la ligne {periode} : " \
           f"'2008-09-3' lue 2008-09-03)" in " ".join(parsed.warnings)
    assert "PeriodeRef/DateFin illisible(s) ou impossible(s)" in " ".join(parsed.warnings)
    assert f"(ligne de paie de la ligne {rappel} : '2008-02-30')" in " ".join(parsed.warnings)
    assert len(parsed.warnings) == 3 and parsed.rejected == []


def test_zero_padded_numbers_and_other_elements_never_fail():
    parsed = parse_pes_file(DATA / "zeros_et_elements_divers.xhl")
    slip = parsed.tables["payslips"].iloc[0]
    assert (slip["matricule"], slip["indice"], slip["children"], slip["nbi_points"]) == ("0007", 418, 0, 10.0)
    assert slip["gross"] == 1936.68 and slip["overtime_hours"] == 0.0  # "01936.68", "000.00"
    assert slip["events"] == "MIN AVANCEMENT ECHELON"
    lines = parsed.tables["pay_lines"]
    assert list(lines["kind"]) == ["T", "AC", "CO"]  # Acompte and Commentaire lines are read
    assert (lines["base"].iloc[0], lines["rate"].iloc[0], lines["units"].iloc[0]) == (0.0, 0.0, 0.0)  # "000.000"
    assert lines["code"].iloc[0] == "0101"  # codes stay text
    assert parsed.warnings == [] and parsed.rejected == []  # RepartitionBudget, payslip-level Acompte ignored


def test_negative_contributions_are_stored_positive_and_a_refund_keeps_its_sign():
    parsed = parse_pes_file(DATA / "cotisations_negatives.xhl")
    lines = parsed.tables["pay_lines"].set_index("code")
    # D: -162.40, -100.47, +12.00 -> 2 of 3 negative: the file writes deductions negative.
    assert lines.loc["D1", "amount"] == 162.40 and lines.loc["D2", "amount"] == 100.47
    assert lines.loc["D3", "amount"] == -12.00  # the refund (written positive) stays of the opposite sign
    assert lines.loc["M1", "amount"] == 25.00  # Retenue follows the deductions' convention
    assert lines.loc["C1", "amount"] == 546.00 and lines.loc["C2", "amount"] == 18.00
    assert (lines.loc["D1", "rate"], lines.loc["C1", "rate"]) == (8.12, 27.30)
    assert lines.loc["T1", "amount"] == 2000.00  # gross lines untouched
    # Net identity with the canonical signs: 2000 - 162.40 - 100.47 - (-12.00) - 25.00 = 1724.13 (MtNet)
    withheld = lines.loc[lines["kind"].isin(["D", "RE"]), "amount"].sum()
    assert 2000.00 - withheld == pytest.approx(parsed.tables["payslips"]["net"].iloc[0])
    said = [w for w in parsed.warnings if "négatif" in w]
    assert len(said) == 1 and "Mt négatif sur 2 ligne(s) sur 3" in said[0]


def test_negative_rates_with_positive_amounts():
    parsed = parse_pes_file(DATA / "taux_negatifs_montants_positifs.xhl")
    lines = parsed.tables["pay_lines"].set_index("code")
    assert (lines.loc["D1", "amount"], lines.loc["D1", "rate"]) == (81.20, 8.12)  # 1000 x 8.12 % = 81.20
    assert (lines.loc["C1", "amount"], lines.loc["C1", "rate"]) == (273.00, 27.30)  # 1000 x 27.30 % = 273.00
    assert len(parsed.warnings) == 1 and "Taux négatif" in parsed.warnings[0] and "Mt négatif" not in parsed.warnings[0]


def test_the_shared_samples_keep_their_signs(shared_pes):
    # Their deductions are written positive (a few negative regularisations): nothing inverted.
    for path in sorted(shared_pes.glob("*/*.xhl")):
        assert not any("négatif" in w for w in parse_pes_file(path).warnings), path.name


def test_nbi_booked_as_a_second_traitbrut_line_is_imported():
    lines = parse_pes_file(DATA / "nbi_seconde_traitbrut.xhl").tables["pay_lines"]
    assert list(zip(lines["kind"], lines["code"], lines["amount"])) == [("T", "1010", 1851.99), ("T", "1012", 69.45)]


def test_absurd_numbers_are_rejected_never_stored():
    path = DATA / "montants_absurdes.xhl"
    parsed = parse_pes_file(path)
    lines = parsed.tables["pay_lines"]
    assert list(lines["code"]) == ["1010"]  # NaN, inf, 1e400 amounts and a -Infinity base: 4 lines rejected
    rejected = {r.position: r.reason for r in parsed.rejected}
    for code, value in (("3001", "'NaN'"), ("3002", "'inf'"), ("3003", "'1e400'"), ("3004", "'-Infinity'")):
        where = line_of(path, f'<Code V="{code}"/>') - 2  # the <Indemnite> two lines above
        assert value in rejected[where] and f"rubrique {code}" in rejected[where]
    slip = parsed.tables["payslips"].iloc[0]
    assert pd.isna(slip["gross"]) and pd.isna(slip["net"])  # MtBrut NaN, MtNet 1e400: left empty with a warning
    numbers = pd.concat([lines[["base", "rate", "units", "amount"]].stack(),
                         parsed.tables["payslips"][["gross", "net", "net_paid"]].stack()])
    assert list(numbers.dropna()) == [1000.00]  # only the TraitBrut amount: no inf, no NaN stored
    assert balance(parsed)


# --- nomenclatures ---------------------------------------------------------------------------------

def test_nomenclatures_block_becomes_the_nomenclature_table():
    parsed = parse_pes_file(DATA / "nomenclatures.xhl")
    nom = parsed.tables["nomenclature"]
    rows = {(r.list, r.code): r for r in nom.itertuples()}
    assert set(rows) == {("evenement", "TIT"), ("rubrique", "1010"), ("rubrique", "3051"), ("rubrique", "6101"),
                         ("caisse", "URSSAF"), ("nature", "T"), ("NomenclatureMaison", "9999")}
    assert rows["rubrique", "1010"].label == "TRAITEMENT INDICIAIRE" and rows["rubrique", "1010"].caisse == "PAYEUR"
    assert rows["rubrique", "6101"].nature_employer == "M" and rows["rubrique", "1010"].nature_employee == "T"
    # PES nature: from the lines of the file (1010 is a TraitBrut, 6101 a Cotisation), or given (Nature).
    assert rows["rubrique", "1010"].kind == "T" and rows["rubrique", "6101"].kind == "C"
    assert pd.isna(rows["rubrique", "3051"].kind)  # listed, never used in this file
    assert rows["NomenclatureMaison", "9999"].kind == "I" and rows["NomenclatureMaison", "9999"].label == "PRIME MAISON"
    assert set(nom["source_file"]) == {"nomenclatures.xhl"} and set(nom["month"]) == {8}
    assert parsed.warnings == [] and parsed.rejected == []


def test_a_file_with_a_nomenclatures_block_and_no_payslip(tmp_path):
    text = (DATA / "nomenclatures.xhl").read_text(encoding="utf-8")
    start, end = text.index("<PayeIndivMensuel>"), text.index("</DonneesIndiv>")
    path = tmp_path / "sans_bulletin.xhl"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    parsed = parse_pes_file(path)
    assert parsed.records_read == 0 and len(parsed.tables["nomenclature"]) == 7
    assert parsed.tables["nomenclature"].set_index("code").loc["1010", "kind"] is pd.NA  # no line to learn it from


def test_nomenclature_table_is_stored_by_the_workspace(tmp_path):
    ws = Workspace(tmp_path / "ws")
    import_files(ws, payroll=[DATA / "nomenclatures.xhl"])
    stored = ws.read("nomenclature")
    assert len(stored) == 7 and set(stored["list"]) >= {"rubrique", "evenement", "caisse", "nature"}


def test_metro_sample_nomenclature(shared_pes):
    # METRO_201101: the block lists 550 rubrics, 92 events, 35 funds, 31 natures (counted in the file:
    # <Correspondance> elements under each Nomenclature* element).
    path = shared_pes / "metro2011" / "METRO_201101_02_00.xhl"
    text = path.read_bytes().decode("latin-1")
    expected = {}
    for name, key in (("NomenclatureRubriquePaye", "rubrique"), ("NomenclatureEvtPaye", "evenement"),
                      ("NomenclatureCaisse", "caisse"), ("NomenclatureNature", "nature")):
        block = text[text.index(f"<{name}>"):text.index(f"</{name}>")]
        expected[key] = block.count("<Correspondance>")
    counts = parse_pes_file(path).tables["nomenclature"]["list"].value_counts().to_dict()
    assert counts == expected == {"rubrique": 550, "evenement": 92, "caisse": 35, "nature": 31}


# --- personal data ---------------------------------------------------------------------------------

def test_no_bank_detail_nor_nir_reaches_the_stored_tables(tmp_path):
    path = DATA / "banque_et_nir.xhl"
    ws = Workspace(tmp_path / "ws")
    report = import_files(ws, payroll=[path])
    secrets = ["2860375123456", "FR7630004008230001234567894", "BNPAFRPPXXX", "30004", "00823", "00012345678",
               "BNP PARIBAS", "MARTIN SOPHIE", "12 RUE DES LILAS"]
    stored = " ".join(
        ws.read(t).astype(str).to_csv(index=False) for t in ("payslips", "pay_lines", "nomenclature")
    ) + ws.log_path.read_text(encoding="utf-8") + report.render()
    for secret in secrets:
        assert secret not in stored, secret
    assert ws.read("payslips")["service"].isna().all()  # the NIR written in Service is dropped
    log = json.loads(ws.log_path.read_text(encoding="utf-8"))["files"][0]
    service_line = line_of(path, "<PayeIndivMensuel>")  # the payslip holding that Service
    assert any("Service contient un numéro de sécurité sociale (NIR)" in w and f"ligne(s) {service_line}" in w
               for w in log["warnings"])


def test_a_nir_written_with_dots_inside_a_label_is_never_stored(tmp_path):
    source = (DATA / "sans_espace_de_noms.xhl").read_text(encoding="utf-8")
    path = tmp_path / "libelle.xhl"
    path.write_text(source.replace('"TRAITEMENT"', '"TRAITEMENT 1.85.07.99.123.456-78"'), encoding="utf-8")
    parsed = parse_pes_file(path)
    assert parsed.tables["pay_lines"]["label"].isna().all()
    said = " ".join(parsed.warnings)
    assert f"Libelle contient un numéro de sécurité sociale (NIR) sur 1 enregistrement(s) (ligne(s) {line_of(path, '<TraitBrut>')})" in said
    assert "123" not in said and "456" not in said


# --- encodings -------------------------------------------------------------------------------------

ACCENTED = ["TRAITEMENT INDICIAIRE", "SUPPLÉMENT FAMILIAL", "INDEMNITÉ D'EXERCICE – MISSIONS"]


@pytest.mark.parametrize("name, warning", [
    ("encodage_utf16.xhl", None),
    ("encodage_bom_windows1252.xhl", "relu en windows-1252"),
    ("encodage_iso_declare_utf8_reel.xhl", "se déclare en ISO-8859-1 mais son contenu est en UTF-8"),
    # The en dash of the IEMP label is byte 0x96: a control character in ISO-8859-1, '–' in windows-1252.
    ("encodage_iso_declare_windows1252_reel.xhl", "à la ligne 26 des caractères de windows-1252"),
])
def test_encodings_are_detected_and_read_right(name, warning):
    parsed = parse_pes_file(DATA / name)
    assert list(parsed.tables["pay_lines"]["label"]) == ACCENTED
    assert parsed.tables["payslips"]["service"].iloc[0] == "CRÈCHE"
    assert [w for w in parsed.warnings if warning and warning in w] == ([] if warning is None else parsed.warnings)
    assert len(parsed.warnings) == (0 if warning is None else 1)


def test_text_already_garbled_is_reported(tmp_path):
    source = (DATA / "sans_espace_de_noms.xhl").read_text(encoding="utf-8")
    path = tmp_path / "double.xhl"
    path.write_text(source.replace('"TRAITEMENT"', '"TRAITEMENT Ã©TÃ©"'), encoding="utf-8")
    parsed = parse_pes_file(path)
    assert any(f"ligne {line_of(path, 'Ã©')} : texte probablement encodé deux fois" in w for w in parsed.warnings)


def test_unknown_declared_encoding_says_what_to_declare(tmp_path):
    path = tmp_path / "x.xhl"
    path.write_bytes(b'<?xml version="1.0" encoding="EBCDIC-XYZ"?>\n<DocumentPaye/>\n')
    with pytest.raises(ImportError_) as err:
        parse_pes_file(path)
    assert "encodage déclaré inconnu ('EBCDIC-XYZ')" in str(err.value) and 'encoding="UTF-8"' in str(err.value)


# --- XML errors: nothing lost ----------------------------------------------------------------------

def test_unescaped_ampersand_keeps_the_complete_payslips_and_accounts_for_every_other():
    path = DATA / "esperluette_non_echappee.xhl"
    parsed = parse_pes_file(path)
    assert list(parsed.tables["payslips"]["matricule"]) == ["E1", "E2"]
    assert parsed.records_read == 5  # five <PayeIndivMensuel> in the file
    broken, *unread = parsed.rejected
    assert broken.position == line_of(path, "<PayeIndivMensuel>", 3)  # E3, whose Service holds the '&'
    assert f"à la ligne {line_of(path, 'PARCS & JARDINS')}" in broken.reason and "&amp;" in broken.reason
    assert "« & » ou « < » non échappé" in broken.reason and "xmlParse" not in broken.reason  # said in French
    assert [r.position for r in unread] == [line_of(path, "<PayeIndivMensuel>", 4), line_of(path, "<PayeIndivMensuel>", 5)]
    assert all(r.record == "bulletin" and "non lu" in r.reason for r in unread)
    assert balance(parsed)


@pytest.mark.parametrize("folder", ["metro2011", "ville2012"])
def test_junk_after_the_document_keeps_every_payslip(shared_pes, tmp_path, folder):
    source = sorted((shared_pes / folder).glob("*.xhl"))[0]
    raw = source.read_bytes()
    path = tmp_path / "plus_junk.xhl"
    path.write_bytes(raw + b"<x/>\n")
    parsed = parse_pes_file(path)
    n_slips = raw.count(b"<PayeIndivMensuel>")
    assert parsed.records_read == parsed.records_imported == n_slips
    assert [r.record for r in parsed.rejected] == ["fichier"]
    assert parsed.rejected[0].position == raw.count(b"\n") + 1  # the line of "<x/>"


# --- exact lines in a large file -------------------------------------------------------------------

def test_source_lines_are_exact_beyond_65535_lines(tmp_path):
    one = ('<PayeIndivMensuel>\n<Agent>\n<Matricule V="M{i}"/>\n</Agent>\n<Remuneration>\n'
           '<TraitBrut>\n<Libelle V="TRAITEMENT"/>\n<Code V="1010"/>\n<Mt V="100.00"/>\n</TraitBrut>\n'
           '<Indemnite\n>\n<Libelle V="PRIME"/>\n<Code V="3000"/>\n<Mt V="10.00"/>\n</Indemnite>\n'
           '</Remuneration>\n<MtBrut V="110.00"/>\n</PayeIndivMensuel>\n')
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<DocumentPaye xmlns="http://www.minefi.gouv.fr/cp/helios/'
            'pes_v2/paye_1_1">\n<Annee V="2024"/>\n<Mois V="1"/>\n<DonneesIndiv>\n'
            + "".join(one.format(i=i) for i in range(4000)) + "</DonneesIndiv>\n</DocumentPaye>\n")
    path = tmp_path / "grand.xhl"
    path.write_text(text, encoding="utf-8")
    rows = text.split("\n")
    assert len(rows) > 70_000  # 4,000 payslips x 19 lines
    # A plain line count of the file: where each payslip and each pay line starts.
    slip_lines = [i + 1 for i, t in enumerate(rows) if t == "<PayeIndivMensuel>"]
    line_lines = [i + 1 for i, t in enumerate(rows) if t in ("<TraitBrut>", "<Indemnite")]
    parsed = parse_pes_file(path)
    assert list(parsed.tables["payslips"]["source_line"]) == slip_lines
    assert list(parsed.tables["pay_lines"]["source_line"]) == line_lines
    assert slip_lines[-1] > 65_535
