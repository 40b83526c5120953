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


def test_load_config_cached_reruns_the_loader_only_when_the_yaml_changes(tmp_path):
    import os

    from rhaudit.configfile import load_config_cached

    path = tmp_path / "t.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    calls = []

    def loader(p):
        calls.append(p)
        return p.read_text(encoding="utf-8")

    assert load_config_cached(loader, path) == "a: 1\n"
    assert load_config_cached(loader, path) == "a: 1\n" and len(calls) == 1  # unchanged: read once
    path.write_text("a: 2\n", encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a later modification time
    assert load_config_cached(loader, path) == "a: 2\n" and len(calls) == 2


def test_one_of_names_the_field_and_what_is_allowed():
    from rhaudit.configfile import one_of

    check = one_of(("A", "B"), "catégorie")
    assert check("A") == "A"
    with pytest.raises(ValueError, match=r"^catégorie inconnue 'Z' \(attendu : A, B\)$"):
        check("Z")


def test_the_simulator_error_is_a_config_error_callers_can_catch_without_importing_it(tmp_path):
    from rhaudit.configfile import ConfigError
    from rhaudit.worktime import load_scenarios

    bad = tmp_path / "s.yaml"
    bad.write_text("year: 2025\nfoo: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"s\.yaml : fichier de scénarios invalide"):
        load_scenarios(bad)


def test_a_broken_dsn_code_table_is_named_in_french(tmp_path, monkeypatch):
    from rhaudit import paths
    from rhaudit.importers.base import ImportError_
    from rhaudit.importers.dsn import dsn_codes

    (tmp_path / "dsn").mkdir()
    (tmp_path / "dsn" / "codes.yaml").write_text("remunerations: [\n", encoding="utf-8")
    monkeypatch.setattr(paths, "configs_dir", lambda: tmp_path)
    with pytest.raises(ImportError_, match=r"codes\.yaml : YAML illisible, ligne 2.*restaurez le fichier livré"):
        dsn_codes()
