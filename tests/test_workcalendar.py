"""Territory calendars: public holidays from `holidays`, local days off from calendars/*.yaml."""

import datetime as dt

import pytest

from rhaudit.workcalendar import Calendar, CalendarError

D = dt.date


def test_metropole_2026_has_the_eleven_legal_holidays():
    cal = Calendar.load("metropole", 2026)
    assert len(cal.public_holidays) == 11
    # Whit Monday 2026: Easter is 5 April 2026, + 50 days = 25 May.
    assert cal.holiday_named("Pentecôte") == D(2026, 5, 25)
    # On weekdays: all but 15 August (Saturday) and 1 November (Sunday) -> 11 - 2 = 9.
    assert sum(d.weekday() < 5 for d in cal.public_holidays) == 9


def test_alsace_moselle_adds_good_friday_and_26_december():
    cal = Calendar.load("alsace-moselle", 2026)
    extra = set(cal.public_holidays) - set(Calendar.load("metropole", 2026).public_holidays)
    # Good Friday = Easter (5 April 2026) - 2 days; Saint-Étienne 26 December.
    assert extra == {D(2026, 4, 3), D(2026, 12, 26)}


@pytest.mark.parametrize("territory, day", [
    ("971", D(2026, 5, 27)), ("972", D(2026, 5, 22)), ("973", D(2026, 6, 10)),
    ("974", D(2026, 12, 20)), ("976", D(2026, 4, 27)),
])
def test_overseas_abolition_of_slavery(territory, day):
    cal = Calendar.load(territory, 2026)
    assert "esclavage" in cal.public_holidays[day].lower()


def test_local_calendar_file_adds_days_and_periods(tmp_path):
    (tmp_path / "ville.yaml").write_text(
        "name: Ville d'essai\nbase: alsace-moselle\n"
        "days_off:\n  - {date: 2026-06-19, label: Fête locale}\n  - {month_day: \"12-24\", label: Veille de Noël}\n"
        "  - {date: 2025-06-20, label: Fête 2025}\n"
        "worked_periods:\n  - {start: 2026-01-05, end: 2026-02-13, label: Période 3}\n",
        encoding="utf-8",
    )
    cal = Calendar.load("ville", 2026, folder=tmp_path)
    assert cal.local_days_off == {D(2026, 6, 19): "Fête locale", D(2026, 12, 24): "Veille de Noël"}
    assert D(2026, 4, 3) in cal.public_holidays  # base Alsace-Moselle: Good Friday
    assert cal.in_worked_period(D(2026, 1, 5)) and not cal.in_worked_period(D(2026, 2, 16))


def test_unknown_territory_says_what_is_expected():
    with pytest.raises(CalendarError, match="Territoire inconnu : 'paris'.*metropole, alsace-moselle"):
        Calendar.load("paris", 2026)


def test_bad_local_calendar_names_the_file_and_field(tmp_path):
    (tmp_path / "faux.yaml").write_text("name: X\ndays_off:\n  - {label: Sans date}\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="faux.yaml : calendrier local invalide : days_off.0"):
        Calendar.load("faux", 2026, folder=tmp_path)


def test_shipped_example_calendars_load():
    assert Calendar.load("exemple_commune", 2026).local_days_off
    assert Calendar.load("exemple_scolaire", 2026).worked_periods
