"""Test helper: load the real PES samples (../shared/data/pes) as canonical frames.

Uses the project's PES importer when it exists; until then a small lxml reader covering what
the classification, population and quality tests need (payslip header fields and pay lines).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
from lxml import etree

from rhaudit import model


def _v(el, tag):
    child = el.find(tag)
    return None if child is None else child.get("V")


def _num(text):
    return None if text in (None, "") else float(text)


def _read_file(path: Path) -> tuple[list[dict], list[dict]]:
    root = etree.parse(str(path)).getroot()
    year, month = int(_v(root, "Annee")), int(_v(root, "Mois"))
    slips, lines = [], []
    for block in root.iter("DonneesIndiv"):
        est = block.find("Etablissement")
        establishment = (_v(est, "Siret") or _v(est, "Nom")) if est is not None else ""
        for pim in block.iter("PayeIndivMensuel"):
            agent = pim.find("Agent")
            ref = agent.find("RefNomenStatutaire")
            key = {"matricule": _v(agent, "Matricule").strip(), "year": year, "month": month,
                   "establishment": establishment}
            nbi = [float(e.get("V") or 0) for e in pim.findall("NBI")]
            slips.append({
                **key,
                "statut": _v(agent, "Statut"),
                "statut_code": None if ref is None else _v(ref, "Code"),
                "emploi": _v(agent, "EmploiMetier"),
                "grade": _v(agent, "Grade"),
                "echelon": _v(agent, "Echelon"),
                "indice": _num(_v(agent, "Indice")),
                "nbi_points": sum(nbi),
                "quotite": (_num(_v(pim, "QuotiteTrav")) or 0) / 100,
                "service": _v(pim, "Service"),
                "overtime_hours": _num(_v(pim, "NbHeureSup")),
                "gross": _num(_v(pim, "MtBrut")),
                "net": _num(_v(pim, "MtNet")),
                "net_paid": _num(_v(pim, "MtNetAPayer")),
                "source_file": path.name,
                "source_line": pim.sourceline,
            })
            rem = pim.find("Remuneration")
            for el in [] if rem is None else rem:
                kind = model.LINE_KINDS.get(el.tag)
                if kind is None:
                    continue
                lines.append({
                    **key,
                    "kind": kind,
                    "code": _v(el, "Code"),
                    "label": _v(el, "Libelle"),
                    "base": _num(_v(el, "Base")),
                    "rate": _num(_v(el, "Taux")),
                    "units": _num(_v(el, "NbUnite")),
                    "amount": _num(_v(el, "Mt")),
                    "caisse": _v(el, "CodeCaisse"),
                    "source_file": path.name,
                    "source_line": el.sourceline,
                })
    return slips, lines


@lru_cache(maxsize=4)
def load_sample(folder: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(payslips, pay_lines) of every .xhl file of `folder`, canonical columns."""
    try:
        from rhaudit.importers.pes import parse_pes_file  # the project's importer, once it lands
    except ImportError:
        parse_pes_file = None
    slips, lines = [], []
    files = sorted(Path(folder).glob("*.xhl"))
    if parse_pes_file is not None:
        parsed = [parse_pes_file(p) for p in files]
        payslips = pd.concat([p.tables["payslips"] for p in parsed], ignore_index=True)
        pay_lines = pd.concat([p.tables["pay_lines"] for p in parsed], ignore_index=True)
        return model.conform(payslips, "payslips"), model.conform(pay_lines, "pay_lines")
    for path in files:
        s, l = _read_file(path)
        slips += s
        lines += l
    return model.conform(pd.DataFrame(slips), "payslips"), model.conform(pd.DataFrame(lines), "pay_lines")
