"""Converting the raw cells of a file read with a profile: `CellParser` turns one raw cell into its
canonical value or raises `CellError` with a French reason (the importer then rejects that row);
`convert_rows` and `parse_keyed_table` apply it to a whole file, every row kept or rejected."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from ...model import LINE_KINDS, conform, empty_frame
from ...text import compact
from ..base import ParsedFile, Rejection, mask_nirs_in
from .reader import MappedTable, read_mapped
from .schema import CLOSED_VALUES, CellError, Profile, field_label, field_types, load_profile

_TRUE_FLAGS = {"1", "oui", "o", "x", "vrai", "true", "yes", "y", "pm", "am", "apres-midi", "matin", "demi", "0,5", "0.5"}
_FALSE_FLAGS = {"0", "non", "n", "faux", "false", "no", "-"}
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
        self.types = field_types(prof.kind)
        self._values = {fld: {compact(k): v for k, v in m.items()} for fld, m in prof.values.items()}
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
        token = compact(raw)
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
        mapped = self._values.get(fld, {}).get(compact(value))
        if mapped is not None:
            return mapped
        allowed = CLOSED_VALUES.get(fld)
        if allowed is None:
            return value
        if fld == "kind" and value in LINE_KINDS:  # PES element name, e.g. TraitBrut
            return LINE_KINDS[value]
        for canonical in allowed:
            if compact(canonical) == compact(value):
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
