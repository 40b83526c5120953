"""Dated parameters: lookup of the value in force on a date, with its source."""

import datetime as dt

import pytest

from rhaudit.params import ParameterError, Parameters


def test_point_indice_in_force_on_payroll_month(params):
    # Décret 2010-761: 55.5635 from 1 July 2010, frozen until 1 July 2016 (décret 2016-670).
    assert params.value("point_indice.valeur_annuelle", (2011, 1)) == 55.5635
    assert params.value("point_indice.valeur_annuelle", (2016, 6)) == 55.5635
    assert params.value("point_indice.valeur_annuelle", (2016, 7)) == 55.8969
    # Décret 2023-519: 59.0734 from 1 July 2023; June 2023 still at 58.2004 (décret 2022-994).
    assert params.value("point_indice.valeur_annuelle", "2023-06-30") == 58.2004
    r = params.resolve("point_indice.valeur_annuelle", dt.date(2025, 3, 1))
    assert r.value == 59.0734 and r.since == dt.date(2023, 7, 1) and "2023-519" in r.source


def test_legal_duration_changes_with_solidarity_day(params):
    # 1,600 h under décret 2000-815 until the journée de solidarité (loi 2004-626) added 7 h.
    assert params.value("temps_travail.duree_annuelle_heures", (2004, 12)) == 1600
    assert params.value("temps_travail.duree_annuelle_heures", (2005, 1)) == 1607


def test_unknown_parameter_and_date_before_first_value(params):
    with pytest.raises(ParameterError, match="Paramètre inconnu"):
        params.value("ihts.nope", (2020, 1))
    with pytest.raises(ParameterError, match="Aucune valeur"):
        params.value("temps_travail.duree_annuelle_heures", (1999, 1))


def test_malformed_parameter_file_names_the_file(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "description: x\nparametres:\n  p:\n    description: y\n    valeurs:\n      - {depuis: 2020-01-01, valeur: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match="bad.yaml"):
        Parameters.load(tmp_path)
