"""PES paye importer: real samples checked against an independent reading, and bad input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from rhaudit.importers.base import ImportError_
from rhaudit.importers.pes import parse_pes_file
from rhaudit.model import LINE_KINDS

NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/paye_1_1"


def independent_counts(path: Path) -> tuple[int, int, float]:
    """Payslips, pay lines and sum of MtBrut read with the standard library, not with lxml."""
    root = ET.parse(path).getroot()
    slips = root.findall("./DonneesIndiv/PayeIndivMensuel")
    lines = sum(1 for s in slips for g in s.findall("./Remuneration/*") if g.tag in LINE_KINDS)
    # MtBrut by regex over the raw text (the Cumul* elements have another name).
    text = path.read_bytes().decode("latin-1")
    gross = sum(float(v) for v in re.findall(r'<MtBrut V = "([^"]*)"', text))
    return len(slips), lines, gross


def all_samples(shared_pes: Path) -> list[Path]:
    return sorted(shared_pes.glob("*/*.xhl"))


def test_every_real_sample_matches_an_independent_reading(shared_pes):
    files = all_samples(shared_pes)
    assert len(files) == 23  # 12 metro2011 months + 11 ville2012 months (April missing)
    for path in files:
        parsed = parse_pes_file(path)
        n_slips, n_lines, gross = independent_counts(path)
        slips, lines = parsed.tables["payslips"], parsed.tables["pay_lines"]
        assert parsed.records_read == n_slips == len(slips), path.name
        assert len(lines) == n_lines, path.name
        assert slips["gross"].sum() == pytest.approx(gross, abs=0.005), path.name
        assert parsed.rejected == [] and parsed.warnings == [], path.name
        # Every line belongs to a payslip of the file.
        keys = ["matricule", "year", "month", "establishment"]
        assert lines[keys].drop_duplicates().merge(slips[keys], how="left", indicator=True)["_merge"].eq("both").all()


def test_sample_totals_per_folder(shared_pes):
    # README of the samples: 9 agents x 12 months in metro2011 = 108 payslips.
    metro = [parse_pes_file(p) for p in sorted((shared_pes / "metro2011").glob("*.xhl"))]
    assert sum(len(p.tables["payslips"]) for p in metro) == 9 * 12
    assert {int(p.tables["payslips"]["month"].iloc[0]) for p in metro} == set(range(1, 13))  # Mois "1".."12"
    ville = [parse_pes_file(p) for p in sorted((shared_pes / "ville2012").glob("*.xhl"))]
    # Mois "01".."12" without April.
    assert sorted(int(p.tables["payslips"]["month"].iloc[0]) for p in ville) == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12]


def test_one_payslip_field_by_field(shared_pes):
    """ville_2012_01.xhl, first payslip (lines 39-539 of the file), values read in the file."""
    parsed = parse_pes_file(shared_pes / "ville2012" / "ville_2012_01.xhl")
    slip = parsed.tables["payslips"].iloc[0]
    assert slip["matricule"] == "300222"
    assert (slip["year"], slip["month"]) == (2012, 1)
    assert slip["establishment"] == "Z"  # Etablissement/Siret (anonymised)
    assert slip["budget"] == "99"
    assert slip["statut"] == "NON_TITULAIRE" and slip["statut_code"] == "BTH1"
    assert slip["emploi"] == "ADJT TECHNIQUE 2 CL" and slip["grade"] == "ADJT TECHNIQUE 2 CL"
    assert slip["echelon"] == "01" and slip["indice"] == 295
    assert slip["quotite"] == 0.5  # QuotiteTrav 50.00 % -> 0.5
    assert slip["nbi_points"] == 0
    assert slip["service"] == "SERVICE PETITE ENFANCE"
    assert slip["children"] == 0
    assert slip["events"] == "E1001 NOMINATION NON-TIT RPT MALADIE du 01-01-2012 au 31-03-2012"
    assert slip["hours_total"] == 100.84 and slip["overtime_hours"] == 25.0
    assert (slip["gross"], slip["net"], slip["net_paid"]) == (924.45, 760.97, 760.97)
    assert slip["period_start"] == pd.Timestamp("2012-01-01") and slip["period_end"] == pd.Timestamp("2012-01-31")
    assert slip["payment_date"] == pd.Timestamp("2012-01-31")
    assert slip["source_file"] == "ville_2012_01.xhl" and slip["source_line"] == 39
    assert "nom" not in parsed.tables["payslips"].columns

    lines = parsed.tables["pay_lines"]
    first = lines[(lines["matricule"] == "300222")].reset_index(drop=True)
    # Lines 86-92: <TraitBrut> TEMPS NON COMPLET, code 0880, Taux 17.50, Mt 0.00, no PeriodeRef.
    l0 = first.iloc[0]
    assert (l0["kind"], l0["code"], l0["label"]) == ("T", "0880", "***  TEMPS NON COMPLET  ***")
    assert l0["rate"] == 17.5 and l0["amount"] == 0 and pd.isna(l0["base"]) and pd.isna(l0["ref_start"])
    assert l0["source_line"] == 86
    # Lines 93-98: TRAITEMENT INDICIAIRE 1010, Mt 682.97.
    assert (first.iloc[1]["code"], first.iloc[1]["amount"]) == ("1010", 682.97)
    # Lines 121-131: <Deduction> 5055 S.S. MALADIE VIEILL. TOT. RG, Base 225.25, Taux 0.85, Mt 1.92,
    # PeriodeRef 2011-12-01..2011-12-31 (back-pay of December), CodeCaisse 011.
    d = first[first["source_line"] == 121].iloc[0]
    assert (d["kind"], d["code"], d["label"]) == ("D", "5055", "S.S. MALADIE VIEILL. TOT. RG")
    assert (d["base"], d["rate"], d["amount"], d["caisse"]) == (225.25, 0.85, 1.92, "011")
    assert d["ref_start"] == pd.Timestamp("2011-12-01") and d["ref_end"] == pd.Timestamp("2011-12-31")


def test_metro_sample_prefix_astre_and_units(shared_pes):
    """METRO_201101: astre: prefix, ISO-8859-1, Mois "1"; lines 85-97 hold PRIME SERVICE."""
    parsed = parse_pes_file(shared_pes / "metro2011" / "METRO_201101_02_00.xhl")
    slip = parsed.tables["payslips"].iloc[0]
    assert slip["matricule"] == "197 P" and slip["budget"] == "02" and slip["gross"] == 2212.1
    assert slip["grade"] == "" and slip["indice"] == 0  # Grade V = "" kept as empty text
    line = parsed.tables["pay_lines"].set_index("source_line").loc[85]
    assert (line["kind"], line["code"], line["label"]) == ("I", "230N", "PRIME SERVICE")
    assert (line["rate"], line["units"], line["amount"], line["caisse"]) == (14.82, 1832.54, 271.58, "PAYEUR")


def test_names_only_with_keep_names_and_never_nir_nor_bank(shared_pes):
    path = shared_pes / "metro2011" / "METRO_201101_02_00.xhl"
    kept = parse_pes_file(path, keep_names=True).tables["payslips"]
    assert list(kept[["nom", "prenom"]].iloc[0]) == ["Z", "Z"]
    for keep in (False, True):
        tables = parse_pes_file(path, keep_names=keep).tables
        text = "\n".join(df.astype("string").to_csv() for df in tables.values())
        assert "25909Z" not in text  # the NIR of the first agent
        assert "15899" not in text and "08922" not in text  # CodeEtab / CodeGuic of the bank details


# --- synthetic documents -----------------------------------------------------------------------

def payslip(matricule="A1", statut="TITULAIRE", lines="", nbi=("0",), gross="100.00", extra_agent=""):
    mat = f'<Matricule V="{matricule}"/>' if matricule is not None else ""
    nbis = "".join(f'<NBI V="{v}"/>' for v in nbi)
    return (
        f'<PayeIndivMensuel>\n<Agent>\n<Nom V="DUPONT"/>\n{mat}\n<NIR  V="1850799Z"/>\n<NbEnfants V="2"/>\n'
        f'<Statut V="{statut}"/>\n{extra_agent}<EmploiMetier V="AGENT"/>\n<Grade V="ADJOINT"/>\n<Echelon V="3"/>\n'
        f'<Indice V="350"/>\n</Agent>\n<Service V="VOIRIE"/>\n{nbis}\n<QuotiteTrav V="80"/>\n'
        f'<Remuneration>\n{lines}</Remuneration>\n<NbHeureSup V="0"/>\n<MtBrut V="{gross}"/>\n'
        f'<MtNet V="80"/>\n<MtNetAPayer V="80"/>\n<DatePaiement V="2025-03-28"/>\n</PayeIndivMensuel>\n'
    )


def line(kind="TraitBrut", code="1010", label="TRAITEMENT", mt="100.00"):
    return f'<{kind}>\n<Libelle V="{label}"/>\n<Code V="{code}"/>\n<Mt V="{mt}"/>\n</{kind}>\n'


def document(*indiv: str, prefix="", encoding="UTF-8", mois="03") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="{NS}"'
    body = "".join(indiv)
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<{p}DocumentPaye {xmlns}>\n<Annee V="2025"/>\n'
        f'<Mois V="{mois}"/>\n<Budget>\n<Code V="00"/>\n</Budget>\n<Employeur>\n<Nom V="COMMUNE"/>\n'
        f'<Siret V="21000000000000"/>\n</Employeur>\n{body}</{p}DocumentPaye>\n'
    )


def donnees(*slips: str, siret=None, nom=None) -> str:
    etab = ""
    if siret or nom:
        etab = "<Etablissement>\n" + (f'<Nom V="{nom}"/>\n' if nom else "") + (f'<Siret V="{siret}"/>\n' if siret else "") + "</Etablissement>\n"
    return f"<DonneesIndiv>\n{etab}{''.join(slips)}</DonneesIndiv>\n"


def write(tmp_path: Path, text: str, encoding="utf-8", name="paie.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_no_prefix_utf8_several_donnees_indiv_and_repeated_nbi(tmp_path):
    text = document(
        donnees(payslip("A1", nbi=("10", "5.5"), lines=line() + line("Rappel", "1011", "RAPPEL TRAITEMENT", "12.50")),
                siret="11111111100011"),
        donnees(payslip("A1", lines=line()), nom="CCAS"),  # no Siret: the establishment's Nom
        donnees(payslip("B2", lines=line())),  # no Etablissement: the employer's Siret
        encoding="UTF-8",
    )
    parsed = parse_pes_file(write(tmp_path, text))
    slips = parsed.tables["payslips"]
    assert list(slips["establishment"]) == ["11111111100011", "CCAS", "21000000000000"]
    assert slips["nbi_points"].iloc[0] == 15.5  # 10 + 5.5
    assert slips["quotite"].iloc[0] == 0.8  # 80 %
    assert (slips["month"] == 3).all()  # Mois "03"
    lines = parsed.tables["pay_lines"]
    assert list(lines["kind"]) == ["T", "R", "T", "T"]
    assert list(lines["establishment"]) == ["11111111100011", "11111111100011", "CCAS", "21000000000000"]


def test_windows_1252_declared(tmp_path):
    text = document(donnees(payslip(lines=line(label="PRIME ÉTÉ"))), encoding="windows-1252", prefix="n")
    parsed = parse_pes_file(write(tmp_path, text, encoding="cp1252"))
    assert parsed.tables["pay_lines"]["label"].iloc[0] == "PRIME ÉTÉ"
    assert parsed.warnings == []


def test_declared_utf8_but_windows_1252_bytes_is_reread_with_a_warning(tmp_path):
    text = document(donnees(payslip(lines=line(label="INDEMNITÉ"))), encoding="UTF-8")
    path = write(tmp_path, text, encoding="cp1252")
    parsed = parse_pes_file(path)
    assert parsed.tables["pay_lines"]["label"].iloc[0] == "INDEMNITÉ"
    bad_line = 1 + text[: text.index("INDEMNIT")].count("\n")
    assert len(parsed.warnings) == 1
    assert f"ligne {bad_line}" in parsed.warnings[0] and "windows-1252" in parsed.warnings[0]


def test_truncated_file_keeps_complete_payslips_and_rejects_the_rest(shared_pes, tmp_path):
    raw = (shared_pes / "ville2012" / "ville_2012_01.xhl").read_bytes()
    starts = [m.start() for m in re.finditer(rb"<PayeIndivMensuel>", raw)]
    cut = starts[4] + 200  # inside the 5th payslip
    path = tmp_path / "tronque.xhl"
    path.write_bytes(raw[:cut])
    parsed = parse_pes_file(path)
    fifth_line = raw[: starts[4]].count(b"\n") + 1
    assert len(parsed.tables["payslips"]) == 4
    assert parsed.records_read == 5  # 4 imported + 1 rejected
    assert len(parsed.rejected) == 1
    rej = parsed.rejected[0]
    assert rej.record == "bulletin" and rej.position == fifth_line and "tronqué" in rej.reason
    assert parsed.records_read == parsed.records_imported + sum(r.record == "bulletin" for r in parsed.rejected)
    # The lines kept are those of the 4 complete payslips only.
    assert parsed.tables["pay_lines"]["matricule"].isin(parsed.tables["payslips"]["matricule"]).all()


def test_payslip_without_matricule_is_rejected_with_its_position(tmp_path):
    text = document(donnees(payslip("A1"), payslip(None), payslip("C3")))
    parsed = parse_pes_file(write(tmp_path, text))
    assert list(parsed.tables["payslips"]["matricule"]) == ["A1", "C3"]
    second = [i + 1 for i, t in enumerate(text.splitlines()) if t == "<PayeIndivMensuel>"][1]
    assert [(r.record, r.position) for r in parsed.rejected] == [("bulletin", second)]
    assert "matricule" in parsed.rejected[0].reason
    assert parsed.records_read == 3 == parsed.records_imported + 1


def test_unknown_statut_kept_with_a_warning(tmp_path):
    parsed = parse_pes_file(write(tmp_path, document(donnees(payslip("A1", statut="VACATAIRE")))))
    assert parsed.tables["payslips"]["statut"].iloc[0] == "VACATAIRE"
    assert len(parsed.warnings) == 1
    assert "A1" in parsed.warnings[0] and "03/2025" in parsed.warnings[0] and "VACATAIRE" in parsed.warnings[0]


def test_non_numeric_amount_rejects_the_line_only(tmp_path):
    lines = line() + line("Indemnite", "2000", "IFSE", "12,5O")  # letter O instead of zero
    text = document(donnees(payslip("A1", lines=lines)))
    parsed = parse_pes_file(write(tmp_path, text))
    assert len(parsed.tables["payslips"]) == 1
    kept = parsed.tables["pay_lines"]
    assert list(kept["code"]) == ["1010"]
    bad_line = [i + 1 for i, t in enumerate(text.splitlines()) if t == "<Indemnite>"][0]
    assert len(parsed.rejected) == 1
    rej = parsed.rejected[0]
    assert (rej.record, rej.position, rej.matricule) == ("ligne de paie", bad_line, "A1")
    assert "12,5O" in rej.reason and "2000" in rej.reason
    assert parsed.records_read == parsed.records_imported == 1  # no payslip rejected


def test_decimal_comma_is_read(tmp_path):
    parsed = parse_pes_file(write(tmp_path, document(donnees(payslip("A1", lines=line(mt="1 234,56"))))))
    assert parsed.tables["pay_lines"]["amount"].iloc[0] == 1234.56


@pytest.mark.parametrize("content, expected", [
    (b"", "fichier vide"),
    (b"   \n", "fichier vide"),
    (b"matricule;montant\n1;2\n", "pas un document XML"),
    (b'<?xml version="1.0"?><Facture><Ligne V="1"/></Facture>', "pas un flux PES paye"),
    (b'<?xml version="1.0"?><DocumentPaye xmlns="urn:autre"><Annee V="2025"/></DocumentPaye>', "pas un flux PES paye"),
])
def test_files_that_are_not_pes_fail_as_a_whole(tmp_path, content, expected):
    path = tmp_path / "mauvais.xml"
    path.write_bytes(content)
    with pytest.raises(ImportError_) as exc:
        parse_pes_file(path)
    assert str(path) in str(exc.value) and expected in str(exc.value)


def test_unreadable_date_is_left_empty_with_a_warning(tmp_path):
    text = document(donnees(payslip("A1"), payslip("B2"))).replace(
        '<DatePaiement V="2025-03-28"/>', '<DatePaiement V="28/03/2025"/>', 1)
    parsed = parse_pes_file(write(tmp_path, text))
    dates = parsed.tables["payslips"]["payment_date"]
    assert pd.isna(dates.iloc[0]) and dates.iloc[1] == pd.Timestamp("2025-03-28")
    bad_line = 1 + text[: text.index("28/03/2025")].count("\n")
    assert parsed.warnings == [f"paie.xml : 1 date(s) DatePaiement illisible(s) ou impossible(s) (format attendu "
                               f"AAAA-MM-JJ), laissée(s) vide(s) (élément DatePaiement de la ligne {bad_line} : '28/03/2025')."]


def test_invalid_month_fails_the_file_with_its_line(tmp_path):
    text = document(donnees(payslip("A1")), mois="13")
    with pytest.raises(ImportError_) as exc:
        parse_pes_file(write(tmp_path, text))
    mois_line = 1 + text[: text.index("<Mois")].count("\n")
    assert f"ligne {mois_line} : Mois invalide ('13')" in str(exc.value)


def test_a_nir_in_the_matricule_element_stops_the_import_without_showing_it(tmp_path):
    # "1 85 07 99 123 456 78" (sex 1, born 07/1985, department 99, key 78) given as Matricule of the
    # second payslip: the whole file is refused, the message names its line, never the number.
    text = document(donnees(payslip("A1", lines=line()), payslip("1 85 07 99 123 456 78", lines=line())))
    path = write(tmp_path, text)
    second_slip_line = text.splitlines().index("<PayeIndivMensuel>", text.splitlines().index("<PayeIndivMensuel>") + 1) + 1
    with pytest.raises(ImportError_) as err:
        parse_pes_file(path)
    message = str(err.value)
    assert f"{path}, ligne {second_slip_line} : l'élément Agent/Matricule contient un numéro de sécurité sociale" in message
    shown = message.replace(str(path), "")  # the temporary path may hold any digits
    assert "123" not in shown and "456" not in shown and "Rien n'a été importé" in message


def test_lines_beyond_65535_are_exact(tmp_path):
    # libxml2's own line of an element is off by one past line 65,535 (it takes that of the next
    # text node): 70,000 blank lines before the second payslip show that _Source's lines are used.
    text = document(donnees(payslip("A1", lines=line()) + "\n" * 70_000 + payslip("B2", lines=line(label="SECOND"))))
    parsed = parse_pes_file(write(tmp_path, text))
    lines = text.split("\n")
    slips = [i + 1 for i, t in enumerate(lines) if t == "<PayeIndivMensuel>"]
    pay = [i + 1 for i, t in enumerate(lines) if t == "<TraitBrut>"]
    assert slips[1] > 70_000
    assert list(parsed.tables["payslips"]["source_line"]) == slips
    assert list(parsed.tables["pay_lines"]["source_line"]) == pay
