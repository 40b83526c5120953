"""Benchmark of `rhaudit check`: every registered rule on demo years of 1,000, 5,000 and 10,000 agents.

    /work/venv/bin/python benchmarks/bench_check.py [--agents 1000 5000 10000] [--rules 'IHTS*,NBI*'] [--out DIR] [--keep]

For each size: generate the year with the demo generator (`rhaudit.demo.generate_commune`),
import it (payroll, absences, agents, délibérations) into a workspace, then time `run_check`
with all rules (or those of --rules), and each rule alone (the ten slowest are printed). Generation and import are
timed too but are not the object of the benchmark. Prints the check time, the time per 1,000
agents (linear scaling keeps it flat) and the findings count. Target: 5,000 agents under 60 s.
Times are wall-clock and CPU of this process; the machine is shared, so read CPU first.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

TARGET_SECONDS_5000 = 60.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(func, *args, **kwargs):
    t, c = time.perf_counter(), _cpu()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t, _cpu() - c


def bench_size(n_agents: int, root: Path, rules: str | None = None) -> dict:
    from rhaudit.check import build_context, run_check
    from rhaudit.demo import generate_commune
    from rhaudit.importers import import_files
    from rhaudit.rules import run_rules, select_rules
    from rhaudit.workspace import Workspace

    out = root / f"commune_{n_agents}"
    files, gen_s, _ = _timed(generate_commune, out, n_agents=n_agents, seed=7)
    ws = Workspace(out / "workspace")
    _, imp_s, _ = _timed(import_files, ws, payroll=files.payroll_files, absences=[files.absences_file],
                         agents=[files.agents_file], deliberations=files.deliberations_file)
    findings, check_s, check_cpu = _timed(run_check, ws, rule_patterns=rules, deliberations=files.deliberations_file)
    ctx = build_context(ws, None, files.deliberations_file)
    per_rule = []
    for spec in select_rules(rules):
        _, s, _ = _timed(run_rules, ctx, [spec])
        per_rule.append((s, spec.id))
    return {"agents": n_agents, "generate": gen_s, "import": imp_s, "check": check_s, "check_cpu": check_cpu,
            "findings": len(findings), "payslips": len(ctx.payslips), "lines": len(ctx.pay_lines),
            "slowest": sorted(per_rule, reverse=True)[:10]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--rules", default=None, help="règles à mesurer (défaut : toutes), ex. 'IHTS*,NBI*'")
    parser.add_argument("--out", type=Path, default=None, help="dossier de travail (temporaire par défaut)")
    parser.add_argument("--keep", action="store_true", help="garder les fichiers générés")
    args = parser.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_check_"))
    results = []
    try:
        for n in args.agents:
            r = bench_size(n, root, args.rules)
            results.append(r)
            print(f"{n:>6} agents : {r['payslips']} bulletins, {r['lines']} lignes ; génération {r['generate']:.1f} s, "
                  f"import {r['import']:.1f} s ; contrôle ({args.rules or 'toutes règles'}) {r['check']:.1f} s "
                  f"(CPU {r['check_cpu']:.1f} s), soit {1000 * r['check'] / n:.2f} s pour 1 000 agents ; "
                  f"{r['findings']} constats", flush=True)
            print("        règles les plus lentes : "
                  + ", ".join(f"{rid} {s:.2f} s" for s, rid in r["slowest"]), flush=True)
    finally:
        if not args.keep and args.out is None:
            shutil.rmtree(root, ignore_errors=True)
    for r in results:
        if r["agents"] == 5000:
            verdict = "atteint" if r["check"] < TARGET_SECONDS_5000 else "NON atteint"
            print(f"Objectif 5 000 agents en moins de {TARGET_SECONDS_5000:.0f} s : {verdict} ({r['check']:.1f} s).")
    if len(results) > 1:
        base = results[0]
        for r in results[1:]:
            ratio = (r["check"] / r["agents"]) / (base["check"] / base["agents"])
            print(f"Temps par agent à {r['agents']} / à {base['agents']} agents : {ratio:.2f} (1,00 = linéaire)")


if __name__ == "__main__":
    main()
