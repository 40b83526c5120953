"""Catégorie (A/B/C) and population inference: grade patterns, overrides, real samples."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pes_samples import load_sample
from rhaudit import model
from rhaudit.population import GradeTable, PopulationError, annotate_population

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table() -> GradeTable:
    return GradeTable.load(REPO / "configs" / "grades.yaml")


def slips(*rows, year=2024, month=3) -> pd.DataFrame:
    """Payslips from dicts (matricule, statut, emploi, grade, indice...)."""
    df = pd.DataFrame(rows)
    df["year"], df["month"], df["establishment"] = year, month, "E"
    return model.conform(df, "payslips")


def pay_lines(*rows) -> pd.DataFrame:
    """Pay lines from (matricule, kind, label, amount) tuples."""
    df = pd.DataFrame(rows, columns=["matricule", "kind", "label", "amount"])
    df["year"], df["month"], df["establishment"], df["code"] = 2024, 3, "E", "X"
    return model.conform(df, "pay_lines")


# --- grade labels --------------------------------------------------------------------------------
@pytest.mark.parametrize("label, categorie, filiere", [
    ("ADJT TECHNIQUE 2 CL", "C", "technique"),
    ("ADJ. TECH. PRINC. 1E CL", "C", "technique"),
    ("ADJ. ADM. PRINC. 1E CL", "C", "administrative"),
    ("ADJOINT ADMINISTRATIF", "C", "administrative"),
    ("REDACT. PRINC. 2E CL", "B", "administrative"),
    ("REDACTEUR TERRITORIAL", "B", "administrative"),
    ("ATTACHE PRINC.", "A", "administrative"),
    ("ATTACHE DE CONSERVATION DU PATRIMOINE", "A", "culturelle"),
    ("ASSISTANT DE CONSERVATION PRINC 1E CL", "B", "culturelle"),
    ("ADJOINT DU PATRIMOINE 2E CL", "C", "culturelle"),
    ("BIBLIOTHECAIRE", "A", "culturelle"),
    ("INGENIEUR PRINCIPAL", "A", "technique"),
    ("ING. EN CHEF", "A", "technique"),
    ("TECHNICIEN PRINC 2 CL", "B", "technique"),
    ("AGENT DE MAITRISE PRINCIPAL", "C", "technique"),
    ("ATSEM 1ERE CLASSE", "C", "sociale"),
    ("ADJT ANIMATION 2 CL", "C", "animation"),
    ("ANIMATEUR PRINCIPAL", "B", "animation"),
    ("GARDIEN-BRIGADIER", "C", "police municipale"),
    ("CHEF DE SERVICE DE POLICE MUNICIPALE", "B", "police municipale"),
    ("DGS", "A", "administrative"),
    ("DIRECTEUR GENERAL DES SERVICES", "A", "administrative"),
    ("EDUCATEUR DES APS", "B", "sportive"),
])
def test_grade_labels(table, label, categorie, filiere):
    info = table.grade_info(label, dt.date(2024, 3, 1))
    assert info is not None and (info.categorie, info.filiere) == (categorie, filiere)


@pytest.mark.parametrize("label, when, categorie", [
    # décret 2017-902: éducateurs de jeunes enfants in catégorie A from 1 February 2019
    ("EDUCATEUR DE JEUNES ENFANTS", dt.date(2019, 1, 1), "B"),
    ("EDUCATEUR DE JEUNES ENFANTS", dt.date(2019, 2, 1), "A"),
    # décret 2021-1882: auxiliaires de puériculture in catégorie B from 1 January 2022
    ("AUXILIAIRE DE PUERICULTURE PRINC 2E CL", dt.date(2021, 12, 1), "C"),
    ("AUXILIAIRE DE PUERICULTURE PRINC 2E CL", dt.date(2022, 1, 1), "B"),
    ("PUERICULTRICE HORS CLASSE", dt.date(2024, 1, 1), "A"),
])
def test_dated_grade_categories(table, label, when, categorie):
    assert table.grade_info(label, when).categorie == categorie


def test_unknown_label_has_no_category(table):
    assert table.grade_info("SECRETAIRE  HOTESSE D ACCUEIL", dt.date(2024, 1, 1)) is None
    assert table.grade_info("", dt.date(2024, 1, 1)) is None


# --- annotate_population -------------------------------------------------------------------------
def test_categorie_from_grade_then_emploi_then_agents_override(table):
    ps = slips(
        {"matricule": "1", "statut": "TITULAIRE", "grade": "REDACTEUR", "emploi": "ASSISTANT RH", "indice": 400},
        {"matricule": "2", "statut": "NON_TITULAIRE", "grade": "", "emploi": "TECHNICIEN ASSAINISSEMENT", "indice": 0},
        {"matricule": "3", "statut": "TITULAIRE", "grade": "ADJOINT TECHNIQUE", "emploi": "", "indice": 380},
        {"matricule": "4", "statut": "TITULAIRE", "grade": "GRADE INCONNU", "emploi": "", "indice": 380},
    )
    agents = model.conform(pd.DataFrame({"matricule": ["3", "9"], "categorie": ["b", "A"]}), "agents")
    out = annotate_population(ps, pay_lines(), agents, table)
    # 1: grade REDACTEUR -> B; 2: no grade, emploi TECHNICIEN -> B; 3: reference says "b" -> B
    # (overrides C from the grade); 4: nothing known -> NA
    assert out["categorie"].tolist()[:3] == ["B", "B", "B"]
    assert out["categorie"].isna().tolist() == [False, False, False, True]
    assert out["population"].tolist() == ["agent"] * 4
    assert len(ps) == 4 and ps["categorie"].isna().all()  # input left untouched


def test_statutory_codes_map_when_configured(tmp_path, table):
    text = (REPO / "configs" / "grades.yaml").read_text(encoding="utf-8")
    custom = tmp_path / "grades.yaml"
    custom.write_text(text.replace("codes_statutaires: {}", "codes_statutaires: {TAR1: A}"), encoding="utf-8")
    ps = slips({"matricule": "1", "statut": "TITULAIRE", "statut_code": "TAR1", "grade": "REDACTEUR", "indice": 400})
    # the code table takes precedence over the grade label (B)
    assert annotate_population(ps, pay_lines(), None, GradeTable.load(custom))["categorie"].tolist() == ["A"]


def test_bad_category_in_agents_reference(table):
    ps = slips({"matricule": "77", "statut": "TITULAIRE", "grade": "REDACTEUR", "indice": 400})
    agents = model.conform(pd.DataFrame({"matricule": ["77"], "categorie": ["D"]}), "agents")
    with pytest.raises(PopulationError, match="catégorie 'D' de l'agent 77 invalide"):
        annotate_population(ps, pay_lines(), agents, table)


def test_populations(table):
    ps = slips(
        {"matricule": "E1", "statut": "AUTRE_STATUT", "emploi": "MAIRE ADJOINT", "grade": "", "indice": None},
        {"matricule": "E2", "statut": "AUTRE_STATUT", "emploi": "", "grade": "", "indice": None},
        {"matricule": "E3", "statut": "TITULAIRE", "emploi": "CONSEILLER MUNICIPAL DELEGUE", "grade": "", "indice": None},
        {"matricule": "M1", "statut": "NON_TITULAIRE", "emploi": "ASSISTANTE MATERNELLE", "grade": "", "indice": None},
        {"matricule": "V1", "statut": "NON_TITULAIRE", "emploi": "ANIMATEUR", "grade": "", "indice": None},
        {"matricule": "V2", "statut": "NON_TITULAIRE", "emploi": "VACATAIRE", "grade": "VACATAIRE", "indice": None},
        {"matricule": "A1", "statut": "NON_TITULAIRE", "emploi": "ANIMATEUR", "grade": "", "indice": 350},
        {"matricule": "A2", "statut": "AUTRE_STATUT", "emploi": "ADJOINT ADMINISTRATIF", "grade": "", "indice": 360},
    )
    pl = pay_lines(
        ("E2", "I", "INDEMNITE DE FONCTION", 1200.0),  # AUTRE_STATUT + indemnité de fonction -> élu
        ("V1", "T", "VACATIONS ANIM.", 161.2),         # no indice, paid by vacation -> vacataire
        ("A1", "T", "VACATIONS ANIM.", 161.2),         # has an indice -> stays agent
        ("A2", "T", "TRAITEMENT INDICIAIRE", 1500.0),  # AUTRE_STATUT alone is not an élu
    )
    out = annotate_population(ps, pl, None, table).set_index("matricule")
    assert out["population"].to_dict() == {
        "E1": "elu", "E2": "elu", "E3": "elu", "M1": "assistante_maternelle",
        "V1": "vacataire", "V2": "vacataire", "A1": "agent", "A2": "agent",
    }
    # élus and vacataires get no catégorie, even when a label would give one (ANIMATEUR -> B)
    assert out.loc[["E1", "E2", "E3", "V1", "V2"], "categorie"].isna().all()
    assert out.loc["A1", "categorie"] == "B" and out.loc["A2", "categorie"] == "C"


def test_empty_payslips(table):
    assert annotate_population(model.empty_frame("payslips"), model.empty_frame("pay_lines"), None, table).empty


# --- real samples --------------------------------------------------------------------------------
def test_ville2012(shared_pes, table):
    ps, pl = load_sample(str(shared_pes / "ville2012"))
    out = annotate_population(ps, pl, None, table)
    by = out.groupby(["emploi", "population"], dropna=False)["categorie"].agg(["size", "first"])
    # Payslip counts per emploi read from the 11 files. The README mentions an elected official,
    # but none of the 135 payslips is one: the only AUTRE_STATUT payslips (3) are an AGENT
    # RECENSEUR paid by the hour (TRAITEMENT INDICIAIRE HORAIRE, no indice): a vacataire.
    assert {(e, p): (int(n), None if pd.isna(c) else c) for (e, p), (n, c) in by.iterrows()} == {
        ("AGENT RECENSEUR", "vacataire"): (3, None),
        ("VACATAIRE", "vacataire"): (13, None),
        ("ADJT TECHNIQUE 2 CL", "agent"): (73, "C"),  # 22 non-titulaires + 51 titulaires
        ("ADJT TECHNIQUE 1 CL", "agent"): (7, "C"),
        ("ADJT ANIMATION 2 CL", "agent"): (24, "C"),
        ("AGENT DE MAITRISE", "agent"): (4, "C"),
        ("ATSEM 1ERE CLASSE", "agent"): (1, "C"),
        ("REDACTEUR TERRITORIAL", "agent"): (10, "B"),
    }
    assert not out["population"].eq("elu").any()


def test_metro2011(shared_pes, table):
    ps, pl = load_sample(str(shared_pes / "metro2011"))
    out = annotate_population(ps, pl, None, table)
    # 9 non-titulaires with an emploi and no grade, 12 payslips each, all monthly-paid agents
    assert out["population"].eq("agent").all() and len(out) == 108
    cats = out.groupby("emploi")["categorie"].first().to_dict()
    assert cats["TECHNICIEN ASSAINISSEMENT"] == "B" and cats["OUVRIER EGOUTIER"] == "C"
    assert pd.isna(cats["SECRETAIRE  HOTESSE D ACCUEIL"])  # an emploi that says no catégorie


def test_secretaire_de_mairie_is_never_inferred_a(table):
    # The emploi is held mostly by C and B agents: the catégorie comes from the grade, or stays unknown.
    ps = slips(
        {"matricule": "1", "statut": "TITULAIRE", "grade": "ADJOINT ADMINISTRATIF PRINCIPAL 1E CL",
         "emploi": "SECRETAIRE DE MAIRIE", "indice": 420},
        {"matricule": "2", "statut": "TITULAIRE", "grade": "", "emploi": "SECRETAIRE DE MAIRIE", "indice": 420},
    )
    out = annotate_population(ps, pay_lines(), None, table)
    assert out["categorie"].iloc[0] == "C" and pd.isna(out["categorie"].iloc[1])
    assert table.grade_info("SECRETAIRE DE MAIRIE", dt.date(2025, 1, 1)) is None
