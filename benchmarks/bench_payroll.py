"""Benchmark of `rhaudit payroll`: the payroll-mass analysis and its decomposition on a 10,000-agent,
three-year workspace.

    .venv/bin/python benchmarks/bench_payroll.py [--agents 10000] [--years 2023-2025] [--workspace W] [--keep]

Without --workspace, generates the years with the multi-year demo (`generate_commune(years=...)`)
and imports them (both timed, not the object of the benchmark). The analysis (`run_payroll`, with
--by statut,categorie,service) then runs in a fresh child process so that its peak memory
(ru_maxrss) is its own, not the generator's. Targets: under 60 s and under 2 GB.
Times are wall-clock and CPU; the machine is shared, so read CPU first.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
TARGET_MB = 2048.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(workspace: str) -> dict:
    """Run the analysis once in this process: time, CPU and peak memory."""
    from rhaudit.analytics.payroll import run_payroll
    from rhaudit.workspace import Workspace

    t, c = time.perf_counter(), _cpu()
    data = run_payroll(Workspace(workspace), by=["statut", "categorie", "service"])
    return {"seconds": time.perf_counter() - t, "cpu": _cpu() - c,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "years": data["years"], "agents": {y: v["persons"] for y, v in data["per_year"].items()},
            "residuals": [d["residual"] for d in data["decomposition"]]}


def build(root: Path, n_agents: int, years: list[int]) -> Path:
    from rhaudit.demo import generate_commune
    from rhaudit.importers import import_files
    from rhaudit.workspace import Workspace

    t = time.perf_counter()
    files = generate_commune(root / "commune", n_agents=n_agents, seed=7, years=years)
    print(f"Génération : {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    ws = Workspace(root / "commune" / "workspace")
    import_files(ws, payroll=files.payroll_files, agents=[files.agents_file])
    print(f"Import : {time.perf_counter() - t:.1f} s", flush=True)
    return ws.root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--years", default="2023-2025")
    parser.add_argument("--workspace", default=None, help="Espace de travail déjà importé (pas de génération).")
    parser.add_argument("--keep", action="store_true", help="Garder l'espace de travail généré.")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    from rhaudit.demo.years import parse_years

    root = Path(tempfile.mkdtemp(prefix="bench_payroll_"))
    try:
        ws = Path(args.workspace) if args.workspace else build(root, args.agents, parse_years(args.years))
        out = subprocess.run([sys.executable, __file__, "--measure", str(ws)], check=True,
                             capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ok = r["seconds"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB
        print(f"Analyse : {r['seconds']:.1f} s (CPU {r['cpu']:.1f} s), pic mémoire {r['peak_mb']:.0f} Mo ; "
              f"années {r['years']}, agents {r['agents']}, résidus {r['residuals']}")
        print(f"Cible (< {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} Mo) : {'atteinte' if ok else 'NON atteinte'}")
        return 0 if ok else 1
    finally:
        if args.keep and not args.workspace:
            print(f"Espace de travail conservé : {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
