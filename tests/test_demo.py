"""The demo commune: determinism, proportions, exact pay, no personal data leak, answer key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from rhaudit import pay
from rhaudit.demo import compare_with_answer_key, generate_commune, run_demo
from rhaudit.demo.model import Commune, Payslip
from rhaudit.demo.plants import AnswerKeyEntry, all_plants
from rhaudit.rules import all_rules

NS = {"p": "http://www.minefi.gouv.fr/cp/helios/pes_v2/paye_1_1"}


def _all_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = generate_commune(tmp_path / "a", n_agents=30, seed=7)
    b = generate_commune(tmp_path / "b", n_agents=30, seed=7)
    c = generate_commune(tmp_path / "c", n_agents=30, seed=8)
    files_a, files_b, files_c = _all_bytes(a.out_dir), _all_bytes(b.out_dir), _all_bytes(c.out_dir)
    assert len(a.payroll_files) == 12
    assert files_a == files_b
    assert files_a["paie/demo_2025_03.xml"] != files_c["paie/demo_2025_03.xml"]
    assert files_a["absences.csv"] != files_c["absences.csv"]


@pytest.fixture(scope="module")
def commune_400(params) -> Commune:
    """The generated commune before any irregularity is planted."""
    from rhaudit.demo.generator import build_commune

    return build_commune(400, 2025, 2, params)[0]


def test_proportions_of_a_commune(commune_400):
    staff = [a for a in commune_400.agents if a.population == "agent"]
    elus = [a for a in commune_400.agents if a.population == "elu"]
    # 400 records: 1 maire + min(8, 400 // 30 = 13) = 8 adjoints = 9 élus, 391 agents.
    assert (len(staff), len(elus)) == (391, 9)
    assert all(a.statut == "AUTRE_STATUT" for a in elus)
    share = lambda pred: sum(1 for a in staff if pred(a)) / len(staff)  # noqa: E731
    # Territorial civil service: about three agents in four are catégorie C, one in ten A.
    assert 0.70 <= share(lambda a: a.categorie == "C") <= 0.85
    assert 0.04 <= share(lambda a: a.categorie == "A") <= 0.14
    assert 0.65 <= share(lambda a: a.statut in ("TITULAIRE", "STAGIAIRE")) <= 0.85
    assert 0.02 <= share(lambda a: a.post_hours < 35) <= 0.20  # temps non complet posts
    assert share(lambda a: a.entry_date is not None) > 0 and share(lambda a: a.exit_date is not None) > 0


def test_contract_agents_never_get_nbi_nor_cnracl(commune_400):
    for a in commune_400.agents:
        if a.statut == "NON_TITULAIRE":
            assert a.nbi_points == 0 and a.pension_fund == "IRCANTEC"
        if a.statut == "TITULAIRE" and a.post_hours < 28:
            # Below the 28 h affiliation threshold of the CNRACL.
            assert a.pension_fund == "IRCANTEC"


def _payslip_element(xml: Path, matricule: str):
    root = etree.parse(str(xml)).getroot()
    for ps in root.iterfind(".//PayeIndivMensuel"):
        if ps.find("Agent/Matricule").get("V") == matricule:
            return ps
    raise AssertionError(f"{matricule} absent de {xml}")


def _line_amount(ps, code: str) -> float:
    for line in ps.find("Remuneration"):
        if line.find("Code").get("V") == code:
            return float(line.find("Mt").get("V"))
    raise AssertionError(f"code {code} absent")


def test_traitement_is_indice_times_point_value_times_quotite(tmp_path, params):
    files = generate_commune(tmp_path, n_agents=60, seed=3)
    staff = [a for a in files.commune.agents if a.population == "agent" and a.entry_date is None and a.exit_date is None]
    full = next(a for a in staff if a.quotite == 1.0)
    partial = next(a for a in staff if a.quotite < 1.0)
    march = files.payroll_files[2]
    for agent in (full, partial):
        ps = _payslip_element(march, agent.matricule)
        assert ps.find("Agent/Indice").get("V") == str(agent.indice)
        quotite = float(ps.find("QuotiteTrav").get("V")) / 100
        # The demo writes the shared formula's traitement (checked by hand just below).
        assert _line_amount(ps, "101000") == round(pay.traitement_monthly(params, agent.indice, (2025, 3), quotite), 2)
    # Décret 85-1148 art. 3: IM × annual point value (59.0734 EUR since 1 July 2023) / 12 × quotité:
    # IM 380 full time: 22,447.892 / 12 = 1,870.6577 ; at 80 %: 1,496.5261.
    assert pay.traitement_monthly(params, 380, (2025, 3)) == pytest.approx(1870.6577, abs=1e-4)
    assert pay.traitement_monthly(params, 380, (2025, 3), 0.8) == pytest.approx(1496.5261, abs=1e-4)


def test_gross_and_net_are_the_sums_of_the_lines():
    from rhaudit.demo.generator import load_code_table
    from rhaudit.demo.model import Agent
    import datetime as dt

    agent = Agent("1", "ZA", "ZOE", "FAUXNIR", "FR00DEMO", "F", dt.date(1980, 1, 1), "TITULAIRE", "ATEC", "agent",
                  "C", "Technique", "Adjoints techniques territoriaux", "ADJOINT TECHNIQUE", "01", 366, "AGENT", "VOIRIE")
    ps = Payslip(agent, 2025, 3, code_table=load_code_table())
    ps.add_line("101000", 1801.74)
    ps.add_line("201000", 250.00)
    ps.add_line("501000", 200.00)  # employee CNRACL (kind D)
    ps.add_line("701000", 624.30)  # employer CNRACL (kind C): neither gross nor net
    # gross = 1,801.74 + 250.00 = 2,051.74; net = 2,051.74 − 200.00 = 1,851.74
    assert (ps.gross, ps.net) == (2051.74, 1851.74)
    ps.forced_gross = 2100.00
    assert ps.gross == 2100.00 and ps.lines_gross == 2051.74


def test_pick_agent_never_returns_an_agent_twice(commune_400):
    import numpy as np

    rng = np.random.default_rng(0)
    is_police = lambda a: a.emploi == "POLICIER MUNICIPAL" and a.matricule not in commune_400.used  # noqa: E731
    available = sum(1 for a in commune_400.agents if is_police(a))
    picked = {commune_400.pick_agent(rng, is_police).matricule for _ in range(available)}
    assert len(picked) == available
    with pytest.raises(LookupError):
        commune_400.pick_agent(rng, is_police)


def test_comparison_with_the_answer_key():
    key = [AnswerKeyEntry("QUAL-001", "100002", 2025, 3, amount=150.0).to_dict(),
           AnswerKeyEntry("NBI-001", "100003", 2025, 4, amount=20.0).to_dict()]
    found = [
        {"rule": "QUAL-001", "severity": "alerte", "matricule": "100002", "year": 2025, "month": 3, "amount": 150.0, "message": ""},
        {"rule": "NBI-001", "severity": "irregularite", "matricule": "100003", "year": 2025, "month": 4, "amount": 25.0, "message": ""},
        {"rule": "NBI-001", "severity": "irregularite", "matricule": "100009", "year": 2025, "month": 4, "amount": 5.0, "message": ""},
        {"rule": "RIFSEEP-012", "severity": "info", "matricule": None, "year": 2025, "month": None, "amount": None, "message": ""},
    ]
    cmp = compare_with_answer_key(found, key, {"QUAL-001", "NBI-001", "RIFSEEP-012"})
    assert len(cmp.found) == 2 and cmp.missed == []
    # NBI-001: expected 20.00, found 25.00; the extra NBI-001 finding is reported, the info one is not.
    assert [(e["rule"], total) for e, total in cmp.amount_mismatches] == [("NBI-001", 25.0)]
    assert [f["matricule"] for f in cmp.extras] == ["100009"]
    assert compare_with_answer_key(found, key, {"QUAL-001"}).expected == key[:1]


# --- the whole demo, once --------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    summary = run_demo(out, n_agents=60, year=2025, seed=1)
    return out, summary


def test_demo_summary_in_french(demo_run):
    out, summary = demo_run
    assert "12 fichiers de paie PES" in summary
    assert "Import :" in summary and "bulletins, brut total" in summary
    # The generated files match the import profiles: nothing is rejected.
    assert "; 0 enregistrement(s) rejeté(s)" in summary
    assert "Anomalies plantées retrouvées :" in summary
    assert (out / "reports" / "findings.json").is_file() and (out / "corrige.json").is_file()
    # Seed 1, 60 agents: no catégorie C titulaire with NBI and without IHTS for the NBI-003 plant, but
    # the NBI-001 plant (NBI to a contract agent, no bonified function) also expects an NBI-003 finding.
    key_rules = {e["rule"] for e in json.loads((out / "corrige.json").read_text(encoding="utf-8"))}
    assert "NBI-003" in key_rules
    assert "NBI-003 (constat attendu par une autre anomalie)" in summary


def test_no_nir_nor_bank_details_leave_the_pes_files(demo_run):
    out, _ = demo_run
    march = (out / "paie" / "demo_2025_03.xml").read_text(encoding="iso-8859-1")
    assert "FAUXNIR" in march and "FR00DEMO" in march  # the inputs do carry them, like real files
    for path in list((out / "workspace").rglob("*")) + list((out / "reports").rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            assert b"FAUXNIR" not in data and b"FR00DEMO" not in data, path


def test_findings_match_the_answer_key(demo_run):
    out, _ = demo_run
    findings = json.loads((out / "reports" / "findings.json").read_text(encoding="utf-8"))
    key = json.loads((out / "corrige.json").read_text(encoding="utf-8"))
    registered = {r.id for r in all_rules()}
    cmp = compare_with_answer_key(findings, key, registered)
    assert cmp.expected, "aucune anomalie plantée pour les règles enregistrées"
    describe = lambda f: f"{f['rule']} {f['matricule']} {f['month']}: {f.get('message') or f.get('description')}"  # noqa: E731
    assert [describe(e) for e in cmp.missed] == []
    assert [describe(f) for f in cmp.extras] == []
    assert [(describe(e), total) for e, total in cmp.amount_mismatches] == []


def test_quality_plants_are_registered():
    assert {"QUAL-001", "QUAL-002", "QUAL-003", "QUAL-004"} <= set(all_plants())


def test_demo_without_check_only_writes_the_files(tmp_path):
    summary = run_demo(tmp_path, n_agents=20, seed=1, check=False)
    assert "12 fichiers de paie PES" in summary and "Import :" not in summary
    assert len(list((tmp_path / "paie").glob("demo_2025_*.xml"))) == 12
    assert not (tmp_path / "workspace").exists()
