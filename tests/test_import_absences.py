"""Absence records through the absences profile: types, motives, day counts, rejections."""

from pathlib import Path

import pandas as pd
import pytest

from rhaudit.importers.absences import counted_days, parse_absences

SAMPLES = Path(__file__).resolve().parents[1] / "payroll_import" / "samples"
HEADER = "Matricule;Libellé;Début;Fin;Début après-midi;Fin matin;Jours;Heures\n"


def absences_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "absences.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def days_of(tmp_path: Path, row: str) -> float:
    parsed = parse_absences(absences_file(tmp_path, row), None)
    assert parsed.rejected == []
    return parsed.tables["absences"]["days"].iloc[0]


# Sample (consistent with paie_exemple and agents_exemple), days by hand:
# A001 congé annuel Mon 06/01–Fri 10/01/2025: 5 working days; A001 formation: 2 given (14 h);
# A002 CMO Mon 20/01–Sun 26/01: 7 calendar days; A002 ARTT Fri 07/02: 1; A001 grève Thu 13/02: 1;
# A003 ASA mariage Mon 17/02–Fri 21/02: 5; A003 congé annuel Mon 24/02–Tue 25/02 ending at noon:
# 2 − 0.5 = 1.5; A002 RTT Fri 28/02 from the afternoon: 0.5. Total 5+2+7+1+1+5+1.5+0.5 = 23.
@pytest.mark.parametrize("name", ["absences_exemple.csv", "absences_exemple.xlsx"])
def test_sample_absences(name):
    parsed = parse_absences(SAMPLES / name, None)
    df = parsed.tables["absences"]
    assert (parsed.kind, parsed.records_read, len(df), parsed.rejected) == ("absences", 8, 8, [])
    assert df["days"].sum() == 23.0
    assert df["type"].tolist() == ["conge_annuel", "formation", "cmo", "rtt", "greve", "asa", "conge_annuel", "rtt"]
    asa = df[df.type == "asa"].iloc[0]
    assert (asa.matricule, asa.motive, asa.source_label, asa.days) == ("A003", "mariage_agent", "ASA mariage", 5.0)
    cmo = df[df.type == "cmo"].iloc[0]
    assert (cmo.start, cmo.end, cmo.motive) == (pd.Timestamp("2025-01-20"), pd.Timestamp("2025-01-26"), "Congé de maladie ordinaire")
    training = df[df.type == "formation"].iloc[0]
    assert (training.days, training.hours, training.source_line) == (2.0, 14.0, 3)
    assert df["days"].tolist() == [5.0, 2.0, 7.0, 1.0, 1.0, 5.0, 1.5, 0.5]


def test_working_days_skip_public_holiday(tmp_path):
    # Mon 5 to Fri 9 May 2025: 5 weekdays, Thursday 8 May (Victoire 1945) is a public holiday -> 4.
    assert days_of(tmp_path, "A1;Congé annuel;05/05/2025;09/05/2025;;;;") == 4.0


def test_sickness_counts_calendar_days(tmp_path):
    # CMO Mon 10 to Sun 16 March 2025: 16 − 10 + 1 = 7 calendar days, the weekend included.
    assert days_of(tmp_path, "A1;Maladie ordinaire;10/03/2025;16/03/2025;;;;") == 7.0


def test_half_days_over_a_weekend_and_a_holiday(tmp_path):
    # RTT Fri 30 May (afternoon) to Mon 2 June 2025: Fri + Mon = 2 working days − 0.5 = 1.5
    # (Thursday 29 May, Ascension, is before the start).
    assert days_of(tmp_path, "A1;RTT;30/05/2025;02/06/2025;oui;;;") == 1.5
    # Maternity, calendar days, Wed 1 to Fri 31 Oct 2025 ending at noon: 31 − 0.5 = 30.5.
    assert days_of(tmp_path, "A1;Congé de maternité;01/10/2025;31/10/2025;;x;;") == 30.5


def test_counted_days_across_years():
    # Congé annuel Mon 29 Dec 2025 to Fri 2 Jan 2026: Mon 29, Tue 30, Wed 31, Fri 2 = 4
    # (Thursday 1 January is a public holiday).
    assert counted_days("conge_annuel", pd.Timestamp("2025-12-29"), pd.Timestamp("2026-01-02"), False, False) == 4.0
    # An ARTT day asked on a Saturday: no working day, and its half-day marker removes nothing.
    assert counted_days("rtt", pd.Timestamp("2025-05-10"), pd.Timestamp("2025-05-10"), True, False) == 0.0


def test_days_given_in_file_are_kept(tmp_path):
    assert days_of(tmp_path, "A1;Congé annuel;05/05/2025;09/05/2025;;;3,5;") == 3.5


def test_bad_rows_rejected_with_line_rest_kept(tmp_path):
    path = absences_file(
        tmp_path,
        "A1;Congé annuel;10/03/2025;07/03/2025;;;;",  # line 2: ends before it starts
        "A2;Congé annuel;30/02/2025;03/03/2025;;;;",  # line 3: 30 February
        ";Congé annuel;03/03/2025;04/03/2025;;;;",  # line 4: no matricule
        "A3;Année sabbatique lunaire;03/03/2025;04/03/2025;;;;",  # line 5: unknown label
        "A4;RTT;03/03/2025;03/03/2025;oui;oui;;",  # line 6: afternoon to noon the same day
        "A5;RTT;03/03/2025;03/03/2025;peut-être;;;",  # line 7: unreadable marker
        "A6;Congé annuel;03/03/2025;04/03/2025;;;;",  # line 8: good (Mon–Tue, 2 days)
    )
    parsed = parse_absences(path, None)
    df = parsed.tables["absences"]
    assert parsed.records_read == 7 == len(df) + len(parsed.rejected)
    assert df[["matricule", "days", "source_line"]].values.tolist() == [["A6", 2.0, 8]]
    reasons = {r.position: r.reason for r in parsed.rejected}
    assert reasons[2] == "l'absence finit le 07/03/2025, avant son début le 10/03/2025"
    assert reasons[3].startswith("Premier jour impossible ou illisible : « 30/02/2025 »")
    assert reasons[4] == "Matricule manquant(e)"
    assert reasons[5] == "libellé d'absence inconnu : Année sabbatique lunaire ; ajoutez-le au profil absences_generique.yaml"
    assert reasons[6].startswith("absence d'un seul jour qui commence l'après-midi et finit le matin")
    assert reasons[7].startswith("Début l'après-midi illisible : « peut-être »")
    assert {r.record for r in parsed.rejected} == {"absence"}
    assert parsed.rejected[0].matricule == "A1"


def test_custom_profile_label_rules(tmp_path):
    profile = tmp_path / "logiciel_y.yaml"
    profile.write_text("""
type: absences
format: {separateur: ",", formats_date: ["%Y-%m-%d"]}
colonnes: {matricule: Agent, label: Code, start: Du, end: Au}
absences:
  - {libelle: "ASA-MAR", type: asa, motif: mariage_agent}
  - {regex: '^MAL', type: cmo}
""", encoding="utf-8")
    data = tmp_path / "abs.csv"
    data.write_text("Agent,Code,Du,Au\nZ1,asa-mar,2025-06-02,2025-06-06\nZ1,MAL01,2025-06-09,2025-06-10\n", encoding="utf-8")
    df = parse_absences(data, profile).tables["absences"]
    # ASA Mon 2 – Fri 6 June 2025: 5 working days; MAL01 → CMO Mon 9 (Pentecost Monday) – Tue 10: 2 calendar days.
    assert df[["type", "motive", "days"]].values.tolist() == [["asa", "mariage_agent", 5.0], ["cmo", "MAL01", 2.0]]


# --- the territory's calendar (issue 10: public holidays only through rhaudit.workcalendar) ---------
# December 2025: Mon 22, Tue 23, Wed 24, Thu 25 (Noël, every territory), Fri 26 (Saint-Étienne,
# a public holiday in Alsace-Moselle only: code du travail L3134-13, subdivision 57 of `holidays`).

@pytest.mark.parametrize("kind, first, last, afternoon, territory, expected", [
    # Mon 22 – Fri 26 December: métropole 5 weekdays − Noël = 4; Alsace-Moselle − Saint-Étienne too = 3.
    ("conge_annuel", "2025-12-22", "2025-12-26", False, "metropole", 4.0),
    ("conge_annuel", "2025-12-22", "2025-12-26", False, "alsace-moselle", 3.0),
    # A half day on Fri 26 December (from the afternoon): 1 − 0.5 = 0.5 working day in métropole;
    # in Moselle the day is not worked, so 0 days and the marker removes nothing.
    ("rtt", "2025-12-26", "2025-12-26", True, "metropole", 0.5),
    ("rtt", "2025-12-26", "2025-12-26", True, "alsace-moselle", 0.0),
    # Sickness stays in calendar days everywhere: Mon 22 to Fri 26 = 5.
    ("cmo", "2025-12-22", "2025-12-26", False, "alsace-moselle", 5.0),
    # Mon 14 – Fri 18 April 2025: Good Friday 18 April is a holiday in Alsace-Moselle only (5 − 1 = 4).
    ("conge_annuel", "2025-04-14", "2025-04-18", False, "metropole", 5.0),
    ("conge_annuel", "2025-04-14", "2025-04-18", False, "alsace-moselle", 4.0),
    # Martinique: abolition of slavery on Thu 22 May 2025 (décret 83-1003); Mon 19 – Fri 23 May = 5 − 1.
    ("conge_annuel", "2025-05-19", "2025-05-23", False, "metropole", 5.0),
    ("conge_annuel", "2025-05-19", "2025-05-23", False, "972", 4.0),
])
def test_working_days_follow_the_territory(kind, first, last, afternoon, territory, expected):
    assert counted_days(kind, pd.Timestamp(first), pd.Timestamp(last), afternoon, False, territory) == expected


def test_local_day_off_is_not_a_working_day(tmp_path):
    # A local calendar closing the services on Fri 20 June 2025: Mon 16 to Fri 20 June = 5 − 1 = 4.
    local = tmp_path / "saint_exemple.yaml"
    local.write_text("name: Saint-Exemple\nbase: metropole\ndays_off:\n"
                     "  - {date: 2025-06-20, label: Fête locale}\n", encoding="utf-8")
    row = "A1;Congé annuel;16/06/2025;20/06/2025;;;;"
    parsed = parse_absences(absences_file(tmp_path, row), None, str(local))
    assert parsed.tables["absences"]["days"].tolist() == [4.0]


def test_import_counts_with_the_deliberations_territory(tmp_path):
    from rhaudit.importers import import_files
    from rhaudit.workspace import Workspace

    delib = tmp_path / "deliberations.yaml"
    delib.write_text("name: Commune de Moselle\nterritory: alsace-moselle\n", encoding="utf-8")
    first = absences_file(tmp_path, "A1;Congé annuel;22/12/2025;26/12/2025;;;;")
    ws = Workspace(tmp_path / "ws")
    import_files(ws, absences=[first], deliberations=delib)
    # Later import without --deliberations: the workspace's délibérations still give the territory.
    later = tmp_path / "later.csv"
    later.write_text(HEADER + "A2;RTT;26/12/2025;26/12/2025;oui;;;\nA3;RTT;24/12/2025;24/12/2025;;;;\n",
                     encoding="utf-8")
    import_files(ws, absences=[later])
    days = ws.read("absences").set_index("matricule")["days"].to_dict()
    # A1: 22–26 December = 5 − Noël − Saint-Étienne = 3; A2: half day on the 26th, not worked = 0;
    # A3: Wed 24 December, a working day = 1.
    assert days == {"A1": 3.0, "A2": 0.0, "A3": 1.0}


def test_import_without_deliberations_counts_metropole(tmp_path):
    from rhaudit.importers import import_files
    from rhaudit.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    import_files(ws, absences=[absences_file(tmp_path, "A1;Congé annuel;22/12/2025;26/12/2025;;;;")])
    # 5 weekdays − Noël = 4.
    assert ws.read("absences")["days"].tolist() == [4.0]


def test_invalid_stored_deliberations_stop_the_absence_import(tmp_path):
    from rhaudit.importers import ImportFailed, import_files
    from rhaudit.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    (ws.root / "deliberations").mkdir(parents=True)
    (ws.root / "deliberations" / "2025.yaml").write_text("name: X\nterritory: atlantide\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="territoire des délibérations.*Rien n'a été importé"):
        import_files(ws, absences=[absences_file(tmp_path, "A1;Congé annuel;22/12/2025;26/12/2025;;;;")])
