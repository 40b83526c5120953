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
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pandas as pd

from ..findings import SEVERITIES, SEVERITY_LABELS, Evidence, Finding
from ..params import Parameters


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    severity: str
    legal_ref: str
    func: Callable[["RuleContext"], Iterable[Finding]]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def family(self) -> str:
        return self.id.split("-")[0]


_REGISTRY: dict[str, RuleSpec] = {}
_loaded = False


def rule(rule_id: str, title: str, severity: str, legal_ref: str):
    """Register a rule function under a stable id."""
    if severity not in SEVERITIES:
        raise ValueError(f"{rule_id}: gravité inconnue {severity!r} (attendu : {', '.join(SEVERITIES)})")

    def decorate(func):
        if rule_id in _REGISTRY and _REGISTRY[rule_id].func is not func:
            raise ValueError(f"Identifiant de règle en double : {rule_id}")
        _REGISTRY[rule_id] = RuleSpec(rule_id, title, severity, legal_ref, func)
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
            evidence=evidence or [],
        )


def run_rules(ctx: RuleContext, rules: list[RuleSpec]) -> list[Finding]:
    """Run `rules` in id order; findings sorted by rule, matricule, year, month."""
    findings: list[Finding] = []
    for spec in rules:
        ctx.current = spec
        findings.extend(spec.func(ctx))
    ctx.current = None
    findings.sort(key=lambda f: (f.rule, f.matricule or "", f.year or 0, f.month or 0))
    return findings


def max_severity_at_least(findings: list[Finding], level: str) -> bool:
    threshold = SEVERITIES.index(level)
    return any(SEVERITIES.index(f.severity) >= threshold for f in findings)


def rules_markdown() -> str:
    """Documentation of every rule as Markdown (docs/regles.md), generated from the rules."""
    parts = ["# Règles de contrôle\n", "Généré par `rhaudit rules --format md` à partir des règles elles-mêmes.\n"]
    parts.append("| règle | gravité | titre | référence |\n|---|---|---|---|")
    parts += [f"| [{r.id}](#{r.id.lower()}) | {SEVERITY_LABELS[r.severity]} | {r.title} | {r.legal_ref} |"
              for r in all_rules()]
    for r in all_rules():
        parts.append(f"\n## {r.id}\n\n**{r.title}** — gravité : {SEVERITY_LABELS[r.severity].lower()} — "
                     f"référence : {r.legal_ref}\n\n{r.doc}")
    return "\n".join(parts) + "\n"
