"""Write the demo commune's files: 12 PES V2 "paye" XML files, absences and agents CSV.

The PES files follow the real ones (../shared/data/pes): ISO-8859-1, `astre:DocumentPaye` root in
the paye_1_1 namespace, `<Tag V = "value"/>` leaves, pay lines grouped in the PES order. They are
written with string templates in chunks (no DOM): a 10,000-agent year is about 120,000 payslips.
The fake NIR and bank details are written here and nowhere else.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path

from ..model import LINE_KINDS
from .model import Commune, Line, Payslip
from .payroll import month_bounds

NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/paye_1_1"
ENCODING = "ISO-8859-1"
# PES element of each kind, in the order the Remuneration groups must appear.
ELEMENT_OF_KIND = {kind: element for element, kind in LINE_KINDS.items()}
KIND_RANK = {kind: rank for rank, kind in enumerate(LINE_KINDS.values())}
CHUNK = 500  # payslips rendered per write


def _esc(value) -> str:
    text = str(value)
    if not any(c in text for c in '&<>"'):
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _leaf(tag: str, value) -> str:
    return f'<{tag} V = "{_esc(value)}"/>'


def _num_leaf(tag: str, value: str) -> str:
    """A leaf whose value is a formatted number or date (nothing to escape)."""
    return f'<{tag} V = "{value}"/>'


def _num(x: float) -> str:
    return f"{x:.2f}"


def _header(commune: Commune, month: int) -> str:
    return "\n".join([
        f'<?xml version="1.0" encoding="{ENCODING}"?>',
        f'<astre:DocumentPaye xmlns:astre="{NAMESPACE}">',
        _leaf("IdVer", "3.45"), _leaf("Annee", commune.year), _leaf("Mois", f"{month:02d}"),
        "<Budget>", _leaf("Libelle", "BUDGET PRINCIPAL"), _leaf("Code", "00"), "</Budget>",
        "<Employeur>", _leaf("Nom", commune.name.upper()), _leaf("APE", "8411Z"), _leaf("NumUrssaf", "ZZZZZZ"),
        _leaf("Siret", commune.siret), "</Employeur>",
        "<DonneesIndiv>",
        "<Etablissement>", _leaf("Nom", commune.name.upper()), _leaf("NumUrssaf", "ZZZZZZ"),
        _leaf("Siret", commune.siret), "</Etablissement>",
    ])


FOOTER = "</DonneesIndiv>\n</astre:DocumentPaye>\n"


@lru_cache(maxsize=4096)
def _line_head(kind: str, label: str, code: str) -> str:
    return f"<{ELEMENT_OF_KIND[kind]}>\n{_leaf('Libelle', label)}\n{_leaf('Code', code)}"


def _line(line: Line, order: int) -> str:
    text = _line_head(line.kind, line.label, line.code)
    if line.base is not None:
        text += f'\n<Base V = "{line.base:.2f}"/>'
    if line.rate is not None:
        text += f'\n<Taux V = "{_rate(line.rate)}"/>'
    if line.units is not None:
        text += f'\n<NbUnite V = "{line.units:.2f}"/>'
    text += f'\n<Mt V = "{line.amount:.2f}"/>'
    if line.ref is not None:
        text += (f'\n<PeriodeRef>\n<DateDebut V = "{line.ref[0].isoformat()}"/>\n'
                 f'<DateFin V = "{line.ref[1].isoformat()}"/>\n</PeriodeRef>')
    if line.caisse:
        text += "\n" + _leaf("CodeCaisse", line.caisse)
    return text + f'\n<Ordre V = "{order}"/>\n</{ELEMENT_OF_KIND[line.kind]}>'


@lru_cache(maxsize=4096)
def _rate(rate: float) -> str:
    return f"{rate:.4f}".rstrip("0").rstrip(".")


def overtime_hours(ps: Payslip) -> float:
    if ps.overtime_hours is not None:
        return ps.overtime_hours
    return sum(ln.units or 0 for ln in ps.lines if ln.category.startswith("ihts"))


def _agent_block(a) -> str:
    return "\n".join([
        "<Agent>", _leaf("Civilite", "MME" if a.gender == "F" else "M"),
        _leaf("Nom", a.nom), _leaf("Prenom", a.prenom), _leaf("Matricule", a.matricule),
        f'<NIR  V = "{a.nir}"/>',
        "<Adresse>", _leaf("Adr1", "Z"), _leaf("CP", "Z"), _leaf("Ville", "Z"), "</Adresse>",
        _leaf("NbEnfants", a.children), _leaf("Statut", a.statut),
        "<RefNomenStatutaire>", _leaf("Code", a.statut_code), _leaf("Libelle", a.grade or a.emploi), "</RefNomenStatutaire>",
        _leaf("EmploiMetier", a.emploi), _leaf("Grade", a.grade), _leaf("Echelon", a.echelon),
        _leaf("Indice", "" if a.indice is None else a.indice),
        "<CptBancaire>", _leaf("CodeEtab", "99999"), _leaf("CodeGuic", "99999"), _leaf("IdCpte", a.iban),
        _leaf("CleRib", "00"), _leaf("LibBanc", "BANQUE FICTIVE DEMO"), _leaf("TitCpte", "Z"), "</CptBancaire>",
        "</Agent>",
    ])


def render_payslip(ps: Payslip, agent_blocks: dict | None = None) -> str:
    a = ps.agent
    first, last = month_bounds(ps.year, ps.month)
    if agent_blocks is None:
        block = _agent_block(a)
    else:
        block = agent_blocks.get(id(a)) or agent_blocks.setdefault(id(a), _agent_block(a))
    parts = ["<PayeIndivMensuel>", block]
    for code, description in ps.events:
        parts += ["<Evenement>", _leaf("Code", code), _leaf("Description", description), "</Evenement>"]
    parts.append(_leaf("Service", a.service))
    parts.append(_num_leaf("NBI", f"{a.nbi_points:g}"))
    parts.append(_num_leaf("QuotiteTrav", f"{a.quotite * 100:.2f}"))
    parts.append(f"<Periode>\n{_num_leaf('DateDebut', first.isoformat())}\n{_num_leaf('DateFin', last.isoformat())}\n</Periode>")
    parts.append("<Remuneration>")
    ordered = sorted(enumerate(ps.lines), key=lambda il: (KIND_RANK[il[1].kind], il[0]))
    parts += [_line(line, order) for order, (_, line) in enumerate(ordered, start=1)]
    parts.append("</Remuneration>")
    hours_total = 0.0 if a.population == "elu" else round(a.post_hours * a.part_time * 52 / 12, 2)
    parts += [
        _num_leaf("NbHeureTotal", _num(hours_total)), _num_leaf("NbHeureSup", _num(overtime_hours(ps))),
        _num_leaf("MtBrut", _num(ps.gross)), _num_leaf("MtNet", _num(ps.net)), _num_leaf("MtNetAPayer", _num(ps.net)),
        _num_leaf("DatePaiement", dt.date(ps.year, ps.month, min(25, last.day)).isoformat()),
        "</PayeIndivMensuel>",
    ]
    return "\n".join(parts)


def write_payrolls(commune: Commune, folder: Path) -> list[Path]:
    """One PES file per month: demo_<year>_<MM>.xml."""
    folder.mkdir(parents=True, exist_ok=True)
    by_month: dict[int, list[Payslip]] = {m: [] for m in range(1, 13)}
    for (_, month), ps in sorted(commune.payslips.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        by_month[month].append(ps)
    for ps in commune.extra_payslips:
        by_month[ps.month].append(ps)
    files = []
    agent_blocks: dict[int, str] = {}  # the Agent element of an agent object is the same every month
    for month, slips in by_month.items():
        path = folder / f"demo_{commune.year}_{month:02d}.xml"
        with open(path, "w", encoding=ENCODING, newline="\n") as f:
            f.write(_header(commune, month) + "\n")
            for i in range(0, len(slips), CHUNK):
                f.write("\n".join(render_payslip(ps, agent_blocks) for ps in slips[i:i + CHUNK]) + "\n")
            f.write(FOOTER)
        files.append(path)
    return files


def _fr_date(d: dt.date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def _fr_number(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def write_absences(commune: Commune, path: Path) -> Path:
    """Absences in the columns of the absences_generique import profile."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Matricule", "Libellé", "Début", "Fin", "Jours"])
        for ab in sorted(commune.absences, key=lambda ab: (ab.matricule, ab.start, ab.type)):
            w.writerow([ab.matricule, ab.label, _fr_date(ab.start), _fr_date(ab.end), _fr_number(ab.days)])
    return path


def write_agents(commune: Commune, path: Path) -> Path:
    """The agents reference in the columns of the agents_generique import profile."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Matricule", "Date de naissance", "Date d'entrée", "Cadre d'emplois", "Filière", "Catégorie",
                    "Groupe RIFSEEP", "Cycle", "Sexe", "Durée hebdomadaire du poste"])
        for a in commune.agents:
            post = "" if a.population == "elu" else f"{a.post_hours:g}".replace(".", ",")
            w.writerow([a.matricule, _fr_date(a.birth_date), _fr_date(a.entry_date or a.seniority_start), a.cadre_emplois,
                        a.filiere, a.categorie or "", a.rifseep_group or "", a.work_cycle or "", a.gender, post])
    return path
