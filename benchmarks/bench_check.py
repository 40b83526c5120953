"""Benchmark of `rhaudit check`: every registered rule on demo years of 1,000, 5,000 and 10,000 agents.

    .venv/bin/python benchmarks/bench_check.py [--agents 1000 5000 10000] [--rules 'IHTS*,NBI*']
        [--out DIR] [--keep] [--reuse] [--years 2023-2025] [--repeat 1]

For each size: generate the year with the demo generator (`rhaudit.demo.generate_commune`),
import it (payroll, absences, agents, délibérations) into a workspace, then time `run_check`
with all rules (or those of --rules): the whole check (context built from the workspace + every
rule), and each rule alone on the same context. Generation and import are timed too but are not
the object of the benchmark. With --out DIR --reuse, a size already generated and imported in
DIR (by an earlier --keep run) is checked again without regenerating it: useful to compare code
before and after a change on the same files.

Prints, for each size, the check time, the time per 1,000 agents, the findings count, the peak
memory of the process (ru_maxrss: it includes generation and import when they ran) and the load
average of the machine (the machine is shared: read CPU time and load with the wall clock).
Then, from the smallest to the largest size: the total check time and each rule's growth ratio
(CPU time at the largest size / at the smallest: on a loaded machine the wall clock of one rule
mostly measures the other processes), against the data's ratio (agents); a rule whose time grows
more than `SUPERLINEAR_MARGIN` times faster than the data is flagged.
Target (issue 14): 10,000 agents checked in at most 6 s, growing linearly.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

TARGET_SECONDS_10000 = 6.0
# A rule is "superlinear" when its time ratio exceeds the data ratio by this factor. Rules under
# `NOISE_SECONDS` at the largest size are not flagged: their ratio is timer and load noise.
SUPERLINEAR_MARGIN = 1.5
NOISE_SECONDS = 0.05


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(func, *args, **kwargs):
    t, c = time.perf_counter(), _cpu()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t, _cpu() - c


def _prepare(n_agents: int, root: Path, years: list[int] | None, reuse: bool):
    """(workspace, délibérations file, generation s, import s) of the demo commune of `n_agents`."""
    from rhaudit.demo import generate_commune
    from rhaudit.importers import import_files
    from rhaudit.workspace import Workspace

    out = root / (f"commune_{n_agents}" + ("" if not years else f"_{years[0]}-{years[-1]}"))
    ws_dir, delib = out / "workspace", out / "deliberations.yaml"
    if reuse and (ws_dir / "payslips").exists() and delib.exists():
        return Workspace(ws_dir), delib, 0.0, 0.0
    files, gen_s, _ = _timed(generate_commune, out, n_agents=n_agents, seed=7, years=years)
    ws = Workspace(ws_dir)
    # Everything `rhaudit demo` imports, leave balances included (the CET and leave rules read them).
    _, imp_s, _ = _timed(import_files, ws, payroll=files.payroll_files, absences=[files.absences_file],
                         agents=[files.agents_file], deliberations=files.deliberations_file,
                         balances=[files.balances_file] if files.balances_file else None)
    return ws, files.deliberations_file, gen_s, imp_s


def bench_size(n_agents: int, root: Path, rules: str | None = None, years: list[int] | None = None,
               reuse: bool = False, repeat: int = 1) -> dict:
    from rhaudit.check import build_context, run_check
    from rhaudit.rules import run_rules, select_rules

    ws, delib, gen_s, imp_s = _prepare(n_agents, root, years, reuse)
    load_before = _load()
    runs = [_timed(run_check, ws, rule_patterns=rules, deliberations=delib) for _ in range(repeat)]
    findings, check_s, check_cpu = min(runs, key=lambda r: r[1])
    check_peak = _peak_mb()
    ctx, context_s, _ = _timed(build_context, ws, None, delib)
    per_rule, per_rule_wall = {}, {}
    for spec in select_rules(rules):
        timings = [_timed(run_rules, ctx, [spec])[1:] for _ in range(repeat)]
        per_rule_wall[spec.id] = min(w for w, _ in timings)
        per_rule[spec.id] = min(c for _, c in timings)
    return {"agents": n_agents, "generate": gen_s, "import": imp_s, "check": check_s, "check_cpu": check_cpu,
            "context": context_s, "findings": len(findings), "payslips": len(ctx.payslips),
            "lines": len(ctx.pay_lines), "per_rule": per_rule, "per_rule_wall": per_rule_wall, "peak_mb": check_peak,
            "load": f"{load_before} → {_load()}"}


def growth(results: list[dict]) -> tuple[float, list[tuple[str, float, float, float, bool]]]:
    """(data ratio, rows) from the smallest to the largest size; each row (rule, time at the
    smallest, time at the largest, ratio, flagged as superlinear), slowest at the largest first."""
    small, large = results[0], results[-1]
    data = large["agents"] / small["agents"]
    rows = []
    for rid, t_large in large["per_rule"].items():
        t_small = small["per_rule"].get(rid, 0.0)
        ratio = t_large / t_small if t_small > 0 else float("inf")
        rows.append((rid, t_small, t_large, ratio, t_large >= NOISE_SECONDS and ratio > SUPERLINEAR_MARGIN * data))
    return data, sorted(rows, key=lambda r: -r[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--rules", default=None, help="règles à mesurer (défaut : toutes), ex. 'IHTS*,NBI*'")
    parser.add_argument("--out", type=Path, default=None, help="dossier de travail (temporaire par défaut)")
    parser.add_argument("--keep", action="store_true", help="garder les fichiers générés")
    parser.add_argument("--reuse", action="store_true", help="réutiliser les communes déjà importées dans --out")
    parser.add_argument("--years", default=None, help="plusieurs années consécutives, ex. 2023-2025")
    parser.add_argument("--repeat", type=int, default=1, help="mesures par taille (la plus rapide est retenue)")
    parser.add_argument("--top", type=int, default=12, help="règles affichées dans le tableau de croissance")
    args = parser.parse_args()
    years = None
    if args.years:
        first, _, last = args.years.partition("-")
        years = list(range(int(first), int(last or first) + 1))
    root = args.out or Path(tempfile.mkdtemp(prefix="bench_check_"))
    results = []
    try:
        for n in args.agents:
            r = bench_size(n, root, args.rules, years, args.reuse, args.repeat)
            results.append(r)
            rules_s, rules_cpu = sum(r["per_rule_wall"].values()), sum(r["per_rule"].values())
            print(f"{n:>6} agents : {r['payslips']} bulletins, {r['lines']} lignes ; génération {r['generate']:.1f} s, "
                  f"import {r['import']:.1f} s ; contrôle ({args.rules or 'toutes règles'}) {r['check']:.2f} s "
                  f"(CPU {r['check_cpu']:.2f} s ; contexte {r['context']:.2f} s, somme des règles {rules_s:.2f} s, "
                  f"CPU {rules_cpu:.2f} s), "
                  f"soit {1000 * r['check'] / n:.2f} s pour 1 000 agents ; {r['findings']} constats ; "
                  f"mémoire max {r['peak_mb']:.0f} Mo ; charge {r['load']}", flush=True)
            slowest = sorted(r["per_rule"].items(), key=lambda kv: -kv[1])[:10]
            print("        règles les plus lentes (CPU) : " + ", ".join(f"{rid} {s:.2f} s" for rid, s in slowest), flush=True)
    finally:
        if not args.keep and args.out is None:
            shutil.rmtree(root, ignore_errors=True)
    for r in results:
        if r["agents"] == 10000:
            verdict = "atteint" if r["check"] <= TARGET_SECONDS_10000 else "NON atteint"
            print(f"Objectif 10 000 agents en au plus {TARGET_SECONDS_10000:.0f} s : {verdict} ({r['check']:.2f} s).")
    if len(results) > 1:
        base = results[0]
        for r in results[1:]:
            ratio = (r["check"] / r["agents"]) / (base["check"] / base["agents"])
            print(f"Contrôle complet : {base['check']:.2f} s à {base['agents']} agents → {r['check']:.2f} s à "
                  f"{r['agents']} ; temps par agent {ratio:.2f} × (1,00 = linéaire)")
        data, rows = growth(results)
        print(f"Croissance du temps CPU par règle de {base['agents']} à {results[-1]['agents']} agents (données × {data:g} ; "
              f"signalée si > {SUPERLINEAR_MARGIN:g} × {data:g}) :")
        for rid, t0, t1, ratio, flag in rows[:args.top]:
            print(f"  {rid:<14} {t0:7.3f} s → {t1:7.3f} s  × {ratio:5.1f}" + ("  SUPERLINÉAIRE" if flag else ""))
        flagged = [r for r in rows if r[4]]
        print("Règles superlinéaires : " + (", ".join(f"{r[0]} (× {r[3]:.1f})" for r in flagged) or "aucune"))


if __name__ == "__main__":
    main()
