"""Import profiles: the profile file and its schema.

A profile is a YAML file under payroll_import/profiles/ (see docs/profils.md), chosen by name
(the file stem) or by path. It states the file format (delimiter, decimal mark, encoding, date
formats, Excel sheet and header row), which source column holds each canonical field (model.py),
constants, value mappings (statut labels, line kinds...) and, for absences, the ordered rules
turning source labels into normalised absence types.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ... import paths
from ...configfile import check_regex, read_yaml, validated
from ...model import (ABSENCE_FIELDS, ABSENCE_TYPES, AGENT_FIELDS, CATEGORIES, LEAVE_BALANCE_FIELDS, LEAVE_BALANCE_TYPES,
                      LINE_KINDS, PAY_LINE_FIELDS, PAYSLIP_FIELDS, POPULATIONS, STATUTS)
from ...text import compact
from ..base import ImportError_

DEFAULT_PROFILES = {"paie": "paie_generique", "absences": "absences_generique", "agents": "agents_generique",
                    "soldes": "soldes_generique"}
KIND_LABELS = {"paie": "paie (export tableur)", "absences": "absences", "agents": "référentiel agents",
               "soldes": "soldes de congés"}

# Source-only fields that are not canonical columns but feed them.
PSEUDO_FIELDS: dict[str, dict[str, str]] = {
    "paie": {"period": "period"},  # a date or MM/AAAA giving year and month
    "absences": {"label": "string", "start_afternoon": "flag", "end_morning": "flag"},
    "agents": {},
    "soldes": {"leave_type": "string"},  # the type of balance, mapped by `valeurs: leave_type:`
}
_NOT_FROM_SOURCE = {"source_file", "source_line", "category", "source_label", "type", "motive"}


_PSEUDO_LABELS = {"period": "Période de paie", "label": "Libellé", "start_afternoon": "Début l'après-midi",
                  "end_morning": "Fin le matin", "leave_type": "Type de solde"}


def _source_fields(kind: str) -> tuple:
    tables = {"paie": PAYSLIP_FIELDS + PAY_LINE_FIELDS, "absences": ABSENCE_FIELDS, "agents": AGENT_FIELDS,
              "soldes": LEAVE_BALANCE_FIELDS}[kind]
    return tuple(f for f in tables if f.name not in _NOT_FROM_SOURCE)


def field_types(kind: str) -> dict[str, str]:
    """The source fields of a profile of `kind` and their model types (pseudo-fields included)."""
    return {f.name: f.dtype for f in _source_fields(kind)} | PSEUDO_FIELDS[kind]


@lru_cache(maxsize=None)
def field_label(kind: str, fld: str) -> str:
    """Short French name of a field for messages (from the model's description)."""
    docs = {f.name: re.split(r" \(|,| :", f.doc)[0] for f in _source_fields(kind)}
    return docs.get(fld) or _PSEUDO_LABELS.get(fld, fld)


# Closed sets of canonical values: a source value outside them must be mapped in `valeurs`.
CLOSED_VALUES: dict[str, tuple[str, ...]] = {
    "statut": STATUTS,
    "kind": tuple(LINE_KINDS.values()),
    "categorie": CATEGORIES,
    "population": POPULATIONS,
    "gender": ("F", "M"),
    "leave_type": tuple(LEAVE_BALANCE_TYPES),
}
ASA_MOTIVES = (
    "mariage_agent", "mariage_enfant", "deces_conjoint", "deces_enfant", "deces_parent", "deces_autre",
    "maladie_grave", "naissance", "enfant_malade", "demenagement", "concours", "syndical", "electif",
    "don_sang", "rentree_scolaire", "autre",
)


class ProfileError(ImportError_):
    """A profile cannot be found or is malformed (French message naming the profile file)."""


class CellError(ValueError):
    """A cell cannot be converted; the message (French) becomes the rejection reason."""


# --- the profile file ------------------------------------------------------------------------
class FormatOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    delimiter: Literal[";", ",", "\t", "auto"] = Field(default="auto", alias="separateur")
    decimal: Literal[",", "."] = Field(default=",", alias="decimale")
    thousands: str | None = Field(default=None, alias="milliers")
    encoding: str | None = Field(default=None, alias="encodage")  # None: utf-8-sig, then windows-1252
    date_formats: list[str] = Field(default=["%d/%m/%Y", "%Y-%m-%d"], alias="formats_date", min_length=1)
    sheet: str | int = Field(default=0, alias="feuille")  # Excel sheet name, or index from 0
    header_row: int = Field(default=1, alias="ligne_entete", ge=1)  # line of the column names, from 1

    @model_validator(mode="after")
    def _distinct_marks(self) -> "FormatOptions":
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError("le séparateur de milliers doit différer du séparateur décimal")
        return self


class AbsenceLabelRule(BaseModel):
    """One source label (exact, insensitive to case, accents and spaces) or regex -> a type."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    label: str | None = Field(default=None, alias="libelle")
    pattern: str | None = Field(default=None, alias="regex")
    type: str
    motive: str | None = Field(default=None, alias="motif")

    @model_validator(mode="after")
    def _check(self) -> "AbsenceLabelRule":
        if (self.label is None) == (self.pattern is None):
            raise ValueError("chaque règle d'absence donne soit « libelle », soit « regex » (un seul des deux)")
        if self.type not in ABSENCE_TYPES:
            raise ValueError(f"type d'absence inconnu « {self.type} » ; types possibles : {', '.join(ABSENCE_TYPES)}")
        if self.motive is not None and self.type == "asa" and self.motive not in ASA_MOTIVES:
            raise ValueError(f"motif d'ASA inconnu « {self.motive} » ; motifs possibles : {', '.join(ASA_MOTIVES)}")
        check_regex(self.pattern)
        return self

    def matches(self, label: str) -> bool:
        if self.label is not None:
            return compact(label) == compact(self.label)
        return re.search(self.pattern, label, flags=re.IGNORECASE) is not None


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: Literal["paie", "absences", "agents", "soldes"] = Field(alias="type")
    description: str = ""
    format: FormatOptions = Field(default_factory=FormatOptions)
    columns: dict[str, str | list[str]] = Field(alias="colonnes")
    constants: dict[str, Any] = Field(default_factory=dict, alias="constantes")
    values: dict[str, dict[str, str]] = Field(default_factory=dict, alias="valeurs")
    quotite_unit: Literal["fraction", "pourcentage", "auto"] = Field(default="auto", alias="quotite")
    absence_rules: list[AbsenceLabelRule] = Field(default_factory=list, alias="absences")
    # Filled by load_profile, not read from the YAML.
    name: str = Field(default="", exclude=True)
    path: Path | None = Field(default=None, exclude=True)
    _label_cache: dict[str, tuple[str, str | None]] = PrivateAttr(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _as_lists(cls, columns: dict[str, str | list[str]]) -> dict[str, list[str]]:
        return {k: [v] if isinstance(v, str) else list(v) for k, v in columns.items()}

    @model_validator(mode="after")
    def _check_fields(self) -> "Profile":
        known = field_types(self.kind)
        for section, names in (("colonnes", self.columns), ("constantes", self.constants), ("valeurs", self.values)):
            unknown = sorted(set(names) - set(known))
            if unknown:
                raise ValueError(
                    f"champ(s) inconnu(s) dans « {section} » : {', '.join(unknown)} ; "
                    f"champs possibles pour un profil {self.kind} : {', '.join(sorted(known))}"
                )
        for fld, mapping in self.values.items():
            allowed = CLOSED_VALUES.get(fld)
            bad = sorted({v for v in mapping.values() if allowed and v not in allowed})
            if bad:
                raise ValueError(f"valeurs.{fld} : {', '.join(bad)} n'est pas une valeur possible ({', '.join(allowed)})")
        if self.kind == "absences" and not self.absence_rules:
            raise ValueError("un profil d'absences doit lister ses libellés dans la section « absences »")
        if self.kind != "absences" and self.absence_rules:
            raise ValueError("la section « absences » n'a de sens que pour un profil de type absences")
        return self

    @property
    def label(self) -> str:
        return f"« {self.name} » ({self.path})" if self.path else f"« {self.name} »"

    def absence_type(self, label: str) -> tuple[str, str | None]:
        """(type, ASA motive) of an absence label; CellError when no rule matches."""
        if label in self._label_cache:
            return self._label_cache[label]
        for r in self.absence_rules:
            if r.matches(label):
                self._label_cache[label] = (r.type, r.motive)
                return r.type, r.motive
        where = self.path.name if self.path else self.name
        raise CellError(f"libellé d'absence inconnu : {label} ; ajoutez-le au profil {where}")


def load_profile(profile: str | Path | None, kind: str) -> Profile:
    """The profile named (file stem under paths.profiles_dir()) or at a path; default per kind."""
    if profile is None:
        profile = DEFAULT_PROFILES[kind]
    candidate = Path(profile)
    if candidate.suffix.lower() in (".yaml", ".yml") or candidate.is_file():
        path = candidate
    else:
        path = paths.profiles_dir() / f"{profile}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in paths.profiles_dir().glob("*.yaml"))
        raise ProfileError(
            f"Profil d'import introuvable : « {profile} » (cherché : {path}). Profils disponibles : "
            f"{', '.join(available) or 'aucun'}. Donnez le nom d'un de ces profils ou le chemin d'un "
            f"fichier YAML (voir docs/profils.md)."
        )
    raw = read_yaml(path, ProfileError, "Corrigez le profil (voir docs/profils.md).")
    if not isinstance(raw, dict):
        raise ProfileError(f"Profil {path} : le fichier doit contenir un dictionnaire YAML (type, colonnes...).")
    prof = validated(raw, Profile, ProfileError, f"Profil {path} invalide", "Corrigez le fichier (voir docs/profils.md).")
    if prof.kind != kind:
        raise ProfileError(
            f"Profil {path} : c'est un profil de type « {prof.kind} », or ce fichier est attendu comme "
            f"{KIND_LABELS[kind]}. Choisissez un profil de type « {kind} »."
        )
    prof.name, prof.path = path.stem, path
    return prof
