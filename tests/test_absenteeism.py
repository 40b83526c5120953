"""Absenteeism indicators on a small hand-made fixture whose days are counted by hand.

Year 2025: 365 calendar days; 261 weekdays minus the 10 public holidays of metropolitan France
falling on a weekday (1 Jan, 21 Apr, 1 May, 8 May, 29 May, 9 Jun, 14 Jul, 15 Aug, 11 Nov, 25 Dec;
1 Nov is a Saturday) = 251 worked days. Alsace-Moselle adds Good Friday (18 Apr) and 26 Dec, both
Fridays: 249 worked days.

Agents: A (catégorie C, full time, gross 3,000 EUR) and B (catégorie B, 50 %, gross 1,500 EUR) paid
all year; C (catégorie C, full time, gross 3,100 EUR) paid January to June only.
Mean headcount: 3 agents × 6 months + 2 agents × 6 months = 30 / 12 = 2.5 persons;
ETP: (1 + 0.5 + 1) × 6 + (1 + 0.5) × 6 = 24 / 12 = 2.0.

Absences:
- A, CMO Mon 3 to Wed 12 March: 10 calendar days, worked 3-7 and 10-12 March = 8;
- A, CMO Thu 13 to Sun 16 March (a prolongation, same stop): 4 calendar days, worked 13-14 = 2;
- B, CMO 30 Dec 2024 to 2 Jan 2025: in 2025, 1-2 January = 2 calendar days, worked 2 Jan only = 1;
- B, maternity 14 to 27 April: 14 calendar days; worked 14-18 and 22-25 April (21 is Easter Monday)
  = 9 (8 in Alsace-Moselle, 18 April being Good Friday);
- C, annual leave (not absenteeism); agent D, never paid, a CMO (ignored and counted as such).
"""

import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from rhaudit.analytics.absenteeism import absenteeism, render
from rhaudit.model import conform

GROSS = {"A": 3000.0, "B": 1500.0, "C": 3100.0}


def _payslips():
    rows = []
    for mat, cat, q, months in (("A", "C", 1.0, range(1, 13)), ("B", "B", 0.5, range(1, 13)), ("C", "C", 1.0, range(1, 7))):
        for m in months:
            rows.append({"matricule": mat, "year": 2025, "month": m, "establishment": "COMMUNE", "statut": "TITULAIRE",
                         "categorie": cat, "population": "agent", "quotite": q, "service": f"S{cat}", "gross": GROSS[mat]})
    return conform(pd.DataFrame(rows), "payslips")


def _absences():
    rows = [("A", "cmo", "2025-03-03", "2025-03-12"), ("A", "cmo", "2025-03-13", "2025-03-16"),
            ("B", "cmo", "2024-12-30", "2025-01-02"), ("B", "maternite", "2025-04-14", "2025-04-27"),
            ("C", "conge_annuel", "2025-02-03", "2025-02-07"), ("D", "cmo", "2025-05-05", "2025-05-06")]
    return conform(pd.DataFrame([{"matricule": m, "type": t, "start": s, "end": e} for m, t, s, e in rows]), "absences")


def _agents():
    return conform(pd.DataFrame([{"matricule": "A", "gender": "F", "birth_date": dt.date(1990, 6, 1)},
                                 {"matricule": "B", "gender": "M", "birth_date": dt.date(1970, 1, 1)}]), "agents")


def _report(params, **kw):
    return absenteeism(_payslips(), _absences(), _agents(), params, **kw)


def _row(report, motive, group="ensemble", value=None):
    return next(r for r in report.rows if r["group"] == group and r["value"] == value and r["motive"] == motive)


def test_headcount_persons_and_etp(params):
    rep = _report(params)
    assert rep.headcount == pytest.approx(2.5)  # 30 agent-months / 12
    assert rep.headcount_etp == pytest.approx(2.0)  # 24 ETP-months / 12
    assert rep.persons == 3
    assert rep.ignored_absences == 1  # agent D is never paid


def test_cmo_rates_both_bases(params):
    cmo = _row(_report(params), "cmo")
    assert cmo["days"] == 16  # 10 + 4 + 2
    assert cmo["worked_days"] == 11  # 8 + 2 + 1
    assert cmo["stops"] == 2  # A's prolongation is the same stop
    assert cmo["agents"] == 2
    assert cmo["rate_calendar"] == pytest.approx(16 / (2.5 * 365))  # 0.017534
    assert cmo["rate_worked"] == pytest.approx(11 / (2.5 * 251))  # 0.017530
    assert cmo["frequency"] == pytest.approx(80.0)  # 100 × 2 / 2.5
    assert cmo["mean_length"] == pytest.approx(8.0)  # 16 / 2
    assert cmo["share_agents_absent"] == pytest.approx(2 / 3)
    # A: 3,000 × 14/31 in March; B: 1,500 × 2/31 in January.
    assert cmo["cost"] == pytest.approx(3000 * 14 / 31 + 1500 * 2 / 31)


def test_total_compressible_and_maternity(params):
    rep = _report(params, base="ouvre")
    total, mat, comp = _row(rep, "total"), _row(rep, "maternite_paternite_adoption"), _row(rep, "compressible")
    assert (mat["days"], mat["worked_days"]) == (14, 9)
    assert total["days"] == 30 and total["worked_days"] == 20 and total["stops"] == 3
    assert total["rate_calendar"] == pytest.approx(30 / 912.5)  # 0.032877
    assert total["rate"] == pytest.approx(20 / 627.5)  # base "ouvre": 0.031873
    assert comp["days"] == 16  # CMO only, no accident
    assert _row(rep, "clm_cld_cgm")["days"] == 0


def test_alsace_moselle_calendar(params):
    rep = _report(params, territory="alsace-moselle")
    mat, total = _row(rep, "maternite_paternite_adoption"), _row(rep, "total")
    assert mat["worked_days"] == 8  # Good Friday 18 April is a holiday there
    assert total["rate_worked"] == pytest.approx(19 / (2.5 * 249))


def test_by_dimension_adds_up(params):
    rep = _report(params, by=["categorie", "age", "sexe"])
    c = _row(rep, "cmo", "categorie", "C")
    assert c["headcount"] == pytest.approx(1.5)  # A all year, C six months: 18 / 12
    assert c["days"] == 14 and c["rate_calendar"] == pytest.approx(14 / (1.5 * 365))
    assert _row(rep, "cmo", "categorie", "B")["days"] == 2
    assert _row(rep, "total", "age", "30 à 39 ans")["days"] == 14  # A, 35 in 2025
    assert _row(rep, "total", "sexe", "Hommes")["days"] == 16  # B: 2 + 14
    assert _row(rep, "total", "sexe", "(non renseigné)")["headcount"] == pytest.approx(0.5)  # C, 6 / 12


def test_json_shape_fractions_and_text_percentages(params):
    rep = _report(params)
    data = json.loads(render(rep, "json", None))
    assert {"year", "headcount_mean", "base", "rows"} <= set(data)
    assert data["year"] == 2025 and data["headcount_mean"] == 2.5 and data["base"] == "calendaire"
    assert data["benchmark"]["taux_avec_maternite"] == pytest.approx(0.101)
    text = render(rep, "text", None)
    assert "3,29 %" in text  # total calendar rate 30 / 912.5 = 3.2877 %
    assert "2,5 agents (2 ETP)" in text


def test_cli_xlsx_has_charts(tmp_path):
    from openpyxl import load_workbook

    from rhaudit.cli import main
    from rhaudit.demo import generate_commune
    from rhaudit.importers import import_files
    from rhaudit.workspace import Workspace

    files = generate_commune(tmp_path / "d", n_agents=30, seed=3)
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=files.payroll_files, absences=[files.absences_file], agents=[files.agents_file],
                 deliberations=files.deliberations_file)
    out = tmp_path / "abs.xlsx"
    res = CliRunner().invoke(main, ["absenteeism", "-w", str(ws.root), "--format", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert len(wb["Graphiques"]._charts) == 2
    bad = CliRunner().invoke(main, ["absenteeism", "-w", str(ws.root), "--by", "grade"])
    assert bad.exit_code == 2 and "Dimension inconnue" in bad.output


def test_year_over_year(params):
    # 2024: only A is paid (12 months, headcount 1) with a CMO of 3-7 June 2024 = 5 calendar days;
    # 2024 has 366 days: 5 / 366 = 1.366 %. B's stop of 30-31 December 2024 is not counted (B unpaid in 2024).
    slips_2024 = _payslips().query("matricule == 'A'").assign(year=2024)
    slips = pd.concat([slips_2024, _payslips()], ignore_index=True)
    absences = pd.concat([_absences(), conform(pd.DataFrame([{"matricule": "A", "type": "cmo", "start": "2024-06-03",
                                                               "end": "2024-06-07"}]), "absences")], ignore_index=True)
    rep = absenteeism(slips, absences, _agents(), params)
    assert rep.year == 2025  # the last year by default
    assert [e["year"] for e in rep.evolution] == [2024, 2025]
    assert rep.evolution[0]["rate_calendar"] == pytest.approx(5 / 366)
    assert rep.evolution[0]["compressible_rate_calendar"] == pytest.approx(5 / 366)
    assert rep.evolution[1]["rate_calendar"] == pytest.approx(30 / 912.5)
    assert absenteeism(slips, absences, _agents(), params, year=2024).headcount == 1


def test_no_absence_at_all(params):
    from rhaudit.model import empty_frame

    rep = absenteeism(_payslips(), empty_frame("absences"), empty_frame("agents"), params, by=["service"])
    assert all(r["days"] == 0 and r["rate_calendar"] == 0 for r in rep.rows)
    assert _row(rep, "total", "service", "SC")["headcount"] == pytest.approx(1.5)
