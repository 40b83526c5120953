"""What a check covered: the population and pay it read, the rules not run or partly run and why.

A DRH must never read "no TEMPS line" as "working time is compliant": every output of `check`
carries this report next to the findings.

- terminal: a coverage line, then the rules not run and the rules partly run with their reasons;
- findings.xlsx: sheets « Couverture » and « Exécution des règles »;
- execution.json: {"coverage": {...}, "rules": [{rule, title, status, status_label, reasons, findings}]}
  (findings.json is unchanged: a list of findings);
- execution.csv: one row per rule (status, reasons, findings), the coverage in couverture.csv.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .fmt import fr_amount, fr_number
from .model import GROSS_KINDS
from .rules import NOT_RUN, PARTIAL, RuleContext, RuleRun

UNCLASSIFIED = "non_classe"
UNQUALIFIED = "a_qualifier"  # population of agents with no grade, no indice and a fixed salary

COVERAGE_LABELS = {
    "agents": "Agents (matricules distincts)",
    "payslips": "Bulletins",
    "months": "Mois de paie",
    "first_month": "Premier mois",
    "last_month": "Dernier mois",
    "gross_lines_eur": "Brut des lignes de rémunération (EUR)",
    "gross_classified_share": "Part du brut classée (%)",
    "gross_unclassified_eur": "Brut non classé (EUR)",
    "payslips_without_indice": "Bulletins sans indice majoré (agents hors élus et vacataires)",
    "agents_to_qualify": "Agents au statut à qualifier (sans grade ni indice, salaire fixe)",
    "absences": "Absences importées",
    "agents_reference": "Agents du référentiel agents",
    "deliberations": "Délibérations",
    "decisions_after_period": "Délibérations postérieures au dernier mois de paie (non appliquées)",
    "rules_run": "Règles exécutées entièrement",
    "rules_partial": "Règles exécutées en partie",
    "rules_not_run": "Règles non exécutées",
}


@dataclass
class RunReport:
    coverage: dict = field(default_factory=dict)
    rules: list[RuleRun] = field(default_factory=list)

    def of_status(self, status: str) -> list[RuleRun]:
        return [r for r in self.rules if r.status == status]

    def to_dict(self) -> dict:
        return {"coverage": self.coverage, "rules": [r.to_dict() for r in self.rules]}

    def coverage_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"Élément": COVERAGE_LABELS.get(k, k), "Valeur": _cell(v)} for k, v in self.coverage.items()],
                            columns=["Élément", "Valeur"])

    def rules_frame(self) -> pd.DataFrame:
        rows = [{"Règle": r.rule, "Titre": r.title, "Exécution": r.status_label,
                 "Motifs": " ; ".join(r.reasons), "Constats": r.findings} for r in self.rules]
        return pd.DataFrame(rows, columns=["Règle", "Titre", "Exécution", "Motifs", "Constats"])

    def write(self, out_dir: Path) -> list[Path]:
        paths = [out_dir / "execution.json", out_dir / "execution.csv", out_dir / "couverture.csv"]
        paths[0].write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        self.rules_frame().to_csv(paths[1], sep=";", index=False, encoding="utf-8-sig")
        self.coverage_frame().to_csv(paths[2], sep=";", index=False, encoding="utf-8-sig")
        return paths

    def render(self) -> str:
        """French text for the terminal: coverage, rules not run, rules partly run."""
        c = self.coverage
        lines = []
        if c:
            period = f" ({c['first_month']} à {c['last_month']})" if c.get("first_month") else ""
            share = c.get("gross_classified_share")
            lines.append(
                f"Couverture : {fr_number(c.get('agents', 0))} agents, {fr_number(c.get('payslips', 0))} bulletins, "
                f"{c.get('months', 0)} mois{period}"
                + (f" ; {fr_number(share, 2)} % du brut classé ({fr_amount(c.get('gross_unclassified_eur', 0))} EUR non classés)"
                   if share is not None else "") + ".")
            if c.get("payslips_without_indice"):
                lines.append(f"  {c['payslips_without_indice']} bulletin(s) d'agents sans indice majoré.")
            if c.get("agents_to_qualify"):
                lines.append(f"  {c['agents_to_qualify']} agent(s) au statut à qualifier (STATUT-001), "
                             f"hors des règles de la fonction publique.")
            lines.append(f"  Absences : {_cell(c.get('absences'))} ; référentiel agents : {_cell(c.get('agents_reference'))} ; "
                         f"délibérations : {_cell(c.get('deliberations'))}.")
            if c.get("decisions_after_period"):
                lines.append(f"  Délibérations postérieures à la période, non appliquées : {c['decisions_after_period']}.")
        not_run, partial = self.of_status(NOT_RUN), self.of_status(PARTIAL)
        if not_run:
            lines.append(f"\nRègles non exécutées ({len(not_run)}) — leur absence de constat ne vaut pas conformité :")
            lines += [f"  {r.rule} {r.title} : {' ; '.join(r.reasons)}" for r in not_run]
        if partial:
            lines.append(f"\nRègles exécutées en partie ({len(partial)}) :")
            lines += [f"  {r.rule} {r.title} : {' ; '.join(r.reasons)}" for r in partial]
        return "\n".join(lines)


def _cell(v):
    if v is None:
        return "aucun(e)"
    if isinstance(v, float):
        return round(v, 2)
    return v


def coverage_of(ctx: RuleContext, deliberation_files: list[str] | None = None) -> dict:
    """Population, months and pay read by a check, and how much of the gross is classified."""
    ps, pl = ctx.payslips, ctx.pay_lines
    known = ps[["year", "month"]].dropna().drop_duplicates()
    months = sorted({(int(y), int(m)) for y, m in zip(known["year"], known["month"])})
    gross = pl[pl["kind"].isin(GROSS_KINDS)] if not pl.empty else pl
    amount = gross["amount"].astype(float).abs() if not gross.empty else pd.Series(dtype=float)
    category = gross["category"].astype("string") if not gross.empty else pd.Series(dtype="string")
    unclassified = float(amount[category.isna() | category.eq(UNCLASSIFIED)].sum()) if len(amount) else 0.0
    total = float(amount.sum()) if len(amount) else 0.0
    population = ps["population"].astype("string").fillna("agent") if "population" in ps else pd.Series("agent", index=ps.index)
    agents_pop = population.isin(["agent"])
    no_indice = pd.to_numeric(ps["indice"], errors="coerce").fillna(0).eq(0) & agents_pop
    label = lambda ym: f"{ym[1]:02d}/{ym[0]}"  # noqa: E731
    out = {
        "agents": int(ps["matricule"].nunique()),
        "payslips": int(len(ps)),
        "months": len(months),
        "first_month": label(months[0]) if months else None,
        "last_month": label(months[-1]) if months else None,
        "gross_lines_eur": round(total, 2),
        "gross_classified_share": round(100 * (total - unclassified) / total, 2) if total else None,
        "gross_unclassified_eur": round(unclassified, 2),
        "payslips_without_indice": int(no_indice.sum()),
        "agents_to_qualify": int(ps.loc[population.eq(UNQUALIFIED), "matricule"].nunique()),
        "absences": int(len(ctx.absences)) or None,
        "agents_reference": int(len(ctx.agents)) or None,
        "deliberations": ", ".join(deliberation_files) if deliberation_files else None,
        "decisions_after_period": None,
    }
    if ctx.deliberation is not None and months:
        y, m = months[-1]
        last_day = (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)).date()
        later = ctx.deliberation.later_than(last_day)
        out["decisions_after_period"] = ", ".join(f"{d.id} du {d.date:%d/%m/%Y}" for d in later) or None
    return out


def run_report(ctx: RuleContext, deliberation_files: list[str] | None = None) -> RunReport:
    """The report of the last `run_rules` on `ctx`."""
    rules = [ctx.runs[k] for k in sorted(ctx.runs)]
    cov = coverage_of(ctx, deliberation_files)
    cov["rules_run"] = sum(r.status == "run" for r in rules)
    cov["rules_partial"] = sum(r.status == PARTIAL for r in rules)
    cov["rules_not_run"] = sum(r.status == NOT_RUN for r in rules)
    return RunReport(cov, rules)
