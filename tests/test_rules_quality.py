"""Data-quality rules QUAL-001..005 on hand-built frames and on the real samples."""

import pandas as pd
import pytest

from pes_samples import load_sample
from rhaudit import model
from rhaudit.classify import classify_payroll
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


@pytest.mark.parametrize("rule_id", ["QUAL-001", "QUAL-002", "QUAL-003", "QUAL-004", "QUAL-005"])
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
        # employee contributions are not gross pay: they must not count
        line("D", 100.00, "A", code="5200", label="CNRACL", category="cot_sal_cnracl"),
        # B: 1200.00 + 300.00 = 1500.00 -> gap 1500.06 - 1500.00 = 0.06 > 0.05
        line("T", 1200.00, "B", source_line=50), line("I", 300.00, "B", code="3051", label="IAT", category="iat",
                                                       source_line=51),
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
    assert f[1].message.endswith("Vérifier les rubriques compensées hors du brut ou manquantes, et leur catégorie "
                                 "(rhaudit rubriques).")


def test_gross_gap_explained_by_a_line(params):
    # A refund of expenses wrongly classified as pay: MtBrut 1200.00 ; lines 1200.00 + 27.00 =
    # 1227.00 ; gap 27.00 = the RemDivers line, named in the message.
    ps = frame([slip("A", gross=1200.0)], "payslips")
    pl = frame([line("T", 1200.0, "A"), line("A", 27.0, "A", code="7231", label="PARKING", category="remuneration_autre")],
               "pay_lines")
    (f,) = run("QUAL-001", params, ps, pl)
    assert f.amount == 27.0
    assert f.message.endswith("L'écart est égal au montant de la ligne 7231 « PARKING » (nature A, catégorie "
                              "remuneration_autre).")


# One hand-made payslip per convention of the payroll programs: each balances, so no finding.
CONVENTIONS = {
    # contribution and mutual-insurance recalls booked as nature R are not pay; a salary
    # correction booked as RE is: 1800.00 + 200.00 - 65.92 = 1934.08
    "rappels_de_cotisation_et_regul_en_retenue": (1934.08, [
        line("T", 1800.0), line("I", 200.0, code="230N", label="PRIME SERVICE", category="autre_prime"),
        line("R", -6.39, code="805A", label="RAP.COT.SS VIEIL RG", category="cot_pat_urssaf"),
        line("R", -5.12, code="804A", label="RAP.COT.SS VIEIL RG", category="cot_sal_urssaf"),
        line("R", 1.45, code="424A", label="R. PREVOYANCE", category="part_pat_pcs"),
        line("RE", -65.92, code="011G", label="REGUL TRAIT. BASE", category="traitement"),
    ]),
    # net IJSS and expense refunds are outside the gross: 1772.45 - 532.00 + 257.18 = 1497.63
    "ijss_nettes_et_frais_hors_brut": (1497.63, [
        line("T", 1772.45), line("I", -532.0, code="170N", label="IJSS SUB", category="ijss_deduction"),
        line("I", 257.18, code="230N", label="PRIME SERVICE", category="autre_prime"),
        line("I", 501.28, code="196N", label="IJSS NETTE", category="ijss_nette"),
        line("A", 27.0, code="7231", label="REMB. FRAIS STATIONNEMENT", category="remboursement_frais"),
    ]),
    # a benefit in kind with Mt 0 and its value in Base, counted in MtBrut: 1214.46 + 168.51 + 102.35
    "avantage_en_nature_en_base_dans_le_brut": (1485.32, [
        line("T", 1214.46), line("I", 168.51, code="3051", label="I.A.T.", category="iat"),
        dict(line("R", 0.0, code="4705", label="AVANTAGES EN NATURE REPAS", category="avantage_nature"), base=102.35),
    ]),
    # the same benefit left out of MtBrut by another program: 1214.46 + 168.51 = 1382.97
    "avantage_en_nature_en_base_hors_brut": (1382.97, [
        line("T", 1214.46), line("I", 168.51, code="3051", label="I.A.T.", category="iat"),
        dict(line("R", 0.0, code="4705", label="AVANTAGES EN NATURE REPAS", category="avantage_nature"), base=102.35),
    ]),
    # absence deductions netted inside MtBrut: 1935.46 - 48.16 - 13.10 = 1874.20
    "deductions_dans_le_brut": (1874.20, [
        line("T", 1935.46), line("R", -48.16, code="4670", label="DED CARENCE", category="carence"),
        line("I", -13.10, code="401A", label="DED RI ARRET MALADIE", category="deduction_ri"),
    ]),
    # the same deductions applied after MtBrut: MtBrut = 1935.46
    "deductions_apres_le_brut": (1935.46, [
        line("T", 1935.46), line("R", -48.16, code="4670", label="DED CARENCE", category="carence"),
        line("I", -13.10, code="401A", label="DED RI ARRET MALADIE", category="deduction_ri"),
    ]),
}


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_gross_conventions_of_payroll_programs_balance(params, convention):
    gross, rows = CONVENTIONS[convention]
    assert run("QUAL-001", params, frame([slip(gross=gross)], "payslips"), frame(rows, "pay_lines")) == []


# The same payslips with their first line (the traitement) missing from the file: the gap
# reported is the smallest over the accepted conventions, worked out by hand.
MISSING_TRAITEMENT_GAP = {
    # 1934.08 - (200.00 - 65.92) = 1800.00
    "rappels_de_cotisation_et_regul_en_retenue": 1800.00,
    # deductions in: 1497.63 - (-532.00 + 257.18) = 1772.45 ; after: 1497.63 - 257.18 = 1240.45
    "ijss_nettes_et_frais_hors_brut": 1240.45,
    # Base counted: 1485.32 - (168.51 + 102.35) = 1214.46 ; not: 1485.32 - 168.51 = 1316.81
    "avantage_en_nature_en_base_dans_le_brut": 1214.46,
    # Base counted: 1382.97 - 270.86 = 1112.11 ; not: 1382.97 - 168.51 = 1214.46
    "avantage_en_nature_en_base_hors_brut": 1112.11,
    # deductions in: 1874.20 + 61.26 = 1935.46 ; after: 1874.20 - 0 = 1874.20
    "deductions_dans_le_brut": 1874.20,
    # deductions in: 1935.46 + 61.26 = 1996.72 ; after: 1935.46
    "deductions_apres_le_brut": 1935.46,
}


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_a_missing_line_is_still_reported(params, convention):
    gross, rows = CONVENTIONS[convention]
    (f,) = run("QUAL-001", params, frame([slip(gross=gross)], "payslips"), frame(rows[1:], "pay_lines"))
    assert f.amount == MISSING_TRAITEMENT_GAP[convention]


def test_payslip_whose_gross_was_derived_is_not_compared(params):
    # no MtBrut in the file: the importer derived the gross from the lines (gross_derived)
    ps = frame([slip("A", gross=1000.0)], "payslips").assign(gross_derived=True)
    pl = frame([line("T", 1200.0, "A")], "pay_lines")
    assert run("QUAL-001", params, ps, pl) == []
    assert len(run("QUAL-001", params, ps.drop(columns="gross_derived"), pl)) == 1


# --- QUAL-005 ----------------------------------------------------------------------------------
def net_slip(gross, net, **kw):
    return dict(slip(gross=gross, **kw), net=net)


# The metro2011 December payslip of agent 197 P written by hand: 1832.54 + 272.86 = 2105.40 gross;
# employee contributions 140.01 + 17.90 + 48.00 + 10.92 + 50.53 + 111.45 + 52.45 = 431.26;
# retenues 57.73 + 3.30 + 1.83 = 62.86; employer participation 115.47 (RE line) and forfait
# social 11.81 (RE line) not withheld; net 2105.40 - 431.26 - 62.86 = 1611.28.
NET_LINES = [
    line("T", 1832.54), line("I", 272.86, code="230N", label="PRIME SERVICE", category="autre_prime"),
    *[line("D", a, code=c, label=c, category=cat) for c, a, cat in (
        ("804C", 140.01, "cot_sal_urssaf"), ("810C", 17.90, "cot_sal_urssaf"), ("840C", 48.00, "cot_sal_ircantec"),
        ("844C", 10.92, "cot_sal_csg_crds"), ("850C", 50.53, "cot_sal_chomage"), ("859C", 111.45, "cot_sal_csg_crds"),
        ("869C", 52.45, "cot_sal_csg_crds"))],
    line("RE", 57.73, code="406M", label="MUTUELLE SANTE", category="retenue", source_line=30),
    line("RE", 3.30, code="417M", label="AGF", category="retenue"),
    line("RE", 1.83, code="423M", label="COS PO", category="retenue"),
    line("RE", 115.47, code="407M", label="SUB MUTUELLE", category="part_pat_pcs", source_line=31),
    line("RE", 11.81, code="845N", label="TAXE PREVOYANCE", category="forfait_social"),
    line("C", 174.75, code="805C", label="COT. SS VIEIL. RG", category="cot_pat_urssaf"),
]


def test_net_balances(params):
    assert params.value("controles.tolerance_net_lignes_eur", (2024, 3)) == 0.05
    ps = frame([net_slip(2105.40, 1611.28)], "payslips")
    assert run("QUAL-005", params, ps, frame(NET_LINES, "pay_lines")) == []


def test_employer_charge_counted_as_a_retenue_is_reported(params):
    # the employer's subsidy classified as an employee retenue: the lines give 1611.28 - 115.47
    # = 1495.81, the net declared is 115.47 higher
    rows = [dict(r, category="retenue") if r["code"] == "407M" else r for r in NET_LINES]
    (f,) = run("QUAL-005", params, frame([net_slip(2105.40, 1611.28)], "payslips"), frame(rows, "pay_lines"))
    assert f.amount == 115.47 and f.severity == "alerte"
    assert "le net déclaré (1 611,28 EUR) est supérieur de 115,47 EUR au net que donnent ses lignes (1 495,81 EUR" \
        in f.message
    assert "égal au montant de la ligne 407M « SUB MUTUELLE » (nature RE, catégorie retenue)" in f.message
    assert (f.evidence[0].label, f.evidence[0].amount) == ("MtNet", 1611.28)


def test_net_with_outside_gross_items_and_genuine_refund(params):
    # gross 1772.45 - 532.00 + 257.18 = 1497.63 ; net IJSS 501.28 added ; contributions 300.00 ;
    # a genuine refund of a retenue written negative (-12.00) adds to the net:
    # 1497.63 + 501.28 - 300.00 + 12.00 = 1710.91
    rows = CONVENTIONS["ijss_nettes_et_frais_hors_brut"][1][:4] + [
        line("D", 300.0, code="5200", label="CNRACL", category="cot_sal_cnracl"),
        line("RE", -12.0, code="8050", label="REMB. MUTUELLE", category="retenue"),
    ]
    ps = frame([net_slip(1497.63, 1710.91)], "payslips")
    assert run("QUAL-005", params, ps, frame(rows, "pay_lines")) == []
    # the same payslip whose net forgot the refund: 1698.91, 12.00 lower than the lines
    (f,) = run("QUAL-005", params, frame([net_slip(1497.63, 1698.91)], "payslips"), frame(rows, "pay_lines"))
    assert f.amount == 12.0 and "inférieur de 12,00 EUR" in f.message


def test_a_gross_gap_alone_is_not_reported_twice(params):
    # the traitement line is missing: QUAL-001 reports it; MtBrut - contributions - retenues =
    # MtNet still holds, so QUAL-005 stays silent
    ps = frame([net_slip(2105.40, 1611.28)], "payslips")
    pl = frame(NET_LINES[1:], "pay_lines")
    assert [f.amount for f in run("QUAL-001", params, ps, pl)] == [1832.54]
    assert run("QUAL-005", params, ps, pl) == []
    # without MtBrut (gross derived from the lines) the missing line shows in the net only
    assert [f.amount for f in run("QUAL-005", params, ps.assign(gross_derived=True), pl)] == [1832.54]


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


# --- real samples ------------------------------------------------------------------------------
def sample(shared_pes, name):
    ps, pl = load_sample(str(shared_pes / name))
    return ps, pl.assign(category=classify_payroll(pl, ps))


@pytest.mark.parametrize("name", ["metro2011", "ville2012"])
def test_samples_gross_and_net_reconcile(shared_pes, params, name):
    # All 108 + 135 payslips reconcile to the cent once the lines are taken by category: no
    # QUAL-001 (it raised 65 alerts when lines were taken by PES kind) and no QUAL-005.
    ps, pl = sample(shared_pes, name)
    assert run("QUAL-001", params, ps, pl) == []
    assert run("QUAL-005", params, ps, pl) == []


def test_sample_with_a_line_removed_is_reported(shared_pes, params):
    # ville_2012_03.xhl, agent 011003: removing its I.E.M.P. line (156.26 EUR) from the file is a
    # real gap, reported by QUAL-001 with that amount
    ps, pl = sample(shared_pes, "ville2012")
    drop = pl[(pl["matricule"] == "011003") & (pl["month"] == 3) & (pl["code"] == "305A")]
    assert drop["amount"].tolist() == [156.26]
    f = run("QUAL-001", params, ps, pl.drop(index=drop.index))
    assert [(x.matricule, x.month, x.amount) for x in f] == [("011003", 3, 156.26)]
    assert run("QUAL-005", params, ps, pl.drop(index=drop.index)) == []


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
    # as thousands separator, as in eur() (fmt.fr_amount); decimals lose their useless zeros only
    assert num(10, 0) == "10" and num(100.0, 1) == "100"
    assert num(1820, 0) == "1 820" and num(12.50) == "12,5" and num(0.8) == "0,8"


def test_net_of_a_dsn_payslip_is_not_compared(params):
    # a DSN gives its net fiscal (S21.G00.50.002), not the PES MtNet: no identity with the lines
    # (the payslip's source_kind says where it was read, whatever its line codes)
    ps = frame([net_slip(2000.0, 1700.0)], "payslips").assign(source_kind="dsn")
    pl = frame([line("T", 2000.0, code="1010", label="Salaire de base"),
                line("D", 222.2, code="5200", label="CNRACL", category="cot_sal_cnracl")], "pay_lines")
    assert run("QUAL-005", params, ps, pl) == []
    # the same payslip read from a PES file: 2000.00 - 222.20 = 1777.80, 77.80 above the net declared
    pes = ps.assign(source_kind="pes")
    assert [f.amount for f in run("QUAL-005", params, pes, pl)] == [77.8]
