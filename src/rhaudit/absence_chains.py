"""Chains of absence records: a prolongation is not a new stop.

Shared by the absenteeism indicators (number of stops) and the rules that count days from the
start of a stop (carence, CMO pay), so it sits below both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def chain_ids(ab: pd.DataFrame, keys: list[str], gap_days: int = 1) -> pd.Series:
    """Chain id of each record (aligned on ab's index): records with the same `keys` that start at
    most `gap_days` after the latest end so far share an id (a prolongation is not a new stop)."""
    if ab.empty:
        return pd.Series(dtype="int64", index=ab.index)
    ab = ab.sort_values(keys + ["start", "end"])
    group = ab.groupby(keys, sort=False).ngroup().to_numpy()  # increasing: ab is sorted by keys
    start = ab["start"].to_numpy(dtype="datetime64[D]").astype("int64")
    end = ab["end"].to_numpy(dtype="datetime64[D]").astype("int64")
    # Running max of the end within each group in one pass: offset each group above the previous ones.
    span = int(end.max() - min(end.min(), start.min())) + 1
    shifted = end - end.min() + group * span
    running = np.maximum.accumulate(shifted) - group * span + end.min()
    first = np.r_[True, group[1:] != group[:-1]]
    prev_end = np.r_[0, running[:-1]]
    new = first | (start > prev_end + gap_days)
    return pd.Series(np.cumsum(new), index=ab.index)
