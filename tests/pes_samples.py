"""Test helper: the real PES samples (../shared/data/pes) as canonical frames, read once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from rhaudit import model
from rhaudit.importers.pes import parse_pes_file


@lru_cache(maxsize=4)
def load_sample(folder: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(payslips, pay_lines) of every .xhl file of `folder`, canonical columns."""
    parsed = [parse_pes_file(p) for p in sorted(Path(folder).glob("*.xhl"))]
    payslips = pd.concat([p.tables["payslips"] for p in parsed], ignore_index=True)
    pay_lines = pd.concat([p.tables["pay_lines"] for p in parsed], ignore_index=True)
    return model.conform(payslips, "payslips"), model.conform(pay_lines, "pay_lines")
