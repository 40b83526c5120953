"""Configuration files written by hand get French errors naming the file and the entry."""

import pytest

from rhaudit.deliberations import DeliberationError, load_deliberations


def test_unknown_key_and_impossible_date_in_deliberations(tmp_path):
    bad = tmp_path / "commune.yaml"
    bad.write_text("name: X\nrifseep:\n  decision: D1\n  effective_date: 2019-12-01\n  groups: []\nfoo: 1\n",
                   encoding="utf-8")
    with pytest.raises(DeliberationError, match=r"commune\.yaml : foo : clé inconnue.*configs/collectivites/demo\.yaml"):
        load_deliberations(bad)
    bad.write_text("name: X\nrifseep:\n  decision: D1\n  effective_date: 2019-13-01\n  groups: []\n", encoding="utf-8")
    with pytest.raises(DeliberationError, match=r"commune\.yaml : YAML illisible : date impossible : le mois doit être entre 1 et 12"):
        load_deliberations(bad)


def test_wrong_value_type_and_literal(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("name: X\nworking_time:\n  fractionnement: toujours\n  cycles:\n"
                   "    - {name: A, weekly_hours: 35, solidarity: jamais}\n", encoding="utf-8")
    with pytest.raises(DeliberationError) as err:
        load_deliberations(bad)
    text = str(err.value)
    assert "working_time.fractionnement : valeur 'toujours' non autorisée (attendu : 'conditions' or 'automatic')" in text
    assert "working_time.cycles.0.solidarity : valeur 'jamais' non autorisée" in text


def test_missing_file(tmp_path):
    with pytest.raises(DeliberationError, match="Fichier introuvable"):
        load_deliberations(tmp_path / "absent.yaml")


def test_malformed_regex_in_deliberations_is_reported_at_load(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("name: X\nihts:\n  decision: D1\n  eligible_emplois: ['AGENT (TECH']\n", encoding="utf-8")
    with pytest.raises(DeliberationError, match=r"ihts\.eligible_emplois\.0 : expression régulière invalide 'AGENT \(TECH'"):
        load_deliberations(bad)
