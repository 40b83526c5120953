"""Build a clean demo commune in memory: staff, elected officials, absences and 12 payrolls.

Every amount comes from the shared formulas of rhaudit.pay and the dated parameters of
configs/parametres (in force on the first day of each payroll month); the délibérations are
configs/collectivites/demo.yaml and the pay-line codes configs/rubriques/demo.yaml. The commune
is clean against every rule: the irregularities are planted afterwards (plants.py).

The parts: catalogue.py (grades and posts, data in catalogue.yaml), staff.py (agents and elected
officials), absences.py, payroll.py (pay lines and contributions), rates.py (parameter cache).

Simplifications, all documented in docs/demo.md: entries on the first day of a month and
departures on the last day (no mid-month proration), part time at 50, 60 or 70 % only (paid
exactly at the quotité, unlike 80 % and 90 %), zone 3 of the indemnité de résidence (rate 0),
no half-pay sick leave.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import yaml

from .. import paths
from ..params import Parameters
from .absences import Calendar, draw_absences, draw_long_absences
from .model import Agent, Commune
from .payroll import add_contributions, draw_payslips
from .rates import Rates
from .staff import draw_elected, draw_staff, elected_stratum

__all__ = ["add_contributions", "build_commune", "kind_of", "load_code_table", "load_deliberations_dict"]

# PES kind of each pay-line category of the demo code table.
KIND_OF_CATEGORY = {
    "traitement": "T", "nbi": "T", "carence": "T", "sft": "S", "avantage_nature": "AV",
    "remuneration_autre": "I", "non_classe": "A",
}


def kind_of(category: str) -> str:
    if category.startswith("cot_sal_"):
        return "D"
    if category.startswith("cot_pat_"):
        return "C"
    return KIND_OF_CATEGORY.get(category, "I")


def load_code_table() -> dict[str, tuple[str, str, str]]:
    """code -> (label, PES kind, category) from configs/rubriques/demo.yaml."""
    raw = yaml.safe_load((paths.configs_dir() / "rubriques" / "demo.yaml").read_text(encoding="utf-8"))
    return {r["code"]: (r["libelle"], kind_of(r["categorie"]), r["categorie"]) for r in raw["rubriques"]}


def load_deliberations_dict() -> dict:
    return yaml.safe_load((paths.configs_dir() / "collectivites" / "demo.yaml").read_text(encoding="utf-8"))


# --- the whole commune ----------------------------------------------------------------------

def build_commune(n_agents: int, year: int, seed: int, params: Parameters,
                  agents: Callable[[np.random.Generator, Rates, dict], list[Agent]] | None = None) -> tuple[Commune, Rates]:
    """A clean commune of `n_agents` records (staff and elected officials) for `year`.

    `agents(rng, rates, délibérations)`, when given, supplies the year's agents instead of drawing
    new ones (the following years of a multi-year demo, demo/years.py)."""
    rng = np.random.default_rng(seed)
    rates = Rates(params, year)
    delib = load_deliberations_dict()
    code_table = load_code_table()
    commune = Commune(name=delib["name"], year=year, siret=delib.get("siret") or "", deliberations=delib)
    if agents is not None:
        commune.agents = agents(rng, rates, delib)
    else:
        n_elus = 1 + max(2, min(8, n_agents // 30))
        threshold = rates("cotisations.seuil_affiliation_cnracl_heures", 1)
        commune.agents = draw_staff(rng, n_agents - n_elus, year, threshold, delib)
        stratum = elected_stratum(n_agents, rates("elus.taux_maire", 1))
        commune.agents += draw_elected(rng, n_agents - n_elus + 1, n_elus, year, stratum, rates)
    cal = Calendar(year)
    for a in commune.agents:
        if a.population == "agent":
            commune.absences += draw_absences(rng, a, year, cal, delib)
    long_abs = draw_long_absences(rng, commune.agents, year)
    # Agents on a long leave take no other leave: their ARTT rights are reduced by the sick
    # days (loi 2010-1657 art. 115), so taking none stays within them.
    busy = {ab.matricule for ab in long_abs}
    commune.absences = [ab for ab in commune.absences if ab.matricule not in busy] + long_abs
    draw_payslips(rng, commune, params, rates, code_table)
    return commune, rates
