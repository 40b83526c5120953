"""Absence records (CSV, XLSX) read through an import profile.

Each source label is mapped to a normalised type (model.ABSENCE_TYPES) and, for ASA, a motive,
by the profile's ordered rules. When the file gives no number of days, it is counted:
- calendar days for sickness, maternity, paternity and work accidents (the RSU convention:
  rapport social unique, absenteeism in calendar days);
- working days (Monday to Friday, minus French public holidays of metropolitan France from the
  `holidays` package) for leave, ARTT, CET, ASA, training, strike and other absences.
A half-day marker (starting in the afternoon, ending at noon) removes 0.5 day.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import pandas as pd

from ..model import conform, empty_frame
from .base import ParsedFile
from .profiles import CellError, CellParser, Profile, convert_rows, load_profile, read_mapped

REQUIRED = ["matricule", "label", "start", "end"]
CALENDAR_DAY_TYPES = frozenset({
    "cmo", "clm", "cld", "cgm", "accident_service", "maladie_professionnelle", "maternite", "paternite",
})


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> tuple[np.datetime64, ...]:
    return tuple(np.datetime64(day, "D") for day in holidays.country_holidays("FR", years=year))


def _is_working_day(day: pd.Timestamp) -> bool:
    return bool(np.is_busday(np.datetime64(day.date(), "D"), holidays=_public_holidays(day.year)))


@lru_cache(maxsize=65536)  # absence files repeat the same spans (one ARTT day, a week of leave)
def counted_days(kind: str, start: pd.Timestamp, end: pd.Timestamp, start_afternoon: bool, end_morning: bool) -> float:
    """Days of absence from `start` to `end` inclusive, by the convention of the type."""
    if kind in CALENDAR_DAY_TYPES:
        days = float((end - start).days + 1)
        return days - 0.5 * start_afternoon - 0.5 * end_morning
    years = range(start.year, end.year + 1)
    public = [d for y in years for d in _public_holidays(y)]
    first, after_last = np.datetime64(start.date(), "D"), np.datetime64(end.date(), "D") + 1
    days = float(np.busday_count(first, after_last, holidays=public))
    # A half-day marker only counts on a day that is itself counted.
    return days - 0.5 * (start_afternoon and _is_working_day(start)) - 0.5 * (end_morning and _is_working_day(end))


def _row_converter(prof: Profile):
    def convert(parser: CellParser, raw: dict[str, Any]) -> dict[str, Any]:
        rec = parser.convert_all(raw, ["days", "hours"])
        rec["matricule"] = parser.required("matricule", raw.get("matricule"))
        label = parser.required("label", raw.get("label"))
        rec["type"], motive = prof.absence_type(label)
        rec["motive"] = motive or label
        rec["source_label"] = label
        start, end = parser.required("start", raw.get("start")), parser.required("end", raw.get("end"))
        if end < start:
            raise CellError(f"l'absence finit le {end:%d/%m/%Y}, avant son début le {start:%d/%m/%Y}")
        rec["start"], rec["end"] = start, end
        start_pm = parser.convert("start_afternoon", raw.get("start_afternoon"))
        end_am = parser.convert("end_morning", raw.get("end_morning"))
        if start == end and start_pm and end_am:
            raise CellError("absence d'un seul jour qui commence l'après-midi et finit le matin : durée nulle")
        if rec.get("days") is None:
            rec["days"] = counted_days(rec["type"], start, end, bool(start_pm), bool(end_am))
        elif rec["days"] < 0:
            raise CellError(f"nombre de jours négatif : {rec['days']}")
        return rec

    return convert


def parse_absences(path: Path, profile: str | Path | None = None) -> ParsedFile:
    """Read an absence file with `profile` (default: absences_generique)."""
    path = Path(path)
    prof = load_profile(profile, "absences")
    table = read_mapped(path, prof, REQUIRED)
    kept, rejected = convert_rows(table, "absence", _row_converter(prof))
    frame = conform(pd.DataFrame(kept), "absences") if kept else empty_frame("absences")
    return ParsedFile(path=path, kind="absences", tables={"absences": frame}, records_read=table.records_read, rejected=rejected)
