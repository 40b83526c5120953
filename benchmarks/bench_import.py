"""Benchmark of the PES import: a 5,000-agent year against a bare streaming parse of the same files.

    /work/venv/bin/python benchmarks/bench_import.py [--agents 5000] [--out DIR] [--synthetic]

Generates the year with the demo generator (`rhaudit.demo.generate_commune`), or, with
--synthetic or when the generator is not available, by repeating the real sample payslips of
../shared/data/pes/ville2012 under new matricules. Then measures, each in a fresh subprocess:
(a) the floor: lxml iterparse over every element of every file, building nothing, clearing
elements; (b) `import_files` into an empty workspace (parse, classify, population, checks,
Parquet writing). Prints file sizes, both times (wall and CPU), the ratio (b)/(a) of CPU times and the peak memory of (b)
(VmHWM of the subprocess). Targets: ratio <= 2.0, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "data" / "pes" / "ville2012"
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 2048

# Run inside a subprocess so that the peak memory is that of the measured work only.
_PEAK = 'int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024'

# CPU time of the process (user + system): less sensitive than wall time to other work on the machine.
_CPU = "sum(__import__('resource').getrusage(__import__('resource').RUSAGE_SELF)[:2])"

_BARE_PARSE = """
import json, re, sys, time
from lxml import etree
t, c0 = time.perf_counter(), CPU
n = 0
for f in sys.argv[1:]:
    for _, elem in etree.iterparse(f, events=("end",)):
        n += 1
        elem.clear(keep_tail=True)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": CPU - c0, "elements": n, "peak_mb": PEAK}))
""".replace("PEAK", _PEAK).replace("CPU", _CPU)

_IMPORT = """
import json, re, sys, time
from pathlib import Path
from rhaudit.importers import import_files
from rhaudit.workspace import Workspace
t, c0 = time.perf_counter(), CPU
report = import_files(Workspace(Path(sys.argv[1])), payroll=[Path(p) for p in sys.argv[2:]])
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "cpu": CPU - c0, "peak_mb": PEAK, "payslips": sum(e.payslips for e in report.imported),
                  "lines": sum(e.lines for e in report.imported)}))
""".replace("PEAK", _PEAK).replace("CPU", _CPU)


def synthetic_year(out_dir: Path, n_agents: int, year: int = 2025) -> list[Path]:
    """Twelve PES files of n_agents payslips each, made of the real ville2012 payslips repeated."""
    text = (SAMPLES / "ville_2012_01.xhl").read_bytes().decode("cp1252")
    head, _, rest = text.partition("<PayeIndivMensuel>")
    body, _, tail = rest.rpartition("</PayeIndivMensuel>")
    slips = ["<PayeIndivMensuel>" + s for s in (body + "</PayeIndivMensuel>").split("<PayeIndivMensuel>") if s.strip()]
    files = []
    for month in range(1, 13):
        header = re.sub(r'<Annee V = "\d+"/>', f'<Annee V = "{year}"/>', head)
        header = re.sub(r'<Mois V = "\d+"/>', f'<Mois V = "{month:02d}"/>', header)
        parts = [header]
        for i in range(n_agents):
            parts.append(re.sub(r'<Matricule V = "[^"]*"/>', f'<Matricule V = "{i + 1:06d}"/>',
                                slips[i % len(slips)], count=1) + "\n")
        parts.append(tail)
        path = out_dir / f"synthetique_{year}_{month:02d}.xhl"
        path.write_bytes("".join(parts).encode("cp1252"))
        files.append(path)
    return files


def demo_year(out_dir: Path, n_agents: int) -> list[Path] | None:
    try:
        from rhaudit.demo import generate_commune
    except ImportError:
        return None
    return [Path(p) for p in generate_commune(out_dir, n_agents=n_agents, year=2025, seed=1).payroll_files]


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=None, help="Dossier de travail (défaut : temporaire).")
    ap.add_argument("--synthetic", action="store_true", help="Répéter les bulletins réels au lieu du générateur.")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        out = args.out or Path(tmp)
        data_dir = out / "pes"
        data_dir.mkdir(parents=True, exist_ok=True)
        files = None if args.synthetic else demo_year(out / "demo", args.agents)
        source = "générateur de démonstration"
        if files is None:
            files = synthetic_year(data_dir, args.agents)
            source = "bulletins réels répétés (ville2012)"
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"Données : {len(files)} fichiers, {size_mb:.1f} Mo, {args.agents} agents ({source})")

        bare = run(_BARE_PARSE, *map(str, files))
        print(f"(a) parcours lxml nu : {bare['seconds']:.2f} s ({bare['cpu']:.2f} s CPU), {bare['elements']} éléments, "
              f"mémoire de pointe {bare['peak_mb']:.0f} Mo")
        imp = run(_IMPORT, str(out / "workspace"), *map(str, files))
        print(f"(b) import_files : {imp['seconds']:.2f} s ({imp['cpu']:.2f} s CPU), {imp['payslips']} bulletins, "
              f"{imp['lines']} lignes, "
              f"mémoire de pointe {imp['peak_mb']:.0f} Mo")
        # Ratio of CPU times: the machine may be shared, which inflates wall times unevenly.
        ratio = imp["cpu"] / bare["cpu"]
        print(f"Rapport import / parcours nu (temps CPU) : {ratio:.2f}, en temps écoulé "
              f"{imp['seconds'] / bare['seconds']:.2f} (cible <= {TARGET_RATIO}) "
              f"{'OK' if ratio <= TARGET_RATIO else 'AU-DELÀ'}")
        print(f"Mémoire de pointe de l'import : {imp['peak_mb']:.0f} Mo (cible < {TARGET_PEAK_MB} Mo) "
              f"{'OK' if imp['peak_mb'] < TARGET_PEAK_MB else 'AU-DELÀ'}")


if __name__ == "__main__":
    main()
