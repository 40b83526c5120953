"""Absence records (CSV, XLSX) read through an import profile.

Each source label is mapped to a normalised type (model.ABSENCE_TYPES) and, for ASA, a motive,
by the profile's ordered rules. When the file gives no number of days, it is counted:
- calendar days for sickness, maternity, paternity and work accidents (the RSU convention:
  rapport social unique, absenteeism in calendar days);
- working days (Monday to Friday, minus the public holidays and local days off of the
  collectivité's territory, rhaudit.workcalendar: Alsace-Moselle has Good Friday and 26 December,
  the overseas departments the abolition of slavery) for leave, ARTT, CET, ASA, training,
  strike and other absences. The territory is the délibérations' `territory` (metropolitan
  France without délibérations: importers.import_files).
A half-day marker (starting in the afternoon, ending at noon) removes 0.5 day.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..workcalendar import non_working_dates
from .. import model
from ..model import conform, empty_frame
from .base import ParsedFile, Rejection
from .profiles import CellError, CellParser, Profile, convert_rows, load_profile, read_mapped

REQUIRED = ["matricule", "label", "start", "end"]
CALENDAR_DAY_TYPES = frozenset(model.CALENDAR_DAY_TYPES)  # set for the per-row membership test


@lru_cache(maxsize=256)
def _days_off(territory: str, year: int) -> tuple[np.datetime64, ...]:
    return tuple(np.datetime64(day, "D") for day in non_working_dates(territory, year))


def _is_working_day(day: pd.Timestamp, territory: str) -> bool:
    return bool(np.is_busday(np.datetime64(day.date(), "D"), holidays=_days_off(territory, day.year)))


@lru_cache(maxsize=65536)  # absence files repeat the same spans (one ARTT day, a week of leave)
def counted_days(kind: str, start: pd.Timestamp, end: pd.Timestamp, start_afternoon: bool, end_morning: bool,
                 territory: str = "metropole") -> float:
    """Days of absence from `start` to `end` inclusive, by the convention of the type; working
    days exclude the days off of `territory` (a key of workcalendar.TERRITORIES or a local calendar)."""
    if kind in CALENDAR_DAY_TYPES:
        days = float((end - start).days + 1)
        return days - 0.5 * start_afternoon - 0.5 * end_morning
    years = range(start.year, end.year + 1)
    off = [d for y in years for d in _days_off(territory, y)]
    first, after_last = np.datetime64(start.date(), "D"), np.datetime64(end.date(), "D") + 1
    days = float(np.busday_count(first, after_last, holidays=off))
    # A half-day marker only counts on a day that is itself counted.
    return (days - 0.5 * (start_afternoon and _is_working_day(start, territory))
            - 0.5 * (end_morning and _is_working_day(end, territory)))


def _row_converter(prof: Profile, territory: str):
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
            rec["days"] = counted_days(rec["type"], start, end, bool(start_pm), bool(end_am), territory)
        elif rec["days"] < 0:
            raise CellError(f"nombre de jours négatif : {rec['days']}")
        return rec

    return convert


def parse_absences(path: Path, profile: str | Path | None = None, territory: str = "metropole") -> ParsedFile:
    """Read an absence file with `profile` (default: absences_generique); the days not given
    are counted with the calendar of `territory`."""
    path = Path(path)
    prof = load_profile(profile, "absences")
    table = read_mapped(path, prof, REQUIRED)
    kept, rejected = convert_rows(table, "absence", _row_converter(prof, territory))
    frame = conform(pd.DataFrame(kept), "absences") if kept else empty_frame("absences")
    return ParsedFile(path=path, kind="absences", tables={"absences": frame}, records_read=table.records_read, rejected=rejected,
                      warnings=list(table.warnings))


# --- against what is already stored ------------------------------------------------------------
# Two absence records are the same when these agree (the half-day markers show in `days`).
IDENTITY = ["matricule", "type", "source_label", "start", "end", "days"]
OVERLAPS_LISTED = 50  # per file; the count is always given


def _key(row) -> tuple:
    return tuple(None if pd.isna(v) else v for v in (getattr(row, c) for c in IDENTITY))


def _where(row) -> str:
    return f"{row.source_file}, ligne {row.source_line}"


def reconcile_absences(parsed_files: list[ParsedFile], stored: pd.DataFrame) -> None:
    """Re-import semantics of absence files, applied in place, file by file in import order.

    An absence identical to one already stored, or read earlier in this import (same file or
    not), is not stored again: it is rejected as a duplicate, naming where it was first read, so
    that an updated export (the same rows plus new ones) adds only the new rows and
    « lus = importés + rejetés » still holds. Absences of one agent that overlap (other than the
    same record) are kept and reported as warnings: one of them is usually wrong.
    """
    seen = {_key(r): _where(r) for r in stored.itertuples(index=False)}
    known = stored
    for parsed in parsed_files:
        frame = parsed.tables["absences"]
        if frame.empty:
            continue
        keep = []
        for row in frame.itertuples(index=False):
            first = seen.get(key := _key(row))
            keep.append(first is None)
            if first is None:
                seen[key] = _where(row)
                continue
            parsed.rejected.append(Rejection(
                file=row.source_file, position=int(row.source_line), record="absence", matricule=str(row.matricule),
                reason=f"absence en double (déjà lue : {first}) : elle n'est pas enregistrée une seconde fois",
            ))
        frame = frame[keep].reset_index(drop=True)
        parsed.tables["absences"] = frame
        parsed.rejected.sort(key=lambda r: r.position or 0)
        parsed.warnings += _overlap_warnings(known, frame)
        known = pd.concat([known, frame], ignore_index=True) if not known.empty else frame


def _overlap_warnings(stored: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """Overlapping absences of one agent involving at least one record of `new`.

    Two records sharing only their boundary day, one of them counted with a half day, are a
    morning and an afternoon: not an overlap.
    """
    both = pd.concat([stored.assign(is_new=False), new.assign(is_new=True)], ignore_index=True) if not stored.empty \
        else new.assign(is_new=True)
    both = both[both["matricule"].isin(set(new["matricule"]))].sort_values(["matricule", "start", "end"], kind="stable")
    out: list[str] = []
    latest = None  # per agent, the record ending last so far
    for row in both.itertuples(index=False):
        if latest is None or latest.matricule != row.matricule:
            latest = row
            continue
        if row.start <= latest.end and (row.is_new or latest.is_new) and not _half_days_apart(latest, row):
            out.append(f"absences qui se chevauchent : agent {row.matricule}, {_describe(latest)} et {_describe(row)} ; "
                       f"les deux sont enregistrées, vérifiez laquelle est juste")
        if row.end > latest.end:
            latest = row
    if len(out) > OVERLAPS_LISTED:
        out = out[:OVERLAPS_LISTED] + [f"... et {len(out) - OVERLAPS_LISTED} autres chevauchements d'absences"]
    return out


def _half_days_apart(a, b) -> bool:
    return a.end == b.start and any(pd.notna(d) and float(d) % 1 != 0 for d in (a.days, b.days))


def _describe(row) -> str:
    return f"{row.source_label} du {row.start:%d/%m/%Y} au {row.end:%d/%m/%Y} ({_where(row)})"
