"""Dated legal parameters (configs/parametres/*.yaml), in the spirit of OpenFisca.

Each file is a namespace holding named parameters; each parameter has a description, a unit
and a list of dated values, each with its legal source. A lookup asks for the value in force on
a date: the latest value whose `depuis` is on or before that date. A change of law is a new
dated value in a file, never a code change.

    description: Indemnités horaires pour travaux supplémentaires
    parametres:
      plafond_mensuel_heures:
        description: Plafond mensuel d'heures supplémentaires
        unite: heures
        valeurs:
          - depuis: 2002-01-01
            valeur: 25
            source: Décret 2002-60 du 14 janvier 2002, art. 6

Values may be numbers, strings or mappings (a grid of ceilings, a table of rates).
Parameters are addressed as "<file stem>.<name>", e.g. "ihts.plafond_mensuel_heures".
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import paths
from .configfile import load_yaml_model


class ParameterError(Exception):
    """A parameter file is malformed, a parameter is unknown, or no value is in force."""


class DatedValue(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    since: dt.date = Field(alias="depuis")
    value: Any = Field(alias="valeur")
    source: str = Field(min_length=3)
    note: str | None = None


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    description: str
    unit: str | None = Field(default=None, alias="unite")
    values: list[DatedValue] = Field(alias="valeurs", min_length=1)

    @field_validator("values")
    @classmethod
    def _sorted_unique(cls, values: list[DatedValue]) -> list[DatedValue]:
        values = sorted(values, key=lambda v: v.since)
        dates = [v.since for v in values]
        if len(set(dates)) != len(dates):
            raise ValueError("deux valeurs ont la même date d'effet")
        return values


class ParameterFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    description: str
    parameters: dict[str, Parameter] = Field(alias="parametres")


class Resolved(BaseModel):
    """A value in force on a date, with what justifies it."""

    name: str
    value: Any
    since: dt.date
    source: str
    unit: str | None = None

    def __str__(self) -> str:
        return f"{self.name} = {self.value} (depuis le {self.since:%d/%m/%Y} ; {self.source})"


def as_date(when: dt.date | dt.datetime | str | tuple[int, int]) -> dt.date:
    """The day `when` designates: a date, a datetime, "2016-01-01" or "01/01/2016", or (year, month) for the
    first day of that payroll month; ParameterError in French when the text is not a possible date."""
    if isinstance(when, tuple):  # (year, month): the first day of the payroll month
        return dt.date(int(when[0]), int(when[1]), 1)
    if isinstance(when, dt.datetime):
        return when.date()
    if isinstance(when, dt.date):
        return when
    text = str(when).strip()
    french = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)  # 01/01/2016, as users write it
    try:
        return dt.date(int(french[3]), int(french[2]), int(french[1])) if french else dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"Date illisible ou impossible : « {text} » (attendu : AAAA-MM-JJ ou JJ/MM/AAAA, par "
                             f"exemple 2016-01-01 ou 01/01/2016).") from None


class Parameters:
    """All parameter files of a configs/parametres folder."""

    def __init__(self, files: dict[str, ParameterFile]):
        self._files = files

    @classmethod
    def load(cls, folder: Path | None = None) -> "Parameters":
        folder = folder or paths.configs_dir() / "parametres"
        if not folder.is_dir():
            raise ParameterError(f"Dossier de paramètres introuvable : {folder}")
        files: dict[str, ParameterFile] = {}
        for path in sorted(folder.glob("*.yaml")):
            files[path.stem] = load_yaml_model(
                path, ParameterFile, ParameterError,
                "Corrigez le fichier de paramètres : chaque valeur a « depuis », « valeur » et « source » "
                "(voir configs/parametres/ihts.yaml).",
            )
        return cls(files)

    def names(self) -> list[str]:
        return [f"{ns}.{name}" for ns, pf in self._files.items() for name in pf.parameters]

    def parameter(self, name: str) -> Parameter:
        ns, _, key = name.partition(".")
        try:
            return self._files[ns].parameters[key]
        except KeyError:
            raise ParameterError(
                f"Paramètre inconnu : {name}. Ajoutez-le dans configs/parametres/{ns}.yaml."
            ) from None

    def resolve(self, name: str, when) -> Resolved:
        """The value of `name` in force on `when` (a date, ISO string or (year, month))."""
        day = as_date(when)
        param = self.parameter(name)
        in_force = [v for v in param.values if v.since <= day]
        if not in_force:
            raise ParameterError(
                f"Aucune valeur de {name} en vigueur le {day:%d/%m/%Y} "
                f"(première valeur au {param.values[0].since:%d/%m/%Y})."
            )
        v = in_force[-1]
        return Resolved(name=name, value=v.value, since=v.since, source=v.source, unit=param.unit)

    def value(self, name: str, when) -> Any:
        return self.resolve(name, when).value

    def monthly_series(self, name: str, year: int) -> dict[int, Any]:
        """The value in force on the first day of each month of `year`."""
        return {m: self.value(name, (year, m)) for m in range(1, 13)}


@lru_cache(maxsize=4)
def _load_cached(folder: str) -> Parameters:
    return Parameters.load(Path(folder))


def default_parameters() -> Parameters:
    return _load_cached(str(paths.configs_dir() / "parametres"))
