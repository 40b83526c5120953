"""Leave balances through the soldes profile: every line imported or rejected, NIR never stored,
a later file replacing the balances it covers."""

from pathlib import Path

import pandas as pd

from rhaudit.importers import import_files
from rhaudit.importers.soldes import parse_balances
from rhaudit.workspace import Workspace

DATA = Path(__file__).resolve().parent / "data" / "soldes"
NIR_DIGITS = "185012345678901"  # the NIR typed in the « Droits » column of line 8 of soldes_2024.csv


def test_every_line_is_imported_or_rejected_with_its_reason():
    parsed = parse_balances(DATA / "soldes_2024.csv")
    df = parsed.tables["leave_balances"]
    # 7 data lines: A01 (line 2), A02 (3), A03 (4) kept; A04 unknown type (5), A05 « abc » days (6),
    # A01 again (7, duplicate of line 2), NIR in a day column (8) rejected: 7 = 3 + 4.
    assert (parsed.kind, parsed.records_read, len(df), len(parsed.rejected)) == ("soldes", 7, 3, 4)
    assert [r.position for r in parsed.rejected] == [5, 6, 7, 8]
    reasons = [r.reason for r in parsed.rejected]
    assert "Type de solde inconnu(e) : « Congés bonifiés »" in reasons[0]
    assert "« abc »" in reasons[1]
    assert "déjà lu ligne 2" in reasons[2]
    assert "numéro de sécurité sociale" in reasons[3] and NIR_DIGITS not in reasons[3].replace(" ", "")
    a01 = df[df.matricule == "A01"].iloc[0]
    assert (a01.year, a01.type, a01.days_entitled, a01.days_taken, a01.days_carried_over, a01.balance_days) == \
        (2024, "conge_annuel", 25.0, 15.0, 10.0, 10.0)
    assert df.set_index("matricule")["type"].to_dict() == {"A01": "conge_annuel", "A02": "conge_annuel", "A03": "cet"}


def test_import_reconciles_stores_no_nir_and_a_later_file_replaces_the_balances_it_covers(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_files(ws, balances=[DATA / "soldes_2024.csv"])
    entry = report.imported[0]
    assert (entry.kind, entry.records_read, entry.records_imported, len(entry.rejected)) == ("soldes", 7, 3, 4)
    assert "lus = importés + rejetés : 7 = 3 + 4 soldes" in report.render()
    for f in (tmp_path / "ws").rglob("*"):
        if f.is_file():
            text = f.read_bytes().decode("utf-8", "replace").replace(" ", "")
            assert NIR_DIGITS not in text, f

    again = import_files(ws, balances=[DATA / "soldes_2024_corrige.csv"])
    assert "2 solde(s) déjà présent(s)" in again.render()
    stored = ws.read("leave_balances").set_index(["matricule", "type"])
    # A01 congés 2024: 10 reported days replaced by 5; A03 CET 66 replaced by 60; A02 untouched.
    assert len(stored) == 3
    assert stored.loc[("A01", "conge_annuel"), "days_carried_over"] == 5.0
    assert stored.loc[("A03", "cet"), "balance_days"] == 60.0
    assert stored.loc[("A02", "conge_annuel"), "source_file"] == "soldes_2024.csv"


def test_cli_balances_option(tmp_path):
    from click.testing import CliRunner

    from rhaudit.cli import main

    res = CliRunner().invoke(main, ["import", "--balances", str(DATA / "soldes_2024_corrige.csv"),
                                    "--workspace", str(tmp_path / "ws")])
    assert res.exit_code == 0, res.output
    assert "2 soldes de congés" in res.output
    stored = Workspace(tmp_path / "ws").read("leave_balances")
    assert isinstance(stored, pd.DataFrame) and len(stored) == 2


def test_a_balance_profile_without_balances_is_said_to_have_no_effect(tmp_path):
    report = import_files(Workspace(tmp_path / "ws"), agents=[Path(__file__).resolve().parents[1] / "payroll_import" /
                                                          "samples" / "agents_exemple.csv"],
                          balance_profile="soldes_generique")
    assert any(w.startswith("--balance-profile soldes_generique sans effet : aucun fichier --balances") for w in report.warnings)


def test_xlsx_balances_are_read_like_csv(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Matricule", "Année", "Type", "Droits", "Pris", "Report", "Solde"])
    ws.append(["B07", 2025, "Compte épargne-temps", 4, 0, None, 64.5])
    ws.append(["B08", 2025, "ARTT", 12, 11.5, 0.5, 0.5])
    wb.save(tmp_path / "soldes.xlsx")
    parsed = parse_balances(tmp_path / "soldes.xlsx")
    df = parsed.tables["leave_balances"]
    assert (parsed.records_read, parsed.rejected) == (2, [])
    assert list(zip(df.matricule, df.type, df.balance_days)) == [("B07", "cet", 64.5), ("B08", "rtt", 0.5)]
