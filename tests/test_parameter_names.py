"""Every parameter name the code resolves exists and has a value in force: a misspelt name must
fail here, in CI, not at a user's `rhaudit check`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import rhaudit
from rhaudit.params import default_parameters

SRC = Path(rhaudit.__file__).resolve().parent
WHEN = dt.date(2025, 6, 1)  # the demo year; every parameter used has a value since at least 2014
# Wrappers that prefix the namespace: rules/_ri.py ri_param and ri_params, rules/_paie.py tolerance.
PREFIXED = {r"ri_params?\(ctx, \"([a-z0-9_]+)\"": "regimes_indemnitaires", r"tolerance\(ctx, \"([a-z0-9_]+)\"": "tolerances_paie"}


def used_names() -> set[str]:
    params = default_parameters()
    namespaces = {n.split(".")[0] for n in params.names()}
    literal = re.compile(r"[\"']([a-z_]+\.[a-z0-9_]+)[\"']")
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= {m for m in literal.findall(text) if m.split(".")[0] in namespaces}
        for pattern, ns in PREFIXED.items():
            found |= {f"{ns}.{m}" for m in re.findall(pattern, text)}
    return found


def test_the_scan_sees_the_names_of_each_family():
    names = used_names()
    # One name per way of writing it: params.value, param_by_month, rates(), ri_param, tolerance.
    for expected in ("point_indice.valeur_annuelle", "ihts.plafond_mensuel_heures", "carence.diviseur_journalier",
                     "regimes_indemnitaires.ecart_plafond_annuel_eur", "tolerances_paie.sft_ecart_montant_eur",
                     "ihts.categorie_a_eligibles", "nbi.secretaire_mairie", "carence.cmo_taux_traitement_premiere_periode"):
        assert expected in names


@pytest.mark.parametrize("name", sorted(used_names()))
def test_parameter_resolves(name):
    resolved = default_parameters().resolve(name, WHEN)
    assert resolved.source


def test_working_time_norms_resolve():
    from rhaudit.worktime import Norms

    assert Norms.of(WHEN.year).annual_hours == 1607
