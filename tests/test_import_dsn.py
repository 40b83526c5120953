"""DSN importer: hand-made files of tests/data/dsn/ written from the norm (docs/dsn.md).

Expected values are read off the files by hand; the arithmetic is in the comments.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from rhaudit.importers import ImportFailed, import_files
from rhaudit.importers.dsn import dsn_codes, is_dsn_file, parse_dsn_file
from rhaudit.workspace import Workspace

DATA = Path(__file__).parent / "data" / "dsn"
SIRET_11 = "000000000" + "00011"  # SIREN S21.G00.06.001 + NIC S21.G00.11.001


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.strptime(day, "%d/%m/%Y"))


def by_matricule(df: pd.DataFrame) -> dict:
    return {r["matricule"]: r for r in df.to_dict("records")}


def test_basic_payslips_contracts_and_lines():
    parsed = parse_dsn_file(DATA / "basic.txt")  # a .txt: a DSN is recognised by its content
    slips = by_matricule(parsed.tables["payslips"])
    assert sorted(slips) == ["M0001", "M0002", "M0003"]
    a, b, c = slips["M0001"], slips["M0002"], slips["M0003"]
    # Gross = S21.G00.51.013 of the type-001 line; net = S21.G00.50.002; net paid = .004.
    assert (a["gross"], a["net"], a["net_paid"]) == (2391.41, 1981.10, 1913.00)
    assert (b["gross"], b["net"], b["net_paid"]) == (1348.97, 1105.20, 1062.35)
    assert (c["gross"], c["net"], c["net_paid"]) == (1808.30, 1520.40, 1462.80)
    assert {s["establishment"] for s in slips.values()} == {SIRET_11}
    assert (a["year"], a["month"], a["payment_date"]) == (2024, 3, ts("28/03/2024"))
    # Contract: statut d'emploi 01 -> TITULAIRE, 02 -> NON_TITULAIRE; IM .058, NBI .059.
    assert (a["statut"], a["indice"], a["nbi_points"], a["quotite"]) == ("TITULAIRE", 420, 15.0, 1.0)
    # Time worked 121.34 / 151.67 = 0.80003 -> 0.8, part time (.055 = 80.00) on a full-time post:
    # paid 6/7 = 0.857142... -> 0.8571, the model's pay fraction (ordonnance 82-296, art. 3)
    assert (b["statut"], b["indice"], b["quotite"]) == ("NON_TITULAIRE", 367, 0.8571)
    assert pd.isna(b["temps_non_complet"])  # no .053 declared: left to the usual inference
    assert c["statut"] == "TITULAIRE" and pd.isna(c["quotite"])  # no .012/.013 declared
    # Latin-1 line with a quote inside the value: the value runs to the last quote.
    assert a["emploi"] == "Agent d'accueil polyvalent, régie"
    assert set(parsed.tables["payslips"]["source_kind"]) == {"dsn"}

    lines = parsed.tables["pay_lines"]
    mine = lines[lines["matricule"] == "M0001"]
    assert list(zip(mine["code"], mine["kind"], mine["amount"])) == [
        ("DSN51.001", "CO", 2391.41), ("DSN51.010", "T", 2067.57), ("DSN52.050", "I", 250.00),
        ("DSN81.300", "D", 229.50), ("DSN81.304", "D", 8.20),
        # No NBI amount rubrique in a DSN: gross 2391.41 - (2067.57 + 250.00) = 73.84, the
        # assiette of the CNRACL NBI contribution (304) = 15 points x 4.92278 EUR.
        ("DSN.NBI", "T", 73.84),
    ]
    assert mine.iloc[3]["base"] == 2067.57  # assiette S21.G00.81.003
    # The salaire de base (010) is the full base: the deductions are not itemised, the gap is a line.
    gaps = lines[lines["code"] == "DSN.RETENUE"]
    assert list(zip(gaps["matricule"], gaps["kind"], gaps["amount"])) == [
        ("M0002", "T", -96.36),  # 1348.97 - 1445.33: 2 days of unpaid leave = 1445.33 x 2/30
        ("M0003", "T", -62.36),  # 1808.30 - 1870.66: 1 carence day = 1870.66 / 30
    ]
    # 5 + 2 + 2 lines of .51/.52/.81 in the file, the NBI of M0001, the two deductions.
    assert len(lines) == 12
    assert (parsed.records_read, parsed.records_imported, parsed.rejected) == (3, 3, [])


def test_basic_absences_from_stops_and_suspensions():
    absences = parse_dsn_file(DATA / "basic.txt").tables["absences"].sort_values(["matricule", "start"])
    rows = list(zip(absences["matricule"], absences["type"], absences["start"], absences["end"], absences["days"]))
    assert rows == [
        # Suspension 501 from 11/03 to 12/03/2024 (Monday, Tuesday): 2 working days.
        ("M0002", "autre", ts("11/03/2024"), ts("12/03/2024"), 2.0),
        # Maladie: last day worked 04/03, back on 11/03 -> 05/03 to 10/03, 6 calendar days.
        ("M0003", "cmo", ts("05/03/2024"), ts("10/03/2024"), 6.0),
        # CLM: last day worked 15/03, expected end 15/09 -> 16/03 to 15/09:
        # 16 (March) + 30 + 31 + 30 + 31 + 31 + 15 (September) = 184 calendar days.
        ("M0003", "clm", ts("16/03/2024"), ts("15/09/2024"), 184.0),
    ]


def test_several_declarations_in_one_utf8_file():
    parsed = parse_dsn_file(DATA / "multi_declarations.dsn")
    slips = parsed.tables["payslips"]
    # Declaration 1: NIC 00011 (A1 2000); declaration 2: NIC 00022 (A2 1500, A1 300).
    assert list(zip(slips["matricule"], slips["establishment"], slips["gross"])) == [
        ("A1", "000000000" + "00011", 2000.0), ("A2", "000000000" + "00022", 1500.0),
        ("A1", "000000000" + "00022", 300.0),
    ]
    assert slips.iloc[1]["emploi"] == "Éducatrice"  # UTF-8 line read as UTF-8
    assert [(d["establishment"][-5:], d["first_line"], d["last_line"]) for d in parsed.declarations] == [
        ("00011", 2, 24), ("00022", 25, 66)]
    assert not any("S90" in w for w in parsed.warnings)  # 66 lines announced, 66 read


def test_bad_records_rejected_with_line_and_reason_and_totals_reconcile():
    parsed = parse_dsn_file(DATA / "rejets.dsn")
    assert list(parsed.tables["payslips"]["matricule"]) == ["G1"]
    got = [(r.position, r.record, r.matricule) for r in parsed.rejected]
    assert got == [
        (25, "ligne DSN", None),  # "this line is not DSN"
        (29, "arrêt", "B1"),  # motive 77 unknown
        (31, "arrêt", "B1"),  # last day worked '0104'
        (35, "ligne de paie", "B1"),  # amount '1000,00'
        (26, "bulletin", "B1"),  # no type-001 gross
        (37, "bulletin", "B2"),  # no type-001 gross
        (42, "bulletin", None),  # the matricule is a NIR: neither kept nor printed
    ]
    assert "1000,00" in parsed.rejected[3].reason
    # lus = importés + rejetés: 4 individuals with a versement = 1 payslip + 3 rejected payslips.
    assert parsed.records_read == 4 == parsed.records_imported + sum(r.record == "bulletin" for r in parsed.rejected)


def test_nir_never_stored_nor_printed(tmp_path):
    nirs = ("1999999999999", "2999999999999", "185079912345678")
    ws = Workspace(tmp_path / "w")
    files = [DATA / "basic.txt", DATA / "rejets.dsn"]
    report = import_files(ws, payroll=files, keep_names=True)
    text = report.render()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "w").rglob("*") if p.is_file())
    for nir in nirs:
        assert nir not in text
        assert nir.encode() not in stored
        for table in ("payslips", "pay_lines", "absences"):
            assert not ws.read(table).astype("string").apply(lambda col: col.str.contains(nir, regex=False)).any().any()


def test_import_through_orchestration_report_and_source_kind(tmp_path):
    ws = Workspace(tmp_path / "w")
    report = import_files(ws, payroll=[DATA / "basic.txt"])
    text = report.render()
    assert "basic.txt (DSN)" in text
    assert "3 bulletins, 12 lignes de paie" in text and "3 absences" in text
    assert "diffère de la somme des lignes" not in text  # lines and gross reconcile (QUAL-001 silent)
    assert "lus = importés + rejetés : 3 = 3 + 0 bulletins" in text
    assert "hypothèses de lecture DSN" in text
    slips = ws.read("payslips")
    assert set(slips["source_kind"]) == {"dsn"}
    lines = ws.read("pay_lines").set_index("code")
    # configs/rubriques/dsn.yaml classifies DSN codes like any payroll code.
    assert lines.loc["DSN52.050", "category"] == "ifse"
    assert lines.loc["DSN81.300", "category"] == "cot_sal_cnracl"
    assert lines.loc["DSN.NBI", "category"] == "nbi"
    assert set(lines.loc["DSN.RETENUE", "category"]) == {"traitement"}
    assert set(lines.loc["DSN51.010", "category"]) == {"traitement"}


def test_folder_import_recognises_dsn_by_content(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "basic.txt", folder / "mars.decl")
    (folder / "notes.decl").write_text("pas une DSN\n", encoding="utf-8")
    report = import_files(Workspace(tmp_path / "w"), payroll=[folder])
    assert [Path(e.path).name for e in report.imported] == ["mars.decl"]
    assert [Path(p).name for p, _ in report.skipped] == ["notes.decl"]
    assert not is_dsn_file(folder / "notes.decl")
    with pytest.raises(ImportFailed, match="extension .decl non reconnue"):
        import_files(Workspace(tmp_path / "w2"), payroll=[folder / "notes.decl"])


@pytest.mark.parametrize("order", ["together", "one_by_one", "replacement_first"])
def test_annule_et_remplace_replaces_the_stored_month(tmp_path, order):
    ws = Workspace(tmp_path / "w")
    first, replacement = DATA / "janvier.dsn", DATA / "janvier_annule_remplace.dsn"
    if order == "together":
        report = import_files(ws, payroll=[first, replacement])
        warnings = report.warnings
    elif order == "replacement_first":  # the original imported late does not come back
        import_files(ws, payroll=[replacement])
        warnings = import_files(ws, payroll=[first]).warnings
    else:
        import_files(ws, payroll=[first])
        assert sorted(ws.read("payslips")["matricule"]) == ["A1", "A2"]
        warnings = import_files(ws, payroll=[replacement]).warnings
    # The replacement declares only A1 (2100): January of establishment ...00011 is now that one.
    slips = ws.read("payslips")
    assert list(zip(slips["matricule"], slips["gross"])) == [("A1", 2100.0)]
    assert set(ws.read("pay_lines")["source_file"]) == {str(replacement)}
    assert not any("en double" in w for w in warnings)


@pytest.mark.parametrize("together", [True, False])
def test_ongoing_stop_over_several_months_is_one_absence(tmp_path, together):
    ws = Workspace(tmp_path / "w")
    files = [DATA / "arret_janvier.dsn", DATA / "arret_fevrier.dsn", DATA / "arret_mars.dsn"]
    if together:
        import_files(ws, payroll=files)
    else:
        for f in files:
            import_files(ws, payroll=[f])
    absences = ws.read("absences")
    # CLM, last day worked 19/01 -> from 20/01; back on 12/03 (March DSN) -> to 11/03:
    # 12 (January 20-31) + 29 (February 2024) + 11 (March) = 52 calendar days.
    assert list(zip(absences["type"], absences["start"], absences["end"], absences["days"])) == [
        ("clm", ts("20/01/2024"), ts("11/03/2024"), 52.0)]
    assert len(ws.read("payslips")) == 3


def test_ongoing_stop_in_one_file_keeps_the_expected_end():
    # January alone: no resumption yet, expected end 30/04 -> 20/01 to 30/04:
    # 12 + 29 + 31 + 30 = 102 calendar days.
    absences = parse_dsn_file(DATA / "arret_janvier.dsn").tables["absences"]
    assert list(zip(absences["start"], absences["end"], absences["days"])) == [(ts("20/01/2024"), ts("30/04/2024"), 102.0)]


def test_code_tables_agree():
    """Every DSN pay code has a PES kind (configs/dsn/codes.yaml) and a category (configs/rubriques/dsn.yaml)."""
    from rhaudit.classify import default_classifier

    codes = dsn_codes()
    block = {"remunerations": "51", "primes": "52", "autres_revenus": "54", "cotisations": "81"}
    known = default_classifier().by_code
    missing = [f"DSN{block[s]}.{c}" for s, table in codes.lines.items() for c in table if f"DSN{block[s]}.{c}" not in known]
    assert missing == []
    assert codes.stops["13"]["type"] == "clm" and codes.stops["12"]["type"] == "cld"
    assert codes.suspensions["657"]["type"] == "greve"


def test_demo_as_dsn_gives_the_same_payslips_gross_and_absences(demo_120, tmp_path):
    """The demo commune written as DSN and imported gives the payslips, gross and (sickness,
    maternity, strike) absences of its PES and absences files."""
    from rhaudit.demo.dsn_writer import STOP_MOTIVES, SUSPENSION_MOTIVES, write_dsn

    files, pes_ws = demo_120
    dsn_files = write_dsn(files.commune, tmp_path / "dsn")
    assert len(dsn_files) == 12
    ws = Workspace(tmp_path / "w")
    report = import_files(ws, payroll=dsn_files)
    assert [e.rejected for e in report.imported] == [[]] * 12
    key = ["matricule", "year", "month", "establishment"]
    pes = pes_ws.read("payslips")
    dsn = ws.read("payslips")
    # The QUAL-002 plant writes one payslip twice in PES; a DSN has one individual per month.
    planted_twice = pes[pes.duplicated(key, keep=False)]
    assert len(planted_twice) == 2
    pes_once = pes.drop_duplicates(key)
    both = pes_once[key + ["gross"]].merge(dsn[key + ["gross"]], on=key, how="outer", suffixes=("_pes", "_dsn"),
                                           indicator=True)
    assert set(both["_merge"]) == {"both"} and len(dsn) == len(pes_once)
    assert (both["gross_pes"] - both["gross_dsn"]).abs().max() < 0.005
    # The contract gives the same payslip attributes as the PES Agent element.
    attrs = pes_once.merge(dsn, on=key, suffixes=("_pes", "_dsn"))
    for col in ("statut", "emploi", "grade"):  # elected officials: no grade (PES "", DSN absent)
        assert attrs[f"{col}_pes"].fillna("").equals(attrs[f"{col}_dsn"].fillna("").rename(f"{col}_pes")), col
    assert attrs["indice_pes"].equals(attrs["indice_dsn"].rename("indice_pes"))
    assert attrs["nbi_points_pes"].fillna(0).equals(attrs["nbi_points_dsn"].fillna(0).rename("nbi_points_pes"))
    # Quotité: .013 is written to the cent (151.67 x quotité), so it comes back within 0.0001.
    assert (attrs["quotite_pes"] - attrs["quotite_dsn"]).abs().max() <= 0.0001
    # Absences of the types a DSN carries, from the CSV (PES side) and from the stops (DSN side).
    types = set(STOP_MOTIVES) | set(SUSPENSION_MOTIVES)
    cols = ["matricule", "type", "start", "end", "days"]
    csv_abs = pes_ws.read("absences")
    expected = csv_abs[csv_abs["type"].isin(types)][cols].sort_values(cols).reset_index(drop=True)
    got = ws.read("absences")[cols].sort_values(cols).reset_index(drop=True)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # Stops over several months are declared every month and imported once.
    long_ones = expected[expected["start"].dt.month != expected["end"].dt.month]
    assert len(long_ones) > 0


def test_pes_and_dsn_of_the_same_months_in_one_workspace(demo_120, tmp_path):
    """Importing the DSN beside the PES: no duplicate warning, the rules read the PES payslips
    once (same QUAL findings as PES alone), QUAL-010 silent since the gross agree."""
    from rhaudit.check import build_context, run_check
    from rhaudit.demo.dsn_writer import write_dsn

    files, pes_ws = demo_120
    ws = Workspace(tmp_path / "w")
    shutil.copytree(pes_ws.root, ws.root)
    report = import_files(ws, payroll=write_dsn(files.commune, tmp_path / "dsn"))
    # Only the PES payslip planted twice (QUAL-002) is a duplicate, not the PES/DSN pairs.
    assert [w for w in report.warnings if "en double" in w and ".dsn" in w] == []
    ctx = build_context(ws)
    assert len(ctx.payslips) == len(pes_ws.read("payslips"))
    assert set(ctx.payslips["source_kind"]) == {"pes"}
    alone = {(f.rule, f.matricule, f.month) for f in run_check(pes_ws, rule_patterns="QUAL-*")}
    together = run_check(ws, rule_patterns="QUAL-*")
    assert {(f.rule, f.matricule, f.month) for f in together if f.rule != "QUAL-010"} == alone
    # QUAL-010 only for the payslip planted twice in PES: PES gross = 2 × its gross, DSN once,
    # so the gap is the gross of one copy.
    pes = pes_ws.read("payslips")
    twice = pes[pes.duplicated(["matricule", "year", "month"], keep=False)]
    expected = [("QUAL-010", twice.iloc[0]["matricule"], int(twice.iloc[0]["month"]), round(float(twice.iloc[0]["gross"]), 2))]
    assert [(f.rule, f.matricule, f.month, f.amount) for f in together if f.rule == "QUAL-010"] == expected


def test_cli_demo_writes_dsn(tmp_path):
    from click.testing import CliRunner

    from rhaudit.cli import main

    result = CliRunner().invoke(main, ["demo", "--agents", "12", "--no-check", "--format", "dsn", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "d" / "dsn").iterdir())
    assert written == [f"demo_2025_{m:02d}.dsn" for m in range(1, 13)]
    assert all(is_dsn_file(tmp_path / "d" / "dsn" / name) for name in written)


def _log(*entries):
    return [{"kind": "dsn", "path": path, "declarations": decls} for path, decls in entries]


def _decl(type_, nature="01", first=1, last=100, month=1):
    return {"establishment": SIRET_11, "year": 2024, "month": month, "type": type_, "nature": nature,
            "first_line": first, "last_line": last}


def test_cancel_and_event_reports_when_the_workspace_is_read():
    from rhaudit.dsn_versions import current_rows

    slips = pd.DataFrame({"matricule": ["A1", "A1", "A1", "A1"], "source_file": ["a.dsn", "b.dsn", "c.dsn", "d.dsn"],
                          "source_line": [10, 10, 10, 10]})
    # a: January; b: an arrêt report (nature 05) for January; c: "annule" (04) of January;
    # d: February. c removes a (and has no content); b is an event report, never replaced.
    log = _log(("a.dsn", [_decl("01")]), ("b.dsn", [_decl("01", nature="05")]), ("c.dsn", [_decl("04")]),
               ("d.dsn", [_decl("01", month=2)]))
    assert list(current_rows(slips, "payslips", log)["source_file"]) == ["b.dsn", "d.dsn"]
    # Without DSN in the log, the table is left as it is.
    assert current_rows(slips, "payslips", []).equals(slips)


def test_dsn_without_declaration_is_a_clear_error(tmp_path):
    path = tmp_path / "vide.dsn"
    path.write_bytes(b"S10.G00.00.006,'P24V01'\r\nS90.G00.90.001,'2'\r\n")
    with pytest.raises(ImportFailed, match=r"vide\.dsn : aucune déclaration \(bloc S20\.G00\.05\)"):
        import_files(Workspace(tmp_path / "w"), payroll=[path])
    assert not (tmp_path / "w" / "import_log.json").exists()


def test_contract_start_and_end_of_a_temps_non_complet_cdd():
    parsed = parse_dsn_file(DATA / "fin_contrat.dsn")
    slip = parsed.tables["payslips"].iloc[0]
    # CDD de droit public (nature 10, statut d'emploi 02) on a 17.5 h post: 75.84 / 151.67 = 0.50003 -> 0.5
    assert (slip["statut"], slip["quotite"], slip["indice"], slip["gross"]) == ("NON_TITULAIRE", 0.5, 366, 801.18)
    # .053 = 02: a temps non complet post (75.84 / 151.67 = 0.5 worked and paid), declared by the DSN
    assert slip["temps_non_complet"] == True  # noqa: E712 (pandas boolean)
    assert slip["events"] == ("FIN 031 : fin de contrat le 28/06/2024 (fin de contrat à durée déterminée) | "
                              "DEBUT 10 : contrat commencé le 03/06/2024")
    lines = parsed.tables["pay_lines"]
    # IRCANTEC salariale (060, à vérifier in configs/dsn/codes.yaml): kind D, base 801.18
    assert list(zip(lines["code"], lines["kind"], lines["amount"])) == [
        ("DSN51.001", "CO", 801.18), ("DSN51.010", "T", 801.18), ("DSN52.020", "I", 0.0), ("DSN81.060", "D", 22.43)]
    assert not any("S90" in w for w in parsed.warnings)  # 38 lines announced and read


def test_suspension_days_follow_the_territory_calendar(tmp_path):
    # basic.txt with its suspension 501 moved to Mon 25 – Fri 29 March 2024: 5 weekdays; Good
    # Friday 29 March 2024 is a public holiday in Alsace-Moselle only -> 5 in métropole, 4 there.
    raw = (DATA / "basic.txt").read_bytes()  # Latin-1, CRLF: edited as bytes
    moved = tmp_path / "basic.txt"
    moved.write_bytes(raw.replace(b"S21.G00.65.002,'11032024'", b"S21.G00.65.002,'25032024'")
                      .replace(b"S21.G00.65.003,'12032024'", b"S21.G00.65.003,'29032024'"))

    def suspension_days(**territory):
        absences = parse_dsn_file(moved, **territory).tables["absences"]
        return absences.loc[absences["matricule"] == "M0002", "days"].tolist()

    assert suspension_days() == [5.0]
    assert suspension_days(territory="alsace-moselle") == [4.0]
    # Through the import, the territory of the délibérations given with it.
    delib = tmp_path / "deliberations.yaml"
    delib.write_text("name: Commune de Moselle\nterritory: alsace-moselle\n", encoding="utf-8")
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=[moved], deliberations=delib)
    stored = ws.read("absences")
    assert stored.loc[stored["matricule"] == "M0002", "days"].tolist() == [4.0]
