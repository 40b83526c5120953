"""Reading a CSV or XLSX file with an import profile: `read_mapped` decodes the file, finds the
mapped columns and returns the raw rows; unreadable rows are kept aside with their reason, and a
column holding NIRs is refused."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ...text import compact
from ..base import ImportError_, contains_nir, mask_nirs_in, masked_nir_in
from .schema import Profile, field_label

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
    found = {compact(c): c for c in reversed(df.columns)}  # first column wins on a clash
    chosen: dict[str, str] = {}
    for fld, names in prof.columns.items():
        for name in names:
            if compact(name) in found:
                chosen[fld] = found[compact(name)]
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
