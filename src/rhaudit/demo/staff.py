"""The demo commune's people: staff drawn from the catalogue of posts (catalogue.yaml), with their
cycle, NBI and bonuses from the délibérations, entries and departures; and the elected officials."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np

from .catalogue import DGS, EMPLOIS, Emploi
from .model import Agent
from .rates import Rates

DGS_MATRICULE = "100001"  # the délibération's benefit in kind (vehicle) names this matricule
STATUT_SHARES = {"TITULAIRE": 0.72, "STAGIAIRE": 0.04, "NON_TITULAIRE": 0.24}
TNC_POST_HOURS = (17.5, 21.0, 24.5, 28.0, 31.5)  # quotités 0.5 to 0.9: exact in the 2 decimals of QuotiteTrav
PART_TIME_SHARES = (0.5, 0.6, 0.7)  # paid exactly at the quotité (80 % and 90 % are not)
CHILDREN_P = (0.5, 0.2, 0.2, 0.08, 0.02)
INHABITANTS_PER_AGENT = 40  # order of magnitude for a commune, to choose the élus' stratum
FIRST_NAMES = ("ZOE", "ZACHARIE", "ZELIE", "ZINEDINE", "ZAHRA", "ZENON", "ZITA", "ZAKARIA")


def weighted_choice(rng, items, weights):
    w = np.asarray(weights, dtype=float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def _fake_identity(rng, n: int) -> tuple[str, str, str, str]:
    nom = "Z" + "".join(chr(65 + int(x)) for x in rng.integers(0, 26, 5))
    prenom = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
    # Obviously fake: "FAUXNIR" prefix, and a bank account "FR00 DEMO" that no bank issues.
    nir = f"FAUXNIR{n:08d}"
    iban = f"FR00DEMO{n:012d}"
    return nom, prenom, nir, iban


def make_agent(rng, n: int, emploi: Emploi, year: int, statut: str, cnracl_threshold: float) -> Agent:
    grade = weighted_choice(rng, emploi.grades, [g.weight for g in emploi.grades])
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


def draw_staff(rng, n_staff: int, year: int, cnracl_threshold: float, delib: dict) -> list[Agent]:
    agents = [make_agent(rng, 1, DGS, year, "TITULAIRE", cnracl_threshold)]
    agents[0].benefit_in_kind = "vehicule"
    statuts = list(STATUT_SHARES)
    for n in range(2, n_staff + 1):
        emploi = weighted_choice(rng, EMPLOIS, [e.weight for e in EMPLOIS])
        statut = weighted_choice(rng, statuts, list(STATUT_SHARES.values()))
        if emploi.legacy:  # police officers are sworn civil servants
            statut = "TITULAIRE"
        agents.append(make_agent(rng, n, emploi, year, statut, cnracl_threshold))
    assign_cycles_nbi_bonuses(rng, agents, delib)
    _entries_and_departures(rng, agents[1:], year)
    return agents


def assign_cycles_nbi_bonuses(rng, agents: list[Agent], delib: dict) -> None:
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


def draw_elected(rng, start_n: int, n_elus: int, year: int, stratum: str, rates: Rates) -> list[Agent]:
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


def elected_stratum(n_agents: int, table: dict) -> str:
    inhabitants = n_agents * INHABITANTS_PER_AGENT
    return max((k for k in table if int(k) <= inhabitants), key=int)

