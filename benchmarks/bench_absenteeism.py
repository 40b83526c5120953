"""Benchmark of `rhaudit absenteeism`: indicators of a 10,000-agent year, every dimension.

    .venv/bin/python benchmarks/bench_absenteeism.py [--agents 10000] [--absences-per-agent 2.5]

Builds canonical frames directly (payslips: agents × 12 months; absences: random stops of every
motive group, some across the new year, plus annual leave that the indicators skip), then times
`absenteeism(...)` with --by service,categorie,statut,age,sexe in both bases. Target: under 10 s
for 10,000 agents. The machine may be shared: CPU time is printed beside wall-clock time.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

TARGET_SECONDS = 10.0
TYPES = ["cmo", "cmo", "cmo", "clm", "accident_service", "maternite", "asa", "conge_annuel", "rtt"]


def _cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def frames(n_agents: int, per_agent: float, year: int = 2025, seed: int = 1):
    from rhaudit.model import conform

    rng = np.random.default_rng(seed)
    mats = np.array([f"{100000 + i}" for i in range(n_agents)])
    slips = pd.DataFrame({
        "matricule": np.repeat(mats, 12), "year": year, "month": np.tile(np.arange(1, 13), n_agents),
        "establishment": "COMMUNE", "population": "agent",
        "statut": np.repeat(rng.choice(["TITULAIRE", "STAGIAIRE", "NON_TITULAIRE"], n_agents), 12),
        "categorie": np.repeat(rng.choice(list("ABC"), n_agents), 12),
        "service": np.repeat(rng.choice([f"SERVICE {i}" for i in range(40)], n_agents), 12),
        "quotite": np.repeat(rng.choice([1.0, 0.8, 0.5], n_agents), 12),
        "gross": np.repeat(rng.uniform(1800, 4500, n_agents).round(2), 12),
    })
    n_abs = int(n_agents * per_agent)
    start = pd.Timestamp(year - 1, 12, 1) + pd.to_timedelta(rng.integers(0, 395, n_abs), unit="D")
    absences = pd.DataFrame({
        "matricule": rng.choice(mats, n_abs), "type": rng.choice(TYPES, n_abs), "start": start,
        "end": start + pd.to_timedelta(rng.integers(0, 60, n_abs), unit="D"),
    })
    agents = pd.DataFrame({"matricule": mats, "gender": rng.choice(["F", "M"], n_agents),
                           "birth_date": pd.Timestamp(1960, 1, 1) + pd.to_timedelta(rng.integers(0, 15000, n_agents), unit="D")})
    return conform(slips, "payslips"), conform(absences, "absences"), conform(agents, "agents")


def main() -> None:
    from rhaudit.analytics.absenteeism import DIMENSIONS, absenteeism
    from rhaudit.params import default_parameters

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=10000)
    ap.add_argument("--absences-per-agent", type=float, default=2.5)
    args = ap.parse_args()
    params = default_parameters()
    slips, absences, agents = frames(args.agents, args.absences_per_agent)
    print(f"{args.agents} agents, {len(slips)} bulletins, {len(absences)} absences")
    for base in ("calendaire", "ouvre"):
        t, c = time.perf_counter(), _cpu()
        report = absenteeism(slips, absences, agents, params, by=list(DIMENSIONS), base=base)
        wall, cpu = time.perf_counter() - t, _cpu() - c
        status = "OK" if wall < TARGET_SECONDS else "TROP LENT"
        print(f"base {base}: {len(report.rows)} lignes en {wall:.2f} s (CPU {cpu:.2f} s) — cible {TARGET_SECONDS:.0f} s : {status}")


if __name__ == "__main__":
    main()
