"""Rule registry, finding record, exports and the atomic workspace commit."""

import json

import pandas as pd
import pytest

from rhaudit.findings import Evidence, Finding, findings_frame, summary_frame
from rhaudit.present.checkdoc import write_findings
from rhaudit.model import empty_frame
from rhaudit.present.excel import read_table
from rhaudit.rules import RuleContext, max_severity_at_least, rule, run_rules, select_rules, _REGISTRY
from rhaudit.workspace import FileEntry, Workspace, WorkspaceError


@pytest.fixture
def toy_rule():
    @rule("TEST-001", "Règle de test", "alerte", "Texte de test, art. 1")
    def _toy(ctx):
        """Ce que la règle vérifie : brut négatif."""
        neg = ctx.payslips[ctx.payslips["gross"] < 0]
        for row in neg.itertuples():
            yield ctx.finding(matricule=row.matricule, year=row.year, month=row.month,
                              amount=-row.gross, message=f"Brut négatif ({row.gross:.2f} EUR).")

    yield _REGISTRY["TEST-001"]
    del _REGISTRY["TEST-001"]


def _ctx(payslips, params):
    return RuleContext(payslips=payslips, pay_lines=empty_frame("pay_lines"), absences=empty_frame("absences"),
                       agents=empty_frame("agents"), params=params)


def test_rule_runs_and_fills_its_metadata(toy_rule, params):
    slips = pd.DataFrame({"matricule": ["7", "3"], "year": [2025, 2025], "month": [2, 1], "gross": [-12.5, 100.0]})
    [f] = run_rules(_ctx(slips, params), [toy_rule])
    assert (f.rule, f.severity, f.title, f.legal_ref) == ("TEST-001", "alerte", "Règle de test", "Texte de test, art. 1")
    assert (f.matricule, f.year, f.month, f.amount) == ("7", 2025, 2, 12.5)
    assert max_severity_at_least([f], "alerte") and not max_severity_at_least([f], "irregularite")


def test_select_rules_by_pattern(toy_rule):
    assert [r.id for r in select_rules("TEST-*")] == ["TEST-001"]
    with pytest.raises(KeyError, match="NOPE"):
        select_rules("NOPE*")


def test_exports_keep_the_json_contract(tmp_path):
    f = Finding("X-001", "irregularite", "Titre", "Réf", matricule="12", year=2025, month=3, amount=10.456,
                hours=2.0, message="Texte", evidence=[Evidence("a.xhl", 120, "1010", "TRAITEMENT", 1500.0, "2025-03")])
    paths = write_findings([f, f], tmp_path)
    data = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    # The original keys stay; keys are only added (documented in findings.py).
    assert set(data[0]) == {"rule", "severity", "title", "legal_ref", "matricule", "year", "month", "amount",
                            "hours", "message", "evidence"} | {"evidence_total", "amount_concerned", "preview"}
    assert data[0]["evidence_total"] == 1 and data[0]["amount_concerned"] is None and data[0]["preview"] is False
    assert data[0]["amount"] == 10.46 and data[0]["evidence"][0]["position"] == 120
    assert [p.name for p in paths] == ["findings.csv", "findings.json", "findings.xlsx"]
    table = findings_frame([f, f])
    assert list(table["number"]) == [1, 2]
    assert "a.xhl:120 2025-03 1010 TRAITEMENT 1 500,00" == table["evidence"][0]  # French amount, as in the csv
    summary = summary_frame([f, f])
    # two findings for the same agent-month: 2 findings, 1 agent, 1 month; amounts are rounded to
    # the cent per finding (10.456 -> 10.46) so that the summary equals the sum of the rows: 20.92
    assert summary.iloc[0][["findings", "agents", "months"]].tolist() == [2, 1, 1]
    assert summary.iloc[0]["amount"] == pytest.approx(20.92, abs=1e-9)
    xl = pd.read_excel(tmp_path / "findings.xlsx", sheet_name=None)
    # The evidence lines have their own sheet (one row per line) rather than one long cell.
    assert set(xl) == {"Synthèse", "Constats", "Pièces"}
    constats = read_table(tmp_path / "findings.xlsx", "Constats")
    assert list(constats["N°"]) == [1, 2] and list(constats["Montant en jeu"]) == [10.46, 10.46]
    assert read_table(tmp_path / "findings.xlsx", "Pièces")["Ligne"].tolist() == [120, 120]


def _entry(sha):
    return FileEntry(path="f.xhl", sha256=sha, kind="pes", imported_at="2025-01-01T00:00:00",
                     records_read=1, records_imported=1, payslips=1, gross_total=100.0, years=[2025])


def test_workspace_commit_reads_back_and_failed_commit_leaves_it_unchanged(tmp_path):
    ws = Workspace(tmp_path / "w")
    slips = empty_frame("payslips").reindex(range(1))
    slips[["matricule", "year", "month", "gross"]] = ["1", 2025, 1, 100.0]
    ws.commit([(_entry("a" * 64), {"payslips": slips})])
    assert ws.years() == [2025] and ws.read("payslips")["gross"].tolist() == [100.0]
    before = sorted(p.relative_to(ws.root) for p in ws.root.rglob("*"))
    # The same content key again: refused, nothing changed, no staging folder left.
    with pytest.raises(WorkspaceError):
        ws.commit([(_entry("b" * 64), {"payslips": slips}), (_entry("a" * 64), {"payslips": slips})])
    assert sorted(p.relative_to(ws.root) for p in ws.root.rglob("*")) == before
    assert len(ws.read_log()) == 1


@pytest.mark.parametrize("value, text", [
    (1234567.891, "1 234 567,89"),  # thousands separated by spaces, rounded to the cent, decimal comma
    (-45.5, "-45,50"),
    (0.0, "0,00"),
])
def test_fr_amount(value, text):
    from rhaudit.fmt import fr_amount

    assert fr_amount(value) == text


def test_summary_counts_agent_months_only_for_dated_findings():
    # Two monthly findings of agent 1 (Jan, Feb), one annual finding of agent 2 (no month) and one
    # collectivité-level finding (no matricule): 2 distinct agents, 2 agent-months; 1 + 2 + 4 = 7 EUR.
    fs = [Finding("X-001", "alerte", "T", "R", matricule="1", year=2025, month=1, amount=1.0),
          Finding("X-001", "alerte", "T", "R", matricule="1", year=2025, month=2, amount=2.0),
          Finding("X-001", "alerte", "T", "R", matricule="2", year=2025, amount=4.0),
          Finding("X-001", "alerte", "T", "R", year=2025, hours=7.0)]
    row = summary_frame(fs).iloc[0]
    assert (row["severity"], row["findings"], row["agents"], row["months"]) == ("Alerte", 4, 2, 2)
    assert (row["amount"], row["hours"]) == (7.0, 7.0)
