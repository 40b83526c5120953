"""Registry of planted irregularities and the answer key they produce.

A plant is a function `(commune, rng) -> list[AnswerKeyEntry]` registered with `@plant(id)`:
it modifies the in-memory commune (demo/model.py) to plant one irregularity (or a few) and
returns the findings a correct rule must report, with the amount at stake as the rule computes
it. Modules `demo/plant_*.py` are imported automatically, in name order, and plants run in
registration order with a generator seeded from the demo seed and the plant id, so adding a
plant never changes the others.

    @plant("NBI-001")
    def nbi_to_contract_agent(commune, rng):
        agent = commune.pick_agent(rng, lambda a: a.statut == "NON_TITULAIRE" and ...)
        ...
        return [AnswerKeyEntry("NBI-001", agent.matricule, commune.year, 3, amount=..., description="...")]
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from .model import Commune


@dataclass
class AnswerKeyEntry:
    rule: str
    matricule: str | None
    year: int | None
    month: int | None
    amount: float | None = None  # EUR at stake as the rule computes it (None: not compared)
    hours: float | None = None
    description: str = ""  # French: what was planted
    amount_concerned: float | None = None  # EUR of the payments concerned (findings' amount_concerned)
    optional: bool = False  # tolerated but not required (an earlier year of a multi-year demo)

    def key(self) -> tuple:
        return (self.rule, self.matricule, self.year, self.month)

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("amount", "hours", "amount_concerned"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 2)
        if not d["optional"]:
            del d["optional"]
        return d


PlantFunc = Callable[[Commune, np.random.Generator], list[AnswerKeyEntry]]
_PLANTS: dict[str, PlantFunc] = {}
_loaded = False


def plant(plant_id: str):
    """Register a plant under an id (usually the rule id it targets)."""

    def decorate(func: PlantFunc) -> PlantFunc:
        if plant_id in _PLANTS and _PLANTS[plant_id] is not func:
            raise ValueError(f"Anomalie plantée en double : {plant_id}")
        _PLANTS[plant_id] = func
        return func

    return decorate


def _load_all() -> None:
    global _loaded
    if not _loaded:
        from . import __path__ as pkg_path

        for mod in sorted(pkgutil.iter_modules(pkg_path), key=lambda m: m.name):
            if mod.name.startswith("plant_"):
                importlib.import_module(f"{__package__}.{mod.name}")
        _loaded = True


def all_plants() -> dict[str, PlantFunc]:
    _load_all()
    return dict(_PLANTS)


def _plant_seed(seed: int, plant_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{plant_id}".encode()).digest()[:8], "big")


def run_plants(commune: Commune, seed: int, watch=None) -> tuple[list[AnswerKeyEntry], list[str]]:
    """Run every registered plant: the answer key, and the ids of plants that found no suitable
    agent (a very small commune), which the demo summary lists.

    `watch`, when given, has before(commune) -> state and after(commune, state, entries) ->
    further entries, called around each plant (the multi-year demo, demo/years.py)."""
    key: list[AnswerKeyEntry] = []
    skipped: list[str] = []
    for plant_id, func in all_plants().items():
        rng = np.random.default_rng(_plant_seed(seed, plant_id))
        state = watch.before(commune) if watch else None
        try:
            entries = func(commune, rng)
        except LookupError:
            skipped.append(plant_id)
            continue
        key.extend(entries)
        if watch:
            key.extend(watch.after(commune, state, entries))
    return key, skipped
