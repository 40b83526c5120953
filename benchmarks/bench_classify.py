"""Benchmark: classify_lines on about two million pay lines (the real ville2012 rubrics
repeated), then classify_payroll (labels and payslip identities) on the same lines and their
payslips. Run: /work/venv/bin/python benchmarks/bench_classify.py — target well under one
second per million lines for classify_lines."""

import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from pes_samples import load_sample  # noqa: E402
from rhaudit.classify import classify_lines, classify_payroll, default_classifier  # noqa: E402


def main() -> None:
    slips, lines = load_sample(str(HERE.parents[1] / "shared" / "data" / "pes" / "ville2012"))
    copies = 2_000_000 // len(lines) + 1
    big = pd.concat([lines.assign(matricule=lines["matricule"] + f"-{i}") for i in range(copies)], ignore_index=True)
    big_slips = pd.concat([slips.assign(matricule=slips["matricule"] + f"-{i}") for i in range(copies)], ignore_index=True)
    default_classifier()  # load the tables once, as an import does
    start = time.perf_counter()
    classify_lines(big)
    elapsed = time.perf_counter() - start
    print(f"{len(big):,} lignes classées en {elapsed:.2f} s ({elapsed / len(big) * 1e6:.2f} s par million)")
    start = time.perf_counter()
    classify_payroll(big, big_slips)
    elapsed = time.perf_counter() - start
    print(f"avec les identités de {len(big_slips):,} bulletins : {elapsed:.2f} s")


if __name__ == "__main__":
    main()
