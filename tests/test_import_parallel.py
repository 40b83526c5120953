"""Reading PES files in parallel processes gives exactly the import of a sequential reading."""

from __future__ import annotations

import pandas as pd
import pytest

import rhaudit.importers as importers
from rhaudit.importers import ImportFailed, import_files
from rhaudit.workspace import Workspace


def _import(monkeypatch, tmp_path, name, files, parallel: bool, **kwargs):
    # 0 bytes: always in parallel (with 2 cores or more); a huge threshold: never.
    monkeypatch.setattr(importers, "PARALLEL_MIN_BYTES", 0 if parallel else 1 << 60)
    seen = []
    ws = Workspace(tmp_path / name)
    report = import_files(ws, payroll=files, progress=lambda done, total, file: seen.append((done, total, file)),
                          **kwargs)
    return ws, report, seen


def test_parallel_reading_gives_the_sequential_import(shared_pes, tmp_path, monkeypatch):
    files = sorted((shared_pes / "ville2012").glob("*.xhl")) + sorted((shared_pes / "metro2011").glob("*.xhl"))[:3]
    monkeypatch.setattr(importers.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert importers._workers([("pes", f, None, "") for f in files]) == 1  # small files: not worth it
    monkeypatch.setattr(importers, "PARALLEL_MIN_BYTES", 0)
    assert importers._workers([("pes", f, None, "") for f in files]) == 2  # two cores

    seq_ws, seq_report, seq_seen = _import(monkeypatch, tmp_path, "seq", files, parallel=False)
    par_ws, par_report, par_seen = _import(monkeypatch, tmp_path, "par", files, parallel=True)
    # The progress callback sees every file once, in the order given.
    assert seq_seen == par_seen == [(i, len(files), f.name) for i, f in enumerate(files, start=1)]
    for table in ("payslips", "pay_lines", "nomenclature"):
        pd.testing.assert_frame_equal(seq_ws.read(table), par_ws.read(table))
    strip = lambda ws: [{k: v for k, v in e.items() if k != "imported_at"} for e in ws.read_log()]  # noqa: E731
    assert strip(seq_ws) == strip(par_ws)
    assert [e["path"] for e in par_ws.read_log()] == [str(f) for f in files]
    assert seq_report.render() == par_report.render()


def test_parallel_reading_stops_at_the_first_bad_file_in_order(shared_pes, tmp_path, monkeypatch):
    good = sorted((shared_pes / "ville2012").glob("*.xhl"))
    empty = tmp_path / "vide.xhl"
    empty.write_bytes(b"")
    monkeypatch.setattr(importers.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    with pytest.raises(ImportFailed, match="vide.xhl : fichier vide"):
        _import(monkeypatch, tmp_path, "ws", [good[0], empty, *good[1:]], parallel=True)
    assert not (tmp_path / "ws" / "import_log.json").exists()  # nothing written
    assert not (tmp_path / "ws" / "payslips").exists()
