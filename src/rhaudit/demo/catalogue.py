"""The demo commune's jobs: grades and posts (emplois), data in catalogue.yaml next to this file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).with_name("catalogue.yaml")


@dataclass(frozen=True)
class Grade:
    name: str
    code: str  # RefNomenStatutaire
    im_min: int
    im_max: int
    weight: float


@dataclass(frozen=True)
class Emploi:
    name: str
    filiere: str
    cadre: str
    categorie: str
    services: tuple[str, ...]
    group: str | None  # RIFSEEP group (None: cadre outside the RIFSEEP)
    weight: float
    grades: tuple[Grade, ...]
    ihts: bool = False
    astreinte: bool = False
    nbi: str | None = None  # name of an NBI function of the délibération
    tnc: bool = False  # usually temps non complet posts
    legacy: str | None = None


def load_catalogue(path: Path = CATALOGUE) -> tuple[tuple[Emploi, ...], Emploi]:
    """The posts drawn, in order, and the DGS's post."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    grades = {name: tuple(Grade(**g) for g in rows) for name, rows in raw["grades"].items()}

    def emploi(row: dict) -> Emploi:
        return Emploi(**{**row, "services": tuple(row["services"]), "grades": grades[row["grades"]]})

    return tuple(emploi(r) for r in raw["emplois"]), emploi(raw["dgs"])


EMPLOIS, DGS = load_catalogue()
