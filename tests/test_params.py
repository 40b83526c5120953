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


@pytest.mark.parametrize("name, when, value", [
    # Values and dates from the texts (issue 8), written here by hand.
    ("cotisations.urssaf_vieillesse_deplafonnee_patronal", "2025-12-01", 0.0202),  # 2.02 % in 2025
    ("cotisations.urssaf_vieillesse_deplafonnee_patronal", "2026-01-01", 0.0211),  # décret 2025-1446
    ("cotisations.cnracl_patronal", "2005-01-01", 0.273),  # décret 2003-51
    ("cotisations.cnracl_patronal", "2013-01-01", 0.2885),  # décret 2012-1525
    ("cotisations.cnracl_patronal", "2026-01-01", 0.3765),  # décret 2025-86
    ("cotisations.cnracl_patronal", "2027-01-01", 0.4065),
    ("cotisations.cnracl_patronal", "2028-01-01", 0.4365),
    ("avantages_nature.vehicule_taux_annuel_achat", "2025-01-31", 0.09),
    ("avantages_nature.vehicule_taux_annuel_achat", "2025-02-01", 0.15),  # arrêté du 25 février 2025
    ("point_indice.indice_majore_minimum_traitement", "2023-05-01", 361),  # décret 2023-312
    ("point_indice.indice_majore_minimum_traitement", "2024-01-01", 366),  # décret 2023-519
    ("carence.cmo_taux_traitement_premiere_periode", "2025-02-28", 1.0),
    ("carence.cmo_taux_traitement_premiere_periode", "2025-03-01", 0.9),  # loi 2025-127, art. 189
    ("elus.indice_majore_terminal", "2024-01-01", 835),  # IB 1027 = IM 830 + 5
    ("regimes_indemnitaires.ifts_indice_brut_seuil_b", "2025-01-01", 380),
])
def test_dated_values_from_the_texts(params, name, when, value):
    assert params.value(name, when) == pytest.approx(value)


def test_elected_officials_rates_since_loi_2019_1461(params):
    maire = params.value("elus.taux_maire", "2019-12-29")
    adjoint = params.value("elus.taux_adjoint", "2019-12-29")
    assert (maire["0"], maire["500"], maire["1000"]) == (0.255, 0.403, 0.516)
    assert adjoint["200000"] == 0.725


def test_sources_after_2022_cite_the_cgfp_not_the_former_law_alone(params):
    # From 2022-03-01 a source citing loi 84-53 must cite the CGFP article first.
    for name in params.names():
        for v in params.parameter(name).values:
            if v.since >= dt.date(2022, 3, 1) and "84-53" in v.source:
                assert "CGFP" in v.source, (name, v.since)
