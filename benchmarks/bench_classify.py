"""Benchmark: classify_lines on about two million pay lines (the real ville2012 rubrics
repeated). Run: /work/venv/bin/python benchmarks/bench_classify.py — target well under one
second per million lines."""

import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from pes_samples import load_sample  # noqa: E402
from rhaudit.classify import classify_lines, default_classifier  # noqa: E402


def main() -> None:
    _, lines = load_sample(str(HERE.parents[1] / "shared" / "data" / "pes" / "ville2012"))
    big = pd.concat([lines] * (2_000_000 // len(lines) + 1), ignore_index=True)
    default_classifier()  # load the tables once, as an import does
    start = time.perf_counter()
    classify_lines(big)
    elapsed = time.perf_counter() - start
    print(f"{len(big):,} lignes classées en {elapsed:.2f} s ({elapsed / len(big) * 1e6:.2f} s par million)")


if __name__ == "__main__":
    main()
