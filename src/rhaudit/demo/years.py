"""A demo commune over consecutive years (`rhaudit demo --years 2024-2025`).

The first year is the single-year commune (generator.build_commune). Each following year starts
from the agents still in post on 31 December: they keep their matricule and situation, some
advance an échelon (indice up within the grade), a few are promoted to the next grade of their
cadre d'emplois, stagiaires are titularised; about 4 % leave during the year (last day of a
month) and new agents are recruited (first day of a month) to replace the previous year's
leavers. Every agent paid on an index gets the index points granted to all on 1 January
(configs/parametres/mesures_generales.yaml). Elected officials stay. Pay, absences and contributions then follow the generator's
rules with the year's dated parameters (point d'indice, rates), so the payroll mass of two
years differs by exactly what `rhaudit payroll` decomposes: volume, general measures, GVT,
noria and structure.

Every year but the last is clean against every rule; irregularities are planted in the last year
only, so the answer key is that of the last year.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from ..params import ParameterError, Parameters
from .catalogue import DGS, EMPLOIS
from .generator import build_commune
from .model import Agent, Commune
from .rates import Rates
from .staff import assign_cycles_nbi_bonuses, make_agent, weighted_choice

ECHELON_P = 0.35  # share of agents in place advancing an échelon in a year
PROMOTION_P = 0.04  # share promoted to the next grade (avancement de grade)
LEAVER_P = 0.04  # share leaving during the year
MAX_YEARS = 5


class YearsError(ValueError):
    """A bad --years option (French message)."""


def parse_years(text: str) -> list[int]:
    """"2024-2025" -> [2024, 2025]; "2025" -> [2025]."""
    first, sep, last = str(text).strip().partition("-")
    try:
        a, b = int(first), int(last) if sep else int(first)
    except ValueError:
        raise YearsError(f"--years « {text} » : donnez une année ou deux années séparées par un tiret, "
                         f"ex. 2024-2025.") from None
    if b < a or b - a + 1 > MAX_YEARS:
        raise YearsError(f"--years « {text} » : de 1 à {MAX_YEARS} années consécutives, la première d'abord "
                         f"(ex. 2024-2025).")
    return list(range(a, b + 1))


def _year_seed(seed: int, year: int) -> int:
    return seed * 10_007 + year


def _echelon(im: int, im_min: int, im_max: int) -> str:
    return f"{1 + int(9 * (im - im_min) / max(1, im_max - im_min)):02d}"


def _advance(rng, a: Agent) -> None:
    """Échelon advancement or grade promotion of a fonctionnaire in place (indice up)."""
    emploi = next((e for e in EMPLOIS + (DGS,) if e.name == a.emploi), None)
    if emploi is None:
        return
    grades = list(emploi.grades)
    idx = next((i for i, g in enumerate(grades) if g.name == a.grade), None)
    if idx is None:
        return
    r = rng.random()
    if r < PROMOTION_P and idx + 1 < len(grades):
        g = grades[idx + 1]
        a.grade, a.statut_code = g.name, g.code
        a.indice = min(g.im_max, max(g.im_min, a.indice + int(rng.integers(8, 20))))
        a.echelon = _echelon(a.indice, g.im_min, g.im_max)
    elif r < PROMOTION_P + ECHELON_P:
        g = grades[idx]
        a.indice = min(g.im_max, a.indice + int(rng.integers(5, 16)))
        a.echelon = _echelon(a.indice, g.im_min, g.im_max)


def uniform_points(params: Parameters, year: int) -> int:
    """Index points granted to every agent, cumulated, in force on 1 January of `year`."""
    try:
        return int(params.value("mesures_generales.points_uniformes", (year, 1)))
    except ParameterError:
        return 0


def next_year_agents(previous: Commune, year: int):
    """The `agents` callback of build_commune for `year`, from the commune of the year before."""

    def make(rng, rates: Rates, delib: dict) -> list[Agent]:
        uniform = uniform_points(rates.params, year) - uniform_points(rates.params, year - 1)
        stayers, leavers = [], 0
        for old in previous.agents:
            if old.exit_date is not None:
                leavers += 1
                continue
            a = dataclasses.replace(old, seniority_start=old.entry_date or old.seniority_start,
                                    entry_date=None, exit_date=None)
            if a.population == "agent":
                if a.indice is not None:  # a general measure: points granted to every agent
                    a.indice += uniform
                if a.statut == "STAGIAIRE":  # titularisation after the year of stage
                    a.statut = "TITULAIRE"
                if a.is_fonctionnaire and a.indice is not None:
                    _advance(rng, a)
                if a.matricule != previous.agents[0].matricule and rng.random() < LEAVER_P:
                    m = int(rng.integers(1, 11))
                    a.exit_date = dt.date(year, m, calendar.monthrange(year, m)[1])
            stayers.append(a)
        threshold = rates("cotisations.seuil_affiliation_cnracl_heures", 1)
        next_n = max(int(a.matricule) for a in previous.agents if a.population == "agent") - 100000 + 1
        recruits = []
        for i in range(leavers):
            emploi = weighted_choice(rng, EMPLOIS, [e.weight for e in EMPLOIS])
            statut = "TITULAIRE" if emploi.legacy else weighted_choice(rng, ["STAGIAIRE", "NON_TITULAIRE"], [0.4, 0.6])
            a = make_agent(rng, next_n + i, emploi, year, statut, threshold)
            a.entry_date = dt.date(year, int(rng.integers(1, 12)), 1)
            a.seniority_start = a.entry_date
            recruits.append(a)
        assign_cycles_nbi_bonuses(rng, recruits, delib)
        staff = [a for a in stayers if a.population == "agent"] + recruits
        return staff + [a for a in stayers if a.population != "agent"]

    return make


def build_years(n_agents: int, years: list[int], seed: int, params: Parameters) -> list[tuple[Commune, Rates]]:
    """The clean commune of each year (plants not run yet)."""
    out = [build_commune(n_agents, years[0], seed, params)]
    for year in years[1:]:
        out.append(build_commune(n_agents, year, _year_seed(seed, year), params,
                                 agents=next_year_agents(out[-1][0], year)))
    return out


class DeliberationWatch:
    """Extends the answer key to the earlier years for the plants that change the délibérations.

    The délibérations file is shared by all the years: a defect planted in it (a cycle under
    1,607 h, a ceiling above the State's, a benefit in kind granted but not paid...) may also be
    a finding of an earlier year, depending on who was paid then (an agent of the group, of the
    cycle). The annual entries (no month) of such a plant are therefore copied to each earlier
    year as optional: tolerated, not required (compare_with_answer_key). An entry whose agent's
    payslips the plant changed is not copied: those payslips exist in the last year only.
    """

    def __init__(self, earlier: list[Commune]):
        self.years = [c.year for c in earlier]

    @staticmethod
    def _fingerprint(commune: Commune) -> dict[str, tuple]:
        out: dict[str, list] = {}
        for (mat, month), ps in commune.payslips.items():
            out.setdefault(mat, []).append((month, len(ps.lines), round(sum(ln.amount for ln in ps.lines), 2),
                                            ps.forced_gross))
        return {k: tuple(v) for k, v in out.items()}

    def before(self, commune: Commune):
        return repr(commune.deliberations), self._fingerprint(commune)

    def after(self, commune: Commune, state, entries) -> list:
        delib, prints = state
        if repr(commune.deliberations) == delib:
            return []
        now = self._fingerprint(commune)
        return [dataclasses.replace(e, year=year, amount=None, hours=None, amount_concerned=None, optional=True,
                                    description=f"{e.description} (délibérations en vigueur en {year})")
                for e in entries
                if e.month is None and not (e.matricule and now.get(e.matricule) != prints.get(e.matricule))
                for year in self.years]


def union(communes: list[Commune]) -> Commune:
    """A commune holding every year's absences and the latest record of every agent (for the
    absences and agents files, which cover all the years)."""
    last = communes[-1]
    agents: dict[str, Agent] = {}
    for c in communes:
        for a in c.agents:
            agents[a.matricule] = a
    return Commune(name=last.name, year=last.year, siret=last.siret, agents=list(agents.values()),
                   absences=[ab for c in communes for ab in c.absences], deliberations=last.deliberations)


__all__ = ["parse_years", "build_years", "union", "YearsError", "DeliberationWatch"]
