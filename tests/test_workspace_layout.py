"""Hive-style workspace layout (payslips/year=2012/...): read by DuckDB without rhaudit; the
first layout (payslips/2012/...) is still read and converted by the next import."""

from __future__ import annotations


import pandas as pd
import pytest

from rhaudit.importers import import_files
from rhaudit.workspace import Workspace


def _ville(shared_pes, *months):
    return [shared_pes / "ville2012" / f"ville_2012_{m}.xhl" for m in months]


def test_import_writes_hive_style_partitions(shared_pes, tmp_path):
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=_ville(shared_pes, "01"))
    folders = sorted(p.relative_to(ws.root).as_posix() for p in ws.root.glob("*/*") if p.is_dir())
    assert folders == ["pay_lines/year=2012", "payslips/year=2012"]
    assert ws.years() == [2012]


def test_first_layout_is_read_then_converted_by_the_next_import(shared_pes, tmp_path):
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=_ville(shared_pes, "01"))
    expected = ws.read("payslips")
    for table in ("payslips", "pay_lines"):  # back to the first layout: payslips/2012/<hash>.parquet
        (ws.root / table / "year=2012").rename(ws.root / table / "2012")
    assert ws.years() == [2012]
    pd.testing.assert_frame_equal(ws.read("payslips"), expected)
    pd.testing.assert_frame_equal(ws.read("payslips", years=[2012]), expected)

    report = import_files(ws, payroll=_ville(shared_pes, "02"))
    assert any("year=AAAA" in n and "2 fichier(s) de données déplacé(s)" in n for n in report.notes)
    assert not (ws.root / "payslips" / "2012").exists()
    assert len(list((ws.root / "payslips" / "year=2012").glob("*.parquet"))) == 2  # January and February
    both = ws.read("payslips")
    assert sorted(both["month"].unique()) == [1, 2]
    pd.testing.assert_frame_equal(both[both["month"] == 1].reset_index(drop=True), expected)


def test_duckdb_reads_a_folder_of_workspaces(shared_pes, tmp_path):
    duckdb = pytest.importorskip("duckdb")  # test-only dependency (extra "test")
    first, second = Workspace(tmp_path / "audits" / "commune_a"), Workspace(tmp_path / "audits" / "commune_b")
    import_files(first, payroll=_ville(shared_pes, "01", "02"))
    import_files(second, payroll=_ville(shared_pes, "03"))
    expected = pd.concat([ws.read("payslips") for ws in (first, second)], ignore_index=True)

    glob = (tmp_path / "audits").as_posix() + "/*/payslips/*/*.parquet"
    rows = duckdb.sql(
        f"SELECT regexp_extract(filename, '/audits/([^/]+)/', 1) AS espace, year, month, count(*) AS bulletins, "
        f"round(sum(gross), 2) AS brut FROM read_parquet('{glob}', hive_partitioning = true, filename = true) "
        f"GROUP BY ALL ORDER BY espace, month"
    ).fetchall()
    # The same counts and sums as rhaudit's own reading of each workspace.
    by_month = expected.groupby("month").agg(n=("gross", "size"), brut=("gross", "sum"))
    assert [(m, n, round(b, 2)) for _, _, m, n, b in rows] == \
        [(m, int(r.n), round(float(r.brut), 2)) for m, r in by_month.iterrows()]
    assert [(e, y) for e, y, *_ in rows] == [("commune_a", 2012), ("commune_a", 2012), ("commune_b", 2012)]
