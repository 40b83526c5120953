"""Shared test fixtures: where the real samples are (../shared beside the checkout)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_PES = REPO.parent / "shared" / "data" / "pes"


@pytest.fixture(scope="session")
def shared_pes() -> Path:
    if not SHARED_PES.is_dir():
        pytest.fail(f"Échantillons réels introuvables : {SHARED_PES} (../shared doit être à côté du dépôt)")
    return SHARED_PES


@pytest.fixture(scope="session")
def params():
    from rhaudit.params import Parameters

    return Parameters.load(REPO / "configs" / "parametres")
