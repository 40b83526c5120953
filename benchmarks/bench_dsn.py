"""Benchmark of the DSN import: the demo commune's year as monthly DSN, parsed line by line.

    .venv/bin/python benchmarks/bench_dsn.py [--agents 2000] [--out DIR]

Writes the year with the demo generator (`generate_commune(..., dsn=True)`), then measures the
floor (reading every line of every file and splitting it at the comma, building nothing) and
`parse_dsn_file` on the same files, in CPU seconds. Prints lines, both times, lines per second
and the ratio parse / floor. Target: at least 40,000 lines per second.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

TARGET_LINES_PER_S = 40_000


def _cpu() -> float:
    return sum(resource.getrusage(resource.RUSAGE_SELF)[:2])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    from rhaudit.demo import generate_commune
    from rhaudit.importers.dsn import parse_dsn_file

    out = args.out or Path(tempfile.mkdtemp(prefix="bench_dsn_"))
    files = generate_commune(out, n_agents=args.agents, dsn=True).dsn_files
    c0 = _cpu()
    lines = 0
    for f in files:
        with open(f, "rb") as fh:
            for raw in fh:
                raw.partition(b",")
                lines += 1
    floor = _cpu() - c0
    c0 = _cpu()
    payslips = sum(len(parse_dsn_file(f).tables["payslips"]) for f in files)
    parse = _cpu() - c0
    rate = lines / parse
    print(f"{len(files)} fichiers DSN, {lines} lignes, {payslips} bulletins ({out})")
    print(f"lecture seule : {floor:.2f} s CPU ; import DSN : {parse:.2f} s CPU ; {rate:,.0f} lignes/s ; "
          f"rapport {parse / max(floor, 1e-9):.1f}")
    print("objectif atteint" if rate >= TARGET_LINES_PER_S else f"objectif non atteint ({TARGET_LINES_PER_S:,} lignes/s)")


if __name__ == "__main__":
    main()
