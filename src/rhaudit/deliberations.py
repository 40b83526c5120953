"""A collectivité's délibérations as configuration (configs/collectivites/<name>.yaml).

What the council decided: working-time regime and cycles, leave and ASA grid, RIFSEEP groups
and ceilings, IHTS eligibility, NBI functions, benefits in kind. Validated with pydantic; a bad
file gives an error naming the file and the field. Keys are English like the scenario files of
`rhaudit worktime` (a cycle here is the same object as a scenario there).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from . import configfile
from .workcalendar import CalendarError, check_territory, territory_text
from .configfile import Regex


class DeliberationError(Exception):
    pass


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Decision(_Model):
    """A délibération of the council, referenced by its id from the sections below."""

    id: str
    date: dt.date
    subject: str
    ct_opinion_date: dt.date | None = None  # avis du comité technique / social territorial


# --- working time ------------------------------------------------------------------------------

Solidarity = Literal["worked_day", "artt", "spread", "none"]


def parse_hours(value: float | int | str) -> float:
    """Hours as a number: 39, 38.75, "39h", "39h20" (39 h 20 min), "7h48" -> 7.8."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower().replace(",", ".")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:h\s*(\d{1,2})?)?(?:\s*/\s*(?:j|sem|s))?", text)
    if not m:
        raise ValueError(f"durée illisible : {value!r} (exemples : 39, 38.75, \"39h\", \"39h20\")")
    hours = float(m.group(1))
    if m.group(2):
        minutes = int(m.group(2))
        if minutes >= 60:
            raise ValueError(f"minutes impossibles dans {value!r}")
        hours += minutes / 60
    return hours


class WorkRegime(_Model):
    """A working-time regime: a cycle of the délibération or a scenario of the simulator."""

    name: str
    weekly_hours: float | None = None
    daily_hours: float | None = None  # "7h48/j" style regimes
    days_per_week: float = Field(default=5, gt=0, le=7)
    weekday_hours: dict[str, float] | None = None  # {lun: 8, mar: 8, ...}
    # Day counts cannot be negative (artt_days: -5 is a typo, not a régime).
    artt_days: float | None = Field(default=None, ge=0)  # None: computed to reach the legal duration
    annual_leave_days: float | None = Field(default=None, ge=0)  # None: 5 × days_per_week
    fractionnement_days: float = Field(default=0, ge=0)
    extra_days: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)  # extra-legal days, by name
    asa_days: float = Field(default=0, ge=0)
    solidarity: Solidarity = "worked_day"
    quotite: float = Field(default=1.0, gt=0, le=1)
    # Who the cycle applies to (délibération only): services and/or emploi patterns.
    services: list[str] = Field(default_factory=list)
    sujetions: bool = False  # reduced under décret 2001-623 art. 2 by a sujétion délibération
    decision: str | None = None  # id of the délibération that set it
    # Daily schedules, one mapping per week of the cycle: {lun: "08:00-12:00, 13:00-17:00", ...}
    # (checked against the garanties minimales, rhaudit.worktime.garanties).
    schedule: list[dict[str, str]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _daily_weekly_hours(cls, data):
        # weekly_hours: "7h48/j" is a daily duration.
        if isinstance(data, dict) and re.search(r"/\s*j\s*$", str(data.get("weekly_hours", ""))) and not data.get("daily_hours"):
            data = {**data, "daily_hours": data["weekly_hours"], "weekly_hours": None}
        return data

    @field_validator("weekly_hours", "daily_hours", mode="before")
    @classmethod
    def _hours(cls, v):
        return None if v is None else parse_hours(v)

    @field_validator("weekday_hours", mode="before")
    @classmethod
    def _weekday_hours(cls, v):
        return None if v is None else {str(k): parse_hours(h) for k, h in dict(v).items()}

    @model_validator(mode="after")
    def _needs_duration(self):
        if self.weekly_hours is None and self.daily_hours is None and self.weekday_hours is None:
            raise ValueError(f"{self.name} : indiquez weekly_hours, daily_hours ou weekday_hours")
        # A week without hours has no daily duration (every count would divide by zero).
        used = (list(self.weekday_hours.values()) if self.weekday_hours
                else [h for h in (self.weekly_hours, self.daily_hours) if h is not None])
        if any(h < 0 for h in used) or sum(used) <= 0:
            raise ValueError(f"{self.name} : durée de travail nulle ou négative (heures positives attendues)")
        return self


class WorkingTime(_Model):
    decision: str | None = None
    cycles: list[WorkRegime]
    fractionnement: Literal["conditions", "automatic"] = "conditions"
    default_cycle: str | None = None  # cycle of agents whose service matches no cycle
    etp_cost: float | None = None  # EUR per ETP per year, to price extra-legal days (TEMPS-002)


class AsaGrant(_Model):
    motive: str  # mariage_agent, deces_conjoint, naissance, enfant_malade, ...
    days: float
    label: str | None = None
    per: Literal["event", "year"] | None = None  # None: as the reference grid (enfant_malade per year)
    decision: str | None = None  # id of the délibération that set it


class Leave(_Model):
    """Annual leave carry-over and compte épargne-temps (rules CONGES-001, CET-001)."""

    decision: str | None = None
    # Days of annual leave an agent may carry over to the next year without an individual
    # authorisation (décret 85-1250, art. 5: none without the authority's exceptional authorisation).
    carry_over_max_days: float | None = Field(default=None, ge=0)
    carry_over_until: str | None = None  # date limit of use in the next year, as written ("30/04")
    # EUR paid per monetised CET day when the délibération sets its own value (otherwise the
    # arrêté du 28 août 2009 rates per catégorie, configs/parametres/cet.yaml).
    cet_day_value: float | None = Field(default=None, gt=0)


# --- pay -------------------------------------------------------------------------------------


class RifseepGroup(_Model):
    name: str  # "A1", "B2", "C1" ...
    categorie: Literal["A", "B", "C"]
    cadres_emplois: list[str] = Field(default_factory=list)
    state_corps: str | None = None  # key of the State corps in configs/parametres/rifseep_etat.yaml
    state_group: str | None = None  # State groupe de fonctions ("G1"...); default: digits of `name`
    ifse_annual_ceiling: float
    ifse_annual_ceiling_housed: float | None = None  # logé pour nécessité absolue de service
    cia_annual_ceiling: float


class GroupAssignment(_Model):
    """Assign agents to a RIFSEEP group: by matricule, or by regex on emploi or grade."""

    group: str
    matricule: str | None = None
    emploi: Regex | None = None
    grade: Regex | None = None


class Rifseep(_Model):
    decision: str
    effective_date: dt.date
    groups: list[RifseepGroup]
    assignments: list[GroupAssignment] = Field(default_factory=list)
    cia_months: list[int] = Field(default_factory=lambda: [11])
    # Whether the régime indemnitaire is kept during each absence type (model.ABSENCE_TYPES).
    maintained_during: dict[str, bool] = Field(default_factory=dict)


class Ihts(_Model):
    decision: str
    eligible_emplois: list[Regex] = Field(default_factory=list)  # regexes on emploi
    contract_agents: bool = False
    # Automated time recording, by site (service name regex) -> True/False.
    automated_recording: dict[Regex, bool] = Field(default_factory=dict)


class NbiFunction(_Model):
    name: str
    points: float
    emplois: list[Regex] = Field(default_factory=list)  # regexes on emploi


class BenefitInKind(_Model):
    matricule: str
    nature: Literal["logement", "vehicule", "repas", "autre"]
    since: dt.date | None = None


class Deliberations(_Model):
    name: str
    siret: str | None = None
    territory: str = "metropole"
    decisions: list[Decision] = Field(default_factory=list)
    working_time: WorkingTime | None = None
    asa: list[AsaGrant] = Field(default_factory=list)
    leave: Leave | None = None
    rifseep: Rifseep | None = None
    ihts: Ihts | None = None
    nbi_functions: list[NbiFunction] = Field(default_factory=list)
    # Pay-line categories (classification) that have a délibération basis, with its id.
    bonuses_with_basis: dict[str, str] = Field(default_factory=dict)
    benefits_in_kind: list[BenefitInKind] = Field(default_factory=list)
    # Earlier versions of the dated sections when several files are merged (merge_deliberations):
    # section -> [(date, section object)], oldest first.
    _versions: dict = PrivateAttr(default_factory=dict)
    _files: list = PrivateAttr(default_factory=list)

    _territory = field_validator("territory", mode="before")(territory_text)

    def decision(self, decision_id: str | None) -> Decision | None:
        return next((d for d in self.decisions if d.id == decision_id), None)

    def decision_date(self, decision_id: str | None) -> dt.date | None:
        d = self.decision(decision_id)
        return d.date if d else None

    def section_date(self, section: str, obj=None) -> dt.date | None:
        """Date from which a dated section (ihts, rifseep, working_time) applies: the RIFSEEP's
        effective date, else the date of the délibération it names; None when undated."""
        obj = getattr(self, section) if obj is None else obj
        if obj is None:
            return None
        if section == "rifseep":
            return obj.effective_date
        return self.decision_date(getattr(obj, "decision", None))

    def versions(self, section: str) -> list[tuple[dt.date | None, object]]:
        """Every version of a dated section, oldest first (one when a single file was loaded)."""
        if section in self._versions:
            return self._versions[section]
        obj = getattr(self, section)
        return [] if obj is None else [(self.section_date(section, obj), obj)]

    def in_force(self, section: str, year: int, month: int):
        """The version of `section` in force for pay month (year, month): the latest one decided
        on or before the month's last day (an undated one always applies); None when every
        version is later than the month (the délibération is not applied to it)."""
        last_day = dt.date(int(year), int(month), 1) + dt.timedelta(days=31)
        last_day = last_day.replace(day=1) - dt.timedelta(days=1)
        chosen = None
        for when, obj in self.versions(section):
            if when is None or when <= last_day:
                chosen = obj
        return chosen

    def later_than(self, when: dt.date) -> list[Decision]:
        """Décisions dated after `when` (not applied to pay up to that date)."""
        return sorted((d for d in self.decisions if d.date > when), key=lambda d: d.date)


DATED_SECTIONS = ("working_time", "rifseep", "ihts")


def merge_deliberations(items: list[Deliberations], files: list[str] | None = None) -> Deliberations:
    """Several délibération files over time as one: decisions, grants and lists are joined; each
    dated section (working_time, rifseep, ihts) keeps all its versions, the latest as the
    attribute and the others for `in_force`; a bonus category keeps its earliest basis."""
    if not items:
        raise DeliberationError("Aucun fichier de délibérations à fusionner.")
    decisions = {d.id: d for item in items for d in item.decisions}
    for item in items:
        for d in item.decisions:
            if decisions[d.id] != d:
                raise DeliberationError(
                    f"La délibération {d.id} figure dans deux fichiers avec des contenus différents "
                    f"({decisions[d.id].date} et {d.date}) : gardez une seule définition.")
    merged = items[-1].model_copy(update={
        "decisions": sorted(decisions.values(), key=lambda d: (d.date, d.id)),
        "asa": [a for item in items for a in item.asa],
        "nbi_functions": [f for item in items for f in item.nbi_functions],
        "benefits_in_kind": [b for item in items for b in item.benefits_in_kind],
    })
    probe = Deliberations(name=merged.name, decisions=merged.decisions)
    basis: dict[str, str] = {}
    for item in items:
        for category, decision_id in item.bonuses_with_basis.items():
            old = basis.get(category)
            new_date, old_date = probe.decision_date(decision_id), probe.decision_date(old)
            if old is None or (new_date and old_date and new_date < old_date):
                basis[category] = decision_id
    merged = merged.model_copy(update={"bonuses_with_basis": basis})
    merged._versions, merged._files = {}, []
    for section in DATED_SECTIONS:
        versions = [(probe.section_date(section, getattr(item, section)), getattr(item, section))
                    for item in items if getattr(item, section) is not None]
        versions.sort(key=lambda v: v[0] or dt.date.min)
        merged._versions[section] = versions
        merged = merged if not versions else _with(merged, section, versions[-1][1])
    merged._files = list(files or [])
    return merged


def _with(merged: Deliberations, section: str, obj) -> Deliberations:
    versions, files = merged._versions, merged._files
    out = merged.model_copy(update={section: obj})
    out._versions, out._files = versions, files
    return out


_HINT = ("Corrigez le fichier de délibérations (exemple complet : configs/collectivites/demo.yaml ; "
         "schéma : src/rhaudit/deliberations.py).")


def load_deliberations(path: Path | str) -> Deliberations:
    delib = configfile.load_yaml_model(Path(path), Deliberations, DeliberationError, _HINT)
    try:  # checked here, not at `rhaudit check` time: "validée" must mean usable
        check_territory(delib.territory)
    except CalendarError as exc:
        raise DeliberationError(f"{path} : territory : {exc} {_HINT}") from exc
    return delib


def find_deliberations(workspace_root: Path | None = None) -> Path | None:
    """The délibérations file of a workspace (W/deliberations.yaml), if any."""
    if workspace_root and (workspace_root / "deliberations.yaml").is_file():
        return workspace_root / "deliberations.yaml"
    return None


def find_deliberation_files(workspace_root: Path | None = None) -> list[Path]:
    """Every délibérations file of a workspace: W/deliberations.yaml, then W/deliberations/*.yaml
    (several files over time, e.g. one per mandate or per year of decisions)."""
    found = [p for p in [find_deliberations(workspace_root)] if p]
    folder = workspace_root / "deliberations" if workspace_root else None
    if folder and folder.is_dir():
        found += sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml"))
    return found


def load_deliberation_files(paths: list[Path]) -> Deliberations | None:
    """One Deliberations from one or several files (merged over time); None without a file."""
    if not paths:
        return None
    items = [load_deliberations(p) for p in paths]
    return merge_deliberations(items, [str(p) for p in paths]) if len(items) > 1 else items[0]
