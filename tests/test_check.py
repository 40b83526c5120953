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


def test_pseudonymisation_replaces_every_known_matricule_and_no_digit_of_an_amount():
    from rhaudit.check import pseudonymised
    from rhaudit.findings import Evidence, Finding
    from rhaudit.privacy import Pseudonymiser

    pseudo = Pseudonymiser(b"cle-de-test")
    f = Finding(
        "QUAL-002", "alerte", "Bulletin en double", "réf.", matricule="12",
        message="Agent 12 : 1 212,12 EUR versés deux fois, comme à l'agent A-7 (12.5 h).",
        evidence=[Evidence("paie_12.xml", 12, code="012", label="RAPPEL AGENT A-7", amount=12.0)],
    )
    [out] = pseudonymised([f], pseudo, known={"A-7", "99"})
    p12, pa7 = pseudo("12"), pseudo("A-7")
    assert out.matricule == p12 and p12.startswith("P-") and len(p12) == 12  # "P-" + 10 hex digits
    # The amounts 1 212,12 and 12.5 keep their digits (the old str.replace made "1 2P-…,P-…").
    assert out.message == f"Agent {p12} : 1 212,12 EUR versés deux fois, comme à l'agent {pa7} (12.5 h)."
    assert out.evidence[0].label == f"RAPPEL AGENT {pa7}"
    assert out.evidence[0].file == "paie_12.xml" and out.evidence[0].code == "012"  # "paie_12" is one word


def test_check_pseudonymise_leaves_no_matricule_in_the_outputs(ville2012, tmp_path):
    import re

    import pandas as pd

    from rhaudit.workspace import Workspace

    result = CliRunner().invoke(main, ["check", "-w", str(ville2012), "--pseudonymise", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    matricules = set(Workspace(ville2012).read("payslips")["matricule"])
    assert len(matricules) == 19  # `rhaudit info` on ville2012: 19 agents
    texts = [(tmp_path / n).read_text(encoding="utf-8-sig") for n in ("findings.csv", "findings.json")]
    texts += [sheet.to_csv() for sheet in pd.read_excel(tmp_path / "findings.xlsx", sheet_name=None, dtype=str).values()]
    for m in matricules:
        assert not any(re.search(rf"(?<!\w){re.escape(m)}(?!\w)", t) for t in texts), m
    assert "P-" in texts[1]


def test_check_of_one_year_keeps_an_absence_spanning_it(shared_pes, tmp_path):
    from rhaudit.check import build_context
    from rhaudit.workspace import Workspace

    absences = tmp_path / "absences.csv"
    absences.write_text(
        "Matricule;Libellé;Début;Fin;Jours\n"
        "010985;Congé de longue durée;01/11/2011;28/02/2013;\n"  # starts before 2012, ends after
        "010985;Congé annuel;02/01/2013;04/01/2013;\n",  # 2013 only
        encoding="utf-8",
    )
    ws_dir = tmp_path / "w"
    result = CliRunner().invoke(main, ["import", str(shared_pes / "ville2012" / "ville_2012_01.xhl"),
                                       "--absences", str(absences), "--workspace", str(ws_dir)])
    assert result.exit_code == 0, result.output
    kept = build_context(Workspace(ws_dir), years=[2012]).absences
    # Only the CLD overlaps 2012; its days are calendar days: 30 (Nov 2011) + 31 (Dec 2011)
    # + 366 (2012, leap year) + 31 (Jan 2013) + 28 (Feb 2013) = 486.
    assert kept["type"].tolist() == ["cld"] and kept["days"].tolist() == [486.0]


def test_check_summary_shows_french_severity_labels(ville2012, tmp_path):
    # ville2012 gives IHTS-008 (alerte) and IHTS-010 (info), and no QUAL-001 since its gross is
    # taken by category: see `rhaudit check` on the sample.
    result = CliRunner().invoke(main, ["check", "-w", str(ville2012), "--rules", "QUAL-001,IHTS-008,IHTS-010",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # The synthesis is grouped by severity, most serious first, under French headings.
    rows, group = {}, None
    for line in result.output.splitlines():
        if line.endswith("règle(s)) :"):
            group = line.split(" (")[0]
        elif line.startswith(("QUAL-", "IHTS-")):
            rows[line.split()[0]] = group
    assert rows == {"IHTS-010": "Information", "IHTS-008": "Alerte"}
    assert result.output.index("Alerte (1 règle(s)) :") < result.output.index("Information (1 règle(s)) :")
