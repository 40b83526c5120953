"""Classification beyond the known programs: damaged labels, the vocabulary's own examples,
side cues, the Nomenclatures block, and the payslip identities deciding what labels leave open.
Every line here is invented (other programs' codes and labels), none comes from the samples."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from rhaudit import model
from rhaudit.classify import (
    Classifier,
    Vocabulary,
    classify_lines,
    classify_payroll,
    load_yaml_model,
    normalize_label,
)
from rhaudit.reconcile import subsets_reaching, unique_move

REPO = Path(__file__).resolve().parents[1]
RUBRIQUES = REPO / "configs" / "rubriques"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def vocabulary() -> Classifier:
    return Classifier.load(RUBRIQUES, tables=False)


def lines(*rows, matricule="A1", month=3) -> pd.DataFrame:
    """Pay lines from (kind, code, label, amount[, rate]) tuples, one payslip."""
    df = pd.DataFrame([r if len(r) == 5 else (*r, None) for r in rows], columns=["kind", "code", "label", "amount", "rate"])
    df["matricule"], df["year"], df["month"], df["establishment"], df["source_file"] = matricule, 2019, month, "E", "x.xml"
    return model.conform(df, "pay_lines")


def slip(gross, net, matricule="A1", month=3) -> dict:
    return {"matricule": matricule, "year": 2019, "month": month, "establishment": "E", "source_file": "x.xml",
            "gross": gross, "net": net, "source_line": 1}


# --- damage-tolerant normalisation -------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("Suppl   ment familial de traitement", "SUPPLEMENT FAMILIAL DE TRAITEMENT"),  # é lost to spaces
    ("Indemnit   d'exercice des missions", "INDEMNITE D EXERCICE DES MISSIONS"),  # é lost at the end of a word
    ("R?gime indemnitaire", "REGIME INDEMNITAIRE"),
    ("Indemnit\ufffd de r\ufffdsidence", "INDEMNITE DE RESIDENCE"),
    ("IndemnitÃ© de rÃ©sidence", "INDEMNITE DE RESIDENCE"),  # UTF-8 read as Latin-1
    ("Supplment familial", "SUPPLEMENT FAMILIAL"),  # letter dropped with no trace
    # abbreviations and double spaces between words are not "mended" into other words
    ("HEURES SUPPL.  = 14 H", "HEURES SUPPL = 14 H"),
    ("IND. HOR.  TRAV. DIM  JOURS FERIES", "IND HOR TRAV DIM JOURS FERIES"),
    ("INDEMNITE D ASTREINTE", "INDEMNITE D ASTREINTE"),
])
def test_damaged_labels_are_mended_with_the_lexicon(vocabulary, raw, expected):
    assert normalize_label(raw, vocabulary.lexicon) == expected


def test_without_lexicon_the_normaliser_is_unchanged():
    assert normalize_label("Suppl   ment familial") == "SUPPL MENT FAMILIAL"


# --- other programs' labels ------------------------------------------------------------------------
def other_programs() -> pd.DataFrame:
    return pd.read_csv(DATA / "rubriques_autres_logiciels.csv", sep=";", comment="#", dtype={"code": str},
                       encoding="utf-8")


@pytest.mark.parametrize("row", other_programs().to_dict("records"), ids=lambda r: r["code"])
def test_labels_of_other_programs(vocabulary, row):
    df = lines((row["nature"], row["code"], row["libelle"], row["montant"]))
    assert classify_lines(df, vocabulary).iloc[0] == row["attendu"]


def test_every_example_of_the_vocabulary_gets_its_category(vocabulary):
    voc = load_yaml_model(RUBRIQUES / "vocabulaire.yaml", Vocabulary)
    wrong = []
    for e in voc.elements:
        kind = (e.natures or ["I"])[0]
        amount = {"negatif": -10.0, "nul": 0.0}.get(e.signe, 10.0)
        for label in e.exemples:
            got = classify_lines(lines((kind, "X", label, amount)), vocabulary).iloc[0]
            if got != e.categorie:
                wrong.append((label, e.categorie, got))
    assert wrong == []


def test_vocabulary_holds_no_code_of_the_samples():
    # the samples' codes are in their own tables only: the vocabulary must not be tuned to them
    text = (RUBRIQUES / "vocabulaire.yaml").read_text(encoding="utf-8")
    codes = {e["code"] for name in ("metro2011.yaml", "ville2012.yaml")
             for e in yaml.safe_load((RUBRIQUES / name).read_text(encoding="utf-8"))["rubriques"]}
    tokens = set(text.replace("'", " ").replace('"', " ").split())
    assert codes & tokens == set()


def test_nomenclature_label_classifies_a_line_whose_label_says_nothing(vocabulary):
    df = lines(("S", "0410", "?????", 73.79), ("I", "0520", "PRIME X", 10.0))
    nomenclature = pd.DataFrame({"code": ["0410", "0520"], "label": ["SUPPLEMENT FAMILIAL DE TRAITEMENT", "I.F.S.E."],
                                 "kind": ["S", "I"], "source_file": ["x.xml", "x.xml"]})
    assert classify_lines(df, vocabulary).tolist() == ["non_classe", "autre_prime"]
    # the program's own label is read only when the line's label gives nothing
    assert classify_lines(df, vocabulary, nomenclature=nomenclature).tolist() == ["sft", "autre_prime"]


# --- the payslip identities ----------------------------------------------------------------------
def test_subset_search():
    values = pd.Series([1557, 1663, 5773, 330]).to_numpy()
    assert [m.tolist() for m in subsets_reaching(values, 3220)] == [[True, True, False, False]]
    assert unique_move(values, 3220).tolist() == [True, True, False, False]
    assert unique_move(values, 999) is None
    # two ways to reach 300 with one line each: no single best move
    assert unique_move(pd.Series([300, 300, 7]).to_numpy(), 300) is None


def program_y() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three payslips of an invented program Y. Its Retenue "GARANTIE MAINTIEN SALAIRE" is paid
    by the employer (the net never withholds it); its contribution recalls carry the same label
    for both sides ("RAPPEL COTISATION VIEILLESSE", R1 employee, R2 employer) and no rate."""
    frames, slips = [], []
    for month, (trait, mut, gms, r1, r2) in enumerate([(2000.0, 40.0, 25.0, -5.0, -7.5),
                                                       (2100.0, 40.0, 26.25, 3.2, 4.8),
                                                       (1900.0, 40.0, 23.75, -2.0, -3.1)], start=1):
        cnracl = round(trait * 0.1111, 2)
        frames.append(lines(("T", "T1", "TRAITEMENT BRUT", trait), ("D", "D1", "RETENUE CNRACL", cnracl),
                            ("RE", "M1", "MUTUELLE SANTE", mut), ("RE", "M2", "GARANTIE MAINTIEN SALAIRE", gms),
                            ("R", "R1", "RAPPEL COTISATION VIEILLESSE", r1), ("R", "R2", "RAPPEL COTISATION VIEILLESSE", r2),
                            ("C", "C1", "CNRACL PATRONALE", round(trait * 0.3065, 2)), month=month))
        # net by hand: traitement - CNRACL - mutuelle - employee recall (R1); M2 and R2 are the employer's
        slips.append(slip(trait, round(trait - cnracl - mut - r1, 2), month=month))
    return model.conform(pd.DataFrame(slips), "payslips"), pd.concat(frames, ignore_index=True)


def test_net_identity_puts_employer_charges_on_the_employer_side(vocabulary):
    ps, pl = program_y()
    by_label = classify_lines(pl, vocabulary)
    assert set(by_label[pl["code"].isin(["M2", "R2"])]) == {"retenue", "cot_sal_urssaf"}  # the label cannot tell
    cats = classify_payroll(pl, ps, vocabulary)
    got = dict(zip(pl["code"], cats))
    assert got == {"T1": "traitement", "D1": "cot_sal_cnracl", "M1": "retenue", "M2": "part_pat_pcs",
                   "R1": "cot_sal_urssaf", "R2": "cot_pat_urssaf", "C1": "cot_pat_cnracl"}


def test_a_recall_takes_the_side_of_the_rate_it_carries(vocabulary):
    # one payslip is enough when the recall carries a rate: 6.90 % is the employee rate of the
    # D line, 8.55 % the employer rate of the C line
    pl = lines(("T", "T1", "TRAITEMENT", 2000.0), ("D", "D1", "VIEILLESSE PLAFONNEE", 138.0, 6.9),
               ("C", "C1", "VIEILLESSE PLAFONNEE", 171.0, 8.55),
               ("R", "R1", "RAPPEL VIEILLESSE", -6.9, 6.9), ("R", "R2", "RAPPEL VIEILLESSE", -8.55, 8.55))
    ps = model.conform(pd.DataFrame([slip(2000.0, None)]), "payslips")
    cats = classify_payroll(pl, ps, vocabulary)
    assert dict(zip(pl["code"], cats))["R2"] == "cot_pat_urssaf"
    assert dict(zip(pl["code"], cats))["R1"] == "cot_sal_urssaf"


def test_gross_identity_places_a_refund_booked_inside_the_gross(vocabulary):
    # program Z counts its "INDEMNITE KILOMETRIQUE" inside MtBrut: 1500.00 + 42.00 = 1542.00 on
    # both payslips; the line is then pay (remuneration_autre), not a refund outside the gross
    frames, slips = [], []
    for month, km in ((1, 42.0), (2, 18.4)):
        frames.append(lines(("T", "T1", "TRAITEMENT", 1500.0), ("A", "K1", "INDEMNITE KILOMETRIQUE", km), month=month))
        slips.append(slip(1500.0 + km, None, month=month))
    pl, ps = pd.concat(frames, ignore_index=True), model.conform(pd.DataFrame(slips), "payslips")
    assert set(classify_lines(pl, vocabulary)[pl["code"] == "K1"]) == {"remboursement_frais"}
    assert set(classify_payroll(pl, ps, vocabulary)[pl["code"] == "K1"]) == {"remuneration_autre"}


def test_balanced_payslips_change_nothing(vocabulary):
    ps, pl = program_y()
    fixed = pl[~pl["code"].isin(["M2", "R2"])]  # without the employer lines every payslip balances
    assert classify_payroll(fixed, ps, vocabulary).tolist() == classify_lines(fixed, vocabulary).tolist()


def test_code_tables_are_never_overruled(tmp_path, vocabulary):
    ps, pl = program_y()
    (tmp_path / "vocabulaire.yaml").write_text((RUBRIQUES / "vocabulaire.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    (tmp_path / "y.yaml").write_text('source: Y\nrubriques:\n  - {code: "M2", categorie: retenue}\n', encoding="utf-8")
    cats = classify_payroll(pl, ps, Classifier.load(tmp_path))
    assert set(cats[pl["code"] == "M2"]) == {"retenue"}


def test_the_demo_code_table_is_what_the_vocabulary_alone_gives(vocabulary):
    # The demo's code table is its program's own catalogue (the generator writes its files from
    # it); with the tables switched off, the reference vocabulary must give each code the same
    # category, so that the demo proves the general mechanism and not a table written for it.
    # Deductions (withholdings, carence) are written negative by the demo.
    from rhaudit.demo.generator import kind_of

    table = yaml.safe_load((RUBRIQUES / "demo.yaml").read_text(encoding="utf-8"))["rubriques"]
    negative = {"carence", "retenue_absence"}
    differ = [(r["code"], r["libelle"], r["categorie"],
               vocabulary.category(kind_of(r["categorie"]), "?", r["libelle"], -1 if r["categorie"] in negative else 1))
              for r in table]
    assert [d for d in differ if d[2] != d[3]] == []
