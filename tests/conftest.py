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


@pytest.fixture(scope="session")
def demo_120(tmp_path_factory):
    """The 120-agent demo commune (seed 1), generated and imported once for the test session:
    (DemoFiles, Workspace). Tests run the rules they need on it with run_check."""
    from rhaudit.demo import generate_commune
    from rhaudit.importers import import_files
    from rhaudit.workspace import Workspace

    out = tmp_path_factory.mktemp("demo_120")
    files = generate_commune(out, n_agents=120, seed=1)
    ws = Workspace(out / "workspace")
    import_files(ws, payroll=files.payroll_files, absences=[files.absences_file], agents=[files.agents_file],
                 deliberations=files.deliberations_file, balances=[files.balances_file])
    return files, ws
