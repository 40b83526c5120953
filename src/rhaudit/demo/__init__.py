"""`rhaudit demo`: a realistic fictitious commune, its planted irregularities and their answer key.

generate_commune() builds the commune in memory (generator.py), plants the irregularities
(plants.py and plant_*.py), computes the contributions and writes the files; run_demo() then
imports them into a workspace, runs every rule and compares the findings with the answer key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..fmt import fr_eur
from ..params import Parameters, default_parameters
from .generator import add_contributions, build_commune
from .model import Commune
from .dsn_writer import write_dsn
from .balances import clean_balances, write_balances
from .pes_writer import write_absences, write_agents, write_payrolls
from .plants import run_plants
from .years import DeliberationWatch, build_years, union

__all__ = ["DemoFiles", "generate_commune", "run_demo", "compare_with_answer_key"]


@dataclass
class DemoFiles:
    out_dir: Path
    payroll_files: list[Path]
    absences_file: Path
    agents_file: Path
    deliberations_file: Path
    answer_key_file: Path
    answer_key: list[dict]
    skipped_plants: list[str] = field(default_factory=list)
    commune: Commune | None = None  # the last year's
    dsn_files: list[Path] = field(default_factory=list)  # with dsn=True: the same commune as DSN
    years: list[int] = field(default_factory=list)
    balances_file: Path | None = None  # leave balances (soldes de congés), every year


def generate_commune(out_dir: Path, n_agents: int = 250, year: int = 2025, seed: int = 1,
                     params: Parameters | None = None, dsn: bool = False, years: list[int] | None = None) -> DemoFiles:
    """Generate the demo commune's files in `out_dir` (deterministic for a seed).

    With `years` (consecutive), one payroll per year, the same agents from year to year
    (demo/years.py); the irregularities are planted in the last year."""
    out_dir = Path(out_dir)
    params = params or default_parameters()
    if years and len(years) > 1:
        built = build_years(n_agents, years, seed, params)
    else:
        built = [build_commune(n_agents, years[0] if years else year, seed, params)]
    commune, rates = built[-1]
    for c, _ in built:
        c.leave_balances = clean_balances(c)
    watch = DeliberationWatch([c for c, _ in built[:-1]]) if len(built) > 1 else None
    key, skipped = run_plants(commune, seed, watch)
    for c, r in built:
        add_contributions(c, r)
    out_dir.mkdir(parents=True, exist_ok=True)
    payroll = [f for c, _ in built for f in write_payrolls(c, out_dir / "paie")]
    everything = union([c for c, _ in built]) if len(built) > 1 else commune
    absences = write_absences(everything, out_dir / "absences.csv")
    agents = write_agents(everything, out_dir / "agents.csv")
    balances = write_balances([r for c, _ in built for r in c.leave_balances], out_dir / "soldes.csv")
    delib = out_dir / "deliberations.yaml"
    delib.write_text(yaml.safe_dump(commune.deliberations, allow_unicode=True, sort_keys=False), encoding="utf-8")
    answer = [e.to_dict() for e in key]
    answer_file = out_dir / "corrige.json"
    answer_file.write_text(json.dumps(answer, ensure_ascii=False, indent=1), encoding="utf-8")
    dsn_files = [f for c, _ in built for f in write_dsn(c, out_dir / "dsn")] if dsn else []
    return DemoFiles(out_dir, payroll, absences, agents, delib, answer_file, answer, skipped, commune, dsn_files,
                     [c.year for c, _ in built], balances)


# --- comparison with the answer key ---------------------------------------------------------

@dataclass
class Comparison:
    expected: list[dict]
    found: list[dict]  # answer-key entries found by a finding of the same key
    missed: list[dict]
    extras: list[dict]  # findings outside the answer key (Finding.to_dict() records)
    amount_mismatches: list[tuple[dict, float | None]]


def _key(rule, matricule, year, month) -> tuple:
    return (rule, matricule or None, year or None, month or None)


def compare_with_answer_key(findings: list[dict], answer_key: list[dict], registered: set[str]) -> Comparison:
    """Compare findings (as in findings.json) with the answer key, for the registered rules.

    Alerts and irregularities are all compared; information findings only for the rules that a
    plant lists. Amounts are compared within 0.01 EUR when the answer key gives one. Optional
    entries (earlier years of a multi-year demo) are tolerated: neither required nor extras.
    """
    listed = [e for e in answer_key if e["rule"] in registered]
    expected = [e for e in listed if not e.get("optional")]
    planted_rules = {e["rule"] for e in listed}
    compared = [f for f in findings if f["rule"] in registered and (f["severity"] != "info" or f["rule"] in planted_rules)]
    by_key: dict[tuple, list] = {}
    for f in compared:
        by_key.setdefault(_key(f["rule"], f["matricule"], f["year"], f["month"]), []).append(f)
    expected_keys = {_key(e["rule"], e["matricule"], e["year"], e["month"]) for e in listed}
    found, missed, mismatches = [], [], []
    for e in expected:
        hits = by_key.get(_key(e["rule"], e["matricule"], e["year"], e["month"]), [])
        if not hits:
            missed.append(e)
            continue
        found.append(e)
        for key in ("amount", "amount_concerned"):
            if e.get(key) is not None:
                total = sum(f.get(key) or 0 for f in hits)
                if abs(total - e[key]) > 0.01:
                    mismatches.append((e, total))
    extras = [f for f in compared if _key(f["rule"], f["matricule"], f["year"], f["month"]) not in expected_keys]
    return Comparison(expected, found, missed, extras, mismatches)


# --- run_demo -------------------------------------------------------------------------------

def _who(rule, matricule, year, month) -> str:
    parts = [rule]
    if matricule:
        parts.append(f"agent {matricule}")
    if year and month:
        parts.append(f"{month:02d}/{year}")
    return ", ".join(parts)



def run_demo(out, n_agents: int = 250, year: int = 2025, seed: int = 1, check: bool = True, fmt: str = "pes",
             years: list[int] | None = None) -> str:
    """Generate, import, check and compare with the answer key; return a French summary."""
    from ..check import check_workspace
    from ..present.checkdoc import write_findings
    from ..importers import import_files
    from ..rules import all_rules
    from ..workspace import Workspace

    out = Path(out)
    files = generate_commune(out, n_agents=n_agents, year=year, seed=seed, dsn=fmt == "dsn", years=years)
    commune = files.commune
    staff = sum(1 for a in commune.agents if a.population == "agent")
    period = f"{files.years[0]}-{files.years[-1]}" if len(files.years) > 1 else str(files.years[0])
    lines = [
        f"Commune de démonstration {period} (graine {seed}) : {staff} agents et {len(commune.agents) - staff} élus"
        + (f" en {files.years[-1]} (anomalies plantées en {files.years[-1]})." if len(files.years) > 1 else "."),
        f"Fichiers générés dans {out} :",
        f"  - {len(files.payroll_files)} fichiers de paie PES : {out / 'paie'}",
        f"  - absences : {files.absences_file} ({len(commune.absences)} absences)",
        f"  - référentiel agents : {files.agents_file}",
        f"  - soldes de congés : {files.balances_file}",
        f"  - délibérations : {files.deliberations_file}",
        f"  - corrigé des anomalies plantées : {files.answer_key_file} ({len(files.answer_key)} anomalies)",
    ]
    if files.dsn_files:
        lines.append(f"  - {len(files.dsn_files)} DSN mensuelles (mêmes bulletins, arrêts et grèves) : {out / 'dsn'}")
    if files.skipped_plants:
        # Another plant may still expect the rule's finding (an NBI to a contract agent without a
        # bonified function is also NBI-003): say so, or the rule's count below looks unexplained.
        covered = {e["rule"] for e in files.answer_key}
        skipped = [f"{p} (constat attendu par une autre anomalie)" if p in covered else p for p in files.skipped_plants]
        lines.append(f"  Anomalies non plantées faute d'agent adapté (commune trop petite) : {', '.join(skipped)}")
    if not check:
        return "\n".join(lines)

    ws = Workspace(out / "workspace")
    report = import_files(ws, payroll=files.payroll_files, absences=[files.absences_file], agents=[files.agents_file],
                 deliberations=files.deliberations_file, balances=[files.balances_file])
    payslips = ws.read("payslips")
    result = check_workspace(ws, deliberations=files.deliberations_file)
    findings = result.findings
    from ..present.meta import workspace_document

    # The title block as `rhaudit check` writes it (collectivité, period, imported files).
    doc = workspace_document(ws, "Constats du contrôle de conformité")
    written = write_findings(findings, out / "reports", result.report, doc)
    rejected = [r for e in report.imported for r in e.rejected]
    lines += [
        f"Import : {len(payslips)} bulletins, brut total {fr_eur(float(payslips['gross'].sum()))} ; "
        f"{len(rejected)} enregistrement(s) rejeté(s) (détail dans {ws.log_path}).",
        f"Contrôle : {len(findings)} constats, écrits dans {written[0].parent}.",
    ]
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    lines += [f"  {rule} : {n}" for rule, n in sorted(counts.items())]
    cmp = compare_with_answer_key([f.to_dict() for f in findings], files.answer_key, {r.id for r in all_rules()})
    lines.append(f"Anomalies plantées retrouvées : {len(cmp.found)} / {len(cmp.expected)} ; "
                 f"constats hors corrigé : {len(cmp.extras)}")
    lines += [f"  manquée : {_who(e['rule'], e['matricule'], e['year'], e['month'])} — {e['description']}" for e in cmp.missed]
    lines += [f"  montant différent : {_who(e['rule'], e['matricule'], e['year'], e['month'])} — attendu "
              f"{fr_eur(e['amount'] if e.get('amount') is not None else e['amount_concerned'])}, trouvé {fr_eur(total)}"
              for e, total in cmp.amount_mismatches]
    lines += [f"  hors corrigé : {_who(f['rule'], f['matricule'], f['year'], f['month'])} — {f['message']}" for f in cmp.extras[:50]]
    if len(cmp.extras) > 50:
        lines.append(f"  ... et {len(cmp.extras) - 50} autres constats hors corrigé (voir {written[0]})")
    if files.dsn_files:
        lines += _dsn_summary(out, files, payslips)
    return "\n".join(lines)


def _dsn_summary(out: Path, files: DemoFiles, pes_payslips) -> list[str]:
    """Import the DSN version of the commune into its own workspace and compare it with the PES one."""
    from ..importers import import_files
    from ..workspace import Workspace

    ws = Workspace(out / "workspace_dsn")
    report = import_files(ws, payroll=files.dsn_files)
    slips = ws.read("payslips")
    absences = ws.read("absences")
    key = ["matricule", "year", "month"]
    pes = pes_payslips.drop_duplicates(key)  # a payslip planted twice (QUAL-002) is once in the DSN
    same = len(pes) == len(slips) and pes.merge(slips, on=key).shape[0] == len(slips)
    gross_gap = abs(round(float(pes["gross"].sum()) - float(slips["gross"].sum()), 2))
    rejected = sum(len(e.rejected) for e in report.imported)
    return [
        f"DSN : {len(slips)} bulletins, brut total {fr_eur(float(slips['gross'].sum()))}, {len(absences)} arrêts et "
        f"suspensions, {rejected} rejet(s) ; mêmes agents et mois que la paie PES : {'oui' if same else 'non'} "
        f"(espace de travail {ws.root}, écart de brut total avec la paie PES hors doublon planté : {fr_eur(gross_gap)}).",
    ]
