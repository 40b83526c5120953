"""`rhaudit check` as a user runs it: errors on bad options, pseudonymised outputs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from rhaudit.cli import main


@pytest.fixture(scope="module")
def ville2012(shared_pes, tmp_path_factory):
    """A workspace with the ville2012 sample only (payslips of 2012, none of 2011)."""
    ws_dir = tmp_path_factory.mktemp("check") / "w"
    result = CliRunner().invoke(main, ["import", str(shared_pes / "ville2012"), "--workspace", str(ws_dir)])
    assert result.exit_code == 0, result.output
    return ws_dir


def test_check_on_a_year_not_imported_says_which_years_are(ville2012, tmp_path):
    # The sample holds 2012 only: --year 2011 used to crash with a traceback inside a rule.
    result = CliRunner().invoke(main, ["check", "-w", str(ville2012), "--year", "2011", "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Aucun bulletin importé pour 2011" in result.output and "années importées : 2012" in result.output
    assert "Traceback" not in result.output


def test_check_with_an_unknown_rule_is_an_input_error(ville2012, tmp_path):
    result = CliRunner().invoke(main, ["check", "-w", str(ville2012), "--rules", "XYZ*", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Erreur : Aucune règle ne correspond à : XYZ*" in result.output
