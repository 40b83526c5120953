"""The working-time simulator: both counting methods, ARTT solver, cost of a gap, exports."""

import datetime as dt
import json

import openpyxl
import pytest

from rhaudit.workcalendar import Calendar
from rhaudit.deliberations import WorkRegime
from rhaudit.worktime import Norms, ScenarioError, artt_for_weekly_hours, count_regime, run_worktime

REPO_EXAMPLE = "configs/worktime/protocole_exemple.yaml"


@pytest.fixture(scope="module")
def norms(params):
    return Norms.of(2026, params)


def count(norms, territory="metropole", method="calendrier", **regime):
    regime.setdefault("name", "essai")
    return count_regime(WorkRegime(**regime), method, norms, Calendar.load(territory, 2026), headcount=120, etp_cost=45000)


def test_35h_2026_metropole_calendrier(norms):
    c = count(norms, weekly_hours=35, annual_leave_days=25)
    # 2026 starts and ends on a Thursday: 365 = 52 weeks + 1 -> 261 weekdays, 104 weekend days.
    assert (c.year_days, c.weekend_days) == (365, 104)
    # Holidays on weekdays: 1/1, 6/4, 1/5, 8/5, 14/5, 25/5, 14/7, 11/11, 25/12 = 9 (15/8 Sat, 1/11 Sun).
    assert c.holidays_on_workdays == 9
    # 261 - 9 - 25 + 1 (Whit Monday worked as solidarity) = 228 days x 7 h = 1,596 h; 1,596 - 1,607 = -11.
    assert c.solidarity_days == 1
    assert c.days_worked == 228
    assert c.annual_hours == pytest.approx(1596)
    assert c.gap_hours == pytest.approx(-11)
    assert {d["date"] for d in c.counted_dates if d["counted_days"]} == {
        "2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25",
        "2026-07-14", "2026-11-11", "2026-12-25"}


def test_35h_2026_norme_shows_the_rounding(norms):
    c = count(norms, method="norme", weekly_hours=35)
    # 365 - 104 - 8 - 25 = 228 days x 7 h = 1,596 h; rounded to 1,600 (+4) + 7 solidarity = 1,607.
    assert c.days_worked == 228
    assert c.hours_from_days == pytest.approx(1596)
    assert c.norm_rounding_hours == pytest.approx(4)
    assert c.solidarity_hours == 7
    assert c.annual_hours == pytest.approx(1607)
    assert c.gap_hours == pytest.approx(0)


def test_35h_2026_alsace_moselle(norms):
    c = count(norms, territory="alsace-moselle", weekly_hours=35)
    # 9 + Good Friday (Fri 3/4); 26/12 is a Saturday -> 10. 261 - 10 - 25 + 1 = 227 days x 7 = 1,589 h.
    assert c.holidays_on_workdays == 10
    assert c.days_worked == 227
    assert c.annual_hours == pytest.approx(1589)
    assert c.gap_hours == pytest.approx(-18)


def test_35h_2026_martinique(norms):
    c = count(norms, territory="972", weekly_hours=35)
    # 9 + abolition of slavery (Fri 22/5) + Victor Schoelcher (Tue 21/7) = 11.
    # 261 - 11 - 25 + 1 = 226 days x 7 = 1,582 h; gap -25.
    assert c.holidays_on_workdays == 11
    assert c.annual_hours == pytest.approx(1582)
    assert c.gap_hours == pytest.approx(-25)


def test_39h_with_23_and_20_artt(norms):
    n23 = count(norms, method="norme", weekly_hours="39h", artt_days=23)
    # (228 - 23) x 7.8 = 1,599 + 4 + 7 = 1,610 -> +3.
    assert n23.annual_hours == pytest.approx(1610)
    n20 = count(norms, method="norme", weekly_hours=39, artt_days=20)
    # (228 - 20) x 7.8 = 1,622.4 + 11 = 1,633.4 -> +26.4.
    assert n20.gap_hours == pytest.approx(26.4)
    c23 = count(norms, weekly_hours=39, artt_days=23)
    # 261 - 9 - 25 - 23 + 1 = 205 x 7.8 = 1,599 -> -8.
    assert c23.annual_hours == pytest.approx(1599)
    assert c23.gap_hours == pytest.approx(-8)
    # 8 h short over 205 days: 8 / 205 x 60 = 2.34 -> 3 minutes a day.
    assert c23.minutes_per_day_to_add == 3


def test_37h_on_4_5_days_with_12_artt(norms):
    n = count(norms, method="norme", weekly_hours=37, days_per_week=4.5, artt_days=12)
    # Norme x 4.5/5: open 261 x 0.9 = 234.9, holidays 8 x 0.9 = 7.2, leave 5 x 4.5 = 22.5.
    # 234.9 - 7.2 - 22.5 - 12 = 193.2 days x (37 / 4.5 = 8.2222 h) = 1,588.53 + 4 + 7 = 1,599.53.
    assert n.days_worked == pytest.approx(193.2)
    assert n.annual_hours == pytest.approx(193.2 * 37 / 4.5 + 11)
    c = count(norms, weekly_hours=37, days_per_week=4.5, artt_days=12)
    # Mon-Thu full, Friday half: 52+52+52+53 Thursdays = 209 + 52 x 0.5 = 235 days.
    # Holidays: Thu 1/1, Mon 6/4, Fri 1/5 (.5), Fri 8/5 (.5), Thu 14/5, Mon 25/5, Tue 14/7, Wed 11/11,
    # Fri 25/12 (.5) = 7.5. 235 - 7.5 - 22.5 - 12 + 1 = 194 days x 8.2222 = 1,595.11 h.
    assert c.weekend_days == 130
    assert c.holidays_on_workdays == 7.5
    assert c.days_worked == 194
    assert c.annual_hours == pytest.approx(194 * 37 / 4.5)


def test_part_time_80_percent(norms):
    c = count(norms, method="norme", weekly_hours=39, artt_days=23, quotite=0.8)
    # ARTT 23 x 0.8 = 18.4; hours 1,610 x 0.8 = 1,288 against 1,607 x 0.8 = 1,285.6 -> +2.4.
    assert c.artt_days == pytest.approx(18.4)
    assert c.annual_hours == pytest.approx(1288)
    assert c.reference_hours == pytest.approx(1285.6)
    assert c.gap_hours == pytest.approx(2.4)


def test_three_jours_du_maire_for_120_agents(norms):
    c = count(norms, method="norme", weekly_hours=35, extra_days={"jours du maire": 3})
    # 228 - 3 = 225 days x 7 = 1,575 + 11 = 1,586 -> -21 h per agent.
    # 21 x 120 / 1,607 = 1.5681 ETP; x 45,000 = 70,566.27 EUR per year.
    assert c.gap_hours == pytest.approx(-21)
    assert c.gap_etp == pytest.approx(-21 * 120 / 1607)
    assert c.gap_cost == pytest.approx(-70566.27, abs=0.01)
    assert c.extra_days_hours == 21
    # 21 h over 225 days = 5.6 min -> 6 minutes a day compensate the three days.
    assert c.minutes_per_day_to_add == 6


@pytest.mark.parametrize("weekly, artt", [(36, 6), (37, 12), (37.5, 15), (38, 18), (39, 23)])
def test_artt_solver_gives_the_usual_table(norms, weekly, artt):
    # floor(228 - 1,596 / (W / 5)) = floor(228 x (W - 35) / W): 6.33, 12.32, 15.2, 18.0, 23.38.
    assert artt_for_weekly_hours(weekly, norms) == artt


def test_artt_solver_calendrier_and_part_time(norms):
    cal = Calendar.load("metropole", 2026)
    # 261 - 9 - 25 = 227 days; floor(227 - 1,600 / 7.8) = floor(21.87) = 21 (Whit Monday worked on top).
    assert artt_for_weekly_hours(39, norms, method="calendrier", calendar=cal) == 21
    # Part time: 23 x 0.5 = 11.5.
    assert artt_for_weekly_hours(39, norms, quotite=0.5) == 11.5


def test_solidarity_modes(norms):
    none = count(norms, method="norme", weekly_hours=35, solidarity="none")
    assert none.gap_hours == pytest.approx(-7)  # 1,596 + 4 = 1,600
    assert any("7 h manquent" in n for n in none.notes)
    artt = count(norms, method="norme", weekly_hours=39, artt_days=23, solidarity="artt")
    # 22 ARTT: (228 - 22) x 7.8 = 1,606.8 + 4 = 1,610.8.
    assert artt.artt_days == 22 and artt.annual_hours == pytest.approx(1610.8)
    spread = count(norms, weekly_hours=35, solidarity="spread")
    # Calendrier: 261 - 9 - 25 = 227 x 7 = 1,589 + 7 spread = 1,596.
    assert spread.annual_hours == pytest.approx(1596)


def test_duration_formats(norms):
    assert count(norms, method="norme", weekly_hours="39h20", artt_days=0).daily_hours == pytest.approx((39 + 1 / 3) / 5)
    # "7h48/j" is a daily duration: 7.8 h x 5 = 39 h.
    assert count(norms, method="norme", weekly_hours="7h48/j").weekly_hours == pytest.approx(39)
    c = count(norms, method="norme", weekday_hours={"lun": 9, "mar": 9, "mer": 9, "jeu": 9})
    assert (c.weekly_hours, c.days_per_week, c.daily_hours) == (36, 4, 9)


def test_run_worktime_exports(tmp_path):
    out = tmp_path / "t.xlsx"
    assert "Classeur écrit" in run_worktime(REPO_EXAMPLE, fmt="xlsx", out=out)
    wb = openpyxl.load_workbook(out)
    # The native charts read their data from a last sheet.
    assert wb.sheetnames == ["Norme", "Calendrier réel", "Jours fériés", "Notes", "Sources", "Données des graphiques"]
    norme = {row[0]: row[1:4] for row in wb["Norme"].iter_rows(values_only=True)}
    # Proposition syndicale, 37 h on 4.5 days: 37 / 4.5 = 8.2222 h -> 8.22; (365 - 130.1 - 7.2 - 22.5 - 1 - 12)
    # = 192.2 days x 8.2222 = 1,580.31 + 4 + 7 = 1,591.31 h (was written 1591.311111111111).
    assert norme["Durée quotidienne (h)"][2] == 8.22
    assert norme["Durée annuelle (h)"][2] == 1591.31
    # Protocole actuel: (365 - 104 - 8 - 25 - 2 - 4 - 20) = 202 days x 7.6 = 1,535.2 + 4 = 1,539.2 -> -67.8 h.
    assert norme["Écart à la durée légale (h)"][0] == -67.8
    notes = [row[2] for row in wb["Notes"].iter_rows(values_only=True) if len(row) > 2]
    assert [n for n in notes if n and n.startswith("Dérivation de la norme : 365 − 104 − 8 − 25 = 228 jours")]
    assert "Journée de solidarité non appliquée : 7 h manquent." in notes
    assert wb["Norme"].column_dimensions["A"].width > 30  # the row labels are readable
    # Days off as real dates (shown JJ/MM/AAAA): Whit Monday 2026 = Easter (5 April) + 50 days = Monday 25 May.
    days = {r[:3]: r for r in wb["Jours fériés"].iter_rows(values_only=False) if r[0].value == dt.datetime(2026, 5, 25)}
    assert [tuple(c.value for c in k) for k in days] == [(dt.datetime(2026, 5, 25), "lundi", "Lundi de Pentecôte")]
    assert next(iter(days))[0].number_format == "DD/MM/YYYY"
    # The assumptions are on every sheet, with a chart of the annual hours against 1,607 h.
    assert "Hypothèses : année 2026" in wb["Norme"]["A4"].value and len(wb["Norme"]._charts) == 1
    data = json.loads(run_worktime(REPO_EXAMPLE, fmt="json"))
    assert {d["method"] for d in data} == {"norme", "calendrier"}
    assert len(data) == 2 * 3  # three variants, two methods
    for key in ("name", "weekend_days", "holidays_on_workdays", "annual_leave_days", "fractionnement_days",
                "artt_days", "extra_days", "days_worked", "daily_hours", "annual_hours", "gap_hours",
                "gap_etp", "gap_cost"):
        assert key in data[0]
    assert "Jours fériés et chômés 2026" in run_worktime(REPO_EXAMPLE, fmt="md")
    csv = run_worktime(REPO_EXAMPLE, fmt="csv")
    assert csv.splitlines()[0].startswith("Scénario;Méthode;")
    assert ";1591,31;" in csv and "1591,311" not in csv  # Proposition syndicale, norme (see above)


def test_bad_scenario_file_is_explained(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2026\nscenarios:\n  - {name: A, weekly_hours: trente}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.yaml : fichier de scénarios invalide : scenarios.0.weekly_hours"):
        run_worktime(bad)
    unknown = tmp_path / "u.yaml"
    unknown.write_text("year: 2026\nterritory: lune\nscenarios:\n  - {name: A, weekly_hours: 35}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="Territoire inconnu : 'lune'"):
        run_worktime(unknown)


def test_cli_worktime_table_and_input_error(tmp_path):
    from click.testing import CliRunner

    from rhaudit.cli import main

    ok = CliRunner().invoke(main, ["worktime", REPO_EXAMPLE])
    assert ok.exit_code == 0
    assert "Dérivation de la norme : 365 − 104 − 8 − 25 = 228 jours × 7 h = 1 596 h" in ok.output
    bad = tmp_path / "s.yaml"
    bad.write_text("year: 2026\nscenarios: []\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["worktime", str(bad)])
    assert res.exit_code == 2 and "s.yaml : fichier de scénarios invalide : scenarios" in res.output


@pytest.mark.parametrize("scenario", ["{name: A, weekly_hours: 0}", "{name: A, weekday_hours: {lun: 0}}",
                                      "{name: A, weekly_hours: -35}"])
def test_week_without_hours_is_refused_in_french(tmp_path, scenario):
    # Used to raise ZeroDivisionError (daily hours = 0 h / 5 days, then target / 0).
    bad = tmp_path / "zero.yaml"
    bad.write_text(f"year: 2026\nscenarios:\n  - {scenario}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"zero.yaml : fichier de scénarios invalide : scenarios.0 : A : "
                                            r"durée de travail nulle ou négative"):
        run_worktime(bad)


def test_more_days_off_than_open_days_names_the_file_and_scenario(tmp_path):
    # Norme, 5-day week: 365 - 104 - 8 = 253 open days; 250 leave + 5 extra = 255 > 253 (was -2 days worked).
    bad = tmp_path / "conges.yaml"
    bad.write_text("year: 2026\nscenarios:\n  - {name: A, weekly_hours: 35, annual_leave_days: 250, "
                   "extra_days: {pont: 5}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"conges.yaml : A : 255 jours de congés.* pour 253 jours ouvrés"):
        run_worktime(bad)
    # Unknown weekday of weekday_hours: the error now names the file too.
    day = tmp_path / "jour.yaml"
    day.write_text("year: 2026\nscenarios:\n  - {name: B, weekday_hours: {lundi: 8}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"jour.yaml : B : jours inconnus dans weekday_hours : lundi"):
        run_worktime(day)


def test_whit_monday_outside_the_worked_periods_is_not_the_solidarity_day(norms, tmp_path):
    # School-weeks staff whose periods skip 25 May 2026 (Whit Monday): the day is neither counted as
    # a holiday of the cycle nor as a worked solidarity day (was +1 day worked outside the periods);
    # the 7 h are then spread.
    (tmp_path / "ecoles.yaml").write_text(
        "name: Écoles\nbase: metropole\nworked_periods:\n  - {start: 2026-01-05, end: 2026-05-22}\n"
        "  - {start: 2026-05-26, end: 2026-07-03}\n", encoding="utf-8")
    cal = Calendar.load("ecoles", 2026, folder=tmp_path)
    c = count_regime(WorkRegime(name="ATSEM", weekly_hours=35, annual_leave_days=0, artt_days=0), "calendrier", norms, cal)
    assert next(d for d in c.counted_dates if d["date"] == "2026-05-25")["counted_days"] == 0
    assert (c.solidarity_days, c.solidarity_hours) == (0, 7)
    # Weekdays 5 Jan-22 May 2026 = 100, 26 May-3 Jul = 29 -> 129; minus holidays on weekdays inside:
    # 6/4, 1/5, 8/5, 14/5 = 4 -> 125 days x 7 h = 875 h + 7 h spread = 882 h.
    assert c.days_worked == 125
    assert c.annual_hours == pytest.approx(882)


def test_a_legal_holiday_listed_in_the_local_calendar_stays_a_holiday(norms, tmp_path):
    # 14/7/2026 (Tuesday) is a public holiday even if the commune lists it; only 19/6/2026 (Friday) is
    # an extra-legal local day (it was shown as two local days, i.e. one legal day priced as extra-legal).
    (tmp_path / "ville.yaml").write_text(
        "name: Ville\nbase: metropole\ndays_off:\n  - {date: 2026-07-14, label: Fête nationale et bal}\n"
        "  - {date: 2026-06-19, label: Fête locale}\n", encoding="utf-8")
    cal = Calendar.load("ville", 2026, folder=tmp_path)
    c = count_regime(WorkRegime(name="A", weekly_hours=35), "calendrier", norms, cal)
    # 9 public holidays on weekdays in 2026 (see test_35h_2026_metropole_calendrier); 1 local day.
    assert (c.holidays_on_workdays, c.local_days_off) == (9, 1)
    assert next(d for d in c.counted_dates if d["date"] == "2026-07-14")["kind"] == "ferie"


def test_a_year_before_the_journee_de_solidarite(params, tmp_path):
    # 2003: 1,600 h (décret 2000-815), no journée de solidarité yet (loi 2004-626). It used to crash
    # with a traceback (no parameter value on 01/01/2003).
    n2003 = Norms.of(2003, params)
    assert (n2003.annual_hours, n2003.solidarity_hours) == (1600, 0)
    # Norme 35 h: 228 days x 7 h = 1,596 + 4 (rounding) + 0 = 1,600 h: no gap, even with "artt" mode
    # (no ARTT day removed: the solver gives floor(228 - 1,596 / 7) = 0 anyway) or "worked_day".
    for mode in ("worked_day", "artt", "none"):
        c = count_regime(WorkRegime(name="A", weekly_hours=35, solidarity=mode), "norme", n2003)
        assert (c.annual_hours, c.gap_hours) == (1600, 0)
    # 39 h with 23 ARTT, mode "artt": 23 are kept (was 22): 205 days x 7.8 = 1,599 + 4 = 1,603 h.
    c = count_regime(WorkRegime(name="B", weekly_hours=39, artt_days=23, solidarity="artt"), "norme", n2003)
    assert (c.artt_days, c.annual_hours) == (23, pytest.approx(1603))
    # Calendrier 2003, mode worked_day: Whit Monday (9 June 2003) is a holiday, not a solidarity day.
    c = count_regime(WorkRegime(name="A", weekly_hours=35), "calendrier", n2003, Calendar.load("metropole", 2003))
    assert c.solidarity_days == 0
    old = tmp_path / "2003.yaml"
    old.write_text("year: 2003\nscenarios:\n  - {name: A, weekly_hours: 35}\n", encoding="utf-8")
    assert "+ 0 h de solidarité = 1 600 h" in run_worktime(old)
