"""Workspace.read: the stored Parquet files read into the canonical types of model.py."""

import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rhaudit.workspace import Workspace


def test_stored_nan_reads_as_missing_and_types_are_canonical(tmp_path):
    # A float column may hold a NaN (a writer other than rhaudit, an older import) beside a null:
    # both are a missing amount, as they were when the files were read through numpy floats.
    folder = tmp_path / "pay_lines" / "year=2025"
    folder.mkdir(parents=True)
    table = pa.table({
        "matricule": pa.array(["A1", "A2", None]),
        "year": pa.array([2025, 2025, 2025], pa.int64()),
        "month": pa.array([1, None, 3], pa.int64()),
        "amount": pa.array([12.5, math.nan, None], pa.float64()),
        "source_file": pa.array(["paie.xml"] * 3),
        "source_line": pa.array([10, 11, 12], pa.int64()),
    })
    pq.write_table(table, folder / "0123456789abcdef.parquet")
    lines = Workspace(tmp_path).read("pay_lines")
    assert str(lines["amount"].dtype) == "Float64" and str(lines["month"].dtype) == "Int64"
    assert isinstance(lines["matricule"].dtype, pd.StringDtype)
    assert lines["amount"].tolist()[0] == 12.5
    assert lines["amount"].isna().tolist() == [False, True, True]  # the NaN and the null
    assert lines["month"].isna().tolist() == [False, True, False]
    assert lines["matricule"].isna().tolist() == [False, False, True]


def test_text_columns_of_several_files_are_read_in_one_chunk(tmp_path):
    # Two imported files give two Parquet parts; the concatenation would leave two Arrow chunks
    # per text column, and every row selection of the rules would pay for taking from both.
    from rhaudit.importers import import_files
    from test_import_pes import document, donnees, line, payslip

    for name, matricule in (("a.xml", "A1"), ("b.xml", "B2")):
        (tmp_path / name).write_text(document(donnees(payslip(matricule, lines=line()))), encoding="utf-8")
    ws = Workspace(tmp_path / "w")
    import_files(ws, payroll=[tmp_path / "a.xml", tmp_path / "b.xml"])
    lines = ws.read("pay_lines")
    assert sorted(lines["matricule"]) == ["A1", "B2"]
    for name in ("matricule", "label", "source_file"):
        assert lines[name].array.__arrow_array__().num_chunks == 1, name
