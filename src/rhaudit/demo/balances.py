"""The demo commune's leave balances (soldes_generique columns), clean by construction; the
plants CONGES-001 and CET-001 are in plant_soldes.py.

Clean balances, from the matricule alone (no draw from the generator, so that nothing else of the
demo changes): every staff agent paid in December has a congés annuels row of 25 days carrying
over 0 to 5 days (the demo délibération allows 5); one agent in three has a CET of 10 to 49 days
(ceiling 60).
"""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

from .model import Commune

ANNUAL_DAYS = 25  # 5 × 5 days (décret 85-1250, art. 1)
CARRY_OVER_LIMIT = 5  # configs/collectivites/demo.yaml, leave.carry_over_max_days


def _h(matricule: str) -> int:
    return zlib.crc32(matricule.encode())


def clean_balances(commune: Commune) -> list[dict]:
    rows = []
    for a in commune.agents:
        if a.population != "agent" or (a.matricule, 12) not in commune.payslips:
            continue
        carried = _h(a.matricule) % (CARRY_OVER_LIMIT + 1)
        rows.append({"matricule": a.matricule, "year": commune.year, "type": "CA", "entitled": ANNUAL_DAYS,
                     "taken": ANNUAL_DAYS - carried, "carried": carried, "balance": carried})
        if _h(a.matricule) % 3 == 0:
            rows.append({"matricule": a.matricule, "year": commune.year, "type": "CET", "entitled": 5,
                         "taken": 0, "carried": None, "balance": 10 + _h(a.matricule) % 40})
    return rows


def write_balances(rows: list[dict], path: Path) -> Path:
    """The balances in the columns of the soldes_generique import profile."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Matricule", "Année", "Type", "Droits", "Pris", "Report", "Solde"])
        for r in sorted(rows, key=lambda r: (r["year"], r["matricule"], r["type"])):
            w.writerow([r["matricule"], r["year"], r["type"], r["entitled"], r["taken"],
                        "" if r["carried"] is None else r["carried"], r["balance"]])
    return path
