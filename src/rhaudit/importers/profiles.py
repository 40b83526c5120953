"""Import profiles: how to read one software's CSV/XLSX export into the canonical tables.

A profile is a YAML file under payroll_import/profiles/ (see docs/profils.md), chosen by name
(the file stem) or by path. It states the file format (delimiter, decimal mark, encoding, date
formats, Excel sheet and header row), which source column holds each canonical field (model.py),
constants, value mappings (statut labels, line kinds...) and, for absences, the ordered rules
turning source labels into normalised absence types.

This module also applies a profile to a file: `read_mapped` reads the rows and picks the mapped
columns, `CellParser` converts one raw cell to its canonical value or raises `CellError` with a
French reason (the importer then rejects that row).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from .. import paths
from ..configfile import read_yaml, validation_problems
from ..model import ABSENCE_TYPES, ABSENCE_FIELDS, AGENT_FIELDS, CATEGORIES, LEAVE_BALANCE_FIELDS, LEAVE_BALANCE_TYPES, LINE_KINDS, PAY_LINE_FIELDS, PAYSLIP_FIELDS, POPULATIONS, STATUTS, conform, empty_frame
from .base import ImportError_, ParsedFile, Rejection, contains_nir, masked_nir_in, mask_nirs_in

DEFAULT_PROFILES = {"paie": "paie_generique", "absences": "absences_generique", "agents": "agents_generique",
                    "soldes": "soldes_generique"}
KIND_LABELS = {"paie": "paie (export tableur)", "absences": "absences", "agents": "référentiel agents",
               "soldes": "soldes de congés"}

# Source-only fields that are not canonical columns but feed them.
PSEUDO_FIELDS: dict[str, dict[str, str]] = {
    "paie": {"period": "period"},  # a date or MM/AAAA giving year and month
    "absences": {"label": "string", "start_afternoon": "flag", "end_morning": "flag"},
    "agents": {},
    "soldes": {"leave_type": "string"},  # the type of balance, mapped by `valeurs: leave_type:`
}
_NOT_FROM_SOURCE = {"source_file", "source_line", "category", "source_label", "type", "motive"}


_PSEUDO_LABELS = {"period": "Période de paie", "label": "Libellé", "start_afternoon": "Début l'après-midi",
                  "end_morning": "Fin le matin", "leave_type": "Type de solde"}


def _source_fields(kind: str) -> tuple:
    tables = {"paie": PAYSLIP_FIELDS + PAY_LINE_FIELDS, "absences": ABSENCE_FIELDS, "agents": AGENT_FIELDS,
              "soldes": LEAVE_BALANCE_FIELDS}[kind]
    return tuple(f for f in tables if f.name not in _NOT_FROM_SOURCE)


def _field_types(kind: str) -> dict[str, str]:
    return {f.name: f.dtype for f in _source_fields(kind)} | PSEUDO_FIELDS[kind]


@lru_cache(maxsize=None)
def field_label(kind: str, fld: str) -> str:
    """Short French name of a field for messages (from the model's description)."""
    docs = {f.name: re.split(r" \(|,| :", f.doc)[0] for f in _source_fields(kind)}
    return docs.get(fld) or _PSEUDO_LABELS.get(fld, fld)


# Closed sets of canonical values: a source value outside them must be mapped in `valeurs`.
CLOSED_VALUES: dict[str, tuple[str, ...]] = {
    "statut": STATUTS,
    "kind": tuple(LINE_KINDS.values()),
    "categorie": CATEGORIES,
    "population": POPULATIONS,
    "gender": ("F", "M"),
    "leave_type": tuple(LEAVE_BALANCE_TYPES),
}
ASA_MOTIVES = (
    "mariage_agent", "mariage_enfant", "deces_conjoint", "deces_enfant", "deces_parent", "deces_autre",
    "maladie_grave", "naissance", "enfant_malade", "demenagement", "concours", "syndical", "electif",
    "don_sang", "rentree_scolaire", "autre",
)
_TRUE_FLAGS = {"1", "oui", "o", "x", "vrai", "true", "yes", "y", "pm", "am", "apres-midi", "matin", "demi", "0,5", "0.5"}
_FALSE_FLAGS = {"0", "non", "n", "faux", "false", "no", "-"}


def normalize(text: Any) -> str:
    """Case-, accent- and space-insensitive form used to compare column names and labels."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace()).lower()


class ProfileError(ImportError_):
    """A profile cannot be found or is malformed (French message naming the profile file)."""


class CellError(ValueError):
    """A cell cannot be converted; the message (French) becomes the rejection reason."""


# --- the profile file ------------------------------------------------------------------------
class FormatOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    delimiter: Literal[";", ",", "\t", "auto"] = Field(default="auto", alias="separateur")
    decimal: Literal[",", "."] = Field(default=",", alias="decimale")
    thousands: str | None = Field(default=None, alias="milliers")
    encoding: str | None = Field(default=None, alias="encodage")  # None: utf-8-sig, then windows-1252
    date_formats: list[str] = Field(default=["%d/%m/%Y", "%Y-%m-%d"], alias="formats_date", min_length=1)
    sheet: str | int = Field(default=0, alias="feuille")  # Excel sheet name, or index from 0
    header_row: int = Field(default=1, alias="ligne_entete", ge=1)  # line of the column names, from 1

    @model_validator(mode="after")
    def _distinct_marks(self) -> "FormatOptions":
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError("le séparateur de milliers doit différer du séparateur décimal")
        return self


class AbsenceLabelRule(BaseModel):
    """One source label (exact, insensitive to case, accents and spaces) or regex -> a type."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    label: str | None = Field(default=None, alias="libelle")
    pattern: str | None = Field(default=None, alias="regex")
    type: str
    motive: str | None = Field(default=None, alias="motif")

    @model_validator(mode="after")
    def _check(self) -> "AbsenceLabelRule":
        if (self.label is None) == (self.pattern is None):
            raise ValueError("chaque règle d'absence donne soit « libelle », soit « regex » (un seul des deux)")
        if self.type not in ABSENCE_TYPES:
            raise ValueError(f"type d'absence inconnu « {self.type} » ; types possibles : {', '.join(ABSENCE_TYPES)}")
        if self.motive is not None and self.type == "asa" and self.motive not in ASA_MOTIVES:
            raise ValueError(f"motif d'ASA inconnu « {self.motive} » ; motifs possibles : {', '.join(ASA_MOTIVES)}")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"expression régulière invalide « {self.pattern} » : {exc}") from exc
        return self

    def matches(self, label: str) -> bool:
        if self.label is not None:
            return normalize(label) == normalize(self.label)
        return re.search(self.pattern, label, flags=re.IGNORECASE) is not None


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: Literal["paie", "absences", "agents", "soldes"] = Field(alias="type")
    description: str = ""
    format: FormatOptions = Field(default_factory=FormatOptions)
    columns: dict[str, str | list[str]] = Field(alias="colonnes")
    constants: dict[str, Any] = Field(default_factory=dict, alias="constantes")
    values: dict[str, dict[str, str]] = Field(default_factory=dict, alias="valeurs")
    quotite_unit: Literal["fraction", "pourcentage", "auto"] = Field(default="auto", alias="quotite")
    absence_rules: list[AbsenceLabelRule] = Field(default_factory=list, alias="absences")
    # Filled by load_profile, not read from the YAML.
    name: str = Field(default="", exclude=True)
    path: Path | None = Field(default=None, exclude=True)
    _label_cache: dict[str, tuple[str, str | None]] = PrivateAttr(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _as_lists(cls, columns: dict[str, str | list[str]]) -> dict[str, list[str]]:
        return {k: [v] if isinstance(v, str) else list(v) for k, v in columns.items()}

    @model_validator(mode="after")
    def _check_fields(self) -> "Profile":
        known = _field_types(self.kind)
        for section, names in (("colonnes", self.columns), ("constantes", self.constants), ("valeurs", self.values)):
            unknown = sorted(set(names) - set(known))
            if unknown:
                raise ValueError(
                    f"champ(s) inconnu(s) dans « {section} » : {', '.join(unknown)} ; "
                    f"champs possibles pour un profil {self.kind} : {', '.join(sorted(known))}"
                )
        for fld, mapping in self.values.items():
            allowed = CLOSED_VALUES.get(fld)
            bad = sorted({v for v in mapping.values() if allowed and v not in allowed})
            if bad:
                raise ValueError(f"valeurs.{fld} : {', '.join(bad)} n'est pas une valeur possible ({', '.join(allowed)})")
        if self.kind == "absences" and not self.absence_rules:
            raise ValueError("un profil d'absences doit lister ses libellés dans la section « absences »")
        if self.kind != "absences" and self.absence_rules:
            raise ValueError("la section « absences » n'a de sens que pour un profil de type absences")
        return self

    @property
    def label(self) -> str:
        return f"« {self.name} » ({self.path})" if self.path else f"« {self.name} »"

    def absence_type(self, label: str) -> tuple[str, str | None]:
        """(type, ASA motive) of an absence label; CellError when no rule matches."""
        if label in self._label_cache:
            return self._label_cache[label]
        for r in self.absence_rules:
            if r.matches(label):
                self._label_cache[label] = (r.type, r.motive)
                return r.type, r.motive
        where = self.path.name if self.path else self.name
        raise CellError(f"libellé d'absence inconnu : {label} ; ajoutez-le au profil {where}")


def load_profile(profile: str | Path | None, kind: str) -> Profile:
    """The profile named (file stem under paths.profiles_dir()) or at a path; default per kind."""
    if profile is None:
        profile = DEFAULT_PROFILES[kind]
    candidate = Path(profile)
    if candidate.suffix.lower() in (".yaml", ".yml") or candidate.is_file():
        path = candidate
    else:
        path = paths.profiles_dir() / f"{profile}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in paths.profiles_dir().glob("*.yaml"))
        raise ProfileError(
            f"Profil d'import introuvable : « {profile} » (cherché : {path}). Profils disponibles : "
            f"{', '.join(available) or 'aucun'}. Donnez le nom d'un de ces profils ou le chemin d'un "
            f"fichier YAML (voir docs/profils.md)."
        )
    raw = read_yaml(path, ProfileError, "Corrigez le profil (voir docs/profils.md).")
    if not isinstance(raw, dict):
        raise ProfileError(f"Profil {path} : le fichier doit contenir un dictionnaire YAML (type, colonnes...).")
    try:
        prof = Profile.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise ProfileError(f"Profil {path} invalide : {problems}. Corrigez le fichier (voir docs/profils.md).") from exc
    if prof.kind != kind:
        raise ProfileError(
            f"Profil {path} : c'est un profil de type « {prof.kind} », or ce fichier est attendu comme "
            f"{KIND_LABELS[kind]}. Choisissez un profil de type « {kind} »."
        )
    prof.name, prof.path = path.stem, path
    return prof


# --- reading a file with a profile -----------------------------------------------------------
@dataclass
class MappedTable:
    """The rows of a source file, restricted to the mapped fields (raw cell values)."""

    path: Path
    profile: Profile
    rows: list[tuple[int, dict[str, Any]]]  # (line number in the file, {field: raw value})
    fields: set[str]  # fields present (mapped column found, or constant)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): rows not readable
    warnings: list[str] = field(default_factory=list)  # about the whole file (encoding...)

    @property
    def records_read(self) -> int:
        return len(self.rows) + len(self.malformed)


_BOM = b"\xef\xbb\xbf"
_LATIN = ("latin-1", "latin1", "iso-8859-1", "iso8859-1", "iso-8859-15", "windows-1252", "cp1252")


def _decode(path: Path, encoding: str | None, warnings: list[str]) -> str:
    """The text of a CSV file. Without a declared encoding: UTF-8 (BOM or not), else windows-1252;
    a UTF-8 file with a few windows-1252 bytes (a hand edit) is read byte by byte, with a warning
    giving their lines. A declared latin encoding on a file that is in fact UTF-8 is read as
    UTF-8 (warning). A declared encoding that does not fit stops with the line of the first bad byte."""
    data = path.read_bytes()
    if encoding:
        try:
            "".encode(encoding)
        except LookupError:
            raise ImportError_(f"{path} : encodage inconnu « {encoding} » dans le profil (« encodage ») ; exemples : "
                               f"utf-8, windows-1252, latin-1.") from None
        if encoding.lower().replace("_", "-") in _LATIN and not data.isascii() and _is_utf8(data):
            warnings.append(f"Le profil déclare l'encodage {encoding}, mais le fichier est en UTF-8 : il est lu en "
                            f"UTF-8. Corrigez « encodage » dans le profil (utf-8).")
            return data.decode("utf-8-sig")
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            hint = "utf-8" if _is_utf8(data) else "windows-1252"
            raise ImportError_(f"{path}, ligne {line} : octet {data[exc.start]:#04x} illisible en {encoding} (encodage "
                               f"déclaré par le profil). Le fichier semble être en {hint} : indiquez « encodage: {hint} » "
                               f"dans le profil.") from exc
    body = data[len(_BOM):] if data.startswith(_BOM) else data
    if _is_utf8(body):
        return body.decode("utf-8")
    foreign: list[int] = []

    def from_cp1252(exc: UnicodeDecodeError):
        foreign.append(exc.start)
        byte = exc.object[exc.start:exc.start + 1]
        return byte.decode("windows-1252", errors="strict") if byte not in _CP1252_UNDEFINED else byte.decode("latin-1"), exc.start + 1

    codecs.register_error("rhaudit-cp1252", from_cp1252)
    mixed = body.decode("utf-8", errors="rhaudit-cp1252")
    utf8_sequences = sum(1 for c in mixed if ord(c) > 0x7F) - len(foreign)
    if utf8_sequences == 0:  # a plain windows-1252 export
        if data.startswith(_BOM):
            warnings.append("Le fichier commence par la marque UTF-8 (BOM) mais son contenu est en windows-1252 : "
                            "il est lu en windows-1252 ; vérifiez les accents.")
        return body.decode("windows-1252", errors="rhaudit-cp1252")
    lines = sorted({body[:i].count(b"\n") + 1 for i in foreign})
    shown = ", ".join(map(str, lines[:10])) + (" ..." if len(lines) > 10 else "")
    warnings.append(f"Fichier en UTF-8 sauf {len(foreign)} octet(s) windows-1252 (ligne(s) {shown}) : ces caractères sont "
                    f"lus en windows-1252 ; vérifiez les accents de ces lignes, et réenregistrez le fichier en UTF-8.")
    return mixed


_CP1252_UNDEFINED = {bytes([b]) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _unique(names: list[str]) -> list[str]:
    """Column names made unique ("Code", "Code.1"), so that each can be picked alone."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        out.append(f"{name}.{seen[name]}" if name in seen else name)
        seen[name] = seen.get(name, 0) + 1
    return out


class _CountedLines:
    """The physical lines of a text, counting how many a csv reader has taken."""

    def __init__(self, lines: list[str]):
        self.lines, self.taken = lines, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.taken >= len(self.lines):
            raise StopIteration
        self.taken += 1
        return self.lines[self.taken - 1]


def _csv_records(lines: list[str], sep: str):
    """(line, cells, problem) for every physical line that is not blank, in order.

    A record never spans lines: when a quote opens a cell that a later line closes (an
    unbalanced quote would otherwise swallow the rest of the file), each line of the span is
    read on its own and the line with the odd quote is reported with `problem`.
    """
    source = _CountedLines(lines)
    reader = csv.reader(source, delimiter=sep)
    while True:
        first = source.taken + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            for n in range(first, source.taken + 1):
                yield n, [], f"ligne illisible ({exc})"
            reader = csv.reader(source, delimiter=sep)
            continue
        if source.taken == first:
            if not _blank_line(lines[first - 1], sep):
                yield first, cells, None
            continue
        for n in range(first, source.taken + 1):  # a record over several lines: line by line
            text = lines[n - 1].rstrip("\r\n")
            if _blank_line(text, sep):
                continue
            if text.count('"') % 2:
                yield n, [], ("guillemet (\") ouvert et jamais refermé sur la ligne : corrigez la cellule (ou doublez le "
                              "guillemet) ; une cellule sur plusieurs lignes n'est pas acceptée")
            else:
                yield n, next(csv.reader([text], delimiter=sep), []), None


def _blank_line(text: str, sep: str) -> bool:
    return not text.replace(sep, "").replace('"', "").strip()


def _read_csv(path: Path, prof: Profile, warnings: list[str]) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """CSV cells as strings, index = file line; rows whose field count differs are set apart."""
    opts = prof.format
    text = _decode(path, opts.encoding, warnings)
    lines = list(io.StringIO(text, newline=""))
    if len(lines) < opts.header_row or not lines[opts.header_row - 1].strip():
        raise ImportError_(f"{path} : fichier vide ou sans ligne d'en-tête (ligne {opts.header_row}, profil {prof.label}).")
    header_line = lines[opts.header_row - 1].rstrip("\r\n")
    sep = opts.delimiter
    if sep == "auto":
        try:
            sep = csv.Sniffer().sniff(header_line, delimiters=";,\t").delimiter
        except csv.Error:
            sep = ";"
    if header_line.count('"') % 2:
        raise ImportError_(f"{path}, ligne {opts.header_row} : guillemet (\") non refermé dans la ligne d'en-tête. "
                           f"Corrigez la ligne des noms de colonnes.")
    header = [c.strip() for c in next(csv.reader([header_line], delimiter=sep), [])]
    rows, index, malformed = [], [], []
    for line, cells, problem in _csv_records(lines[opts.header_row:], sep):
        line += opts.header_row
        if problem:
            malformed.append((line, problem))
            continue
        while len(cells) > len(header) and not cells[-1].strip():
            cells = cells[:-1]  # trailing empty cells (a separator at the end of the line)
        if len(cells) != len(header):
            malformed.append((line, f"{len(cells)} champ(s) au lieu de {len(header)} (séparateur « {sep} » "
                                    f"en trop ou manquant dans la ligne ?)"))
            continue
        rows.append(cells)
        index.append(line)
    return pd.DataFrame(rows, columns=_unique(header), index=index, dtype=object), malformed


def _read_raw(path: Path, prof: Profile, warnings: list[str]) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """All cells as read (strings for CSV; native numbers and dates for Excel), index = file line,
    and the malformed rows (line, reason)."""
    opts = prof.format
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise ImportError_(f"{path} : format non pris en charge ({suffix or 'sans extension'}) ; attendu .csv ou .xlsx.")
    try:
        if suffix in (".csv", ".txt"):
            df, malformed = _read_csv(path, prof, warnings)
        else:
            df = pd.read_excel(path, sheet_name=opts.sheet, header=opts.header_row - 1, dtype=object, engine="openpyxl")
            df.index = df.index + opts.header_row + 1  # data starts on the line after the header
            df.columns = _unique([str(c).strip() for c in df.columns])
            malformed = []
    except (ValueError, KeyError, IndexError, OSError, zipfile.BadZipFile, csv.Error) as exc:
        raise ImportError_(
            f"{path} : fichier illisible avec le profil {prof.label} ({exc}). Vérifiez le format "
            f"(séparateur, encodage, feuille Excel, ligne d'en-tête) dans le profil."
        ) from exc
    return df, malformed


def _blank_mask(col: pd.Series) -> pd.Series:
    """True where a cell is empty: missing, or only spaces."""
    return col.astype("string").str.strip().eq("").fillna(True).astype(bool)


def read_mapped(path: Path, prof: Profile, required: list[str | tuple[str, ...]]) -> MappedTable:
    """Read `path` and keep the mapped columns, renamed to canonical fields, plus constants.

    `required` lists fields that must be present (a tuple: at least one of them). Raises
    ImportError_ naming the file, the profile, the missing columns and the columns found.
    """
    warnings: list[str] = []
    df, malformed = _read_raw(path, prof, warnings)
    found = {normalize(c): c for c in reversed(df.columns)}  # first column wins on a clash
    chosen: dict[str, str] = {}
    for fld, names in prof.columns.items():
        for name in names:
            if normalize(name) in found:
                chosen[fld] = found[normalize(name)]
                break
    present = set(chosen) | set(prof.constants)
    missing = [req for req in required if not (set(req if isinstance(req, tuple) else (req,)) & present)]
    if missing:
        def expected(req: str | tuple[str, ...]) -> str:
            flds = req if isinstance(req, tuple) else (req,)
            return " ou ".join(f"{field_label(prof.kind, f)} [{f}] (colonne {' / '.join(prof.columns.get(f, ['non décrite']))})"
                               for f in flds)

        raise ImportError_(
            f"{path} : colonne(s) obligatoire(s) absente(s) avec le profil {prof.label} : "
            f"{'; '.join(expected(r) for r in missing)}. Colonnes trouvées dans le fichier : "
            f"{', '.join(mask_nirs_in(c) for c in df.columns) or 'aucune'}. Ajoutez le nom de la colonne de votre fichier dans "
            f"la section « colonnes » du profil, ou choisissez un autre profil (--profile)."
        )
    blank = df.apply(_blank_mask)
    df = df[~blank.all(axis=1)]  # an entirely blank line is not a record
    picked = df[list(chosen.values())].astype(object).where(~blank.loc[df.index, list(chosen.values())], None)
    picked.columns = list(chosen)
    for fld, const in prof.constants.items():
        picked[fld] = picked[fld].where(picked[fld].notna(), const) if fld in picked else const
    if "matricule" in chosen:
        _refuse_nir(path, chosen["matricule"], picked["matricule"])
    picked, nir_rows = _drop_nir_cells(picked, {f: c for f, c in chosen.items() if f != "matricule"})
    malformed = sorted(malformed + nir_rows)
    names = list(picked.columns)
    records = (dict(zip(names, values)) for values in zip(*(picked[c].tolist() for c in names)))
    rows = list(zip(picked.index.tolist(), records))
    if not rows and not malformed:
        raise ImportError_(f"{path} : aucune ligne de données sous l'en-tête (profil {prof.label}). Vérifiez le fichier et « ligne_entete ».")
    return MappedTable(path=path, profile=prof, rows=rows, fields=present, malformed=malformed, warnings=warnings)


def _refuse_nir(path: Path, column: str, matricules: pd.Series) -> None:
    """Stop the import when the matricule column holds NIRs (the number itself is never shown)."""
    for line, value in matricules.items():
        if value is not None and contains_nir(value):
            raise ImportError_(
                f"{path}, ligne {line} : la colonne « {column} », lue comme matricule, contient un numéro de "
                f"sécurité sociale (NIR). rhaudit n'enregistre jamais de NIR : associez au matricule la colonne "
                f"du matricule interne de l'agent dans le profil (section « colonnes »). Rien n'a été importé."
            )


def _drop_nir_cells(picked: pd.DataFrame, columns: dict[str, str]) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Rows with a NIR in a mapped cell, set apart as rejected (the NIR masked in the reason):
    a NIR is never stored, whatever the column."""
    bad: dict[int, str] = {}
    for fld, column in columns.items():
        values = picked[fld].dropna()
        if values.empty:
            continue
        flagged = {v for v in pd.unique(values.astype(str)) if contains_nir(v)}
        if not flagged:
            continue
        for line, value in values[values.astype(str).isin(flagged)].items():
            bad.setdefault(line, (
                f"la colonne « {column} » contient un numéro de sécurité sociale (NIR {masked_nir_in(value)}) : "
                f"ligne rejetée, rhaudit n'enregistre jamais de NIR ; retirez cette colonne du profil ou effacez le NIR "
                f"du fichier"))
    if not bad:
        return picked, []
    return picked.drop(index=list(bad)), sorted(bad.items())


# --- converting cells ------------------------------------------------------------------------
_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})[/.\-](\d{1,2})$")


@lru_cache(maxsize=4096)  # the same dates recur on many rows
def _parse_date(text: str, formats: tuple[str, ...]) -> pd.Timestamp | None:
    for fmt in formats:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


class CellParser:
    """Converts raw cells to canonical values following a profile's format and value mappings."""

    def __init__(self, prof: Profile):
        self.profile = prof
        self.types = _field_types(prof.kind)
        self._values = {fld: {normalize(k): v for k, v in m.items()} for fld, m in prof.values.items()}
        self._memo: dict[tuple, tuple[bool, Any]] = {}

    def number(self, raw: Any, what: str) -> float | None:
        if raw is None:
            return None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        text = _SPACES.sub("", str(raw)).replace("€", "")
        negative = False
        if text.startswith("(") and text.endswith(")"):
            negative, text = True, text[1:-1]
        elif text.endswith("-"):
            negative, text = True, text[:-1]
        elif text.startswith("-"):
            negative, text = True, text[1:]
        elif text.startswith("+"):
            text = text[1:]
        fmt = self.profile.format
        if fmt.thousands:
            text = text.replace(fmt.thousands, "")
        if fmt.decimal == ",":
            if "." in text:  # "1.801" would be ambiguous: a dot is allowed only as declared thousands mark
                raise CellError(f"{what} non numérique : « {raw} » (le profil attend une virgule décimale ; "
                                f"déclarez « milliers » ou « decimale » dans le profil si besoin)")
            text = text.replace(",", ".")
        if not _NUMBER.match(text):
            raise CellError(f"{what} non numérique : « {raw} »")
        return -float(text) if negative else float(text)

    def integer(self, raw: Any, what: str) -> int | None:
        value = self.number(raw, what)
        if value is None:
            return None
        if value != int(value):
            raise CellError(f"{what} n'est pas un nombre entier : « {raw} »")
        return int(value)

    def date(self, raw: Any, what: str) -> pd.Timestamp | None:
        if raw is None:
            return None
        if isinstance(raw, (dt.date, pd.Timestamp)):
            return pd.Timestamp(raw).normalize()
        day = _parse_date(str(raw).strip(), tuple(self.profile.format.date_formats))
        if day is None:
            formats = ", ".join(self.profile.format.date_formats)
            raise CellError(f"{what} impossible ou illisible : « {raw} » (format(s) attendu(s) : {formats})")
        return day

    def period(self, raw: Any) -> tuple[int, int]:
        """(year, month) of a period cell: a date of the month, MM/AAAA or AAAA-MM."""
        text = str(raw).strip()
        if m := _MONTH_YEAR.match(text):
            year, month = int(m[2]), int(m[1])
        elif m := _YEAR_MONTH.match(text):
            year, month = int(m[1]), int(m[2])
        else:
            day = self.date(raw, "Période de paie")
            year, month = day.year, day.month
        if not 1 <= month <= 12:
            raise CellError(f"Période de paie impossible : « {raw} »")
        return year, month

    def flag(self, raw: Any, what: str) -> bool:
        if raw is None:
            return False
        token = normalize(raw)
        if token in _TRUE_FLAGS:
            return True
        if token in _FALSE_FLAGS:
            return False
        raise CellError(f"{what} illisible : « {raw} » (attendu : oui/non, 1/0, x)")

    def quotite(self, raw: Any) -> float | None:
        value = self.number(raw, "Quotité")
        if value is None:
            return None
        unit = self.profile.quotite_unit
        if unit == "pourcentage" or (unit == "auto" and value > 1):
            value = value / 100
        if not 0 < value <= 1:
            raise CellError(f"Quotité impossible : « {raw} » (attendu entre 0 et 100 %)")
        return value

    def text(self, fld: str, raw: Any) -> str | None:
        """A string field, through the profile's value mapping; closed sets must match."""
        if raw is None:
            return None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # Excel gives 1234.0 for a matricule typed as a number
        value = str(raw).strip()
        mapped = self._values.get(fld, {}).get(normalize(value))
        if mapped is not None:
            return mapped
        allowed = CLOSED_VALUES.get(fld)
        if allowed is None:
            return value
        if fld == "kind" and value in LINE_KINDS:  # PES element name, e.g. TraitBrut
            return LINE_KINDS[value]
        for canonical in allowed:
            if normalize(canonical) == normalize(value):
                return canonical
        where = self.profile.path.name if self.profile.path else self.profile.name
        label = field_label(self.profile.kind, fld)
        raise CellError(f"{label} inconnu(e) : « {value} » ; ajoutez-le à « valeurs: {fld}: » du profil {where}")

    def required(self, fld: str, raw: Any) -> Any:
        """The canonical value of a field that must not be empty."""
        value = self.convert(fld, raw)
        if value is None:
            raise CellError(f"{field_label(self.profile.kind, fld)} manquant(e)")
        return value

    def convert_all(self, raw: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        """Canonical values of the `fields` present in `raw` (a missing column stays absent)."""
        return {f: self.convert(f, raw[f]) for f in fields if f in raw}

    def convert(self, fld: str, raw: Any) -> Any:
        """The canonical value of `fld`, by its model type (memoised: exports repeat values)."""
        key = (fld, type(raw), raw)
        if key not in self._memo:
            try:
                self._memo[key] = (True, self._convert(fld, raw))
            except CellError as exc:
                self._memo[key] = (False, str(exc))
        ok, value = self._memo[key]
        if not ok:
            raise CellError(value)
        return value

    def _convert(self, fld: str, raw: Any) -> Any:
        dtype = self.types[fld]
        what = field_label(self.profile.kind, fld)
        if fld == "quotite":
            return self.quotite(raw)
        if dtype == "Float64":
            return self.number(raw, what)
        if dtype == "Int64":
            return self.integer(raw, what)
        if dtype.startswith("datetime"):
            return self.date(raw, what)
        if dtype == "flag":
            return self.flag(raw, what)
        return self.text(fld, raw)


def convert_rows(
    table: MappedTable, record: str, convert_row: Callable[[CellParser, dict[str, Any]], dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Apply `convert_row` to every row; a CellError rejects that row with its line and reason.

    Kept records get source_file and source_line; rows kept + rows rejected = rows read.
    """
    parser = CellParser(table.profile)
    kept: list[dict[str, Any]] = []
    rejected = [Rejection(file=table.path.name, position=line, record=record, reason=mask_nirs_in(reason))
                for line, reason in table.malformed]
    for line, raw in table.rows:
        try:
            rec = convert_row(parser, raw)
        except CellError as exc:
            who = raw.get("matricule")
            rejected.append(Rejection(
                file=table.path.name, position=line, record=record, reason=mask_nirs_in(str(exc)),
                matricule=None if who is None else parser.text("matricule", who),
            ))
            continue
        rec["source_file"], rec["source_line"] = table.path.name, line
        kept.append(rec)
    return kept, rejected


def first_of_each_key(kept: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], record: str,
                      describe: Callable[[dict[str, Any]], str]) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Keep the first record of each `key`; reject the later ones naming the first line
    (« <describe(rec)> en double (déjà lu ligne N) : seule la première ligne est gardée »)."""
    first_line: dict[Any, int] = {}
    unique, rejected = [], []
    for rec in kept:
        k = key(rec)
        if k in first_line:
            rejected.append(Rejection(
                file=rec["source_file"], position=rec["source_line"], record=record, matricule=rec["matricule"],
                reason=f"{describe(rec)} en double (déjà lu ligne {first_line[k]}) : seule la première ligne est gardée",
            ))
        else:
            first_line[k] = rec["source_line"]
            unique.append(rec)
    return unique, rejected


def parse_keyed_table(path: Path, profile, kind: str, table: str, required: list[str], record: str,
                      convert_row, key, describe):
    """A reference file (agents, leave balances) read with its profile: rows converted (a bad
    cell rejects its row), one row kept per `key` (first_of_each_key), canonical `table`."""
    path = Path(path)
    mapped = read_mapped(path, load_profile(profile, kind), required)
    kept, rejected = convert_rows(mapped, record, convert_row)
    kept, duplicates = first_of_each_key(kept, key, record, describe)
    rejected = sorted(rejected + duplicates, key=lambda r: r.position or 0)
    frame = conform(pd.DataFrame(kept), table) if kept else empty_frame(table)
    return ParsedFile(path=path, kind=kind, tables={table: frame}, records_read=mapped.records_read,
                      rejected=rejected, warnings=list(mapped.warnings))
