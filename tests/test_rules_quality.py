"""Data-quality rules QUAL-001..004 on hand-built frames and on the real samples."""

import pandas as pd
import pytest

from pes_samples import load_sample
from rhaudit import model
from rhaudit.classify import classify_lines
from rhaudit.rules import RuleContext, get_rule, run_rules


def run(rule_id, params, payslips=None, pay_lines=None):
    ctx = RuleContext(
        payslips=model.empty_frame("payslips") if payslips is None else payslips,
        pay_lines=model.empty_frame("pay_lines") if pay_lines is None else pay_lines,
        absences=model.empty_frame("absences"), agents=model.empty_frame("agents"), params=params,
    )
    return run_rules(ctx, [get_rule(rule_id)])


def slip(matricule="100", month=3, gross=None, source_file="paie.xml", source_line=10):
    return {"matricule": matricule, "year": 2024, "month": month, "establishment": "E", "gross": gross,
            "source_file": source_file, "source_line": source_line}


def line(kind, amount, matricule="100", month=3, code="1010", label="TRAITEMENT INDICIAIRE",
         category="traitement", source_file="paie.xml", source_line=20):
    return {"matricule": matricule, "year": 2024, "month": month, "establishment": "E", "kind": kind,
            "code": code, "label": label, "amount": amount, "category": category,
            "source_file": source_file, "source_line": source_line}


def frame(rows, table):
    return model.conform(pd.DataFrame(rows), table)


@pytest.mark.parametrize("rule_id", ["QUAL-001", "QUAL-002", "QUAL-003", "QUAL-004"])
def test_empty_tables(params, rule_id):
    assert run(rule_id, params) == []


# --- QUAL-001 ----------------------------------------------------------------------------------
def test_gross_vs_lines_tolerance(params):
    # tolerance controles.tolerance_brut_lignes_eur = 0.05 EUR
    assert params.value("controles.tolerance_brut_lignes_eur", (2024, 3)) == 0.05
    ps = frame([slip("A", gross=1500.00), slip("B", gross=1500.06, source_line=40)], "payslips")
    pl = frame([
        # A: 1200.00 + 150.00 + 149.95 = 1499.95 -> gap 0.05, not beyond the tolerance
        line("T", 1200.00, "A"), line("I", 150.00, "A", code="3051", label="IAT", category="iat"),
        line("R", 149.95, "A"),
        # D and C lines are not gross pay: they must not count
        line("D", 100.00, "A", code="5200", label="CNRACL", category="cot_sal_cnracl"),
        # B: 1200.00 + 300.00 = 1500.00 -> gap 1500.06 - 1500.00 = 0.06 > 0.05
        line("T", 1200.00, "B", source_line=50), line("I", 300.00, "B", code="3051", label="IAT", source_line=51),
    ], "pay_lines")
    f = run("QUAL-001", params, ps, pl)
    assert [(x.matricule, x.amount) for x in f] == [("B", 0.06)]
    assert f[0].severity == "alerte" and f[0].year == 2024 and f[0].month == 3
    ev = f[0].evidence
    assert (ev[0].file, ev[0].position, ev[0].label, ev[0].amount) == ("paie.xml", 40, "MtBrut", 1500.06)
    assert [(e.position, e.amount) for e in ev[1:]] == [(50, 1200.0), (51, 300.0)]
    assert "supérieur de 0,06 EUR" in f[0].message and "1 500,06 EUR" in f[0].message


def test_payslip_without_lines_and_lines_above_gross(params):
    ps = frame([slip("A", gross=800.0), slip("B", gross=1000.0)], "payslips")
    pl = frame([line("T", 1250.0, "B")], "pay_lines")
    f = run("QUAL-001", params, ps, pl)
    # A: 800 - 0 = 800 ; B: 1000 - 1250 = -250 (gross below its lines)
    assert [(x.matricule, x.amount) for x in f] == [("A", 800.0), ("B", 250.0)]
    assert "inférieur de 250,00 EUR" in f[1].message
    assert f[1].message.endswith("Vérifier les rubriques compensées hors du brut ou manquantes.")


def test_gross_gap_explained_by_a_line(params):
    # MtBrut 1200.00 ; lines 1200.00 + 27.00 = 1227.00 ; gap 27.00 = the RemDivers line
    ps = frame([slip("A", gross=1200.0)], "payslips")
    pl = frame([line("T", 1200.0, "A"), line("A", 27.0, "A", code="7231", label="REMB. FRAIS")], "pay_lines")
    (f,) = run("QUAL-001", params, ps, pl)
    assert f.amount == 27.0
    assert f.message.endswith("L'écart est égal au montant de la ligne 7231 « REMB. FRAIS » (nature A).")


# --- QUAL-002 ----------------------------------------------------------------------------------
def test_duplicate_payslips(params):
    ps = frame([
        slip("A", gross=1.0, source_file="paie_03.xml", source_line=12),
        slip("A", gross=1.0, source_file="paie_03_bis.xml", source_line=7),
        slip("A", month=4, gross=1.0, source_file="paie_04.xml", source_line=12),
        slip("B", gross=1.0, source_file="paie_03.xml", source_line=90),
        slip("B", gross=2.0, source_file="paie_03.xml", source_line=150),
    ], "payslips")
    f = run("QUAL-002", params, ps)
    assert [(x.matricule, x.month) for x in f] == [("A", 3), ("B", 3)]
    assert [(e.file, e.position) for e in f[0].evidence] == [("paie_03.xml", 12), ("paie_03_bis.xml", 7)]
    assert [(e.file, e.position) for e in f[1].evidence] == [("paie_03.xml", 90), ("paie_03.xml", 150)]
    assert "figure 2 fois : paie_03.xml ligne 12, paie_03_bis.xml ligne 7" in f[0].message


# --- QUAL-003 ----------------------------------------------------------------------------------
def test_code_with_several_labels(params):
    pl = frame([
        line("I", 10.0, code="3051", label="I.A.T."),
        line("I", 10.0, code="3051", label="i.a.t.  "),  # case and spaces only: same label
        line("I", 10.0, code="401A", label="DED RI 3EME ARRET", source_line=30),
        line("I", 10.0, code="401A", label="DED RI 3EME  ARRET", source_line=31),
        line("I", 10.0, code="401A", label="DEDUCTION RI 4EME ARRET", source_line=32),
    ], "pay_lines")
    f = run("QUAL-003", params, None, pl)
    assert len(f) == 1 and f[0].matricule is None and f[0].severity == "info"
    assert "Le code de rubrique 401A porte 2 libellés différents" in f[0].message
    assert "« DED RI 3EME ARRET » (2 lignes) ; « DEDUCTION RI 4EME ARRET » (1 ligne)" in f[0].message
    assert [e.position for e in f[0].evidence] == [30, 32]


# --- QUAL-004 ----------------------------------------------------------------------------------
def test_unclassified_lines(params):
    pl = frame([
        line("I", 100.0, code="9Z01", label="PRIME EXCEPT.", category="non_classe", source_line=1),
        line("I", 50.5, code="9Z01", label="PRIME EXCEPT.", category="non_classe", source_line=2),
        line("I", 0.0, code="9Z02", label="TITRE", category="non_classe"),  # zero amount: ignored
        line("T", 1200.0),  # classified
    ], "pay_lines")
    f = run("QUAL-004", params, None, pl)
    # 100.00 + 50.50 = 150.50 over 2 lines
    assert [(x.amount, x.severity, x.matricule) for x in f] == [(150.5, "alerte", None)]
    assert "La rubrique 9Z01 « PRIME EXCEPT. » n'est pas classée : 2 lignes pour 150,50 EUR" in f[0].message
    assert [e.position for e in f[0].evidence] == [1, 2]


def test_unclassified_lines_classifies_missing_categories(params):
    # lines imported without a category: classified on the fly with configs/rubriques
    pl = frame([line("I", 86.84, code="3051", label="I.A.T.", category=None),
                line("I", 12.0, code="QQQQ", label="XYZ", category=None)], "pay_lines")
    f = run("QUAL-004", params, None, pl)
    assert [x.message.split(" n'est")[0] for x in f] == ["La rubrique QQQQ « XYZ »"]


# --- real samples ------------------------------------------------------------------------------
def sample(shared_pes, name):
    ps, pl = load_sample(str(shared_pes / name))
    return ps, pl.assign(category=classify_lines(pl))


def test_ville2012_gross_gaps(shared_pes, params):
    ps, pl = sample(shared_pes, "ville2012")
    f = run("QUAL-001", params, ps, pl)
    gaps = {(x.matricule, x.month): x.amount for x in f}
    # 25 payslips out of 135 (MtBrut - sum of T, IR, S, AV, I, A, R lines), checked by hand:
    # - 015084, every month: the AVANTAGES EN NATURE REPAS line (code 4705) carries its value in
    #   Base with Mt = 0, and MtBrut includes it; March: 1214.46 + 86.84 + 81.67 = 1382.97 in lines,
    #   MtBrut 1485.32, gap 102.35 = Base of the 4705 line.
    # - 011003, March to December: REMB. FRAIS STATIONNEMENT (RemDivers, 27.00) is outside
    #   MtBrut; March: 1935.46 + 207.31 + 156.26 + 27.00 = 2326.03 vs 2299.03.
    # - 300753 (January, March): REMB. FRAIS STATIONNEMENT 23.14 outside MtBrut.
    # - 301142 (March, August): REMB. FRAIS MISSION PERMANENT 17.50 outside MtBrut.
    # - 300479 May: "IJ DU 13 02 AU 24 04 12" 683.24 (indemnités journalières) outside MtBrut:
    #   1161.11 - 683.24 = 477.87 = MtBrut.
    assert gaps == {
        ("015084", 1): 88.0, ("015084", 2): 44.5, ("015084", 3): 102.35, ("015084", 5): 89.0,
        ("015084", 6): 80.1, ("015084", 7): 89.0, ("015084", 8): 22.25, ("015084", 9): 97.9,
        ("015084", 10): 97.9, ("015084", 11): 93.45, ("015084", 12): 80.1,
        ("011003", 3): 27.0, ("011003", 5): 27.0, ("011003", 6): 27.0, ("011003", 7): 27.0,
        ("011003", 8): 27.0, ("011003", 9): 27.0, ("011003", 10): 27.0, ("011003", 11): 27.0,
        ("011003", 12): 27.0,
        ("300753", 1): 23.14, ("300753", 3): 23.14,
        ("301142", 3): 17.5, ("301142", 8): 17.5,
        ("300479", 5): 683.24,
    }
    march = next(x for x in f if (x.matricule, x.month) == ("015084", 3))
    assert (march.evidence[0].file, march.evidence[0].position) == ("ville_2012_03.xhl", 791)
    assert march.message.endswith("L'écart est égal à la base (montant nul) de la ligne 4705 « AVANTAGES EN "
                                  "NATURE REPAS » (nature R).")
    may = next(x for x in f if (x.matricule, x.month) == ("300479", 5))
    assert "égal au montant de la ligne 7650 « IJ DU 13 02 AU 24 04 12 » (nature I)" in may.message


def test_metro2011_gross_gaps(shared_pes, params):
    ps, pl = sample(shared_pes, "metro2011")
    f = run("QUAL-001", params, ps, pl)
    # 40 of the 108 payslips: this software puts contribution back-pay (RAP.COT..., codes ...A)
    # and IJSS lines in the Rappel/Indemnite groups although they are not gross pay.
    assert len(f) == 40
    dec = {x.matricule: x.amount for x in f if x.month == 12}
    # December: 180.00 for four agents, 150.00 for 343 Y (MtBrut 2029.63 vs lines 2179.63)
    assert dec == {"196 N": 180.0, "205 Y": 180.0, "212 F": 180.0, "222 S": 180.0, "343 Y": 150.0}


@pytest.mark.parametrize("name", ["metro2011", "ville2012"])
def test_samples_no_duplicate_and_fully_classified(shared_pes, params, name):
    ps, pl = sample(shared_pes, name)
    assert run("QUAL-002", params, ps, pl) == []
    assert run("QUAL-004", params, ps, pl) == []


def test_samples_codes_with_several_labels(shared_pes, params):
    _, pl = sample(shared_pes, "ville2012")
    f = run("QUAL-003", params, None, pl)
    # 401A: 5 labels, one line each; 438H: "NOMBRE HEURES DIM.   JRS FERIES" (7 lines) and a
    # label with a lost character (1 line)
    assert [x.message.split(" : ")[0] for x in f] == [
        "Le code de rubrique 401A porte 5 libellés différents",
        "Le code de rubrique 438H porte 2 libellés différents",
    ]
    assert "« NOMBRE HEURES DIM. JRS FERIES » (7 lignes)" in f[1].message
    _, pl = sample(shared_pes, "metro2011")
    assert run("QUAL-003", params, None, pl) == []


def test_number_format_keeps_the_zeros_of_whole_numbers():
    from rhaudit.rules._paie import num

    # 10 with no decimals must stay "10" (the zeros of "10" are not decimals); 1820 gets a space
    # as thousands separator, as in eur() (findings.fr_amount); decimals lose their useless zeros only
    assert num(10, 0) == "10" and num(100.0, 1) == "100"
    assert num(1820, 0) == "1 820" and num(12.50) == "12,5" and num(0.8) == "0,8"
