"""Garanties minimales (décret 2000-815, art. 3) checked on a cycle given by daily schedules.

A cycle is a list of weeks; each week maps a weekday (lun, mar, mer, jeu, ven, sam, dim) to its
work periods, "08:00-12:00, 13:30-17:00" (the gaps are the breaks; an end before its start
crosses midnight). The cycle repeats: rests and the 12-week average wrap around its end. The
limits come from the dated parameter temps_travail.garanties_minimales.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WEEKDAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
WEEKDAY_LABELS = dict(zip(WEEKDAYS, ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")))
# "08:00-12:00", "8h30-12h", "8h-12h" (French usage: minutes optional after "h").
_TIME = r"(\d{1,2})(?::(\d{2})|h(\d{2})?)"
_SEGMENT = re.compile(rf"^\s*{_TIME}\s*-\s*{_TIME}\s*$", re.IGNORECASE)
_DAY_MIN = 24 * 60
_WEEK_MIN = 7 * _DAY_MIN


class ScheduleError(ValueError):
    """A daily schedule that cannot be read (French message)."""


@dataclass(frozen=True)
class Segment:
    """A work period in minutes from the start of the cycle (Monday 00:00 of week 1)."""

    week: int  # 1-based
    weekday: str
    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Breach:
    week: int | None
    weekday: str | None
    check: str  # key of the parameter mapping
    value_hours: float
    limit_hours: float
    message: str


def parse_cycle(weeks: list[dict[str, str]], cycle_name: str = "") -> list[Segment]:
    """Work segments of a cycle, sorted; error naming the cycle, week and day on bad input."""
    segments: list[Segment] = []
    for w, week in enumerate(weeks, start=1):
        for day, text in (week or {}).items():
            if day not in WEEKDAYS:
                raise ScheduleError(f"cycle {cycle_name}, semaine {w} : jour inconnu {day!r} (attendu : {', '.join(WEEKDAYS)})")
            base = (w - 1) * _WEEK_MIN + WEEKDAYS.index(day) * _DAY_MIN
            day_end = 0  # a period starting before the previous one ended is after midnight
            for part in str(text or "").split(","):
                if not part.strip():
                    continue
                m = _SEGMENT.match(part)
                if not m:
                    raise ScheduleError(
                        f"cycle {cycle_name}, semaine {w}, {WEEKDAY_LABELS[day]} : plage illisible {part.strip()!r} "
                        "(attendu : \"08:00-12:00, 13:00-17:00\" ou \"8h-12h, 13h30-17h\")"
                    )
                h1, m1, h2, m2 = (int(g or 0) for g in (m[1], m[2] or m[3], m[4], m[5] or m[6]))
                if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
                    raise ScheduleError(f"cycle {cycle_name}, semaine {w}, {WEEKDAY_LABELS[day]} : heure impossible dans {part.strip()!r}")
                start, end = h1 * 60 + m1, h2 * 60 + m2
                if start < day_end:
                    start, end = start + _DAY_MIN, end + _DAY_MIN
                if end <= start:  # night work crossing midnight
                    end += _DAY_MIN
                day_end = end
                segments.append(Segment(w, day, base + start, base + end))
    segments.sort(key=lambda s: s.start)
    for a, b in zip(segments, segments[1:]):
        if b.start < a.end:
            raise ScheduleError(f"cycle {cycle_name}, semaine {b.week}, {WEEKDAY_LABELS[b.weekday]} : plages qui se chevauchent")
    return segments


def check_cycle(weeks: list[dict[str, str]], limits: dict, cycle_name: str = "") -> list[Breach]:
    """Every breach of the garanties minimales in a repeating cycle of `weeks`."""
    segments = parse_cycle(weeks, cycle_name)
    n_weeks = max(len(weeks), 1)
    if not segments:
        return []
    breaches: list[Breach] = []
    days: dict[tuple[int, str], list[Segment]] = {}
    for s in segments:
        days.setdefault((s.week, s.weekday), []).append(s)

    def add(week, day, check, value, limit, what, limit_text=None):
        where = f"semaine {week}" + (f", {WEEKDAY_LABELS[day]}" if day else "")
        breaches.append(Breach(week, day, check, round(value, 2), limit,
                               f"{where} : {what} {_fmt(value)} ({limit_text or f'limite {_fmt(limit)}'})"))

    for (week, day), segs in days.items():
        worked = sum(s.minutes for s in segs) / 60
        if worked > limits["duree_quotidienne_max"]:
            add(week, day, "duree_quotidienne_max", worked, limits["duree_quotidienne_max"], "durée de travail quotidienne")
        amplitude = (segs[-1].end - segs[0].start) / 60
        if amplitude > limits["amplitude_max"]:
            add(week, day, "amplitude_max", amplitude, limits["amplitude_max"], "amplitude de la journée")
        for stretch in _stretches(segs, limits["pause_min_minutes"]):
            # Art. 3: work may not "atteindre six heures" without a break: 6 h 00 already breaches.
            if stretch / 60 >= limits["pause_apres_heures"]:
                add(week, day, "pause_apres_heures", stretch / 60, limits["pause_apres_heures"],
                    f"travail continu sans pause de {limits['pause_min_minutes']} min :",
                    f"pause due dès {_fmt(limits['pause_apres_heures'])}")

    weekly = [sum(s.minutes for s in segments if s.week == w) / 60 for w in range(1, n_weeks + 1)]
    for w, hours in enumerate(weekly, start=1):
        if hours > limits["duree_hebdomadaire_max"]:
            add(w, None, "duree_hebdomadaire_max", hours, limits["duree_hebdomadaire_max"], "durée hebdomadaire")
    span = limits["semaines_moyenne"]
    for first in range(n_weeks):  # every window of `span` consecutive weeks of the repeating cycle
        avg = sum(weekly[(first + k) % n_weeks] for k in range(span)) / span
        if avg > limits["moyenne_12_semaines_max"]:
            add(first + 1, None, "moyenne_12_semaines_max", avg, limits["moyenne_12_semaines_max"],
                f"moyenne sur {span} semaines à partir de cette semaine :")

    # Rests: gaps between consecutive work days, wrapping around the end of the cycle.
    cycle_len = n_weeks * _WEEK_MIN
    day_keys = sorted(days, key=lambda k: days[k][0].start)
    for i, key in enumerate(day_keys):
        nxt = days[day_keys[(i + 1) % len(day_keys)]][0]
        rest = (nxt.start - days[key][-1].end) % cycle_len / 60 or cycle_len / 60
        if rest < limits["repos_quotidien_min"]:
            add(key[0], key[1], "repos_quotidien_min", rest, limits["repos_quotidien_min"], "repos avant la journée suivante")
    gaps = [((segments[(i + 1) % len(segments)].start - s.end) % cycle_len or cycle_len, s.end) for i, s in enumerate(segments)]
    for w in range(1, n_weeks + 1):
        lo, hi = (w - 1) * _WEEK_MIN, w * _WEEK_MIN
        longest = max((g for g, at in gaps if lo <= at % cycle_len < hi), default=_WEEK_MIN) / 60
        if longest < limits["repos_hebdomadaire_min"]:
            add(w, None, "repos_hebdomadaire_min", longest, limits["repos_hebdomadaire_min"], "plus long repos commençant dans la semaine")
    return breaches


def weekly_hours(weeks: list[dict[str, str]], cycle_name: str = "") -> float:
    """Average weekly hours of the cycle."""
    segments = parse_cycle(weeks, cycle_name)
    return sum(s.minutes for s in segments) / 60 / max(len(weeks), 1)


def _stretches(segs: list[Segment], min_break: int) -> list[int]:
    """Continuous work in minutes, merging segments separated by less than the minimum break."""
    out, current, last_end = [], 0, None
    for s in segs:
        if last_end is not None and s.start - last_end < min_break:
            current += s.start - last_end + s.minutes
        else:
            if current:
                out.append(current)
            current = s.minutes
        last_end = s.end
    out.append(current)
    return out


def _fmt(hours: float) -> str:
    h, m = divmod(round(hours * 60), 60)
    return f"{h} h {m:02d}" if m else f"{h} h"
