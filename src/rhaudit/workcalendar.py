"""Territory calendars: public holidays by year and territory, plus the collectivité's own days.

One object answers "is this date a public holiday or a local day off, and is it inside the
periods the agents work?" for any territory: métropole, Alsace-Moselle (Good Friday and 26
December, subdivision 57 of the `holidays` package) and the overseas departments (abolition of
slavery and local days). A local calendar is a YAML file in calendars/ that names its base
territory and adds days off (a local feast) or restricts the worked periods (school calendar of
annualised staff):

    name: Ville de Saint-Exemple
    base: metropole
    days_off:
      - {date: 2026-06-19, label: Fête de la Saint-Exemple}
      - {month_day: "12-24", label: Veille de Noël}     # every year
    worked_periods:                                     # optional (annualised staff)
      - {start: 2025-09-01, end: 2025-10-17, label: Période 1}

Territory names are data (TERRITORIES), never branches elsewhere in the code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import holidays
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from . import paths
from .configfile import read_yaml, validation_problems


class CalendarError(Exception):
    """Unknown territory or invalid local calendar file (French message)."""


# Territory name -> (subdivision of holidays.France, French label).
TERRITORIES: dict[str, tuple[str | None, str]] = {
    "metropole": (None, "France métropolitaine"),
    "alsace-moselle": ("57", "Alsace-Moselle (Bas-Rhin, Haut-Rhin, Moselle)"),
    "971": ("971", "Guadeloupe"),
    "972": ("972", "Martinique"),
    "973": ("973", "Guyane"),
    "974": ("974", "La Réunion"),
    "976": ("976", "Mayotte"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalDayOff(_Strict):
    label: str
    date: dt.date | None = None
    month_day: str | None = None  # "MM-DD", every year

    @model_validator(mode="after")
    def _one_of(self):
        if (self.date is None) == (self.month_day is None):
            raise ValueError(f"{self.label} : indiquez soit date, soit month_day (\"MM-JJ\")")
        if self.month_day is not None:
            try:
                dt.date(2000, *map(int, self.month_day.split("-")))  # 2000: leap year, 02-29 allowed
            except (ValueError, TypeError):
                raise ValueError(f"{self.label} : month_day {self.month_day!r} illisible (attendu \"MM-JJ\")") from None
        return self

    def on(self, year: int) -> dt.date | None:
        if self.date is not None:
            return self.date if self.date.year == year else None
        month, day = map(int, self.month_day.split("-"))
        try:
            return dt.date(year, month, day)
        except ValueError:  # 29 February of a non-leap year
            return None


class Period(_Strict):
    start: dt.date
    end: dt.date
    label: str | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"période {self.label or ''} : la fin ({self.end}) précède le début ({self.start})")
        return self


class LocalCalendarFile(_Strict):
    name: str
    base: str = "metropole"
    days_off: list[LocalDayOff] = []
    worked_periods: list[Period] = []


@dataclass(frozen=True)
class Calendar:
    """The calendar of one year in one territory, with the collectivité's local days."""

    territory: str
    label: str
    year: int
    public_holidays: dict[dt.date, str]
    local_days_off: dict[dt.date, str] = field(default_factory=dict)
    worked_periods: tuple[Period, ...] = ()

    @classmethod
    def load(cls, territory: str, year: int, folder: Path | None = None) -> "Calendar":
        """`territory` is a key of TERRITORIES or the name (or path) of a calendars/*.yaml file."""
        if territory in TERRITORIES:
            subdiv, label = TERRITORIES[territory]
            return cls(territory, label, year, _public_holidays(subdiv, year))
        path = _calendar_path(territory, folder)
        local = _read_local(path)
        if local.base not in TERRITORIES:
            raise CalendarError(
                f"{path} : territoire de base inconnu {local.base!r} (attendu : {', '.join(TERRITORIES)})."
            )
        subdiv, base_label = TERRITORIES[local.base]
        days_off = {d: x.label for x in local.days_off if (d := x.on(year)) is not None}
        return cls(territory, f"{local.name} ({base_label})", year, _public_holidays(subdiv, year),
                   days_off, tuple(local.worked_periods))

    def dates(self) -> list[dt.date]:
        start = dt.date(self.year, 1, 1)
        return [start + dt.timedelta(days=i) for i in range((dt.date(self.year, 12, 31) - start).days + 1)]

    def days_off(self) -> dict[dt.date, str]:
        """Public holidays and local days off of the year, by date (local label wins)."""
        return {**self.public_holidays, **self.local_days_off}

    def in_worked_period(self, day: dt.date) -> bool:
        return not self.worked_periods or any(p.start <= day <= p.end for p in self.worked_periods)

    def holiday_named(self, fragment: str) -> dt.date | None:
        """The public holiday whose French name contains `fragment` ("Pentecôte")."""
        return next((d for d, n in sorted(self.public_holidays.items()) if fragment.lower() in n.lower()), None)


def non_working_dates(territory: str, year: int) -> tuple[dt.date, ...]:
    """The public holidays and local days off of `year` in `territory`, sorted: the weekdays that
    are not working days when an absence is counted in working days."""
    return tuple(sorted(Calendar.load(territory, year).days_off()))


def territory_text(value):
    """Pydantic before-validator: an overseas code written as a bare number (972) is its text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def check_territory(territory: str, folder: Path | None = None) -> None:
    """CalendarError (French, listing what is expected) unless `territory` is known: a key of
    TERRITORIES or a local calendar file (name under calendars/, or path)."""
    if territory not in TERRITORIES:
        _read_local(_calendar_path(territory, folder))


def _public_holidays(subdiv: str | None, year: int) -> dict[dt.date, str]:
    return dict(holidays.France(years=year, subdiv=subdiv, language="fr"))


def _calendar_path(territory: str, folder: Path | None) -> Path:
    path = Path(territory)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    candidate = (folder or paths.calendars_dir()) / f"{territory}.yaml"
    if candidate.is_file():
        return candidate
    raise CalendarError(
        f"Territoire inconnu : {territory!r}. Attendu : {', '.join(TERRITORIES)}, "
        f"ou le nom d'un calendrier local ({candidate} introuvable)."
    )


def _read_local(path: Path) -> LocalCalendarFile:
    raw = read_yaml(path, CalendarError, "Corrigez le fichier (exemple : calendars/exemple_commune.yaml).")
    try:
        return LocalCalendarFile.model_validate(raw or {})
    except ValidationError as exc:
        raise CalendarError(f"{path} : calendrier local invalide : {validation_problems(exc)}. Corrigez le fichier.") from exc
