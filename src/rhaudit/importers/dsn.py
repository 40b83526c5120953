"""DSN (déclaration sociale nominative, norme NEODeS) importer: payslips, pay lines, absences.

A DSN file is a list of lines `Sxx.Gxx.xx.xxx,'value'` (block id, field number, value), read
here one line at a time: nothing but the current individual's blocks is held in memory. The
tree is rebuilt from the order of the lines (a depth-first walk of the DSN tree): a new block
instance starts when the block id changes or when the field number does not increase.

- One payslip per individual (`S21.G00.30`, key: matricule `.019`) × declared month ×
  établissement (SIREN `S21.G00.06.001` + NIC `S21.G00.11.001`); gross = rémunération brute
  non plafonnée (`S21.G00.51.011` = 001), net = net fiscal (`S21.G00.50.002`), net paid = net
  versé (`.004`), summed over the individual's versements of the month.
- Pay lines from `.51` (by type), `.52` primes, `.54` other gross items and `.81` individual
  contributions, coded `DSN<block>.<type>` and classified like any payroll code
  (configs/rubriques/dsn.yaml); their PES kind and label come from configs/dsn/codes.yaml.
- Contract (`S21.G00.40`) data on the payslip: statut, quotité, indice majoré, NBI points,
  grade, emploi; contract ends (`.62`) as payslip events.
- Absences from work stops (`.60`: from the day after the last day worked to the day before
  resumption, else the expected end) and suspensions (`.65`). A stop repeated in later months
  (same agent, motive and last day worked) is one absence: the latest declaration's dates win.
- Several declarations per file; "annule et remplace" (`S20.G00.05.002` = 03) is recorded in
  `ParsedFile.declarations` and applied when the workspace is read (see `current_rows`).

The NIR (`S21.G00.30.001`) and the NTT (`.020`) are skipped before their value is decoded: they
are never held beyond the raw line, never stored, never printed. Names only with keep_names.
Encoding: each line is read as UTF-8 when it is valid UTF-8, else as windows-1252 (a superset
of ISO-8859-1 for the printable characters), the encoding of the norm.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import paths
from ..configfile import load_config_cached, read_yaml
from ..fmt import fr_eur
from ..dsn_versions import CANCELS, KIND, REPLACES
from ..model import ABSENCE_TYPES, GROSS_KINDS, LINE_KINDS, STATUTS, conform, empty_frame
from ..quotite import pay_fraction
from .base import ImportError_, ParsedFile, Rejection, looks_like_nir

# A line of the norm: block id (S21.G00.40), field number (001), quoted value.
_LINE = re.compile(r"^(S\d\d\.G\d\d\.\d\d)\.(\d{3}),'(.*)'$")
# Lines whose value is never decoded nor kept: NIR and NTT (numéro technique temporaire).
_SECRET_PREFIXES = (b"S21.G00.30.001,", b"S21.G00.30.020,")
_HEADER = b"S10.G00.00."
_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
CODES_FILE = "dsn/codes.yaml"
_LINE_BLOCKS = {"S21.G00.51": ("remunerations", "011", "013"), "S21.G00.52": ("primes", "001", "002"),
                "S21.G00.54": ("autres_revenus", "001", "002"), "S21.G00.81": ("cotisations", "001", "004")}
# Block ids the importer reads; the others (bases .78, prévoyance .70, retraite .71...) are skipped.
_USED = {"S10.G00.00", "S20.G00.05", "S21.G00.06", "S21.G00.11", "S21.G00.30", "S21.G00.40",
         "S21.G00.50", "S21.G00.60", "S21.G00.62", "S21.G00.65", "S90.G00.90", *_LINE_BLOCKS}


def is_dsn_file(path: Path) -> bool:
    """Whether the file is a DSN: its first non-blank line is an envoi line (S10.G00.00)."""
    try:
        with open(path, "rb") as f:
            for raw in f:
                stripped = raw.lstrip(b"\xef\xbb\xbf").strip()
                if stripped:
                    return stripped.startswith(_HEADER)
    except OSError:
        return False
    return False


# --- code tables ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DsnCodes:
    lines: dict[str, dict[str, dict]]  # section -> type code -> {libelle, nature}
    stops: dict[str, dict]  # S21.G00.60 motive -> {type, libelle}
    suspensions: dict[str, dict]  # S21.G00.65 motive -> {type, libelle}
    statut_emploi: dict[str, str]
    nature_contrat: dict[str, str]
    contract_ends: dict[str, str]  # S21.G00.62.002 motive -> label


def _load_codes(path: Path) -> DsnCodes:
    data = read_yaml(path, ImportError_, "Table des codes DSN illisible : restaurez le fichier livré avec rhaudit.")
    problems = []
    for section in ("remunerations", "primes", "autres_revenus", "cotisations"):
        for code, entry in data.get(section, {}).items():
            if entry.get("nature") not in LINE_KINDS.values():
                problems.append(f"{section} {code} : nature {entry.get('nature')!r} inconnue")
    for section in ("arrets", "suspensions"):
        for code, entry in data.get(section, {}).items():
            if entry.get("type") not in ABSENCE_TYPES:
                problems.append(f"{section} {code} : type d'absence {entry.get('type')!r} inconnu")
    for section in ("statut_emploi", "nature_contrat"):
        problems += [f"{section} {c} : statut {s!r} inconnu" for c, s in data.get(section, {}).items() if s not in STATUTS]
    if problems:
        raise ImportError_(f"{path} : " + " ; ".join(problems) + ". Corrigez la table des codes DSN.")
    return DsnCodes(
        lines={s: {str(k): v for k, v in data.get(s, {}).items()} for s in ("remunerations", "primes", "autres_revenus", "cotisations")},
        stops={str(k): v for k, v in data.get("arrets", {}).items()},
        suspensions={str(k): v for k, v in data.get("suspensions", {}).items()},
        statut_emploi={str(k): v for k, v in data.get("statut_emploi", {}).items()},
        nature_contrat={str(k): v for k, v in data.get("nature_contrat", {}).items()},
        contract_ends={str(k): str(v) for k, v in data.get("fins_contrat", {}).items()},
    )


def dsn_codes() -> DsnCodes:
    path = paths.configs_dir() / CODES_FILE
    if not path.is_file():
        raise ImportError_(f"Table des codes DSN introuvable : {path}. Restaurez configs/dsn/codes.yaml.")
    return load_config_cached(_load_codes, path)


# --- the tree being read -------------------------------------------------------------------------
@dataclass
class _Block:
    line: int
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class _Individual:
    line: int
    values: dict[str, str] = field(default_factory=dict)
    contracts: list[_Block] = field(default_factory=list)
    stops: list[_Block] = field(default_factory=list)
    suspensions: list[_Block] = field(default_factory=list)
    ends: list[_Block] = field(default_factory=list)
    versements: list[_Block] = field(default_factory=list)
    items: list[tuple[str, _Block]] = field(default_factory=list)  # (block id, block) of .51/.52/.54/.81


@dataclass
class _Declaration:
    line: int
    values: dict[str, str] = field(default_factory=dict)
    siren: str = ""
    nic: str = ""
    last_line: int = 0

    @property
    def establishment(self) -> str:
        return f"{self.siren}{self.nic}" or "inconnu"


def _date(value: str | None) -> dt.date | None:
    """A DSN date JJMMAAAA, or None when absent or invalid."""
    if not value or len(value) != 8 or not value.isdigit():
        return None
    try:
        return dt.date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        return None


def _amount(value: str | None) -> float | None:
    return float(value) if value and _AMOUNT.match(value) else None


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class _EventSpec:
    """How an arrêt (S21.G00.60) or a suspension (S21.G00.65) becomes an absence."""

    block: str
    record: str  # rejection record label
    date_label: str  # what field .002 is
    start_offset: int  # days from .002 to the first day of absence
    cancel_motive: str
    cancel_text: str


_STOP = _EventSpec("S21.G00.60", "arrêt", "date du dernier jour travaillé", 1, "99",
                   "motif 99 : annulation d'un arrêt déjà déclaré ; supprimez l'arrêt annulé de la déclaration "
                   "d'origine si elle est importée")
_SUSPENSION = _EventSpec("S21.G00.65", "suspension", "date de début", 0, "998",
                         "motif 998 : annulation d'une suspension déjà déclarée ; supprimez-la de la déclaration "
                         "d'origine si elle est importée")


class _Reader:
    """Builds the canonical rows of one file while its lines are read."""

    def __init__(self, path: Path, keep_names: bool, codes: DsnCodes, territory: str = "metropole"):
        self.path, self.keep_names, self.codes = path, keep_names, codes
        self.territory = territory  # its calendar counts the working days of the suspensions (strike...)
        self.name = str(path)
        self.slips: list[dict] = []
        self.lines: list[dict] = []
        self.absences: dict[tuple, dict] = {}  # (matricule, block, motive, start key) -> row
        self.rejected: list[Rejection] = []
        self.warnings: list[str] = []
        self.declarations: list[dict] = []
        self.records_read = 0
        self.stops_read = 0
        self.repeated_stops = 0
        self.unknown: dict[tuple[str, str], int] = {}
        self.decl: _Declaration | None = None
        self.ind: _Individual | None = None
        self.norm = ""
        self.no_pay = 0
        self.nbi_derived = 0
        self.gaps: list[float] = []

    # --- rejections ---
    def reject(self, line: int | None, record: str, reason: str, matricule=None, year=None, month=None) -> None:
        self.rejected.append(Rejection(self.name, line, record, reason, matricule, year, month))

    # --- structure ---
    def open_block(self, block: str, line: int) -> _Block | None:
        """A new instance of `block` attached to its parent; None when there is no parent."""
        if block == "S20.G00.05":
            self.close_declaration(line - 1)
            self.decl = _Declaration(line)
            return _Block(line, self.decl.values)
        if block == "S21.G00.30":
            self.close_individual()
            if self.decl is None:
                return None
            self.ind = _Individual(line)
            return _Block(line, self.ind.values)
        if block in ("S21.G00.06", "S21.G00.11", "S10.G00.00", "S90.G00.90"):
            return _Block(line)
        if self.ind is None:
            return None
        b = _Block(line)
        if block == "S21.G00.40":
            self.ind.contracts.append(b)
        elif block == "S21.G00.60":
            self.ind.stops.append(b)
        elif block == "S21.G00.65":
            self.ind.suspensions.append(b)
        elif block == "S21.G00.62":
            self.ind.ends.append(b)
        elif block == "S21.G00.50":
            self.ind.versements.append(b)
        elif block in _LINE_BLOCKS:
            if not self.ind.versements:
                return None
            self.ind.items.append((block, b))
        return b

    def set_value(self, block: str, fld: str, value: str, b: _Block) -> None:
        if block == "S21.G00.06" and fld == "001" and self.decl:
            self.decl.siren = value
        elif block == "S21.G00.11" and fld == "001" and self.decl:
            self.decl.nic = value
        elif block == "S10.G00.00" and fld == "006":
            self.norm = value
        else:
            b.values[fld] = value

    # --- declarations ---
    def declared_month(self) -> tuple[int, int] | None:
        d = _date(self.decl.values.get("005")) if self.decl else None
        return (d.year, d.month) if d else None

    def close_declaration(self, last_line: int) -> None:
        self.close_individual()
        decl, self.decl = self.decl, None
        if decl is None:
            return
        ym = _date(decl.values.get("005"))
        self.declarations.append({
            "establishment": decl.establishment, "year": ym.year if ym else None, "month": ym.month if ym else None,
            "type": decl.values.get("002", "01"), "nature": decl.values.get("001", "01"),
            "first_line": decl.line, "last_line": last_line,
        })

    # --- individuals ---
    def close_individual(self) -> None:
        ind, self.ind = self.ind, None
        if ind is None or self.decl is None:
            return
        matricule = (ind.values.get("019") or "").strip()
        ym = self.declared_month()
        if ym is None:
            if ind.versements:
                self.records_read += 1
            self.reject(ind.line, "bulletin" if ind.versements else "individu",
                        "mois déclaré absent ou invalide (S20.G00.05.005 attendu au format 01MMAAAA) : "
                        "la déclaration est illisible, demandez un nouvel export",
                        None if looks_like_nir(matricule) else matricule or None)
            return
        year, month = ym
        if not matricule or looks_like_nir(matricule):
            if ind.versements:
                self.records_read += 1
            why = ("matricule absent (S21.G00.30.019)" if not matricule else
                   "le matricule (S21.G00.30.019) a la forme d'un NIR : il n'est pas conservé")
            self.reject(ind.line, "bulletin" if ind.versements else "individu",
                        f"{why} ; renseignez le matricule de l'agent dans le logiciel de paie", None, year, month)
            return
        for b in ind.stops:
            self.add_event(matricule, b, year, month, _STOP)
        for b in ind.suspensions:
            self.add_event(matricule, b, year, month, _SUSPENSION)
        if not ind.versements:
            self.no_pay += 1
            return
        self.records_read += 1
        self.add_payslip(matricule, ind, year, month)

    def add_payslip(self, matricule: str, ind: _Individual, year: int, month: int) -> None:
        slip_lines: list[dict] = []
        gross = 0.0
        has_gross = False
        for block, b in ind.items:
            section, type_field, amount_field = _LINE_BLOCKS[block]
            code = b.values.get(type_field, "")
            raw_amount = b.values.get(amount_field)
            amount = _amount(raw_amount)
            if amount is None:
                self.reject(b.line, "ligne de paie", f"montant {raw_amount!r} illisible ou absent ({block}.{amount_field}) : "
                            "attendu un nombre avec un point décimal, ex. 1234.56", matricule, year, month)
                continue
            if block == "S21.G00.51" and code == "001":
                gross += amount
                has_gross = True
            slip_lines.append(self.pay_line(matricule, year, month, block, section, code, amount, b))
        if not has_gross:
            self.reject(ind.line, "bulletin", "aucune rémunération brute non plafonnée (S21.G00.51.011 = 001) : "
                        "le brut du bulletin est inconnu ; vérifiez la DSN de ce mois", matricule, year, month)
            return
        nbi = self.nbi_line(slip_lines, gross)
        if nbi is not None:
            slip_lines.append(nbi)
        gap = self.gap_line(slip_lines, gross, matricule, year, month, ind.line)
        if gap is not None:
            slip_lines.append(gap)
        contract = self.main_contract(ind)
        c = contract.values if contract else {}
        first, last = _month_bounds(year, month)
        versements = ind.versements
        slip = {
            "matricule": matricule, "year": year, "month": month, "establishment": self.decl.establishment,
            "statut": self.statut(c), "statut_code": f"DSN {c.get('007', '')}/{c.get('026', '')}".strip(),
            "emploi": c.get("006"), "grade": c.get("079"),
            "indice": _int(c.get("058")), "nbi_points": _amount(c.get("059")),
            "quotite": _quotite(c), "temps_non_complet": _temps_non_complet(c),
            "overtime_hours": _overtime(ind.items),
            "gross": round(gross, 2), "net": _sum(v.values.get("002") for v in versements),
            "net_paid": _sum(v.values.get("004") for v in versements), "events": self.events(ind),
            "period_start": first, "period_end": last,
            "payment_date": max((d for v in versements if (d := _date(v.values.get("001")))), default=None),
            "source_file": self.name, "source_line": ind.line, "source_kind": KIND,
        }
        if self.keep_names:
            slip["nom"], slip["prenom"] = ind.values.get("002"), ind.values.get("004")
        self.slips.append(slip)
        self.lines += slip_lines

    def pay_line(self, matricule, year, month, block, section, code, amount, b: _Block) -> dict:
        entry = self.codes.lines[section].get(code)
        if entry is None:
            self.unknown[(block, code)] = self.unknown.get((block, code), 0) + 1
            kind = "I" if section == "primes" else "CO"
            label = f"{block}.{_LINE_BLOCKS[block][1]} type {code} (code non reconnu)"
        else:
            kind, label = entry["nature"], entry["libelle"]
        v = b.values
        if block == "S21.G00.51":
            ref, units, rate, base = (v.get("001"), v.get("002")), _amount(v.get("012")), _amount(v.get("014")), None
        elif block == "S21.G00.52":
            ref, units, rate, base = (v.get("003"), v.get("004")), None, None, None
        elif block == "S21.G00.81":
            ref, units, rate, base = (None, None), None, _amount(v.get("007")), _amount(v.get("003"))
        else:
            ref, units, rate, base = (None, None), None, None, None
        return {
            "matricule": matricule, "year": year, "month": month, "establishment": self.decl.establishment,
            "kind": kind, "code": f"DSN{block[-2:]}.{code}", "label": label, "base": base, "rate": rate,
            "units": units, "amount": amount, "ref_start": _date(ref[0]), "ref_end": _date(ref[1]),
            "caisse": None, "source_file": self.name, "source_line": b.line,
        }

    def nbi_line(self, slip_lines: list[dict], gross: float) -> dict | None:
        """The NBI as a pay line, when the DSN gives its amount only as the assiette of the
        CNRACL NBI contribution (S21.G00.81 type 304, else 305) and the gross lines fall short
        of the gross by exactly that amount (otherwise the NBI is already inside a line)."""
        nbi = next((ln for code in ("DSN81.304", "DSN81.305") for ln in slip_lines
                    if ln["code"] == code and ln["base"]), None)
        if nbi is None:
            return None
        short = round(gross - sum(ln["amount"] for ln in slip_lines if ln["kind"] in _GROSS_KINDS), 2)
        if abs(short - nbi["base"]) > 0.005:
            return None
        self.nbi_derived += 1
        return {**nbi, "kind": "T", "code": "DSN.NBI", "label": "NBI (assiette de la cotisation CNRACL sur NBI)",
                "amount": nbi["base"], "base": None, "rate": None}

    def gap_line(self, slip_lines: list[dict], gross: float, matricule, year, month, line) -> dict | None:
        """The difference between the declared gross (001) and the gross items of the DSN, as a
        line: the DSN itemises neither the deductions (unpaid leave, carence, half pay: the
        salaire de base 010 is the full base) nor every gross item, so without it every such
        payslip would look incomplete (QUAL-001)."""
        gap = round(gross - sum(ln["amount"] for ln in slip_lines if ln["kind"] in _GROSS_KINDS), 2)
        if abs(gap) < 0.01:
            return None
        self.gaps.append(gap)
        code, kind, label = (("DSN.RETENUE", "T", "Retenue non détaillée par la DSN (brut 001 - éléments du brut)")
                             if gap < 0 else
                             ("DSN.ECART", "A", "Élément du brut non détaillé par la DSN (brut 001 - éléments du brut)"))
        return {"matricule": matricule, "year": year, "month": month, "establishment": self.decl.establishment,
                "kind": kind, "code": code, "label": label, "base": None, "rate": None, "units": None,
                "amount": gap, "ref_start": None, "ref_end": None, "caisse": None,
                "source_file": self.name, "source_line": line}

    def main_contract(self, ind: _Individual) -> _Block | None:
        """The contract paid the most gross this month (S21.G00.51.010), else the last one declared."""
        if not ind.contracts:
            return None
        paid: dict[str, float] = {}
        for block, b in ind.items:
            if block == "S21.G00.51" and b.values.get("011") == "001":
                ref = b.values.get("010", "")
                paid[ref] = paid.get(ref, 0.0) + (_amount(b.values.get("013")) or 0.0)
        by_number = {c.values.get("009", ""): c for c in ind.contracts}
        best = max(paid, key=paid.get, default=None)
        return by_number.get(best) or ind.contracts[-1]

    def statut(self, c: dict) -> str | None:
        return self.codes.statut_emploi.get(c.get("026", "")) or self.codes.nature_contrat.get(c.get("007", ""))

    def events(self, ind: _Individual) -> str | None:
        out = []
        for b in ind.ends:
            d = _date(b.values.get("001"))
            motive = b.values.get("002", "")
            why = self.codes.contract_ends.get(motive, f"motif {motive or 'non précisé'}")
            out.append(f"FIN {motive} : fin de contrat le {d:%d/%m/%Y} ({why})" if d else
                       f"FIN {motive} : fin de contrat, date illisible ({why})")
        for c in ind.contracts:
            start = _date(c.values.get("001"))
            ym = self.declared_month()
            if start and ym and (start.year, start.month) == ym:
                out.append(f"DEBUT {c.values.get('007', '')} : contrat commencé le {start:%d/%m/%Y}")
        return " | ".join(out) or None

    # --- absences ---
    def add_event(self, matricule: str, b: _Block, year: int, month: int, spec: "_EventSpec") -> None:
        """An arrêt (.60) or a suspension (.65) as an absence, or its rejection."""
        self.stops_read += 1
        motive = b.values.get("001", "")
        entry = (self.codes.stops if spec.block == "S21.G00.60" else self.codes.suspensions).get(motive)
        key_date = _date(b.values.get("002"))
        problem = (spec.cancel_text if motive == spec.cancel_motive else
                   f"motif {motive!r} inconnu ({spec.block}.001) : ajoutez-le à configs/dsn/codes.yaml" if entry is None else
                   f"{spec.date_label} absente ou invalide ({spec.block}.002, JJMMAAAA)" if key_date is None else None)
        if problem:
            self.reject(b.line, spec.record, problem, matricule, year, month)
            return
        start = key_date + dt.timedelta(days=spec.start_offset)
        resumption = _date(b.values.get("010")) if spec.block == "S21.G00.60" else None
        expected = _date(b.values.get("003"))
        if resumption:
            end, note = resumption - dt.timedelta(days=1), f"reprise le {resumption:%d/%m/%Y}"
        elif expected:
            end, note = expected, "fin prévue"
        else:
            end, note = _month_bounds(year, month)[1], "en cours, sans fin prévue"
        self.add_absence(matricule, spec.block, motive, key_date, entry, start, end, note, b.line, year, month)

    def add_absence(self, matricule, block, motive, key_date, entry, start, end, note, line, year, month) -> None:
        if end < start:
            self.reject(line, "arrêt" if block == "S21.G00.60" else "suspension",
                        f"fin ({end:%d/%m/%Y}) antérieure au début ({start:%d/%m/%Y})", matricule, year, month)
            return
        from .absences import counted_days

        row = {
            "matricule": matricule, "type": entry["type"], "motive": f"{block[-2:]}-{motive} {entry['libelle']}",
            "start": start, "end": end,
            "days": counted_days(entry["type"], pd.Timestamp(start), pd.Timestamp(end), False, False, self.territory),
            "hours": None, "source_label": f"DSN {month:02d}/{year} : {entry['libelle']} ({note})",
            "source_file": self.name, "source_line": line, "_declared": (year, month, line),
        }
        key = (matricule, block, motive, key_date)
        if key in self.absences:
            self.repeated_stops += 1
            if self.absences[key]["_declared"] > row["_declared"]:
                return
        self.absences[key] = row


_GROSS_KINDS = frozenset(GROSS_KINDS)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _sum(values) -> float | None:
    nums = [x for x in (_amount(v) for v in values) if x is not None]
    return round(sum(nums), 2) if nums else None


def _quotite(c: dict) -> float | None:
    """Pay fraction (model field `quotite`) of the contract: time worked, the contract's quotité
    (S21.G00.40.013) over the reference (.012), or else the part-time rate (.055); a part-time
    80 % or 90 % on a full-time post is paid 6/7 or 32/35 (quotite.pay_fraction)."""
    own, ref = _amount(c.get("013")), _amount(c.get("012"))
    rate = _amount(c.get("055"))  # taux de temps partiel [FP], in %
    worked = round(own / ref, 4) if own is not None and ref else round(rate / 100, 4) if rate is not None else None
    if worked is None or _temps_non_complet(c):
        return worked
    return round(pay_fraction(worked), 4) if rate is not None and rate < 100 else worked


def _temps_non_complet(c: dict) -> bool | None:
    """S21.G00.40.053 (fonction publique): 01 temps complet, 02 temps non complet."""
    return {"01": False, "02": True}.get((c.get("053") or "").strip())


def _overtime(items) -> float | None:
    hours = [_amount(b.values.get("012")) for block, b in items
             if block == "S21.G00.51" and b.values.get("011") in ("017", "018")]
    hours = [h for h in hours if h is not None]
    return round(sum(hours), 2) if hours else None


def _decode(raw: bytes, counts: dict[str, int]) -> str:
    if raw.isascii():
        return raw.decode("ascii")
    try:
        text = raw.decode("utf-8")
        counts["utf-8"] += 1
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        counts["latin"] += 1
    return text


def parse_dsn_file(path: Path, keep_names: bool = False, territory: str = "metropole") -> ParsedFile:
    """Read one DSN file (one or several declarations), streamed line by line; the absences
    counted in working days use the calendar of `territory`."""
    path = Path(path)
    reader = _Reader(path, keep_names, dsn_codes(), territory)
    counts = {"utf-8": 0, "latin": 0}
    skipped_blocks: dict[str, int] = {}
    current: _Block | None = None
    prev_block, prev_field = "", 0
    line_no = 0
    s90_count: int | None = None
    with open(path, "rb") as f:
        for line_no, raw in enumerate(f, start=1):
            raw = raw.rstrip()  # CRLF or LF, and blanks after the closing quote
            if line_no == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if not raw.strip():
                continue
            if raw.startswith(_SECRET_PREFIXES):
                # NIR / NTT: the value is neither decoded nor kept. Structure only.
                block, fld = raw[:10].decode("ascii"), int(raw[11:14])
                if block != prev_block or fld <= prev_field:
                    current = reader.open_block(block, line_no)
                prev_block, prev_field = block, fld
                continue
            text = _decode(raw, counts)
            block, field_text, value = text[:10], text[11:14], text[16:-1]
            # Slicing first (fast), the full pattern only when the block is not a known one.
            if not (len(text) >= 17 and text[14:16] == ",'" and text[-1] == "'" and text[10] == "."
                    and field_text.isdigit() and (block in _USED or _LINE.match(text))):
                reader.reject(line_no, "ligne DSN", "ligne illisible : attendu Sxx.Gxx.xx.xxx,'valeur' "
                              "(fichier tronqué ou modifié ? demandez un nouvel export)")
                continue
            fld = int(field_text)
            new_instance = block != prev_block or fld <= prev_field
            prev_block, prev_field = block, fld
            if block not in _USED:
                if new_instance:
                    skipped_blocks[block] = skipped_blocks.get(block, 0) + 1
                continue
            if new_instance:
                current = reader.open_block(block, line_no)
                if current is None:
                    reader.reject(line_no, "ligne DSN", f"bloc {block} hors de son bloc parent (déclaration, individu "
                                  "ou versement) : ordre des lignes inattendu, bloc ignoré")
            if current is None:
                continue
            if block == "S90.G00.90" and fld == 1:
                s90_count = int(value) if value.isdigit() else None
            reader.set_value(block, field_text, value, current)
    reader.close_declaration(line_no)
    if not reader.declarations:
        raise ImportError_(f"{path} : aucune déclaration (bloc S20.G00.05) dans ce fichier DSN. Vérifiez qu'il "
                           f"s'agit bien d'une DSN mensuelle complète.")
    _file_warnings(reader, counts, skipped_blocks, s90_count, line_no)
    return _parsed(reader)


def _file_warnings(reader: _Reader, counts, skipped_blocks, s90_count, n_lines) -> None:
    w = reader.warnings
    name = reader.path.name
    if counts["latin"]:
        w.append(f"{name} : encodage ISO-8859-1/windows-1252 (celui de la norme) lu pour {counts['latin']} ligne(s).")
    if counts["latin"] and counts["utf-8"]:
        w.append(f"{name} : {counts['utf-8']} ligne(s) en UTF-8 et {counts['latin']} en ISO-8859-1 dans le même "
                 f"fichier ; chaque ligne a été lue dans son encodage, vérifiez les accents des libellés.")
    if s90_count is not None and s90_count != n_lines:
        w.append(f"{name} : le total de contrôle S90.G00.90.001 annonce {s90_count} lignes, le fichier en compte "
                 f"{n_lines} : fichier tronqué ou concaténé ? Vérifiez l'export.")
    for d in reader.declarations:
        when = f"{d['month']:02d}/{d['year']}" if d["year"] else "mois inconnu"
        if d["type"] == REPLACES:
            w.append(f"{name} : la déclaration de {when} (établissement {d['establishment']}, ligne {d['first_line']}) "
                     f"annule et remplace celle du même mois et établissement déjà importée : seule la plus récente "
                     f"est lue par les contrôles.")
        elif d["type"] == CANCELS:
            w.append(f"{name} : la déclaration de {when} (établissement {d['establishment']}) annule celle du même "
                     f"mois déjà importée : ce mois n'est plus lu pour cet établissement.")
        if d["nature"] not in ("01",):
            w.append(f"{name} : déclaration de nature {d['nature']} (signalement, pas DSN mensuelle) ligne "
                     f"{d['first_line']} : seuls ses arrêts, suspensions et fins de contrat sont utiles.")
    if reader.repeated_stops:
        w.append(f"{name} : {reader.stops_read} arrêts et suspensions lus, dont {reader.repeated_stops} déjà déclarés "
                 f"un mois précédent (même agent, motif et date) : comptés une fois, avec les dates les plus récentes.")
    if reader.nbi_derived:
        w.append(f"{name} : NBI de {reader.nbi_derived} bulletin(s) lue dans l'assiette de la cotisation CNRACL sur "
                 f"NBI (S21.G00.81, type 304/305), la DSN n'ayant pas de rubrique de montant de NBI ; ligne DSN.NBI.")
    if reader.gaps:
        neg = [g for g in reader.gaps if g < 0]
        pos = [g for g in reader.gaps if g > 0]
        w.append(f"{name} : {len(reader.gaps)} bulletin(s) dont le brut déclaré (S21.G00.51, type 001) diffère de la "
                 f"somme de ses éléments : {len(neg)} retenue(s) non détaillée(s) ({fr_eur(sum(neg))}, ligne "
                 f"DSN.RETENUE, catégorie traitement) et {len(pos)} élément(s) du brut non détaillé(s) "
                 f"({fr_eur(sum(pos))}, ligne DSN.ECART) ; la DSN ne détaille pas les retenues pour absence.")
    if reader.no_pay:
        w.append(f"{name} : {reader.no_pay} individu(s) sans versement (S21.G00.50) : pas de bulletin, leurs arrêts "
                 f"et suspensions sont importés.")
    for (block, code), n in sorted(reader.unknown.items()):
        w.append(f"{name} : code {code} du bloc {block} non reconnu ({n} ligne(s)) : importé sans nature précise, "
                 f"à ajouter à configs/dsn/codes.yaml et configs/rubriques/dsn.yaml.")
    if skipped_blocks:
        listing = ", ".join(f"{b} ({n})" for b, n in sorted(skipped_blocks.items()))
        w.append(f"{name} : blocs non utilisés par rhaudit (ni rejetés ni importés) : {listing}.")
    w.append(f"{name} : hypothèses de lecture DSN (docs/dsn.md) : net = net fiscal (S21.G00.50.002) ; quotité de "
             f"rémunération = S21.G00.40.013 / .012 (temps partiel de 80 % ou 90 % : 6/7 ou 32/35), temps non complet "
             f"selon .053 ; répétition d'un arrêt d'un mois sur l'autre reconnue à l'agent, au motif et "
             f"au dernier jour travaillé ; norme {reader.norm or 'non précisée'}.")


def _parsed(reader: _Reader) -> ParsedFile:
    slips = pd.DataFrame(reader.slips)
    lines = pd.DataFrame(reader.lines)
    absences = pd.DataFrame([{k: v for k, v in r.items() if k != "_declared"} for r in reader.absences.values()])
    tables = {
        name: conform(df, name) if not df.empty else empty_frame(name)
        for name, df in (("payslips", slips), ("pay_lines", lines), ("absences", absences))
    }
    return ParsedFile(path=reader.path, kind=KIND, tables=tables, records_read=reader.records_read,
                      rejected=reader.rejected, warnings=reader.warnings, declarations=reader.declarations)


__all__ = ["parse_dsn_file", "is_dsn_file", "dsn_codes", "KIND"]
