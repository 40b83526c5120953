"""The demo commune in memory: agents, payslips with their lines, absences, délibérations.

The generator (generator.py) fills a `Commune`; plants (plants.py, plant_*.py) then modify it
to plant irregularities; the writers turn it into files (PES XML, absences and agents CSV,
délibérations YAML). Everything a plant needs is here:

- `Commune.agents`: list of `Agent` (one per matricule; see its fields).
- `Commune.payslips`: dict `(matricule, month) -> Payslip` for the year `Commune.year`;
  `commune.payslips_of(agent)` lists an agent's payslips in month order.
- `Commune.extra_payslips`: payslips written in addition (e.g. a duplicate for QUAL-002).
- `Commune.absences`: list of `Absence` (written to the absences file).
- `Commune.deliberations`: the délibérations as a plain dict in the schema of
  rhaudit.deliberations (written to the délibérations file, validated when loaded).
- `Commune.pick_agent(rng, predicate)`: a random agent satisfying `predicate` and not already
  used by another plant (it is marked used); raises LookupError when none is left.
- `Payslip.add_line(code, amount, base=..., rate=..., units=..., ref=(start, end))`: a line of
  the demo code table (label, PES kind and category come from configs/rubriques/demo.yaml);
  `Payslip.add_raw_line(...)` for a line outside the code table (label and kind given);
  `Payslip.lines_of(*categories)` and `Payslip.remove_lines(*categories)` select or drop lines.
- `Commune.absences_of(agent)`: an agent's absences (indexed; append to `Commune.absences`).
- Gross (MtBrut) and net are recomputed from the lines when the file is written, unless a plant
  sets `Payslip.forced_gross`. Contributions (kinds D and C) are computed by the generator's
  `add_contributions` step (demo/payroll.py) from the gross lines after the plants ran, from `Agent.pension_fund`
  ("CNRACL" or "IRCANTEC") and the dated rates, unless a plant sets
  `Payslip.cnracl_employer_rate` (a wrong rate) or `Payslip.auto_contributions = False`.
- `Payslip.overtime_hours` (NbHeureSup) is the sum of the IHTS lines' hours unless a plant sets it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from ..model import GROSS_KINDS


@dataclass(slots=True)
class Line:
    """One pay line (a Remuneration child element of the PES file)."""

    kind: str  # PES kind: T, IR, S, AV, I, A, D, AC, R, RE, C, CO (model.LINE_KINDS)
    code: str
    label: str
    amount: float
    category: str  # classification the demo code table gives it (model.PAY_CATEGORIES)
    base: float | None = None
    rate: float | None = None
    units: float | None = None
    ref: tuple[dt.date, dt.date] | None = None  # PeriodeRef (back-pay, carence of last month)
    caisse: str | None = None


@dataclass(slots=True)
class Agent:
    """An agent (or an elected official) of the commune for the whole year.

    `quotite` is the paid fraction of full time (post hours / 35 × part-time share);
    `post_hours` the weekly hours of the post (35 = temps complet, fewer = temps non complet).
    """

    matricule: str
    nom: str  # fake "Z..." name, as in anonymised files
    prenom: str
    nir: str  # obviously fake NIR, written only in the PES files
    iban: str  # obviously fake bank account, written only in the PES files
    gender: str
    birth_date: dt.date
    statut: str  # model.STATUTS
    statut_code: str
    population: str  # agent, elu
    categorie: str | None
    filiere: str
    cadre_emplois: str
    grade: str
    echelon: str
    indice: int | None
    emploi: str
    service: str
    post_hours: float = 35.0
    part_time: float = 1.0
    children: int = 0
    nbi_points: float = 0.0
    rifseep_group: str | None = None
    ifse_annual: float = 0.0  # individual full-time annual IFSE (arrêté individuel)
    cia_annual: float = 0.0  # individual full-time annual CIA
    legacy_bonus: str | None = None  # "iat" for cadres outside the RIFSEEP (police municipale)
    iat_coefficient: float = 0.0
    ihts: bool = False  # does overtime
    astreinte: bool = False  # on call some weeks
    benefit_in_kind: str | None = None  # "vehicule", "logement"
    elected_rate: float = 0.0  # share of IM terminal for an elected official's indemnité
    pension_fund: str = "IRCANTEC"  # CNRACL (titulaires ≥ 28 h) or IRCANTEC
    work_cycle: str | None = None
    entry_date: dt.date | None = None  # first day in the commune, when within the year
    exit_date: dt.date | None = None  # last day in the commune, when within the year
    seniority_start: dt.date | None = None  # entry date written in the agents file

    @property
    def quotite(self) -> float:
        return round(self.post_hours / 35.0 * self.part_time, 4)

    @property
    def is_fonctionnaire(self) -> bool:
        return self.statut in ("TITULAIRE", "STAGIAIRE")

    def present_in(self, year: int, month: int) -> bool:
        first = dt.date(year, month, 1)
        last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        if self.entry_date and self.entry_date > last:
            return False
        return not (self.exit_date and self.exit_date < first)


@dataclass
class Payslip:
    agent: Agent
    year: int
    month: int
    lines: list[Line] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)  # (code, description)
    forced_gross: float | None = None
    overtime_hours: float | None = None
    cnracl_employer_rate: float | None = None
    auto_contributions: bool = True
    code_table: dict | None = None  # code -> (label, kind, category), set by the generator

    def add_line(self, code: str, amount: float, base=None, rate=None, units=None, ref=None, caisse=None) -> Line:
        label, kind, category = self.code_table[code]
        line = Line(kind, code, label, round(float(amount), 2), category, base, rate, units, ref, caisse)
        self.lines.append(line)
        return line

    def add_raw_line(self, kind: str, code: str, label: str, amount: float, category: str = "non_classe", **kw) -> Line:
        line = Line(kind, code, label, round(float(amount), 2), category, **kw)
        self.lines.append(line)
        return line

    def lines_of(self, *categories: str) -> list[Line]:
        return [ln for ln in self.lines if ln.category in categories]

    def remove_lines(self, *categories: str) -> list[Line]:
        removed = self.lines_of(*categories)
        self.lines = [ln for ln in self.lines if ln.category not in categories]
        return removed

    @property
    def lines_gross(self) -> float:
        return round(sum(ln.amount for ln in self.lines if ln.kind in GROSS_KINDS), 2)

    @property
    def gross(self) -> float:
        return self.lines_gross if self.forced_gross is None else self.forced_gross

    @property
    def net(self) -> float:
        # Benefits in kind are part of the gross but not paid in cash.
        deducted = sum(ln.amount for ln in self.lines if ln.kind in ("D", "RE", "AV"))
        return round(self.lines_gross - deducted, 2)


@dataclass
class Absence:
    matricule: str
    type: str  # model.ABSENCE_TYPES
    start: dt.date
    end: dt.date
    days: float
    motive: str = ""
    label: str = ""  # French label written in the file


@dataclass
class Commune:
    name: str
    year: int
    siret: str
    agents: list[Agent] = field(default_factory=list)
    payslips: dict[tuple[str, int], Payslip] = field(default_factory=dict)
    extra_payslips: list[Payslip] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    deliberations: dict = field(default_factory=dict)
    leave_balances: list[dict] = field(default_factory=list)  # rows of the balances file (demo/balances.py)
    used: set[str] = field(default_factory=set)  # matricules taken by a plant
    _absence_index: dict = field(default_factory=dict, repr=False)
    _absence_index_state: tuple = field(default=(), repr=False)

    def payslips_of(self, agent: Agent) -> list[Payslip]:
        return [self.payslips[(agent.matricule, m)] for m in range(1, 13) if (agent.matricule, m) in self.payslips]

    def absences_of(self, agent: Agent) -> list[Absence]:
        # Indexed once per state of the absence list (plants append to it or replace it).
        state = (id(self.absences), len(self.absences))
        if self._absence_index_state != state:
            index: dict[str, list[Absence]] = {}
            for ab in self.absences:
                index.setdefault(ab.matricule, []).append(ab)
            self._absence_index, self._absence_index_state = index, state
        return list(self._absence_index.get(agent.matricule, []))

    def pick_agent(self, rng, predicate: Callable[[Agent], bool]) -> Agent:
        """A random agent matching `predicate`, never one already used by a plant (marked used)."""
        candidates = [a for a in self.agents if a.matricule not in self.used and predicate(a)]
        if not candidates:
            raise LookupError("aucun agent disponible pour cette anomalie (commune trop petite ?)")
        agent = candidates[int(rng.integers(len(candidates)))]
        self.used.add(agent.matricule)
        return agent
