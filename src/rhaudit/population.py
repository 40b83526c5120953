"""Catégorie (A/B/C) and population (agent, élu, vacataire, assistante maternelle) of payslips.

The catégorie is, in this order: the agents reference's `categorie` (the user's word), the
statutory code through `codes_statutaires`, the grade label, then the emploi label through the
ordered patterns of configs/grades.yaml. Elected officials and vacataires have none. The
population comes from the ordered rules of the same file (emploi/grade, statut, pay-line
labels, no indice), in the manner of the audit chambers' Altaïr tool; patterns are data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import model, paths
from .quotite import annotate_quotite
from .classify import distinct_rows, load_yaml_model, normalize_label
from .configfile import check_regex, load_config_cached, one_of

DEFAULT_POPULATION = "agent"
# Populations that are not civil servants on a grade: no catégorie for them.
_NO_CATEGORY = ("elu", "vacataire")


class PopulationError(Exception):
    """configs/grades.yaml or the agents reference is wrong (French message)."""


class GradePattern(BaseModel):
    model_config = ConfigDict(extra="forbid")
    motif: str
    categorie: str
    cadre_emplois: str
    filiere: str
    depuis: dt.date | None = None  # first payroll date the pattern applies to
    avant: dt.date | None = None  # payroll dates from this one on are excluded
    source: str | None = None

    _motif = field_validator("motif")(check_regex)

    _categorie = field_validator("categorie")(one_of(model.CATEGORIES, "catégorie"))


class PopulationRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    population: str
    emploi_grade: str | None = None
    statuts: list[str] | None = None
    lignes: str | None = None
    sans_indice: bool = False
    sans_grade: bool = False

    _patterns = field_validator("emploi_grade", "lignes")(check_regex)

    _population = field_validator("population")(one_of(model.POPULATIONS, "population"))


class GradesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    codes_statutaires: dict[str, str] = Field(default_factory=dict)
    grades: list[GradePattern]
    populations: list[PopulationRule] = Field(default_factory=list)


@dataclass(frozen=True)
class GradeInfo:
    categorie: str
    cadre_emplois: str
    filiere: str


class GradeTable:
    """The patterns of configs/grades.yaml, compiled."""

    def __init__(self, spec: GradesFile):
        self.spec = spec
        self.codes = {str(k).strip(): v for k, v in spec.codes_statutaires.items()}
        self.grades = [(re.compile(g.motif), g) for g in spec.grades]
        self.populations = spec.populations

    @classmethod
    def load(cls, path: Path | None = None) -> "GradeTable":
        path = path or paths.configs_dir() / "grades.yaml"
        if not path.is_file():
            raise PopulationError(f"Table des grades introuvable : {path}")
        return cls(load_yaml_model(path, GradesFile, PopulationError))

    def grade_info(self, label, when: dt.date) -> GradeInfo | None:
        """Catégorie, cadre d'emplois and filière of a grade or emploi label on `when`."""
        text = normalize_label(label)
        if not text:
            return None
        for regex, g in self.grades:
            if g.depuis and when < g.depuis or g.avant and when >= g.avant:
                continue
            if regex.search(text):
                return GradeInfo(g.categorie, g.cadre_emplois, g.filiere)
        return None


def default_grade_table() -> GradeTable:
    return load_config_cached(GradeTable.load, paths.configs_dir() / "grades.yaml")


# --- annotation ------------------------------------------------------------------------------
def _inferred_categories(payslips: pd.DataFrame, table: GradeTable) -> pd.Series:
    """Catégorie from the statutory code, else the grade, else the emploi (per distinct combo)."""
    cols = ["statut_code", "grade", "emploi", "year", "month"]
    keys = payslips[cols].astype("string").fillna("")
    first, ids = distinct_rows(keys)
    found = []
    for code, grade, emploi, year, month in keys.iloc[first].itertuples(index=False, name=None):
        when = dt.date(int(year), int(month), 1) if year and month else dt.date.today()
        cat = table.codes.get(code.strip())
        if cat is None:
            info = table.grade_info(grade, when) or table.grade_info(emploi, when)
            cat = info.categorie if info else None
        found.append(cat)
    return pd.Series(np.array(found, dtype=object)[ids], index=payslips.index, dtype="string")


def _keys_with_line(pay_lines: pd.DataFrame, pattern: str) -> pd.MultiIndex:
    """Payslip keys having at least one line whose normalised label matches `pattern`."""
    if pay_lines is None or pay_lines.empty:
        return pd.MultiIndex.from_tuples([], names=model.PAYSLIP_KEY)
    regex = re.compile(pattern)
    labels = pay_lines["label"].astype("string").fillna("")
    hits = {lab for lab in labels.unique() if regex.search(normalize_label(lab))}
    matched = pay_lines.loc[labels.isin(hits), model.PAYSLIP_KEY]
    return pd.MultiIndex.from_frame(matched.astype({"matricule": "string", "establishment": "string"}).drop_duplicates())


def _matches(values: pd.Series, pattern: str) -> pd.Series:
    """Whether each value matches `pattern`, the regex run once per distinct value."""
    codes, distinct = pd.factorize(values)
    regex = re.compile(pattern)
    hits = np.array([bool(regex.search(v)) for v in distinct] + [False], dtype=bool)  # code -1: missing
    return pd.Series(hits[codes], index=values.index)


def _normalized(values: pd.Series) -> pd.Series:
    """normalize_label of each value, computed once per distinct value."""
    codes, distinct = pd.factorize(values)
    normal = np.array([normalize_label(v) for v in distinct] + [pd.NA], dtype=object)  # code -1: missing
    return pd.Series(normal[codes], index=values.index, dtype="string")


def _populations(payslips: pd.DataFrame, pay_lines: pd.DataFrame, table: GradeTable) -> pd.Series:
    result = pd.Series(pd.NA, index=payslips.index, dtype="string")
    # normalize_label once per distinct value (a few hundred grades for thousands of payslips).
    emploi_n = _normalized(payslips["emploi"].astype("string").fillna(""))
    grade_n = _normalized(payslips["grade"].astype("string").fillna(""))
    statut = payslips["statut"].astype("string").fillna("")
    no_indice = pd.to_numeric(payslips["indice"], errors="coerce").fillna(0).eq(0)
    slip_keys = None
    for r in table.populations:
        ok = result.isna()
        if r.emploi_grade:
            ok &= _matches(emploi_n, r.emploi_grade) | _matches(grade_n, r.emploi_grade)
        if r.statuts:
            ok &= statut.isin(r.statuts)
        if r.sans_indice:
            ok &= no_indice
        if r.sans_grade:
            ok &= grade_n.eq("")
        if r.lignes and ok.any():
            if slip_keys is None:
                slip_keys = pd.MultiIndex.from_frame(
                    payslips[model.PAYSLIP_KEY].astype({"matricule": "string", "establishment": "string"}))
            ok &= pd.Series(slip_keys.isin(_keys_with_line(pay_lines, r.lignes)), index=payslips.index)
        result[ok.fillna(False)] = r.population
    return result.fillna(DEFAULT_POPULATION)


def _agent_categories(payslips: pd.DataFrame, agents: pd.DataFrame | None) -> pd.Series:
    """The agents reference's catégorie of each payslip's matricule (NA when not given)."""
    if agents is None or agents.empty or "categorie" not in agents.columns:
        return pd.Series(pd.NA, index=payslips.index, dtype="string")
    given = agents[["matricule", "categorie"]].astype("string").dropna(subset=["categorie"])
    given["categorie"] = given["categorie"].str.strip().str.upper()
    bad = given[~given["categorie"].isin(model.CATEGORIES)]
    if not bad.empty:
        first = bad.iloc[0]
        raise PopulationError(
            f"Référentiel agents : catégorie {first['categorie']!r} de l'agent {first['matricule']} "
            f"invalide ({len(bad)} agent(s) concerné(s)). Indiquez A, B ou C, ou laissez la case vide."
        )
    mapping = given.drop_duplicates("matricule", keep="last").set_index("matricule")["categorie"]
    return payslips["matricule"].astype("string").map(mapping).astype("string")


def annotate_population(payslips: pd.DataFrame, pay_lines: pd.DataFrame, agents: pd.DataFrame | None = None,
                        table: GradeTable | None = None) -> pd.DataFrame:
    """A copy of `payslips` with `categorie` (A/B/C, NA for élus and vacataires), `population`,
    `work_quotite` and `temps_non_complet` (rhaudit.quotite) filled."""
    out = payslips.copy()
    if out.empty:
        return out
    table = table or default_grade_table()
    out["population"] = _populations(out, pay_lines, table)
    inferred = _inferred_categories(out, table)
    inferred[out["population"].isin(_NO_CATEGORY)] = pd.NA
    out["categorie"] = _agent_categories(out, agents).fillna(inferred).astype("string")
    annotate_quotite(out, agents)  # work quotité and temps non complet (rhaudit.enrich calls this)
    return out
