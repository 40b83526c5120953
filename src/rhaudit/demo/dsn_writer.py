"""Write the demo commune as monthly DSN files (norme NEODeS, ISO-8859-1, CRLF), one per month.

The same payslips as the PES files: the rémunération brute non plafonnée (S21.G00.51, type 001)
is the PES MtBrut, the pay lines are regrouped by DSN type (traitement and NBI in the salaire
de base 010, IHTS in 017 with their hours, IFSE 050, CIA 051, SFT 049, indemnité de résidence
048, GIPA 047, other bonuses 027/028, benefits in kind in S21.G00.54), the CNRACL, RAFP and
IRCANTEC contributions in S21.G00.81. The sick leaves, maternity and paternity leaves and work
accidents of the absences file are work stops (S21.G00.60), declared every month they cover;
strikes are suspensions (S21.G00.65). Leave, ARTT, ASA and training are not in a DSN.
The fake NIR of each agent is written (a DSN always has one) and must never be read back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..quotite import full_time_monthly_hours
from .model import Absence, Agent, Commune, Payslip
from .payroll import month_bounds

ENCODING = "ISO-8859-1"
EOL = "\r\n"
NORM = "P24V01"
# Absence type of the demo -> (DSN block, motive).
STOP_MOTIVES = {"cmo": "01", "maternite": "02", "paternite": "03", "maladie_professionnelle": "05",
                "accident_service": "06", "cld": "12", "clm": "13"}
SUSPENSION_MOTIVES = {"greve": "657"}
# Pay-line category -> DSN prime type (S21.G00.52.001); other gross lines: 027 / 028.
PRIME_TYPES = {"indemnite_residence": "048", "sft": "049", "ifse": "050", "cia": "051", "gipa": "047",
               "iss": "041", "indemnite_conges": "020"}
ACTIVITY_LINKED = ("astreinte", "heures_complementaires")
# Contribution category -> DSN individual contribution code (S21.G00.81.001).
CONTRIBUTION_CODES = {"cot_sal_cnracl": "300", "cot_pat_cnracl": "301", "cot_sal_rafp": "311",
                      "cot_pat_rafp": "312", "cot_sal_ircantec": "060", "cot_pat_ircantec": "061"}
GROSS_KINDS_DSN = ("T", "IR", "S", "AV", "I", "A", "R")
STATUT_CODES = {"TITULAIRE": ("50", "01"), "STAGIAIRE": ("50", "08"), "NON_TITULAIRE": ("10", "02"),
                "EMPLOI_AIDE": ("60", "99")}


def _d(day: dt.date) -> str:
    return day.strftime("%d%m%Y")


def _n(x: float) -> str:
    return f"{x:.2f}"


class _Out:
    def __init__(self):
        self.lines: list[str] = []

    def add(self, rubrique: str, value) -> None:
        self.lines.append(f"{rubrique},'{value}'")


def _contract(out: _Out, a: Agent, year: int, month: int) -> None:
    first, last = month_bounds(year, month)
    nature, statut = ("81", "99") if a.population == "elu" else STATUT_CODES.get(a.statut, ("90", "99"))
    start = a.entry_date or a.seniority_start or dt.date(year, 1, 1)
    out.add("S21.G00.40.001", _d(start))
    out.add("S21.G00.40.002", "10")
    out.add("S21.G00.40.006", a.emploi)
    out.add("S21.G00.40.007", nature)
    out.add("S21.G00.40.009", f"C{a.matricule}")
    out.add("S21.G00.40.011", "10")
    full_time = full_time_monthly_hours(first)  # weekly hours in force × 52 / 12 (dated parameter)
    out.add("S21.G00.40.012", _n(full_time))
    out.add("S21.G00.40.013", _n(full_time * a.quotite))
    out.add("S21.G00.40.014", "10" if a.part_time >= 1 else "20")
    out.add("S21.G00.40.020", "120" if a.pension_fund == "CNRACL" else "200")
    out.add("S21.G00.40.026", statut)
    if statut == "99":
        return  # the [FP] rubriques are forbidden without a statut d'emploi
    out.add("S21.G00.40.053", "01" if a.post_hours >= 35 else "02")
    if a.post_hours < 35:
        out.add("S21.G00.40.054", _n(a.post_hours))
    if a.part_time < 1:
        out.add("S21.G00.40.055", _n(a.part_time * 100))
    if a.indice:
        out.add("S21.G00.40.058", a.indice)
    if a.nbi_points:
        out.add("S21.G00.40.059", f"{a.nbi_points:g}")
    out.add("S21.G00.40.079", a.grade)


def _absences(out: _Out, absences: list[Absence], year: int, month: int) -> None:
    first, last = month_bounds(year, month)
    for ab in absences:
        if ab.start > last or ab.end < first:
            continue
        if ab.type in STOP_MOTIVES:
            out.add("S21.G00.60.001", STOP_MOTIVES[ab.type])
            out.add("S21.G00.60.002", _d(ab.start - dt.timedelta(days=1)))
            out.add("S21.G00.60.003", _d(ab.end))
            if ab.end < last:  # back at work this month: the resumption is declared
                out.add("S21.G00.60.010", _d(ab.end + dt.timedelta(days=1)))
                out.add("S21.G00.60.011", "01")
    for ab in absences:
        if ab.type in SUSPENSION_MOTIVES and ab.start <= last and ab.end >= first:
            out.add("S21.G00.65.001", SUSPENSION_MOTIVES[ab.type])
            out.add("S21.G00.65.002", _d(ab.start))
            out.add("S21.G00.65.003", _d(ab.end))


def _pay(out: _Out, ps: Payslip) -> None:
    first, last = month_bounds(ps.year, ps.month)
    ref = f"C{ps.agent.matricule}"
    out.add("S21.G00.50.001", _d(dt.date(ps.year, ps.month, min(25, last.day))))
    out.add("S21.G00.50.002", _n(ps.net))
    out.add("S21.G00.50.004", _n(ps.net))
    gross_lines = [ln for ln in ps.lines if ln.kind in GROSS_KINDS_DSN]
    base = sum(ln.amount for ln in gross_lines if ln.kind == "T")
    ihts = [ln for ln in gross_lines if ln.kind != "T" and ln.category.startswith("ihts")]
    for rtype, amount, hours in (("001", ps.gross, None), ("010", base, None),
                                 ("017", sum(ln.amount for ln in ihts), sum(ln.units or 0 for ln in ihts))):
        if rtype == "017" and not ihts:
            continue
        out.add("S21.G00.51.001", _d(first))
        out.add("S21.G00.51.002", _d(last))
        out.add("S21.G00.51.010", ref)
        out.add("S21.G00.51.011", rtype)
        if hours:
            out.add("S21.G00.51.012", _n(hours))
        out.add("S21.G00.51.013", _n(amount))
    primes: dict[str, float] = {}
    benefits: dict[str, float] = {}
    for ln in gross_lines:
        if ln.kind == "T" or ln in ihts:
            continue
        if ln.kind == "AV":
            label = ln.label.upper()
            code = "04" if "VEHICULE" in label else "03" if "LOGEMENT" in label else "02" if "REPAS" in label else "06"
            benefits[code] = benefits.get(code, 0.0) + ln.amount
        else:
            code = PRIME_TYPES.get(ln.category) or ("027" if ln.category in ACTIVITY_LINKED else "028")
            primes[code] = primes.get(code, 0.0) + ln.amount
    for code, amount in sorted(primes.items()):
        out.add("S21.G00.52.001", code)
        out.add("S21.G00.52.002", _n(amount))
        out.add("S21.G00.52.003", _d(first))
        out.add("S21.G00.52.004", _d(last))
        out.add("S21.G00.52.006", ref)
    for code, amount in sorted(benefits.items()):
        out.add("S21.G00.54.001", code)
        out.add("S21.G00.54.002", _n(amount))
    for ln in ps.lines:
        code = CONTRIBUTION_CODES.get(ln.category)
        if code and ln.amount:
            out.add("S21.G00.81.001", code)
            if ln.base is not None:
                out.add("S21.G00.81.003", _n(ln.base))
            out.add("S21.G00.81.004", _n(ln.amount))


def render_month(commune: Commune, month: int, payslips: list[Payslip]) -> list[str]:
    """The lines of the DSN of `month`, without the S90 total."""
    year = commune.year
    out = _Out()
    out.add("S10.G00.00.006", NORM)
    for field, value in (("001", "01"), ("002", "01"), ("003", "11"), ("005", _d(dt.date(year, month, 1)))):
        out.add(f"S20.G00.05.{field}", value)
    out.add("S21.G00.06.001", commune.siret[:9])
    out.add("S21.G00.11.001", commune.siret[9:])
    first, last = month_bounds(year, month)
    by_agent: dict[str, list[Payslip]] = {}
    for ps in payslips:
        by_agent.setdefault(ps.agent.matricule, []).append(ps)
    agents = {a.matricule: a for a in commune.agents}
    stopped = {ab.matricule for ab in commune.absences
               if ab.start <= last and ab.end >= first and (ab.type in STOP_MOTIVES or ab.type in SUSPENSION_MOTIVES)}
    for matricule in sorted(set(by_agent) | (stopped & set(agents))):
        a = agents.get(matricule) or by_agent[matricule][0].agent
        out.add("S21.G00.30.001", a.nir)
        out.add("S21.G00.30.002", a.nom)
        out.add("S21.G00.30.004", a.prenom)
        out.add("S21.G00.30.005", "02" if a.gender == "F" else "01")
        out.add("S21.G00.30.019", matricule)
        _contract(out, a, year, month)
        _absences(out, commune.absences_of(a), year, month)
        if a.exit_date and first <= a.exit_date <= last:
            out.add("S21.G00.62.001", _d(a.exit_date))
            out.add("S21.G00.62.002", "031" if a.statut == "NON_TITULAIRE" else "999")
        for ps in by_agent.get(matricule, []):
            _pay(out, ps)
    return out.lines


def write_dsn(commune: Commune, folder: Path) -> list[Path]:
    """One DSN file per month: demo_<year>_<MM>.dsn, with the payslips of the PES files except the
    extra ones (a payslip planted twice has no DSN equivalent: one individual per declaration)."""
    folder.mkdir(parents=True, exist_ok=True)
    by_month: dict[int, list[Payslip]] = {m: [] for m in range(1, 13)}
    for (_, month), ps in sorted(commune.payslips.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        by_month[month].append(ps)
    files = []
    for month, slips in by_month.items():
        lines = render_month(commune, month, slips)
        lines += [f"S90.G00.90.001,'{len(lines) + 2}'", "S90.G00.90.002,'1'"]
        path = folder / f"demo_{commune.year}_{month:02d}.dsn"
        with open(path, "w", encoding=ENCODING, errors="replace", newline="") as f:
            f.write(EOL.join(lines) + EOL)
        files.append(path)
    return files
