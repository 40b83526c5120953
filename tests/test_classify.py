"""Rubric classification: normalisation, matching order, config errors, real samples, inventory."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from pes_samples import load_sample
from rhaudit import model
from rhaudit.classify import (
    ClassificationError,
    Classifier,
    classification_coverage,
    classify_lines,
    classify_payroll,
    normalize_label,
    rubric_inventory,
    write_code_table,
)

REPO = Path(__file__).resolve().parents[1]
RUBRIQUES = REPO / "configs" / "rubriques"


def lines(*rows) -> pd.DataFrame:
    """Pay lines from (kind, code, label, amount) tuples."""
    df = pd.DataFrame(rows, columns=["kind", "code", "label", "amount"])
    df["matricule"], df["year"], df["month"], df["establishment"] = "A1", 2024, 3, "E"
    return model.conform(df, "pay_lines")


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def repo_classifier() -> Classifier:
    return Classifier.load(RUBRIQUES)


@pytest.fixture(scope="module")
def patterns_only() -> Classifier:
    """The reference vocabulary of the repository without any code table."""
    return Classifier.load(RUBRIQUES, tables=False)


# --- normalisation -----------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("HEURES SUPPL.  = 14 H", "HEURES SUPPL = 14 H"),
    ("I.A.T.", "IAT"),
    ("S.S. F.N.A.L. RM", "SS FNAL RM"),
    ("Indemnité d'astreinte", "INDEMNITE D ASTREINTE"),
    ("***  TEMPS NON COMPLET  ***", "*** TEMPS NON COMPLET ***"),
    ("ADJ. ADM. PRINC. 1E CL", "ADJ ADM PRINC 1E CL"),
    ("CSG DEDUCTIBLE 1%", "CSG DEDUCTIBLE 1%"),
    (None, ""),
])
def test_normalize_label(raw, expected):
    assert normalize_label(raw) == expected


# --- matching order --------------------------------------------------------------------------
def test_exact_label_then_code_only_then_pattern_then_unclassified(tmp_path):
    write(tmp_path, "logiciel.yaml", """
source: Logiciel X
rubriques:
  - {code: "4001", libelle: "Prime spéciale", categorie: ifse}
  - {code: "4001", categorie: cia}
  - {code: "0880", categorie: marqueur}
""")
    write(tmp_path, "motifs.yaml", r"""
motifs:
  - {motif: '\bCNRACL\b', categorie: cot_sal_cnracl, natures: [D]}
  - {motif: '\bCNRACL\b', categorie: cot_pat_cnracl, natures: [C]}
  - {motif: '\bNOMBRE\b', categorie: information, montant_nul: true}
  - {motif: 'PRIME', categorie: autre_prime}
""")
    c = Classifier.load(tmp_path)
    df = lines(
        ("I", "4001", "PRIME SPECIALE", 10.0),   # (code, normalised label) -> ifse
        ("I", "4001", "prime  spéciale.", 10.0),  # same after normalisation -> ifse
        ("I", "4001", "AUTRE LIBELLE", 10.0),     # code-only entry -> cia
        ("I", "9999", "PRIME DIVERSE", 10.0),     # pattern -> autre_prime
        ("D", "5200", "CNRACL", 50.0),            # pattern restricted to D
        ("C", "6200", "CNRACL", 150.0),           # pattern restricted to C
        ("R", "6200", "CNRACL", 1.0),             # neither D nor C -> unclassified
        ("T", "1011", "NOMBRE DE POINTS", 0.0),   # zero amount -> information
        ("T", "1011", "NOMBRE DE POINTS", 5.0),   # non-zero: the zero-only pattern does not apply
        ("T", "0880", "***", 0.0),                # code-only entry
    )
    assert classify_lines(df, c).tolist() == [
        "ifse", "ifse", "cia", "autre_prime", "cot_sal_cnracl", "cot_pat_cnracl", "non_classe",
        "information", "non_classe", "marqueur",
    ]


def test_first_table_in_name_order_wins(tmp_path):
    write(tmp_path, "a.yaml", 'source: A\nrubriques:\n  - {code: "1", categorie: iat}\n')
    write(tmp_path, "b.yaml", 'source: B\nrubriques:\n  - {code: "1", categorie: ifts}\n')
    assert classify_lines(lines(("I", "1", "X", 1.0)), Classifier.load(tmp_path)).tolist() == ["iat"]


def test_classify_maps_back_on_many_lines(repo_classifier):
    # 3 distinct rubrics repeated 20,000 times each: every line gets its rubric's category.
    base = lines(("T", "1010", "TRAITEMENT INDICIAIRE", 1200.0), ("I", "3051", "I.A.T.", 86.84),
                 ("D", "5200", "CNRACL", 100.0))
    big = pd.concat([base] * 20_000, ignore_index=True)
    cats = classify_lines(big, repo_classifier)
    assert cats.value_counts().to_dict() == {"traitement": 20_000, "iat": 20_000, "cot_sal_cnracl": 20_000}
    assert cats.index.equals(big.index)


def test_empty_lines():
    assert classify_lines(model.empty_frame("pay_lines")).empty


# --- configuration errors ----------------------------------------------------------------------
def test_unquoted_code_is_refused_with_file_name(tmp_path):
    write(tmp_path, "x.yaml", "source: X\nrubriques:\n  - {code: 880, categorie: marqueur}\n")
    with pytest.raises(ClassificationError) as exc:
        Classifier.load(tmp_path)
    assert "x.yaml" in str(exc.value) and "guillemets" in str(exc.value)


def test_unknown_category_is_refused(tmp_path):
    write(tmp_path, "x.yaml", 'source: X\nrubriques:\n  - {code: "1", categorie: prime_magique}\n')
    with pytest.raises(ClassificationError, match="rubriques.0.categorie.*prime_magique"):
        Classifier.load(tmp_path)


def test_bad_regex_and_kind_are_refused(tmp_path):
    write(tmp_path, "motifs.yaml", "motifs:\n  - {motif: '(', categorie: iat}\n")
    with pytest.raises(ClassificationError, match="expression régulière invalide"):
        Classifier.load(tmp_path)
    write(tmp_path, "motifs.yaml", "motifs:\n  - {motif: 'X', categorie: iat, natures: [Z]}\n")
    with pytest.raises(ClassificationError, match="natures inconnues"):
        Classifier.load(tmp_path)


# --- the label patterns on their own -----------------------------------------------------------
@pytest.mark.parametrize("kind, label, amount, expected", [
    ("T", "TRAITEMENT DE BASE", 1832.54, "traitement"),
    ("R", "DEMI-TRAITEMENT", 694.54, "traitement"),
    ("T", "NOUVELLE BONIFICATION INDICIAIRE", 69.45, "nbi"),
    ("T", "NOMBRE DE POINTS BONIF.", 0.0, "information"),
    ("D", "*** COTIS. SALARIALES ***", 0.0, "marqueur"),
    ("D", "RAFP BASE AVANT PLAFONNEMENT", 0.0, "information"),
    ("I", "I.A.T.", 86.84, "iat"),
    ("I", "I.E.M.P.", 81.67, "iemp"),
    ("I", "I.F.T.S.", 207.31, "ifts"),
    ("I", "IFSE MENSUELLE", 300.0, "ifse"),
    ("I", "COMPLEMENT INDEMNITAIRE ANNUEL", 500.0, "cia"),
    ("I", "HEURES SUPPL.  = 14 H", 78.13, "ihts_14"),
    ("I", "I.H.T.S. > 14H", 40.0, "ihts_15"),
    ("I", "HEURES SUPPL. <= 14 H", 40.0, "ihts_14"),
    ("I", "HEURES SUPPL. DE NUIT", 23.74, "ihts_nuit"),
    ("I", "HEURES SUPPL. DIMANCHE JF", 38.16, "ihts_dimanche_ferie"),
    ("T", "HEURES COMPL. TEMPS PARTIEL", 663.7, "heures_complementaires"),
    ("I", "IND ASTR NUIT SEM FRACTIONNEE", 24.24, "astreinte"),
    ("I", "PRIME FIN ANNEE", 2159.74, "prime_fin_annee"),
    ("S", "SUPPLEMENT FAMILIAL", 73.79, "sft"),
    ("IR", "INDEMNITE DE RESIDENCE", 12.0, "indemnite_residence"),
    ("I", "IND. DIFFERENTIELLE. SMIC", 16.23, "indemnite_differentielle"),
    ("T", "SMIC", 1398.69, "traitement"),  # base pay of a contrat aidé, not an indemnité différentielle
    ("I", "GIPA", 120.0, "gipa"),
    ("I", "INDEM. CONGES PAYES", 335.5, "indemnite_conges"),
    ("R", "DED CARENCE TT INDICIAIRE", -48.0, "carence"),
    ("R", "DED RI 4E ARRET MALADIE", -6.55, "deduction_ri"),
    ("RE", "TAXE PREVOYANCE", 11.81, "forfait_social"),
    ("RE", "SUB MUTUELLE F.S.", 115.47, "part_pat_pcs"),  # employer cue SUB(vention)
    ("C", "EXONERATION HS RG", -77.39, "reduction_cot_hs"),
    ("I", "IJSS NETTE", 501.28, "ijss_nette"),
    ("I", "IJSS SUB C<31", -532.0, "ijss_deduction"),
    ("A", "REMB. FRAIS STATIONNEMENT", 27.0, "remboursement_frais"),
    ("T", "VACATIONS ANIM. POL. VILLE", 80.6, "vacations"),
    ("AV", "AVANTAGE EN NATURE LOGEMENT", 150.0, "avantage_nature"),
    ("D", "CNRACL", 105.67, "cot_sal_cnracl"),
    ("C", "CNRACL", 345.94, "cot_pat_cnracl"),
    ("C", "CNRACL A.T.I.", 6.28, "cot_pat_autre"),
    ("D", "RAFP COTISATIONS PART SALARIALE", 9.64, "cot_sal_rafp"),
    ("C", "RAFP COTISATIONS PART PATRONALE", 9.64, "cot_pat_rafp"),
    ("D", "IRCANTEC TR. A", 8.94, "cot_sal_ircantec"),
    ("C", "IRCANTEC TR. A", 12.97, "cot_pat_ircantec"),
    ("D", "C.S.G. TITULAIRES", 29.15, "cot_sal_csg_crds"),
    ("D", "R.D.S. TITULAIRES", 6.07, "cot_sal_csg_crds"),
    ("D", "1% SOLIDARITE", 19.33, "cot_sal_chomage"),
    ("D", "S.S. VIEILLESSE PLAFONNEE RG", 25.63, "cot_sal_urssaf"),
    ("C", "S.S. ALLOCATIONS FAMILIALES RM", 68.03, "cot_pat_urssaf"),
    ("C", "S.S. F.N.A.L. RM", 1.26, "cot_pat_autre"),
    ("R", "RAP.COT.ALFAM TOT.RG", -4.16, "cot_pat_urssaf"),  # family allowances: employer only
    ("RE", "COTIS. OUV. POLE EMPLOI", 12.3, "cot_sal_chomage"),
    ("C", "C.N.F.P.T. RM", 11.34, "cot_pat_autre"),
    ("RE", "MUTUELLE M.N.T.          MS", 55.64, "retenue"),
    ("AC", "ACOMPTE", 300.0, "acompte"),
    ("I", "PRIME EXCEPTIONNELLE", 100.0, "autre_prime"),
    ("I", "XYZ", 100.0, "non_classe"),
])
def test_patterns(patterns_only, kind, label, amount, expected):
    assert classify_lines(lines((kind, "ZZZZ", label, amount)), patterns_only).iloc[0] == expected


# --- the real samples --------------------------------------------------------------------------
@pytest.mark.parametrize("sample", ["metro2011", "ville2012"])
def test_real_samples_fully_classified_by_their_tables(shared_pes, repo_classifier, sample):
    _, pl = load_sample(str(shared_pes / sample))
    cats = classify_lines(pl, repo_classifier)
    assert cats.notna().all()
    assert not cats.eq("non_classe").any(), pl.loc[cats.eq("non_classe"), ["code", "label"]].drop_duplicates()
    # every code of the sample is in its table (hand-classified), not left to the patterns
    table = yaml.safe_load((RUBRIQUES / f"{sample}.yaml").read_text(encoding="utf-8"))
    assert set(pl["code"].str.strip()) == {e["code"] for e in table["rubriques"]}


@pytest.fixture(scope="module")
def without_tables(shared_pes, patterns_only):
    """Both samples classified WITHOUT their hand-written code tables (metro2011.yaml and
    ville2012.yaml): labels, kinds, signs and the payslip identities only."""
    out = {}
    for sample in ("metro2011", "ville2012"):
        ps, pl = load_sample(str(shared_pes / sample))
        out[sample] = (ps, pl, classify_payroll(pl, ps, patterns_only))
    return out


@pytest.mark.parametrize("sample", ["metro2011", "ville2012"])
def test_samples_without_their_tables_classify_98_percent_of_gross(without_tables, sample):
    _, pl, cats = without_tables[sample]
    cov = classification_coverage(pl, cats)
    assert cov["gross_share"] >= 0.98, rubric_inventory(pl, categories=cats).head(10)
    assert cov["all_share"] >= 0.98


@pytest.mark.parametrize("sample", ["metro2011", "ville2012"])
def test_samples_without_their_tables_agree_with_the_tables(without_tables, repo_classifier, sample):
    # Weighted by amount, the categories found without the tables are those of the hand-written
    # tables for at least 98 % of all amounts (and of the employee/employer side of every
    # contribution recall, decided by the net identity).
    _, pl, cats = without_tables[sample]
    hand = classify_lines(pl, repo_classifier)
    amount = pl["amount"].abs()
    assert amount[cats.eq(hand)].sum() / amount.sum() >= 0.98, \
        pl.assign(found=cats, hand=hand)[cats.ne(hand)].groupby(["code", "label", "found", "hand"]).size()


@pytest.mark.parametrize("sample, code, expected", [
    # the codes named in issue 7 and in the samples' README
    ("ville2012", "1010", "traitement"),
    ("ville2012", "1012", "nbi"),
    ("ville2012", "1011", "information"),
    ("ville2012", "1040", "sft"),
    ("ville2012", "3051", "iat"),
    ("ville2012", "305A", "iemp"),
    ("ville2012", "3046", "ifts"),
    ("ville2012", "1900", "ihts_14"),
    ("ville2012", "1930", "ihts_nuit"),
    ("ville2012", "1510", "traitement"),
    ("ville2012", "4090", "astreinte"),
    ("ville2012", "2301", "vacations"),
    ("ville2012", "4670", "carence"),
    ("ville2012", "401A", "deduction_ri"),
    ("ville2012", "4705", "avantage_nature"),
    ("ville2012", "7650", "ijss_nette"),
    ("ville2012", "7231", "remboursement_frais"),
    ("ville2012", "810Z", "forfait_social"),
    ("ville2012", "6205", "cot_pat_autre"),
    ("ville2012", "6200", "cot_pat_cnracl"),
    ("ville2012", "5200", "cot_sal_cnracl"),
    ("metro2011", "011N", "traitement"),
    ("metro2011", "011G", "traitement"),  # a salary correction booked as a Retenue
    ("metro2011", "224N", "prime_fin_annee"),
    ("metro2011", "630N", "ihts"),
    ("metro2011", "733N", "astreinte"),
    ("metro2011", "742N", "indemnite_conges"),
    ("metro2011", "196N", "ijss_nette"),
    ("metro2011", "170N", "ijss_deduction"),
    ("metro2011", "197N", "ijss_deduction"),  # "REG IJSS NETTE" booked inside the gross: the gross identity says so
    ("metro2011", "728N", "remboursement_frais"),
    ("metro2011", "887C", "reduction_cot_hs"),
    ("metro2011", "845N", "forfait_social"),
    # employer charges booked as Retenue that the net never withholds (18,393.74 EUR in all)
    ("metro2011", "407M", "part_pat_pcs"),
    ("metro2011", "422M", "part_pat_pcs"),
    ("metro2011", "424M", "part_pat_pcs"),
    ("metro2011", "406M", "retenue"),
    # contribution recalls (nature R) with the same label on both sides: rate and net identity decide
    ("metro2011", "804A", "cot_sal_urssaf"),
    ("metro2011", "805A", "cot_pat_urssaf"),
    ("metro2011", "807A", "cot_pat_urssaf"),
    ("metro2011", "810A", "cot_sal_urssaf"),
    ("metro2011", "811A", "cot_pat_urssaf"),
    ("metro2011", "840A", "cot_sal_ircantec"),
    ("metro2011", "841A", "cot_pat_ircantec"),
    ("metro2011", "851A", "cot_pat_autre"),
    ("metro2011", "804C", "cot_sal_urssaf"),
    ("metro2011", "840C", "cot_sal_ircantec"),
])
def test_real_sample_codes_without_tables(without_tables, repo_classifier, sample, code, expected):
    _, pl, cats = without_tables[sample]
    of_code = pl["code"] == code
    assert of_code.any()
    assert set(cats[of_code]) == {expected}
    assert set(classify_lines(pl[of_code], repo_classifier)) == {expected}  # and the hand table agrees


def test_employer_charges_no_longer_counted_as_employee_deductions(without_tables):
    # metro2011: 407M 12,470.76 + 422M 2,198.96 + 424M 2,361.87 + 845N 1,362.15 = 18,393.74 EUR
    # of employer charges booked as Retenue; none is an employee deduction any more.
    _, pl, cats = without_tables["metro2011"]
    employer = pl["code"].isin(["407M", "422M", "424M", "845N"])
    assert round(pl.loc[employer, "amount"].sum(), 2) == 18393.74
    assert set(cats[employer]) <= {"part_pat_pcs", "forfait_social"}


# --- inventory and starter table ---------------------------------------------------------------
def test_inventory_unclassified_first_then_by_amount(repo_classifier):
    df = lines(
        ("T", "1010", "TRAITEMENT INDICIAIRE", 1000.0),
        ("T", "1010", "TRAITEMENT INDICIAIRE", 1200.5),
        ("I", "3051", "I.A.T.", 86.84),
        ("D", "5200", "CNRACL", -3000.0),
        ("I", "ZZ01", "XYZ", 5.0),
        ("I", "ZZ02", "QRS", 7.0),
    )
    inv = rubric_inventory(df, repo_classifier)
    assert list(inv.columns) == ["code", "label", "kind", "category", "lines", "amount"]
    # non_classe first (by |amount|: 7 then 5), then |amounts| 3000 > 2200.50 (1000 + 1200.50) > 86.84
    assert inv["code"].tolist() == ["ZZ02", "ZZ01", "5200", "1010", "3051"]
    assert inv["lines"].tolist() == [1, 1, 1, 2, 1]
    assert inv["amount"].tolist() == [7.0, 5.0, -3000.0, 2200.5, 86.84]
    assert inv["category"].tolist() == ["non_classe", "non_classe", "cot_sal_cnracl", "traitement", "iat"]


def test_write_code_table_round_trip(tmp_path, patterns_only):
    df = lines(("I", "0420", "Prime « spéciale »", 5.0), ("I", "3051", "I.A.T.", 86.84),
               ("I", "3051", "I.A.T.", 86.84))
    inv = rubric_inventory(df, patterns_only)
    path = write_code_table(inv, tmp_path / "tables" / "nouveau.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Table de codes")
    assert '{code: "0420", libelle: "Prime « spéciale »", categorie: autre_prime}' in text
    assert '{code: "3051", libelle: "I.A.T.", categorie: iat}' in text
    # the written file is a valid code table: loaded alone, it gives the same categories
    assert classify_lines(df, Classifier.load(path.parent)).tolist() == ["autre_prime", "iat", "iat"]


def test_write_code_table_marks_unclassified(tmp_path, patterns_only):
    inv = rubric_inventory(lines(("I", "9Z01", "XYZ", 12.0)), patterns_only)
    text = write_code_table(inv, tmp_path / "t.yaml").read_text(encoding="utf-8")
    assert '{code: "9Z01", libelle: "XYZ", categorie: non_classe}  # À COMPLÉTER' in text
