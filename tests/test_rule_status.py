"""Rule status: a rule in preview runs and shows its findings (« aperçu ») but never fails
`check --fail-on`; a stable rule does. Rule ids are FAMILLE-NNN."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rhaudit.cli import main
from rhaudit.findings import Finding
from rhaudit.present.excel import read_table
from rhaudit.rules import _REGISTRY, max_severity_at_least, rule, rules_markdown

PES = Path(__file__).resolve().parent / "data" / "pes"


@pytest.fixture
def toy_rules():
    """Two rules flagging every payslip as an irregularity: TEST-101 in preview, TEST-102 stable."""
    def flag_every_payslip(ctx):
        """Ce que la règle vérifie : tout. Pourquoi : test. Texte : aucun. Exemple : aucun."""
        return [ctx.finding(matricule=r.matricule, year=r.year, month=r.month, amount=1.0, message="Constat de test.")
                for r in ctx.payslips.itertuples()]

    rule("TEST-101", "Règle de test en aperçu", "irregularite", "Texte de test", status="preview")(flag_every_payslip)
    rule("TEST-102", "Règle de test stable", "irregularite", "Texte de test")(lambda ctx: flag_every_payslip(ctx))
    yield
    del _REGISTRY["TEST-101"], _REGISTRY["TEST-102"]


@pytest.fixture(scope="module")
def one_payslip(tmp_path_factory):
    """A workspace holding one payslip (a hand-made PES file of tests/data/pes)."""
    ws = tmp_path_factory.mktemp("status") / "w"
    result = CliRunner().invoke(main, ["import", str(PES / "nbi_seconde_traitbrut.xhl"), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    return ws


def _check(ws, rules, out):
    return CliRunner().invoke(main, ["check", "-w", str(ws), "--rules", rules, "--fail-on", "irregularite",
                                     "--out", str(out), "--wide"])


def test_preview_irregularity_does_not_fail_check(toy_rules, one_payslip, tmp_path):
    result = _check(one_payslip, "TEST-101", tmp_path)
    assert result.exit_code == 0, result.output
    # Shown all the same, apart and labelled.
    assert "Règles en aperçu (1 règle(s), non comptées par --fail-on)" in result.output
    assert "Irrégularité (aperçu)" in result.output
    [f] = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert (f["rule"], f["severity"], f["preview"]) == ("TEST-101", "irregularite", True)
    assert read_table(tmp_path / "findings.xlsx", "Constats")["Gravité"].tolist() == ["Irrégularité (aperçu)"]
    assert read_table(tmp_path / "findings.xlsx", "Synthèse")["Gravité"].tolist() == ["Irrégularité (aperçu)"]
    # The execution report says it too (execution.json and the « Exécution des règles » sheet).
    [run] = json.loads((tmp_path / "execution.json").read_text(encoding="utf-8"))["rules"]
    assert (run["rule"], run["preview"], run["status_label"]) == ("TEST-101", True, "exécutée (aperçu, hors --fail-on)")
    assert read_table(tmp_path / "findings.xlsx", "Exécution des règles")["Exécution"].tolist()[0] == \
        "exécutée (aperçu, hors --fail-on)"


def test_stable_irregularity_fails_check(toy_rules, one_payslip, tmp_path):
    result = _check(one_payslip, "TEST-102", tmp_path)
    assert result.exit_code == 1, result.output
    assert "aperçu" not in result.output
    [f] = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert (f["rule"], f["preview"]) == ("TEST-102", False)
    # Both together: the stable one alone decides.
    assert _check(one_payslip, "TEST-10*", tmp_path).exit_code == 1


def test_fail_on_ignores_preview_findings_only():
    preview = Finding("X-001", "irregularite", "T", "R", preview=True)
    stable = Finding("X-002", "alerte", "T", "R")
    assert not max_severity_at_least([preview], "info")
    assert max_severity_at_least([preview, stable], "alerte")
    assert not max_severity_at_least([preview, stable], "irregularite")


def test_rules_listing_shows_the_status(toy_rules):
    listing = CliRunner().invoke(main, ["rules"]).output
    assert [ln.split()[:3] for ln in listing.splitlines() if ln.startswith("TEST-10")] == [
        ["TEST-101", "Irrégularité", "aperçu"], ["TEST-102", "Irrégularité", "stable"]]
    one = CliRunner().invoke(main, ["rules", "TEST-101"]).output
    assert "Statut : aperçu (constats affichés, non comptés par --fail-on)" in one
    md = rules_markdown()
    assert "| [TEST-101](#test-101) | Irrégularité (aperçu) |" in md and "| [TEST-102](#test-102) | Irrégularité |" in md


@pytest.mark.parametrize("rule_id", ["IHTS-1", "ihts-001", "IHTS_001", "IHTS-0001", "-001", "1HTS-001"])
def test_malformed_rule_id_is_refused(rule_id):
    with pytest.raises(ValueError, match="mal formé"):
        rule(rule_id, "T", "alerte", "R")
    assert rule_id not in _REGISTRY


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="statut inconnu 'beta'"):
        rule("TEST-103", "T", "alerte", "R", status="beta")
