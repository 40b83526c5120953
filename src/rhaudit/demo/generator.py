"""Build a clean demo commune in memory: staff, elected officials, absences and 12 payrolls.

Every amount comes from the shared formulas of rhaudit.pay and the dated parameters of
configs/parametres (in force on the first day of each payroll month); the délibérations are
configs/collectivites/demo.yaml and the pay-line codes configs/rubriques/demo.yaml. The commune
is clean against every rule: the irregularities are planted afterwards (plants.py).

Simplifications, all documented in docs/demo.md: entries on the first day of a month and
departures on the last day (no mid-month proration), part time at 50, 60 or 70 % only (paid
exactly at the quotité, unlike 80 % and 90 %), zone 3 of the indemnité de résidence (rate 0),
no half-pay sick leave.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd
import yaml

from .. import pay, paths
from ..calendar import Calendar as TerritoryCalendar
from ..params import Parameters
from .model import Absence, Agent, Commune, Payslip

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


# --- the commune's jobs -------------------------------------------------------------------------

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


def _grades(*rows) -> tuple[Grade, ...]:
    return tuple(Grade(*r) for r in rows)


ADJ_TECH = _grades(("ADJOINT TECHNIQUE", "ATEC", 366, 382, 0.55), ("ADJOINT TECHNIQUE PRINCIPAL 2E CLASSE", "ATP2", 368, 420, 0.35),
                   ("ADJOINT TECHNIQUE PRINCIPAL 1RE CLASSE", "ATP1", 382, 473, 0.10))
ADJ_ADM = _grades(("ADJOINT ADMINISTRATIF", "AADM", 366, 382, 0.5), ("ADJOINT ADMINISTRATIF PRINCIPAL 2E CLASSE", "AAP2", 368, 420, 0.5))
ADJ_ADM_P = _grades(("ADJOINT ADMINISTRATIF PRINCIPAL 2E CLASSE", "AAP2", 368, 420, 0.5),
                    ("ADJOINT ADMINISTRATIF PRINCIPAL 1RE CLASSE", "AAP1", 382, 473, 0.5))
ADJ_ANIM = _grades(("ADJOINT D'ANIMATION", "AANI", 366, 382, 0.7), ("ADJOINT D'ANIMATION PRINCIPAL 2E CLASSE", "AANP", 368, 420, 0.3))
ATSEM = _grades(("ATSEM PRINCIPAL 2E CLASSE", "ATS2", 368, 420, 0.6), ("ATSEM PRINCIPAL 1RE CLASSE", "ATS1", 382, 473, 0.4))
AG_SOCIAL = _grades(("AGENT SOCIAL", "AGSO", 366, 382, 0.6), ("AGENT SOCIAL PRINCIPAL 2E CLASSE", "AGS2", 368, 420, 0.4))
MAITRISE = _grades(("AGENT DE MAITRISE", "AGMA", 366, 456, 0.6), ("AGENT DE MAITRISE PRINCIPAL", "AGMP", 386, 479, 0.4))
POLICE = _grades(("GARDIEN-BRIGADIER", "GBPM", 366, 402, 0.6), ("BRIGADIER-CHEF PRINCIPAL", "BCPM", 390, 479, 0.4))
REDACTEUR = _grades(("REDACTEUR", "REDA", 366, 503, 0.6), ("REDACTEUR PRINCIPAL 2E CLASSE", "REP2", 389, 534, 0.4))
TECHNICIEN = _grades(("TECHNICIEN", "TECH", 366, 503, 0.6), ("TECHNICIEN PRINCIPAL 2E CLASSE", "TEP2", 389, 534, 0.4))
ETAPS = _grades(("EDUCATEUR DES APS", "ETAP", 366, 503, 0.7), ("EDUCATEUR DES APS PRINCIPAL 2E CLASSE", "ETP2", 389, 534, 0.3))
ANIMATEUR = _grades(("ANIMATEUR", "ANIM", 366, 503, 0.7), ("ANIMATEUR PRINCIPAL 2E CLASSE", "ANP2", 389, 534, 0.3))
ATTACHE = _grades(("ATTACHE", "ATTA", 390, 673, 0.7), ("ATTACHE PRINCIPAL", "ATTP", 500, 798, 0.3))
INGENIEUR = _grades(("INGENIEUR", "INGE", 390, 673, 0.7), ("INGENIEUR PRINCIPAL", "INGP", 500, 798, 0.3))
EJE = _grades(("EDUCATEUR DE JEUNES ENFANTS", "EJEN", 390, 600, 0.7), ("EDUCATEUR DE JEUNES ENFANTS CLASSE EXCEPTIONNELLE", "EJEX", 480, 673, 0.3))
DGS_GRADE = _grades(("ATTACHE HORS CLASSE", "ATHC", 700, 830, 1.0))

EMPLOIS: tuple[Emploi, ...] = (
    Emploi("AGENT DES ESPACES VERTS", "Technique", "Adjoints techniques territoriaux", "C", ("ESPACES VERTS",), "C2", 14, ADJ_TECH, ihts=True),
    Emploi("AGENT DE VOIRIE", "Technique", "Adjoints techniques territoriaux", "C", ("VOIRIE",), "C2", 10, ADJ_TECH, ihts=True),
    Emploi("AGENT DE MAINTENANCE DES BATIMENTS", "Technique", "Adjoints techniques territoriaux", "C", ("BATIMENTS",), "C2", 6, ADJ_TECH, astreinte=True),
    Emploi("CHEF D'EQUIPE", "Technique", "Agents de maîtrise territoriaux", "C", ("VOIRIE", "ESPACES VERTS", "BATIMENTS"), "C1", 4, MAITRISE, ihts=True, nbi="encadrement_proximite"),
    Emploi("AGENT D'ENTRETIEN", "Technique", "Adjoints techniques territoriaux", "C", ("ENTRETIEN",), "C2", 12, ADJ_TECH),
    Emploi("AGENT DE RESTAURATION SCOLAIRE", "Technique", "Adjoints techniques territoriaux", "C", ("RESTAURATION SCOLAIRE",), "C2", 10, ADJ_TECH, tnc=True),
    Emploi("ATSEM", "Médico-sociale", "Agents territoriaux spécialisés des écoles maternelles", "C", ("ECOLES",), "C2", 10, ATSEM),
    Emploi("AGENT D'ACCUEIL", "Administrative", "Adjoints administratifs territoriaux", "C", ("ACCUEIL - ETAT CIVIL",), "C2", 6, ADJ_ADM, ihts=True, nbi="accueil_public"),
    Emploi("GESTIONNAIRE ADMINISTRATIF", "Administrative", "Adjoints administratifs territoriaux", "C", ("RESSOURCES HUMAINES", "FINANCES", "URBANISME"), "C1", 10, ADJ_ADM_P),
    Emploi("ANIMATEUR PERISCOLAIRE", "Animation", "Adjoints territoriaux d'animation", "C", ("ENFANCE JEUNESSE",), "C2", 10, ADJ_ANIM, tnc=True),
    Emploi("AGENT SOCIAL PETITE ENFANCE", "Sociale", "Agents sociaux territoriaux", "C", ("PETITE ENFANCE",), "C2", 6, AG_SOCIAL),
    Emploi("POLICIER MUNICIPAL", "Police municipale", "Agents de police municipale", "C", ("POLICE MUNICIPALE",), None, 3, POLICE, legacy="iat"),
    Emploi("TECHNICIEN BATIMENTS", "Technique", "Techniciens territoriaux", "B", ("BATIMENTS",), "B2", 5, TECHNICIEN, ihts=True),
    Emploi("ASSISTANT DE GESTION FINANCIERE", "Administrative", "Rédacteurs territoriaux", "B", ("FINANCES", "RESSOURCES HUMAINES"), "B2", 5, REDACTEUR),
    Emploi("RESPONSABLE ACCUEIL ETAT CIVIL", "Administrative", "Rédacteurs territoriaux", "B", ("ACCUEIL - ETAT CIVIL",), "B1", 2, REDACTEUR),
    Emploi("EDUCATEUR SPORTIF", "Sportive", "Éducateurs territoriaux des activités physiques et sportives", "B", ("SPORTS",), "B2", 3, ETAPS),
    Emploi("ANIMATEUR COORDINATEUR", "Animation", "Animateurs territoriaux", "B", ("ENFANCE JEUNESSE",), "B2", 3, ANIMATEUR),
    Emploi("RESPONSABLE DE SERVICE", "Administrative", "Attachés territoriaux", "A", ("RESSOURCES HUMAINES", "FINANCES", "URBANISME"), "A2", 5, ATTACHE),
    Emploi("INGENIEUR", "Technique", "Ingénieurs territoriaux", "A", ("SERVICES TECHNIQUES",), "A2", 3, INGENIEUR),
    Emploi("EDUCATEUR DE JEUNES ENFANTS", "Médico-sociale", "Éducateurs territoriaux de jeunes enfants", "A", ("PETITE ENFANCE",), "A2", 3, EJE),
)
DGS = Emploi("DIRECTEUR GENERAL DES SERVICES", "Administrative", "Attachés territoriaux", "A", ("DIRECTION GENERALE",), "A1", 0, DGS_GRADE)
DGS_MATRICULE = "100001"  # the délibération's benefit in kind (vehicle) names this matricule
DGS_VEHICLE_COST = 24000.0  # purchase price of the DGS's service vehicle (a demo fact, EUR TTC)
# The vehicle was provided before 2025-02-01: it stays valued at the rate in force then (9 %).
DGS_VEHICLE_PROVIDED = dt.date(2023, 9, 1)

STATUT_SHARES = {"TITULAIRE": 0.72, "STAGIAIRE": 0.04, "NON_TITULAIRE": 0.24}
TNC_POST_HOURS = (17.5, 21.0, 24.5, 28.0, 31.5)  # quotités 0.5 to 0.9: exact in the 2 decimals of QuotiteTrav
PART_TIME_SHARES = (0.5, 0.6, 0.7)  # paid exactly at the quotité (80 % and 90 % are not)
CHILDREN_P = (0.5, 0.2, 0.2, 0.08, 0.02)
INHABITANTS_PER_AGENT = 40  # order of magnitude for a commune, to choose the élus' stratum
IHTS_HOURS = np.arange(2.0, 20.5, 0.5)  # monthly hours drawn without replacement (never flat)
FIRST_NAMES = ("ZOE", "ZACHARIE", "ZELIE", "ZINEDINE", "ZAHRA", "ZENON", "ZITA", "ZAKARIA")


class Rates:
    """Parameter values by payroll month, looked up once (the generator asks them many times)."""

    def __init__(self, params: Parameters, year: int):
        self.params, self.year = params, year

    @lru_cache(maxsize=None)
    def __call__(self, name: str, month: int):
        return self.params.value(name, (self.year, month))


# --- agents ---------------------------------------------------------------------------------

def _choice(rng, items, weights):
    w = np.asarray(weights, dtype=float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def _fake_identity(rng, n: int) -> tuple[str, str, str, str]:
    nom = "Z" + "".join(chr(65 + int(x)) for x in rng.integers(0, 26, 5))
    prenom = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
    # Obviously fake: "FAUXNIR" prefix, and a bank account "FR00 DEMO" that no bank issues.
    nir = f"FAUXNIR{n:08d}"
    iban = f"FR00DEMO{n:012d}"
    return nom, prenom, nir, iban


def _make_agent(rng, n: int, emploi: Emploi, year: int, statut: str, cnracl_threshold: float) -> Agent:
    grade = _choice(rng, emploi.grades, [g.weight for g in emploi.grades])
    im = int(rng.integers(grade.im_min, grade.im_max + 1))
    span = max(1, grade.im_max - grade.im_min)
    echelon = f"{1 + int(9 * (im - grade.im_min) / span):02d}"
    nom, prenom, nir, iban = _fake_identity(rng, n)
    post_hours = float(rng.choice(TNC_POST_HOURS)) if emploi.tnc and rng.random() < 0.6 else 35.0
    part_time = 1.0
    if post_hours == 35.0 and statut == "TITULAIRE" and rng.random() < 0.07:
        part_time = float(rng.choice(PART_TIME_SHARES))
    fonctionnaire = statut in ("TITULAIRE", "STAGIAIRE")
    age = int(rng.integers(22, 63))
    gender = "F" if rng.random() < 0.6 else "M"
    agent = Agent(
        matricule=str(100000 + n), nom=nom, prenom=prenom, nir=nir, iban=iban, gender=gender,
        birth_date=dt.date(year - age, int(rng.integers(1, 13)), int(rng.integers(1, 29))),
        statut=statut, statut_code=grade.code if fonctionnaire else "CONT",
        population="agent", categorie=emploi.categorie, filiere=emploi.filiere, cadre_emplois=emploi.cadre,
        grade=grade.name, echelon=echelon, indice=im, emploi=emploi.name,
        service=emploi.services[int(rng.integers(len(emploi.services)))],
        post_hours=post_hours, part_time=part_time,
        children=int(rng.choice(len(CHILDREN_P), p=CHILDREN_P)),
        rifseep_group=emploi.group, legacy_bonus=emploi.legacy,
        ihts=emploi.ihts and statut == "TITULAIRE" and part_time == 1.0 and post_hours == 35.0 and rng.random() < 0.6,
        astreinte=emploi.astreinte and fonctionnaire and post_hours == 35.0,
        pension_fund="CNRACL" if fonctionnaire and post_hours >= cnracl_threshold else "IRCANTEC",
        seniority_start=dt.date(year - int(rng.integers(0, max(1, age - 20))), int(rng.integers(1, 13)), 1),
    )
    return agent


def _staff(rng, n_staff: int, year: int, cnracl_threshold: float, delib: dict) -> list[Agent]:
    agents = [_make_agent(rng, 1, DGS, year, "TITULAIRE", cnracl_threshold)]
    agents[0].benefit_in_kind = "vehicule"
    statuts = list(STATUT_SHARES)
    for n in range(2, n_staff + 1):
        emploi = _choice(rng, EMPLOIS, [e.weight for e in EMPLOIS])
        statut = _choice(rng, statuts, list(STATUT_SHARES.values()))
        if emploi.legacy:  # police officers are sworn civil servants
            statut = "TITULAIRE"
        agents.append(_make_agent(rng, n, emploi, year, statut, cnracl_threshold))
    _assign_cycles_nbi_bonuses(rng, agents, delib)
    _entries_and_departures(rng, agents[1:], year)
    return agents


def _assign_cycles_nbi_bonuses(rng, agents: list[Agent], delib: dict) -> None:
    wt = delib["working_time"]
    cycle_of_service = {s: c["name"] for c in wt["cycles"] for s in c.get("services", [])}
    nbi_points = {f["name"]: float(f["points"]) for f in delib.get("nbi_functions", [])}
    groups = {g["name"]: g for g in delib["rifseep"]["groups"]}
    by_name = {e.name: e for e in EMPLOIS + (DGS,)}
    for a in agents:
        a.work_cycle = cycle_of_service.get(a.service, wt["default_cycle"])
        emploi = by_name[a.emploi]
        if emploi.nbi and a.is_fonctionnaire:
            a.nbi_points = nbi_points[emploi.nbi]
        if a.rifseep_group:
            g = groups[a.rifseep_group]
            # Individual amounts (arrêtés): 40 to 90 % of the local ceiling, whole euros a month.
            a.ifse_annual = 12 * int(g["ifse_annual_ceiling"] * rng.uniform(0.4, 0.9) / 12)
            if rng.random() < 0.7:
                a.cia_annual = float(int(g["cia_annual_ceiling"] * rng.uniform(0.3, 1.0)))
        if a.legacy_bonus == "iat":
            a.iat_coefficient = float(rng.choice((2.0, 3.0, 4.0)))


def _entries_and_departures(rng, agents: list[Agent], year: int) -> None:
    for a in agents:
        r = rng.random()
        if r < 0.04:
            a.entry_date = dt.date(year, int(rng.integers(2, 12)), 1)
            a.seniority_start = a.entry_date
        elif r < 0.08:
            m = int(rng.integers(1, 11))
            a.exit_date = dt.date(year, m, calendar.monthrange(year, m)[1])


def _elected(rng, start_n: int, n_elus: int, year: int, stratum: str, rates: Rates) -> list[Agent]:
    elus = []
    for i in range(n_elus):
        nom, prenom, nir, iban = _fake_identity(rng, start_n + i)
        maire = i == 0
        rate = rates("elus.taux_maire" if maire else "elus.taux_adjoint", 1)[stratum]
        elus.append(Agent(
            matricule=str(900001 + i), nom=nom, prenom=prenom, nir=nir, iban=iban,
            gender="F" if rng.random() < 0.5 else "M",
            birth_date=dt.date(year - int(rng.integers(30, 75)), int(rng.integers(1, 13)), 1),
            statut="AUTRE_STATUT", statut_code="ELU", population="elu", categorie=None,
            filiere="", cadre_emplois="", grade="", echelon="", indice=None,
            emploi="MAIRE" if maire else "ADJOINT AU MAIRE", service="ELUS",
            elected_rate=float(rate), pension_fund="IRCANTEC",
        ))
    return elus


def _stratum(n_agents: int, table: dict) -> str:
    inhabitants = n_agents * INHABITANTS_PER_AGENT
    return max((k for k in table if int(k) <= inhabitants), key=int)


# --- absences -------------------------------------------------------------------------------

class Calendar:
    """Working days of the year (Monday to Friday, public holidays of the territory calendar
    excluded), indexed for fast day counts when generating thousands of agents' absences."""

    def __init__(self, year: int):
        self.year = year
        public = set(TerritoryCalendar.load("metropole", year).public_holidays)
        days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
        self.working_dates = [d for d in (dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(days))
                              if d.weekday() < 5 and d not in public]
        self._working = set(self.working_dates)

    def is_working(self, d: dt.date) -> bool:
        return d in self._working

    def working_days(self, start: dt.date, end: dt.date) -> int:
        return bisect.bisect_right(self.working_dates, end) - bisect.bisect_left(self.working_dates, start)

    def week_from(self, monday: dt.date) -> tuple[dt.date, dt.date]:
        return monday, monday + dt.timedelta(days=4)

    def mondays(self, first: dt.date, last: dt.date) -> list[dt.date]:
        d = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        out = []
        while d + dt.timedelta(days=4) <= last:
            out.append(d)
            d += dt.timedelta(days=7)
        return out


def _presence(a: Agent, year: int) -> tuple[dt.date, dt.date]:
    return a.entry_date or dt.date(year, 1, 1), a.exit_date or dt.date(year, 12, 31)


def _absences(rng, a: Agent, year: int, cal: Calendar, delib: dict) -> list[Absence]:
    first, last = _presence(a, year)
    out: list[Absence] = []
    taken: set[dt.date] = set()

    def add(kind, start, end, label, motive="", working=True):
        days = cal.working_days(start, end) if working else (end - start).days + 1
        if days <= 0:
            return
        span = {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
        if span & taken:
            return
        taken.update(span)
        out.append(Absence(a.matricule, kind, start, end, float(days), motive, label))

    # Annual leave: under the entitlement (25 days × quotité, prorated to presence), whole weeks
    # between 1 May and 31 October so that no fractionnement day is earned.
    presence = ((last - first).days + 1) / ((dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1)
    budget = int(25 * a.quotite * presence) - 2
    summer_first, summer_last = max(first, dt.date(year, 5, 1)), min(last, dt.date(year, 10, 31))
    weeks = cal.mondays(summer_first, summer_last)
    rng.shuffle(weeks)
    used = 0
    for monday in weeks:
        start, end = cal.week_from(monday)
        days = cal.working_days(start, end)
        if used + days > budget:
            continue
        add("conge_annuel", start, end, "Congé annuel")
        used += days
        if used >= budget - 2:
            break
    # ARTT days: at most 2/3 of the cycle's days (prorated), single days outside summer.
    cycle = next((c for c in delib["working_time"]["cycles"] if c["name"] == a.work_cycle), None)
    artt = int((cycle or {}).get("artt_days", 0) * a.quotite * presence * 2 / 3)
    candidates = [d for d in cal.working_dates if first <= d <= last and not (5 <= d.month <= 10)]
    if artt and candidates:
        for idx in sorted(rng.choice(len(candidates), size=min(artt, len(candidates)), replace=False)):
            d = candidates[int(idx)]
            add("rtt", d, d, "Jour ARTT")
    # Ordinary sick leave (never in December: the carence line is in the next payroll).
    if not a.ihts and rng.random() < 0.25:
        m = int(rng.integers(first.month, min(last.month, 11) + 1)) if first.month <= min(last.month, 11) else None
        if m and (a.exit_date is None or m < a.exit_date.month):
            start = dt.date(year, m, int(rng.integers(1, 20)))
            add("cmo", start, start + dt.timedelta(days=int(rng.integers(1, 9))), "Congé de maladie ordinaire", working=False)
    # ASA for a family event, within the délibération's grid.
    if rng.random() < 0.05:
        grant = delib["asa"][int(rng.integers(len(delib["asa"])))]
        mondays = cal.mondays(first, last)
        if mondays:
            start = mondays[int(rng.integers(len(mondays)))]
            end = start + dt.timedelta(days=int(grant["days"]) - 1)
            if cal.working_days(start, end) == (end - start).days + 1:
                add("asa", start, end, grant["label"], grant["motive"])
    return out


def _long_absences(rng, agents: list[Agent], year: int) -> list[Absence]:
    """A few CLM (whole months, RI suspended) and maternity leaves among eligible agents."""
    out = []
    eligible = [a for a in agents if a.is_fonctionnaire and not a.ihts and not a.astreinte
                and a.entry_date is None and a.exit_date is None and a.population == "agent"]
    for a in eligible:
        r = rng.random()
        if r < 0.01:
            m = int(rng.integers(2, 7))
            end_m = m + int(rng.integers(1, 4))
            out.append(Absence(a.matricule, "clm", dt.date(year, m, 1), dt.date(year, end_m, calendar.monthrange(year, end_m)[1]),
                               0.0, "", "Congé de longue maladie"))
        elif r < 0.02 and a.gender == "F" and a.birth_date.year > year - 42:
            start = dt.date(year, int(rng.integers(1, 8)), int(rng.integers(1, 28)))
            out.append(Absence(a.matricule, "maternite", start, start + dt.timedelta(days=111), 0.0, "", "Congé de maternité"))
    for ab in out:
        ab.days = float((ab.end - ab.start).days + 1)
    return out


# --- payslips -------------------------------------------------------------------------------

def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _months_touched(absences: list[Absence], types: tuple[str, ...], year: int) -> set[int]:
    months = set()
    for ab in absences:
        if ab.type in types:
            d = ab.start.replace(day=1)
            while d <= ab.end:
                if d.year == year:
                    months.add(d.month)
                d = (d + dt.timedelta(days=32)).replace(day=1)
    return months


SICKNESS = ("cmo", "clm", "cld", "cgm", "maternite", "accident_service", "maladie_professionnelle")


def _payslips(rng, commune: Commune, params: Parameters, rates: Rates, code_table: dict) -> None:
    year, delib = commune.year, commune.deliberations
    absences_by = {}
    for ab in commune.absences:
        absences_by.setdefault(ab.matricule, []).append(ab)
    suspended_types = tuple(k for k, v in delib["rifseep"].get("maintained_during", {}).items() if not v)
    cia_months = delib["rifseep"].get("cia_months", [11])
    sft_amounts = _sft_amounts(params, commune.agents, year)
    for a in commune.agents:
        mine = absences_by.get(a.matricule, [])
        suspended = _months_touched(mine, suspended_types, year)
        sick = _months_touched(mine, SICKNESS, year)
        present = [m for m in range(1, 13) if a.present_in(year, m)]
        ihts_months = set()
        if a.ihts:
            eligible = [m for m in present if m not in sick and m != 8]
            k = min(len(eligible), int(rng.integers(3, 9)))
            ihts_months = set(rng.choice(eligible, size=k, replace=False).tolist()) if k else set()
            hours = iter(rng.choice(IHTS_HOURS, size=12, replace=False).tolist())
        astreinte_months = set(m for m in present if m not in sick and rng.random() < 0.5) if a.astreinte else set()
        cmo_cut = _cmo_cut_by_month(params, mine)
        cmo_by_month = {}
        for ab in mine:
            if ab.type == "cmo":
                cmo_by_month.setdefault(ab.start.month, []).append(ab)
        for m in present:
            ps = Payslip(a, year, m, code_table=code_table)
            commune.payslips[(a.matricule, m)] = ps
            when = (year, m)
            if a.population == "elu":
                im = rates("elus.indice_majore_terminal", m)
                ps.add_line("205000", pay.traitement_monthly(params, im, when, quotite=a.elected_rate))
                continue
            _events(ps, a, mine, year, m)
            q = a.quotite
            ps.add_line("101000", pay.traitement_monthly(params, a.indice, when, quotite=q))
            if a.nbi_points:
                ps.add_line("101500", pay.nbi_monthly(params, a.nbi_points, when, quotite=q), units=a.nbi_points)
            if a.is_fonctionnaire:
                _cmo_withholding(ps, params, mine, year, m)
            sft = sft_amounts.get((a.matricule, m))
            if sft:
                ps.add_line("103000", sft)
            if a.benefit_in_kind == "vehicule":
                ps.add_line("104100", DGS_VEHICLE_COST * params.value("avantages_nature.vehicule_taux_annuel_achat",
                                                                          DGS_VEHICLE_PROVIDED) / 12)
            if a.rifseep_group and a.ifse_annual and m not in suspended:
                # Kept during a CMO in the same proportions as the traitement (CGFP L.714-6, L.822-3).
                ps.add_line("201000", a.ifse_annual / 12 * q * (1 - cmo_cut.get(m, 0.0)))
                if m in cia_months and a.cia_annual:
                    ps.add_line("201100", a.cia_annual * q)
            if a.legacy_bonus == "iat":
                ref = rates("iat.montant_reference_annuel", m)[a.grade]
                ps.add_line("202000", ref * a.iat_coefficient / 12 * q * (1 - cmo_cut.get(m, 0.0)), base=ref,
                            rate=a.iat_coefficient)
            if m in ihts_months:
                _ihts_lines(ps, params, rates, a, next(hours), when)
            if m in astreinte_months:
                weekly = rates("astreintes.exploitation_semaine_complete", m)
                ps.add_line("204000", weekly, rate=weekly, units=1)
            for ab in cmo_by_month.get(m - 1, []):
                _carence_line(ps, commune.payslips.get((a.matricule, m - 1)), rates, year, m - 1)


def _cmo_cut_by_month(params: Parameters, mine: list[Absence]) -> dict[int, float]:
    """Month -> share of the month's pay withheld because CMO days are paid below 100 %."""
    cmo = [ab for ab in mine if ab.type == "cmo"]
    if not cmo:
        return {}
    days = [np.arange(ab.start, ab.end + dt.timedelta(days=1), dtype="datetime64[D]") for ab in cmo]
    grants = [np.full(len(d), ab.start, dtype="datetime64[D]") for d, ab in zip(days, cmo)]
    out: dict[int, float] = {}
    for day, rate in zip(*(x.tolist() for x in pay.cmo_pay_rates(params, np.concatenate(days), np.concatenate(grants)))):
        out[day.month] = out.get(day.month, 0.0) + (1 - rate) / calendar.monthrange(day.year, day.month)[1]
    return out


def _sft_amounts(params: Parameters, agents: list[Agent], year: int) -> dict[tuple[str, int], float]:
    """SFT of every agent with children and month present, with the vectorised shared formula."""
    out = {}
    for tnc in (False, True):
        rows = [(a, m) for a in agents if a.population == "agent" and a.children and (a.post_hours < 35) == tnc
                for m in range(1, 13) if a.present_in(year, m)]
        if not rows:
            continue
        col = lambda f: pd.Series([f(a, m) for a, m in rows])  # noqa: E731
        due = pay.sft_due(params, col(lambda a, m: a.children), col(lambda a, m: a.indice), col(lambda a, m: year),
                          col(lambda a, m: m), col(lambda a, m: a.quotite), temps_non_complet=tnc,
                          nbi_points=col(lambda a, m: a.nbi_points))
        out.update({(a.matricule, m): float(x) for (a, m), x in zip(rows, due)})
    return out


def _events(ps: Payslip, a: Agent, mine: list[Absence], year: int, m: int) -> None:
    first, last = month_bounds(year, m)
    if a.entry_date and a.entry_date.month == m and a.entry_date.year == year:
        ps.events.append(("ENTREE", f"Entrée dans la collectivité le {a.entry_date:%d/%m/%Y}"))
    if a.exit_date and a.exit_date.month == m and a.exit_date.year == year:
        ps.events.append(("SORTIE", f"Fin de fonctions le {a.exit_date:%d/%m/%Y}"))
    for ab in mine:
        if ab.type in SICKNESS and ab.start <= last and ab.end >= first:
            ps.events.append((ab.type.upper(), f"{ab.label} du {ab.start:%d/%m/%Y} au {ab.end:%d/%m/%Y}"))


def _ihts_lines(ps: Payslip, params: Parameters, rates: Rates, a: Agent, hours: float, when) -> None:
    base = pay.ihts_hourly_base(params, a.indice, a.nbi_points, 0.0, when)
    tier = float(rates("ihts.seuil_premier_palier_heures", when[1]))
    first = min(hours, tier)
    ps.add_line("203000", pay.ihts_day_amount(params, base, first, when), units=first,
                rate=round(base * rates("ihts.majoration_14_premieres", when[1]), 4))
    if hours > tier:
        rest = hours - tier
        ps.add_line("203100", pay.ihts_day_amount(params, base, rest, when, already_paid_hours=tier), units=rest,
                    rate=round(base * rates("ihts.majoration_suivantes", when[1]), 4))


def _cmo_withholding(ps: Payslip, params: Parameters, mine: list[Absence], year: int, m: int) -> None:
    """Sick pay of a fonctionnaire: traitement and NBI reduced by (1 - rate) / 30 per CMO day of the
    month, the rate in force on the CMO's first day (90 % from 1 March 2025; the demo's CMOs are
    short, all within the first three months)."""
    first, last = month_bounds(year, m)
    share = sum((1 - float(params.value("carence.cmo_taux_traitement_premiere_periode", ab.start)))
                * ((min(ab.end, last) - max(ab.start, first)).days + 1) / 30
                for ab in mine if ab.type == "cmo" and ab.start <= last and ab.end >= first)
    if share > 0:
        for code, category in (("101800", "traitement"), ("101600", "nbi")):
            paid = sum(ln.amount for ln in ps.lines_of(category))
            if paid:
                ps.add_line(code, -paid * share)


def _carence_line(ps: Payslip, previous: Payslip | None, rates: Rates, year: int, month: int) -> None:
    """The jour de carence of a CMO begun last month: 1/30 of traitement, NBI and RI (before the
    sick-pay withholding)."""
    if previous is None:
        return
    monthly = sum(ln.amount for ln in previous.lines_of("traitement", "nbi", "ifse") if ln.amount > 0)
    days = rates("carence.jours", month)
    if days:
        ps.add_line("101900", -monthly / rates("carence.diviseur_journalier", month) * days, units=days,
                    ref=month_bounds(year, month))


# --- contributions (after the plants) -------------------------------------------------------

def add_contributions(commune: Commune, rates: Rates) -> None:
    """Employee (D) and employer (C) contribution lines of every payslip, from its gross lines."""
    for ps in list(commune.payslips.values()) + commune.extra_payslips:
        if not ps.auto_contributions or ps.lines_of(*_COTISATION_CATEGORIES):
            continue
        m, gross = ps.month, ps.lines_gross
        if gross <= 0:
            continue
        r = lambda name: rates(f"cotisations.{name}", m)  # noqa: E731
        indiciaire = round(sum(ln.amount for ln in ps.lines_of("traitement", "nbi", "carence")), 2)
        cap = r("plafond_securite_sociale_mensuel")
        if ps.agent.pension_fund == "CNRACL":
            employer_rate = ps.cnracl_employer_rate if ps.cnracl_employer_rate is not None else r("cnracl_patronal")
            _cot(ps, "501000", indiciaire, r("cnracl_salarial"), "020")
            _cot(ps, "701000", indiciaire, employer_rate, "020")
            rafp_base = min(gross - indiciaire, indiciaire * r("rafp_plafond_assiette"))
            if rafp_base > 0:
                _cot(ps, "501100", rafp_base, r("rafp_salarial"), "040")
                _cot(ps, "701100", rafp_base, r("rafp_patronal"), "040")
        else:
            capped = min(gross, cap)
            _cot(ps, "502000", capped, r("ircantec_salarial_tranche_a"), "030")
            _cot(ps, "702000", capped, r("ircantec_patronal_tranche_a"), "030")
            if ps.agent.population != "elu":
                _cot(ps, "503000", capped, r("urssaf_vieillesse_plafonnee_salarial"), "011")
                _cot(ps, "503100", gross, r("urssaf_vieillesse_deplafonnee_salarial"), "011")
                _cot(ps, "703100", capped, r("urssaf_vieillesse_plafonnee_patronal"), "011")
                _cot(ps, "703200", gross, r("urssaf_vieillesse_deplafonnee_patronal"), "011")
        csg_base = round(gross * r("csg_assiette"), 2)
        _cot(ps, "504000", csg_base, r("csg_deductible"), "011")
        _cot(ps, "504100", csg_base, r("csg_non_deductible"), "011")
        _cot(ps, "504200", csg_base, r("crds"), "011")


_COTISATION_CATEGORIES = ("cot_sal_cnracl", "cot_pat_cnracl", "cot_sal_ircantec", "cot_pat_ircantec")


def _cot(ps: Payslip, code: str, base: float, rate: float, caisse: str) -> None:
    base = round(base, 2)
    ps.add_line(code, base * rate, base=base, rate=round(rate * 100, 4), caisse=caisse)


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
        commune.agents = _staff(rng, n_agents - n_elus, year, threshold, delib)
        stratum = _stratum(n_agents, rates("elus.taux_maire", 1))
        commune.agents += _elected(rng, n_agents - n_elus + 1, n_elus, year, stratum, rates)
    cal = Calendar(year)
    for a in commune.agents:
        if a.population == "agent":
            commune.absences += _absences(rng, a, year, cal, delib)
    long_abs = _long_absences(rng, commune.agents, year)
    # Agents on a long leave take no other leave: their ARTT rights are reduced by the sick
    # days (loi 2010-1657 art. 115), so taking none stays within them.
    busy = {ab.matricule for ab in long_abs}
    commune.absences = [ab for ab in commune.absences if ab.matricule not in busy] + long_abs
    _payslips(rng, commune, params, rates, code_table)
    return commune, rates
