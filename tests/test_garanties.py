"""Garanties minimales (décret 2000-815 art. 3) on daily schedules."""

import pytest

from rhaudit.worktime.garanties import ScheduleError, check_cycle, parse_cycle, weekly_hours


@pytest.fixture(scope="module")
def limits(params):
    return params.value("temps_travail.garanties_minimales", "2026-01-01")


def checks(breaches):
    return sorted((b.week, b.weekday, b.check) for b in breaches)


def test_regular_39h_week_has_no_breach(limits):
    day = "08:00-12:00, 13:00-16:48"  # 4 h + 3 h 48 = 7.8 h; amplitude 8 h 48; rest 15 h 12
    week = {d: day for d in ("lun", "mar", "mer", "jeu", "ven")}
    assert weekly_hours([week]) == pytest.approx(39)
    assert check_cycle([week], limits) == []


def test_50h_week_breaches_48h_and_the_12_week_average(limits):
    week = {d: "07:00-12:00, 13:00-18:00" for d in ("lun", "mar", "mer", "jeu", "ven")}  # 5 x 10 h = 50 h
    assert checks(check_cycle([week], limits)) == [(1, None, "duree_hebdomadaire_max"), (1, None, "moyenne_12_semaines_max")]


def test_two_week_cycle_average_is_within_44h(limits):
    # Week 1: 5 x 9.8 h = 49 h (> 48); week 2: 4 x 8 h = 32 h; average (49 + 32) / 2 = 40.5 h <= 44.
    heavy = {d: "07:00-12:00, 12:30-17:18" for d in ("lun", "mar", "mer", "jeu", "ven")}
    light = {d: "08:00-12:00, 13:00-17:00" for d in ("lun", "mar", "mer", "jeu")}
    found = check_cycle([heavy, light], limits)
    assert checks(found) == [(1, None, "duree_hebdomadaire_max")]
    assert found[0].value_hours == pytest.approx(49)


def test_daily_limits_rest_and_break(limits):
    week = {
        "lun": "06:00-13:00",                # 7 h without a break (reaches 6 h)
        "mar": "07:00-12:00, 13:00-19:00",   # 11 h of work (> 10 h), amplitude 12 h; 13:00-19:00 reaches 6 h
        "mer": "06:00-12:00, 13:00-19:30",   # amplitude 13 h 30 (> 12 h); 12 h 30 of work (> 10 h);
                                             # 6 h and 6 h 30 without a break: two breaches
        "jeu": "05:00-10:00",                # rest since Wednesday 19:30: 9 h 30 (< 11 h)
    }
    found = check_cycle([week], limits)
    assert checks(found) == [
        (1, "lun", "pause_apres_heures"),
        (1, "mar", "duree_quotidienne_max"),
        (1, "mar", "pause_apres_heures"),
        (1, "mer", "amplitude_max"),
        (1, "mer", "duree_quotidienne_max"),
        (1, "mer", "pause_apres_heures"),
        (1, "mer", "pause_apres_heures"),
        (1, "mer", "repos_quotidien_min"),
    ]
    rest = next(b for b in found if b.check == "repos_quotidien_min")
    assert rest.value_hours == pytest.approx(9.5)  # 19:30 -> 05:00


def test_weekly_rest_below_35h(limits):
    # Seven days of 08:00-15:00 with two 30-minute breaks: longest rest 17 h (< 35 h).
    week = {d: "08:00-11:00, 11:30-13:00, 13:30-15:00" for d in ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")}
    found = check_cycle([week], limits)
    assert checks(found) == [(1, None, "repos_hebdomadaire_min")]
    assert found[0].value_hours == pytest.approx(17)


def test_night_shift_crossing_midnight(limits):
    # 21:00-01:00 + 01:30-07:20 = 4 h + 5 h 50 = 9 h 50 a night, three nights; rest 07:20 -> 21:00 = 13 h 40.
    week = {d: "21:00-01:00, 01:30-07:20" for d in ("lun", "mar", "mer")}
    assert check_cycle([week], limits) == []
    assert weekly_hours([week]) == pytest.approx(3 * (9 + 5 / 6))


def test_six_hours_without_break_already_breach(limits):
    # Décret 2000-815 art. 3: no daily work may "atteindre six heures" without a 20-minute break:
    # 01:30-07:30 is 6 h 00 of continuous work (was accepted with a strict "> 6 h").
    week = {"lun": "21:00-01:00, 01:30-07:30", "mer": "08:00-13:59"}  # Wednesday: 5 h 59 -> fine
    found = check_cycle([week], limits)
    assert checks(found) == [(1, "lun", "pause_apres_heures")]
    assert found[0].value_hours == 6
    assert "pause due dès 6 h" in found[0].message


def test_unreadable_schedule_names_cycle_week_and_day(limits):
    with pytest.raises(ScheduleError, match="cycle Voirie, semaine 2, mardi : plage illisible '8-12'"):
        check_cycle([{"lun": "08:00-12:00"}, {"mar": "8-12"}], limits, cycle_name="Voirie")


def test_french_hour_notation_is_read():
    # "8h-12h, 13h30-17h" is how a délibération writes 08:00-12:00, 13:30-17:00: 4 h + 3 h 30 = 7 h 30.
    assert parse_cycle([{"lun": "8h-12h, 13h30-17h"}]) == parse_cycle([{"lun": "08:00-12:00, 13:30-17:00"}])
    assert weekly_hours([{"lun": "8h-12h, 13h30-17h"}]) == 7.5
