"""`rhaudit check`: load a workspace, run the selected rules, return the findings."""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, replace
from pathlib import Path

from .coverage import RunReport, run_report
from .deliberations import DeliberationError, find_deliberation_files, load_deliberation_files
from .enrich import CONFIG_ERRORS, read_enriched
from .findings import Finding
from .params import ParameterError, default_parameters
from .privacy import Pseudonymiser
from .rules import RuleContext, run_rules, select_rules
from .rules.dsn import OPTION as DSN_OPTION, set_aside_dsn_duplicates
from .workspace import Workspace


class CheckError(Exception):
    pass


def _as_paths(deliberations) -> list[Path]:
    if deliberations is None:
        return []
    return [Path(deliberations)] if isinstance(deliberations, (str, Path)) else [Path(p) for p in deliberations]


def build_context(ws: Workspace, years: list[int] | None = None, deliberations: Path | list[Path] | None = None) -> RuleContext:
    """The rules' context. `deliberations`: one or several files (several files over time are
    merged, each dated section applying from its date); default: the workspace's
    (W/deliberations.yaml and W/deliberations/*.yaml)."""
    try:
        params = default_parameters()
        delib_paths = _as_paths(deliberations) or find_deliberation_files(ws.root)
        delib = load_deliberation_files(delib_paths)
    except (ParameterError, DeliberationError) as exc:
        raise CheckError(str(exc)) from exc
    try:  # derived columns from the current configs, as every command sees them (rhaudit.enrich)
        tables = read_enriched(ws, years, params)
    except CONFIG_ERRORS as exc:
        raise CheckError(str(exc)) from exc
    payslips, pay_lines, agents = tables["payslips"], tables["pay_lines"], tables["agents"]
    # A month imported from both the payroll and the DSN: the rules read the payroll (QUAL-010 compares).
    payslips, pay_lines, dsn_aside = set_aside_dsn_duplicates(payslips, pay_lines)
    absences = ws.read("absences")
    if years and not absences.empty:
        # An absence counts for every year it overlaps (a CLD from 2011 to 2013 also covers 2012).
        first, last = absences["start"].dt.year, absences["end"].dt.year
        absences = absences[functools.reduce(operator.or_, [(first <= y) & (last >= y) for y in years])]
    return RuleContext(
        payslips=payslips,
        pay_lines=pay_lines,
        absences=absences.reset_index(drop=True),
        agents=agents,
        params=params,
        deliberation=delib,
        # All years: the rules pick the years checked, and CET-001 looks back at 2020 (décret 2020-723).
        leave_balances=ws.read("leave_balances"),
        options={"years": years, DSN_OPTION: dsn_aside,
                 "deliberation_files": [str(p) for p in delib_paths]},
    )


def run_by_family(ctx: RuleContext, rules: list) -> list[Finding]:
    """`run_rules`, one family of rules (IHTS, NBI, RIFSEEP...) after the other, the tables the
    rules share (`RuleContext.shared`) dropped after each family: few tables are read by two
    families, and keeping them all to the end of the check held as much memory as the context
    itself (683 MB of a 1.49 GB peak at 10,000 agents). The other shared values (indexes over
    every line, small per-cycle or per-month tables) stay: several families use them. The
    findings are those of one `run_rules` call: each family's are sorted by rule first, and the
    families run in id order."""
    findings: list[Finding] = []
    for _, family in itertools.groupby(sorted(rules, key=lambda spec: spec.id), key=lambda spec: spec.family):
        findings += run_rules(ctx, list(family))
        ctx.drop_shared_tables()
    return findings


@dataclass
class CheckResult:
    findings: list[Finding]
    report: RunReport  # coverage, rules not run or partly run and why


def run_check(
    ws: Workspace,
    rule_patterns: str | None = None,
    years: list[int] | None = None,
    deliberations: Path | None = None,
    pseudonymise: bool = False,
) -> list[Finding]:
    return check_workspace(ws, rule_patterns, years, deliberations, pseudonymise).findings


def check_workspace(
    ws: Workspace,
    rule_patterns: str | None = None,
    years: list[int] | None = None,
    deliberations: Path | list[Path] | None = None,
    pseudonymise: bool = False,
) -> CheckResult:
    """Run the rules on a workspace: the findings and the report of what ran and what was covered."""
    try:
        rules = select_rules(rule_patterns)
    except KeyError as exc:
        raise CheckError(exc.args[0]) from exc
    missing = sorted(set(years or []) - set(ws.years()))
    if missing:
        raise CheckError(
            f"Aucun bulletin importé pour {', '.join(map(str, missing))} dans {ws.root} "
            f"(années importées : {', '.join(map(str, ws.years())) or 'aucune'}). Corrigez --year ou importez ces paies."
        )
    ctx = build_context(ws, years, deliberations)
    try:
        findings = run_by_family(ctx, rules)
    except ParameterError as exc:
        raise CheckError(f"{exc} Complétez configs/parametres/ ou restreignez --year.") from exc
    if pseudonymise:
        tables = (ctx.agents, ctx.payslips, ctx.absences, ctx.leave_balances)
        known = {m for t in tables if t is not None for m in t["matricule"].dropna()}
        findings = pseudonymised(findings, Pseudonymiser.for_workspace(ws.root), known)
    return CheckResult(findings, run_report(ctx, ctx.options.get("deliberation_files")))


def pseudonymised(findings: list[Finding], pseudo: Pseudonymiser, known: set[str]) -> list[Finding]:
    """The findings with every matricule replaced: the agent's own, and any known matricule quoted
    in a message or an evidence (another agent of a duplicate, a label...)."""
    known = known | {f.matricule for f in findings if f.matricule}
    out = []
    for f in findings:
        evidence = [replace(e, file=pseudo.mask(e.file, known), label=pseudo.mask(e.label, known)) for e in f.evidence]
        out.append(replace(f, matricule=pseudo(f.matricule), message=pseudo.mask(f.message, known), evidence=evidence))
    return out
