"""Rule registry and engine.

A rule is a small function over the canonical tables and the dated parameters, registered
with a stable id, a French title, a severity and a legal reference; its docstring is its
documentation in French ("Ce que la règle vérifie / Pourquoi / Texte / Exemple"). Every module
of this package is imported on first use, so a new rule family is just a new module.

    @rule("QUAL-001", "Brut du bulletin différent de la somme des lignes", "alerte",
          "Instruction codificatrice PES V2 paye ; contrôle de cohérence")
    def gross_vs_lines(ctx: RuleContext) -> Iterable[Finding]:
        ...
        yield ctx.finding(matricule=..., year=..., month=..., amount=..., message=...)

Nothing is silently skipped. A rule declares the data it needs (`requires=("deliberation.ihts",
"absences")`, see REQUIREMENTS): when a need is not met the engine does not run it and records
why. A rule that runs but cannot judge part of the payroll says so with `ctx.skipped(n, unit,
reason)` ("12 bulletins non contrôlés : indice majoré nul"), or `return ctx.not_run(reason)`
for a reason only it can see. `run_rules` collects these in `ctx.runs` (one RuleRun per rule),
which `check` reports in the terminal and in every output (see coverage.py).

A new rule starts as `status="preview"` (`rhaudit dev new-rule FAMILY-NNN` writes its stub and
test): it runs and its findings are shown, labelled « aperçu », but `check --fail-on` ignores
them until the rule is promoted to "stable" (the default) by removing the status.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pandas as pd

from ..findings import PREVIEW_LABEL, SEVERITIES, Evidence, Finding, severity_label
from ..params import Parameters


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    severity: str
    legal_ref: str
    func: Callable[["RuleContext"], Iterable[Finding]]
    requires: tuple[str, ...] = ()
    status: str = "stable"

    @property
    def preview(self) -> bool:
        return self.status == PREVIEW

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def family(self) -> str:
        return self.id.split("-")[0]


# A rule id: family in capitals, a dash, three digits ("IHTS-001"); the family names the rules it groups.
RULE_ID = re.compile(r"[A-Z][A-Z0-9]*-[0-9]{3}")
# Rule statuses: a "preview" rule runs and shows its findings but never fails `check --fail-on`.
STABLE, PREVIEW = "stable", "preview"
RULE_STATUS_LABELS = {STABLE: "stable", PREVIEW: PREVIEW_LABEL}

_REGISTRY: dict[str, RuleSpec] = {}
_loaded = False


def _delib_has(section: str) -> Callable[["RuleContext"], bool]:
    return lambda ctx: ctx.deliberation is not None and bool(getattr(ctx.deliberation, section, None))


# What a rule may require, how to tell whether the check has it, and the French reason it does not.
REQUIREMENTS: dict[str, tuple[Callable[["RuleContext"], bool], str]] = {
    "deliberation": (lambda ctx: ctx.deliberation is not None,
                     "aucun fichier de délibérations (rhaudit import --deliberations FICHIER.yaml)"),
    "deliberation.ihts": (_delib_has("ihts"), "les délibérations ne décrivent pas les IHTS (section ihts : emplois éligibles)"),
    "deliberation.rifseep": (_delib_has("rifseep"), "les délibérations ne décrivent pas le RIFSEEP (section rifseep : groupes et plafonds)"),
    "deliberation.working_time": (_delib_has("working_time"),
                                  "les délibérations ne décrivent pas le temps de travail (section working_time : cycles)"),
    "deliberation.benefits_in_kind": (_delib_has("benefits_in_kind"),
                                      "les délibérations ne déclarent aucun avantage en nature (section benefits_in_kind)"),
    "deliberation.asa": (_delib_has("asa"),
                         "les délibérations ne décrivent pas les autorisations spéciales d'absence (section asa : motifs et jours)"),
    "absences": (lambda ctx: not ctx.absences.empty, "aucun fichier d'absences importé (rhaudit import --absences)"),
    "agents": (lambda ctx: not ctx.agents.empty, "aucun référentiel agents importé (rhaudit import --agents)"),
    "leave_balances": (lambda ctx: ctx.leave_balances is not None and not ctx.leave_balances.empty,
                       "aucun fichier de soldes de congés (rhaudit import --balances)"),
}


def checked_needs(severity: str, requires) -> tuple[str, ...]:
    """`requires` as a tuple; ValueError (French) on an unknown severity or need."""
    if severity not in SEVERITIES:
        raise ValueError(f"Gravité inconnue {severity!r} (attendu : {', '.join(SEVERITIES)})")
    requires = tuple(requires)
    unknown = [r for r in requires if r not in REQUIREMENTS]
    if unknown:
        raise ValueError(f"Besoin inconnu {', '.join(unknown)} (attendu : {', '.join(REQUIREMENTS)})")
    return requires


def rule(rule_id: str, title: str, severity: str, legal_ref: str, requires: Iterable[str] = (),
         status: str = STABLE):
    """Register a rule function under a stable id; `requires` names entries of REQUIREMENTS;
    `status` is "stable" or "preview" (findings shown, not counted by `check --fail-on`)."""
    if not RULE_ID.fullmatch(rule_id):
        raise ValueError(f"Identifiant de règle mal formé : {rule_id!r} (attendu : FAMILLE-NNN, ex. IHTS-001)")
    if status not in RULE_STATUS_LABELS:
        raise ValueError(f"{rule_id}: statut inconnu {status!r} (attendu : {', '.join(RULE_STATUS_LABELS)})")
    try:
        requires = checked_needs(severity, requires)
    except ValueError as exc:
        raise ValueError(f"{rule_id}: {exc}") from None

    def decorate(func):
        if rule_id in _REGISTRY and _REGISTRY[rule_id].func is not func:
            raise ValueError(f"Identifiant de règle en double : {rule_id}")
        _REGISTRY[rule_id] = RuleSpec(rule_id, title, severity, legal_ref, func, requires, status)
        return func

    return decorate


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True


def all_rules() -> list[RuleSpec]:
    _load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_rule(rule_id: str) -> RuleSpec:
    _load_all()
    try:
        return _REGISTRY[rule_id.upper()]
    except KeyError:
        raise KeyError(f"Règle inconnue : {rule_id}. `rhaudit rules` les liste toutes.") from None


def select_rules(patterns: str | None) -> list[RuleSpec]:
    """Rules matching comma-separated ids or glob patterns ("IHTS*,NBI-001"); all when None."""
    rules = all_rules()
    if not patterns:
        return rules
    pats = [p.strip().upper() for p in patterns.split(",") if p.strip()]
    chosen = [r for r in rules if any(fnmatch.fnmatchcase(r.id, p) for p in pats)]
    unmatched = [p for p in pats if not any(fnmatch.fnmatchcase(r.id, p) for r in rules)]
    if unmatched:
        raise KeyError(f"Aucune règle ne correspond à : {', '.join(unmatched)}. `rhaudit rules` les liste.")
    return chosen


RUN, PARTIAL, NOT_RUN = "run", "partial", "not_run"
RUN_STATUS_LABELS = {RUN: "exécutée", PARTIAL: "exécutée en partie", NOT_RUN: "non exécutée"}


@dataclass
class RuleRun:
    """How a rule ran in a check: run, partly run (with what it left out and why), or not run."""

    rule: str
    title: str
    status: str = RUN
    reasons: list[str] = field(default_factory=list)
    findings: int = 0
    preview: bool = False  # a rule in preview: its findings do not count for --fail-on

    @property
    def status_label(self) -> str:
        label = RUN_STATUS_LABELS[self.status]
        return f"{label} ({PREVIEW_LABEL}, hors --fail-on)" if self.preview else label

    def to_dict(self) -> dict:
        return {"rule": self.rule, "title": self.title, "status": self.status,
                "status_label": self.status_label, "reasons": list(self.reasons),
                "findings": self.findings, "preview": self.preview}


@dataclass
class RuleContext:
    """What a rule sees: canonical tables, dated parameters, the collectivité's délibérations."""

    payslips: pd.DataFrame
    pay_lines: pd.DataFrame
    absences: pd.DataFrame
    agents: pd.DataFrame
    params: Parameters
    deliberation: Any = None  # rhaudit.deliberations.Deliberations or None
    options: dict[str, Any] = field(default_factory=dict)
    current: RuleSpec | None = None
    runs: dict[str, RuleRun] = field(default_factory=dict)
    leave_balances: pd.DataFrame | None = None  # optional table (rhaudit import --balances)

    def shared(self, key, compute):
        """`compute()`, run once and shared by every rule that asks for the same `key` (an
        intermediate table several rules need) until `drop_shared_tables` (check.run_by_family
        calls it after each family). Callers must not modify the value in place."""
        cache = self.options.setdefault("_shared", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def drop_shared_tables(self) -> None:
        """Forget the shared tables (DataFrames) computed so far; other shared values stay."""
        shared = self.options.get("_shared", {})
        for key in [k for k, value in shared.items() if isinstance(value, pd.DataFrame)]:
            del shared[key]

    def _run(self) -> RuleRun:
        spec = self.current
        assert spec is not None, "only valid while a rule runs"
        return self.runs.setdefault(spec.id, RuleRun(spec.id, spec.title))

    def not_run(self, reason: str) -> list:
        """Record that the running rule could not run, and why; returns [] (`return ctx.not_run(...)`)."""
        r = self._run()
        r.status = NOT_RUN
        r.reasons.append(reason)
        return []

    def skipped(self, count: int, unit: str, reason: str) -> None:
        """Record that the running rule left `count` `unit` (bulletins, agents, lignes...) unjudged
        because of `reason`; nothing is recorded when `count` is 0."""
        if count:
            r = self._run()
            if r.status == RUN:
                r.status = PARTIAL
            r.reasons.append(f"{count} {unit} non contrôlé(e)s : {reason}")

    def finding(
        self,
        *,
        matricule=None,
        year=None,
        month=None,
        amount=None,
        hours=None,
        message: str = "",
        evidence: list[Evidence] | None = None,
        legal_ref: str | None = None,
        amount_concerned=None,
    ) -> Finding:
        """A finding of the rule being run (its id, title, severity and reference filled in)."""
        spec = self.current
        assert spec is not None, "ctx.finding() is only valid while a rule runs"
        return Finding(
            rule=spec.id,
            severity=spec.severity,
            title=spec.title,
            legal_ref=legal_ref or spec.legal_ref,
            matricule=None if matricule is None else str(matricule),
            year=None if year is None or pd.isna(year) else int(year),
            month=None if month is None or pd.isna(month) else int(month),
            amount=None if amount is None or pd.isna(amount) else float(amount),
            hours=None if hours is None or pd.isna(hours) else float(hours),
            message=message,
            evidence=list(evidence or []),
            evidence_total=getattr(evidence, "total", None) or len(evidence or []),
            amount_concerned=None if amount_concerned is None or pd.isna(amount_concerned) else float(amount_concerned),
        )


def run_rules(ctx: RuleContext, rules: list[RuleSpec]) -> list[Finding]:
    """Run `rules` in id order; findings sorted by rule, matricule, year, month. How each rule ran
    (run, partly, not run and why) is left in `ctx.runs`."""
    findings: list[Finding] = []
    for spec in rules:
        ctx.current = spec
        run = ctx.runs[spec.id] = RuleRun(spec.id, spec.title, preview=spec.preview)
        # Without any délibération file, say that rather than "the délibérations do not describe X".
        unmet = [("deliberation" if r.startswith("deliberation") and ctx.deliberation is None else r)
                 for r in spec.requires if not REQUIREMENTS[r][0](ctx)]
        missing = [REQUIREMENTS[r][1] for r in dict.fromkeys(unmet)]
        if missing:
            for reason in missing:
                ctx.not_run(reason)
            continue
        found = list(spec.func(ctx))
        for f in found:
            f.preview = spec.preview  # shown « aperçu », not counted by --fail-on
        run.findings = len(found)
        findings.extend(found)
    ctx.current = None
    findings.sort(key=lambda f: (f.rule, f.matricule or "", f.year or 0, f.month or 0))
    return findings


def max_severity_at_least(findings: list[Finding], level: str) -> bool:
    """Whether a finding of a stable rule is at least as serious as `level` (`check --fail-on`):
    the findings of preview rules are shown but do not count."""
    threshold = SEVERITIES.index(level)
    return any(SEVERITIES.index(f.severity) >= threshold for f in findings if not f.preview)


def rules_markdown() -> str:
    """Documentation of every rule as Markdown (docs/regles.md), generated from the rules."""
    parts = ["# Règles de contrôle\n", "Généré par `rhaudit rules --format md` à partir des règles elles-mêmes.\n"]
    parts.append("| règle | gravité | titre | référence |\n|---|---|---|---|")
    parts += [f"| [{r.id}](#{r.id.lower()}) | {severity_label(r.severity, r.preview)} | {r.title} | {r.legal_ref} |"
              for r in all_rules()]
    for r in all_rules():
        parts.append(f"\n## {r.id}\n\n**{r.title}** — gravité : {severity_label(r.severity, r.preview).lower()} — "
                     f"référence : {r.legal_ref}\n\n{r.doc}")
    return "\n".join(parts) + "\n"
