"""Workspace reliability: the lock (concurrent imports), interrupted commits, re-imports.

Each test reproduces a fault of issue 9 first (items 2, 3 and 4), then checks the fix.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from rhaudit import workspace as workspace_module
from rhaudit.cli import main
from rhaudit.importers import import_files
from rhaudit.workspace import Workspace, WorkspaceBusy

from test_import_pes import document, donnees, line, payslip

SRC = Path(__file__).resolve().parents[1] / "src"


def pes_month(tmp_path: Path, month: int, agents: int = 2) -> Path:
    """A PES file of `month` 2025 with `agents` payslips of one 100.00 EUR line each."""
    slips = [payslip(f"M{i}", lines=line()) for i in range(agents)]
    path = tmp_path / f"paie_{month:02d}.xml"
    path.write_text(document(donnees(*slips), mois=f"{month:02d}"), encoding="utf-8")
    return path


def absences_csv(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text("Matricule;Libellé;Début;Fin\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def agents_csv(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text("Matricule;Catégorie\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def assert_consistent(ws: Workspace) -> None:
    """The invariant a command must find: every data file belongs to a logged file, every logged
    payslip is stored, nothing temporary is left."""
    log = ws.read_log()
    keys = {e["sha256"][:16] for e in log}
    assert {f.stem for f in ws.data_files()} <= keys
    assert len(ws.read("payslips")) == sum(e["payslips"] for e in log)
    assert len(ws.read("absences")) == sum(e["absences"] for e in log)
    assert not list(ws.root.glob(".staging-*"))
    assert not (ws.root / ".commit.json").exists() and not (ws.root / ".commit.json.tmp").exists()


# --- item 2: concurrent imports ------------------------------------------------------------------

def _run_import(files: list[Path], ws: Path, timeout: str = "60") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "RHAUDIT_LOCK_TIMEOUT": timeout}
    return subprocess.Popen([sys.executable, "-m", "rhaudit.cli", "import", *map(str, files), "-w", str(ws)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_concurrent_imports_into_one_workspace_lose_nothing(tmp_path):
    # Three processes import three months into one workspace at the same time. Before the lock,
    # two could read the same log and the last write lost the other's entry (3 runs in 30).
    files = [pes_month(tmp_path, m) for m in (1, 2, 3)]
    ws = Workspace(tmp_path / "w")
    procs = [_run_import([f], ws.root) for f in files]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    log = ws.read_log()
    assert sorted(Path(e["path"]).name for e in log) == ["paie_01.xml", "paie_02.xml", "paie_03.xml"]
    assert len(ws.read("payslips")) == 3 * 2  # 3 files x 2 payslips
    assert_consistent(ws)


def test_second_import_waits_for_the_lock_then_sees_the_first(tmp_path):
    ws = Workspace(tmp_path / "w")
    f = pes_month(tmp_path, 1)
    waited: list[str] = []
    result: dict = {}
    with ws.locked():
        # The lock holder imports f meanwhile (under the lock: commit directly, as import_files would).
        thread = threading.Thread(target=lambda: result.setdefault(
            "report", import_files(ws, payroll=[f], on_wait=waited.append)))
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive() and not ws.exists()  # blocked on the lock
    thread.join(timeout=60)
    assert len(waited) == 1 and "occupé par un autre import" in waited[0]
    assert len(result["report"].imported) == 1 and len(ws.read_log()) == 1


def test_import_stops_with_a_french_message_when_the_lock_is_held_too_long(tmp_path):
    ws = Workspace(tmp_path / "w")
    with ws.locked():
        proc = _run_import([pes_month(tmp_path, 1)], ws.root, timeout="0.5")
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, (out, err)
    assert "occupé par un autre import (processus" in err and f"processus {os.getpid()}" in err
    assert "RHAUDIT_LOCK_TIMEOUT" in err and "Traceback" not in err
    assert not ws.exists()


def test_lock_of_a_dead_process_does_not_block(tmp_path):
    # A process takes the lock and dies without releasing it: the OS frees it, the file stays.
    ws = Workspace(tmp_path / "w")
    code = f"import os, sys; sys.path.insert(0, {str(SRC)!r}); from rhaudit.workspace import Workspace\n" \
           f"with Workspace({str(ws.root)!r}).locked(): os._exit(9)"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 9
    assert ws.lock_path.exists() and "processus" in ws.lock_path.read_text(encoding="utf-8", errors="replace")
    with pytest.raises(WorkspaceBusy):  # sanity: a live holder does block
        with ws.locked(), Workspace(ws.root).locked(timeout=0.3):
            pass
    report = import_files(ws, payroll=[pes_month(tmp_path, 1)])  # no wait, no error
    assert len(report.imported) == 1


# --- item 3: interrupted commits -----------------------------------------------------------------

class Killed(BaseException):
    """A kill: no `except Exception` handler runs."""


def _three_kinds(tmp_path: Path) -> dict:
    return dict(payroll=[pes_month(tmp_path, 1)], absences=[absences_csv(tmp_path, "abs.csv", "M0;Congé annuel;06/01/2025;07/01/2025")],
                agents=[agents_csv(tmp_path, "agents.csv", "M0;C", "M1;B")])


def _moves_of_one_import(tmp_path: Path) -> int:
    ws = Workspace(tmp_path / "count")
    calls = []
    real = workspace_module._move
    workspace_module._move = lambda s, d: (calls.append(d), real(s, d))[1]
    try:
        import_files(ws, **_three_kinds(tmp_path))
    finally:
        workspace_module._move = real
    return len(calls)


def test_kill_after_each_file_move_is_completed_at_the_next_command(tmp_path, monkeypatch):
    # Moves of one import: the journal, then payslips, pay lines, absences, agents and the log.
    n_moves = _moves_of_one_import(tmp_path)
    assert n_moves == 6  # 1 journal + 4 tables (one year each) + 1 log
    for kill_at in range(1, n_moves + 1):
        ws = Workspace(tmp_path / f"w{kill_at}")
        import_files(ws, payroll=[pes_month(tmp_path, 2)])  # something already there
        calls = {"n": 0}
        real = workspace_module._move

        def killing_move(src, dst):
            real(src, dst)
            calls["n"] += 1
            if calls["n"] == kill_at:
                raise Killed()

        monkeypatch.setattr(workspace_module, "_move", killing_move)
        with pytest.raises(Killed):
            import_files(ws, **_three_kinds(tmp_path))
        monkeypatch.setattr(workspace_module, "_move", real)
        # The next command (here `info`) completes or undoes the commit and says so.
        result = CliRunner().invoke(main, ["info", "-w", str(ws.root), "--format", "json"])
        assert result.exit_code == 0, result.output
        assert_consistent(ws)
        names = sorted(Path(e["path"]).name for e in ws.read_log())
        if kill_at == 1:  # killed once the journal was written: completed
            assert "import interrompu" in result.output.lower()
        assert names in (["paie_02.xml"], ["abs.csv", "agents.csv", "paie_01.xml", "paie_02.xml"]), kill_at
        if kill_at > 1:  # the journal existed: the commit is completed, nothing lost
            assert len(names) == 4 and len(ws.read("payslips")) == 4 and len(ws.read("agents")) == 2


def test_kill_while_writing_the_journal_or_staging_leaves_it_as_before(tmp_path, monkeypatch):
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=[pes_month(tmp_path, 2)])
    real_write = Workspace._write
    calls = {"n": 0}

    def killed_while_staging(path, df):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed()
        return real_write(path, df)

    monkeypatch.setattr(Workspace, "_write", staticmethod(killed_while_staging))
    with pytest.raises(Killed):
        import_files(ws, **_three_kinds(tmp_path))
    monkeypatch.setattr(Workspace, "_write", staticmethod(real_write))
    assert list(ws.root.glob(".staging-*"))  # the fault: left behind for ever before the fix
    # The next import cleans it, says so and imports the files (not "déjà importé").
    report = import_files(ws, **_three_kinds(tmp_path))
    assert "dossier(s) temporaire(s)" in report.render() and len(report.imported) == 3
    assert_consistent(ws)


def test_real_kill_during_the_moves(tmp_path):
    # A real process killed (os._exit) right after moving the payslips into place.
    ws = Workspace(tmp_path / "w")
    f = pes_month(tmp_path, 1)
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(SRC)!r})
        from rhaudit import workspace
        from rhaudit.importers import import_files
        real = workspace._move
        def move(src, dst):
            real(src, dst)
            if "payslips" in str(dst):
                os._exit(137)
        workspace._move = move
        import_files(workspace.Workspace({str(ws.root)!r}), payroll=[{str(f)!r}])
    """)
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 137
    assert (ws.root / ".commit.json").exists() and not ws.exists()  # data without a log entry
    result = CliRunner().invoke(main, ["import", str(f), "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "import interrompu" in result.output and "déjà importé" in result.output
    assert len(ws.read_log()) == 1
    assert_consistent(ws)


def test_orphan_data_of_an_older_interrupted_import_is_removed(tmp_path):
    # Data files with no log entry (left by an older version): counted by info, import refused.
    ws = Workspace(tmp_path / "w")
    f = pes_month(tmp_path, 1)
    import_files(ws, payroll=[f])
    log = json.loads(ws.log_path.read_text(encoding="utf-8"))
    ws.log_path.write_text(json.dumps({"version": 1, "files": []}), encoding="utf-8")
    assert ws.data_files()
    report = import_files(ws, payroll=[f])
    assert "sans entrée dans import_log.json" in report.render() and len(report.imported) == 1
    assert len(ws.read("payslips")) == 2 and len(log["files"]) == 1
    assert_consistent(ws)


# --- item 4: re-imports --------------------------------------------------------------------------

def test_updated_absences_export_adds_only_the_new_rows(tmp_path):
    ws = Workspace(tmp_path / "w")
    first = ("A1;Congé annuel;06/01/2025;10/01/2025", "A2;Jour ARTT;07/02/2025;07/02/2025")
    import_files(ws, absences=[absences_csv(tmp_path, "abs_jan.csv", *first)])
    # The updated export: the same two rows, a new one, and the new one twice.
    new = "A1;Congé annuel;03/03/2025;04/03/2025"
    report = import_files(ws, absences=[absences_csv(tmp_path, "abs_mar.csv", *first, new, new)])
    assert len(ws.read("absences")) == 3  # was 2 + 4 = 6 before: stored twice, false TEMPS findings
    text = report.render()
    assert "lus = importés + rejetés : 4 = 1 + 3 absences" in text
    assert text.count("absence en double (déjà lue : abs_jan.csv, ligne") == 2
    assert "absence en double (déjà lue : abs_mar.csv, ligne 4)" in text  # the repeated new row, line 5
    data = json.loads(CliRunner().invoke(main, ["info", "-w", str(ws.root), "--format", "json"]).output)
    assert data["total"]["absences"] == 3


def test_overlapping_absences_of_one_agent_are_reported(tmp_path):
    ws = Workspace(tmp_path / "w")
    import_files(ws, absences=[absences_csv(tmp_path, "a.csv", "A1;Congé annuel;06/01/2025;10/01/2025")])
    report = import_files(ws, absences=[absences_csv(
        tmp_path, "b.csv",
        "A1;Congé de maladie ordinaire;09/01/2025;12/01/2025",  # overlaps the stored leave (9-10 Jan)
        "A2;Congé annuel;03/03/2025;04/03/2025",
        "A2;Jour ARTT;04/03/2025;04/03/2025",  # inside A2's leave of this file
        "A3;Congé annuel;03/03/2025;04/03/2025",  # another agent, same dates: no overlap
    )])
    text = report.render()
    assert text.count("absences qui se chevauchent") == 2
    assert ("agent A1, Congé annuel du 06/01/2025 au 10/01/2025 (a.csv, ligne 2) et Congé de maladie ordinaire "
            "du 09/01/2025 au 12/01/2025 (b.csv, ligne 2)") in text
    assert "agent A2, Congé annuel du 03/03/2025 au 04/03/2025 (b.csv, ligne 3) et Jour ARTT" in text
    assert len(ws.read("absences")) == 5  # kept: the user decides which is wrong


def test_reimported_agents_replace_the_matricules_they_cover(tmp_path):
    ws = Workspace(tmp_path / "w")
    import_files(ws, agents=[agents_csv(tmp_path, "agents_v1.csv", "A1;C", "A2;B")])
    report = import_files(ws, agents=[agents_csv(tmp_path, "agents_v2.csv", "A1;B", "A3;A")])
    agents = ws.read("agents").set_index("matricule")["categorie"].to_dict()
    assert agents == {"A1": "B", "A2": "B", "A3": "A"}  # one row per matricule, A1 from v2
    assert "1 agent(s) déjà présent(s) dans l'espace de travail (A1)" in report.render()
    data = json.loads(CliRunner().invoke(main, ["info", "-w", str(ws.root), "--format", "json"]).output)
    assert data["total"]["agents_reference"] == 3


def test_replace_reimports_a_file_after_the_profile_was_corrected(tmp_path):
    ws = Workspace(tmp_path / "w")
    f = absences_csv(tmp_path, "abs.csv", "A1;Congé annuel;06/01/2025;10/01/2025", "A1;Congé bonifié;03/03/2025;04/03/2025")
    profile = tmp_path / "mon_profil.yaml"
    base = Path(__file__).resolve().parents[1] / "payroll_import" / "profiles" / "absences_generique.yaml"
    profile.write_text(base.read_text(encoding="utf-8"), encoding="utf-8")
    first = CliRunner().invoke(main, ["import", "--absences", str(f), "--absence-profile", str(profile), "-w", str(ws.root)])
    assert first.exit_code == 0 and "libellé d'absence inconnu : Congé bonifié" in first.output
    # The profile is corrected; without --replace the file is "déjà importé" for ever.
    profile.write_text(base.read_text(encoding="utf-8") + "  - {libelle: Congé bonifié, type: conge_annuel}\n",
                       encoding="utf-8")
    again = CliRunner().invoke(main, ["import", "--absences", str(f), "--absence-profile", str(profile), "-w", str(ws.root)])
    assert "déjà importé" in again.output and "ajoutez --replace" in again.output
    replaced = CliRunner().invoke(main, ["import", "--replace", "--absences", str(f), "--absence-profile", str(profile),
                                         "-w", str(ws.root)])
    assert replaced.exit_code == 0, replaced.output
    assert "réimporté avec --replace" in replaced.output
    assert "lus = importés + rejetés : 2 = 2 + 0 absences" in replaced.output
    log = ws.read_log()
    assert len(log) == 1 and log[0]["records_imported"] == 2 and log[0]["rejected"] == []
    assert sorted(ws.read("absences")["source_label"]) == ["Congé annuel", "Congé bonifié"]
    assert_consistent(ws)


# --- item 7: a damaged workspace ---------------------------------------------------------------

def test_log_entry_without_its_hash_and_damaged_parquet_give_french_errors(tmp_path):
    ws = Workspace(tmp_path / "w")
    f = pes_month(tmp_path, 1)
    import_files(ws, payroll=[f])
    good = ws.log_path.read_text(encoding="utf-8")
    log = json.loads(good)
    del log["files"][0]["sha256"]
    ws.log_path.write_text(json.dumps(log), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(pes_month(tmp_path, 2)), "-w", str(ws.root)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "l'entrée n° 1 du journal (" in result.output and "n'a pas de sha256 valide" in result.output

    ws.log_path.write_text(good, encoding="utf-8")
    parquet = next(ws.root.glob("payslips/*/*.parquet"))
    parquet.write_bytes(b"PAR1 not really parquet")
    result = CliRunner().invoke(main, ["info", "-w", str(ws.root)])
    assert result.exit_code == 2, result.output
    assert "est abîmé ou illisible" in result.output and f"rhaudit import --replace {f}" in result.output


def test_read_only_workspace_gives_a_french_error(tmp_path, monkeypatch):
    # As a read-only folder answers (simulated: the tests may run as root, who may write anyway).
    ws = Workspace(tmp_path / "w")
    real_open = os.open

    def refused(path, *args, **kwargs):
        if str(path).startswith(str(ws.root)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(workspace_module.os, "open", refused)
    result = CliRunner().invoke(main, ["import", str(pes_month(tmp_path, 1)), "-w", str(ws.root)])
    assert result.exit_code == 2, result.output
    assert "Écriture impossible dans l'espace de travail" in result.output
    assert "écriture refusée (dossier en lecture seule, droits insuffisants" in result.output


def test_a_reading_command_leaves_a_running_import_alone(tmp_path):
    # While an import holds the lock, its staging folder is not an interrupted import: `info`
    # neither waits nor removes it.
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=[pes_month(tmp_path, 1)])
    staging = ws.root / ".staging-running"
    staging.mkdir()
    with ws.locked():
        result = CliRunner().invoke(main, ["info", "-w", str(ws.root)])
        assert result.exit_code == 0 and staging.exists()
    assert ws.recover_if_needed() and not staging.exists()  # once the import is gone: cleaned
