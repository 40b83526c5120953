"""The one finding record every rule emits, and its tables (the files are written by present.checkdoc).

The JSON keys (rule, severity, title, legal_ref, matricule, year, month, amount, hours, message,
evidence) are a contract read by other tools: do not rename them. Keys are only ever added:
`evidence_total` (how many source lines support the finding; the evidence list keeps the first
50) and `amount_concerned` (the payments a finding is about when no excess is computed, e.g.
all the overtime of a site without automated time recording; `amount` stays the excess at stake)
and `preview` (true for a rule in preview, shown « aperçu » and not counted by `check --fail-on`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Iterable

import pandas as pd

from .fmt import fr_amount

# Ordered from least to most serious; --fail-on compares on this order.
SEVERITIES = ("info", "alerte", "irregularite")
SEVERITY_LABELS = {"info": "Information", "alerte": "Alerte", "irregularite": "Irrégularité"}
PREVIEW_LABEL = "aperçu"  # a rule in preview (rules.PREVIEW): its findings do not count for --fail-on


def severity_label(severity: str, preview: bool = False) -> str:
    """The French severity shown to users, "Irrégularité (aperçu)" for a rule in preview."""
    label = SEVERITY_LABELS.get(severity, severity)
    return f"{label} ({PREVIEW_LABEL})" if preview else label


@dataclass(frozen=True)
class Evidence:
    """A source line supporting a finding (never personal data beyond the matricule)."""

    file: str | None
    position: int | None  # line in the source file
    code: str | None = None
    label: str | None = None
    amount: float | None = None
    period: str | None = None  # "2025-03" when the evidence is a pay line of that month


EVIDENCE_LIMIT = 50


class EvidenceList(list):
    """Evidence records, the first EVIDENCE_LIMIT of `total` supporting lines."""

    def __init__(self, items=(), total: int | None = None):
        super().__init__(items)
        self.total = len(self) if total is None else total


@dataclass
class Finding:
    rule: str
    severity: str
    title: str
    legal_ref: str
    matricule: str | None = None
    year: int | None = None
    month: int | None = None
    amount: float | None = None  # EUR at stake (the excess, not the whole payment)
    hours: float | None = None  # hours at stake
    message: str = ""  # French sentence an auditor can paste
    evidence: list[Evidence] = field(default_factory=list)
    evidence_total: int | None = None  # supporting lines in all (evidence keeps the first 50)
    amount_concerned: float | None = None  # EUR of the payments concerned, when no excess is computed
    preview: bool = False  # emitted by a rule in preview: shown « aperçu », ignored by --fail-on

    def to_dict(self) -> dict:
        # Shallow field copies (dataclasses.asdict deep-copies every evidence twice): same dict.
        d = {name: getattr(self, name) for name in _FINDING_FIELDS}
        d["evidence"] = [{name: getattr(e, name) for name in _EVIDENCE_FIELDS} for e in self.evidence]
        if d["evidence_total"] is None:
            d["evidence_total"] = len(self.evidence)
        for key in ("amount", "hours", "amount_concerned"):
            if d[key] is not None:
                d[key] = round(float(d[key]), 2)
        return d


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))
_EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))


def evidence_from_lines(lines: pd.DataFrame, limit: int = EVIDENCE_LIMIT) -> EvidenceList:
    """Evidence records from canonical pay-line rows (first `limit` rows; `.total` counts them all)."""
    out = EvidenceList(total=len(lines))
    for row in lines.head(limit).itertuples(index=False):
        out.append(
            Evidence(
                file=_clean(getattr(row, "source_file", None)),
                position=_clean_int(getattr(row, "source_line", None)),
                code=_clean(getattr(row, "code", None)),
                label=_clean(getattr(row, "label", None)),
                amount=_clean_float(getattr(row, "amount", None)),
                period=_period(getattr(row, "year", None), getattr(row, "month", None)),
            )
        )
    return out


def _clean(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)


def _clean_int(v):
    v = _clean(v)
    return None if v is None else int(float(v))


def _clean_float(v):
    v = _clean(v)
    return None if v is None else round(float(v), 2)


def _period(year, month) -> str | None:
    if _clean(year) is None or _clean(month) is None:
        return None
    return f"{int(year):04d}-{int(month):02d}"


# --- exports ---------------------------------------------------------------------------------

COLUMN_LABELS = {
    "number": "N°",
    "rule": "Règle",
    "severity": "Gravité",
    "title": "Constat",
    "legal_ref": "Référence",
    "matricule": "Matricule",
    "year": "Année",
    "month": "Mois",
    "amount": "Montant en jeu (EUR)",
    "amount_concerned": "Montant concerné (EUR)",
    "hours": "Heures en jeu",
    "message": "Explication",
    "evidence": "Pièces (fichier:ligne code libellé montant)",
}


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """One row per finding, numbered, evidence flattened to text."""
    rows = []
    for i, f in enumerate(findings, start=1):
        d = f.to_dict()
        d["number"] = i
        d["severity"] = severity_label(f.severity, f.preview)
        d["evidence"] = evidence_text(f)
        rows.append(d)
    cols = list(COLUMN_LABELS)
    return pd.DataFrame(rows, columns=cols)


def evidence_text(f: Finding) -> str:
    """The evidence of a finding as one text, saying when the list is cut ("50 premières lignes sur 120")."""
    text = " ; ".join(_evidence_text(e) for e in f.evidence)
    total = f.evidence_total or len(f.evidence)
    if total > len(f.evidence):
        text = f"{len(f.evidence)} premières lignes sur {total} : {text}"
    return text


def _evidence_text(e: Evidence) -> str:
    parts = [f"{e.file}:{e.position}" if e.file else ""]
    parts += [x for x in (e.period, e.code, e.label) if x]
    if e.amount is not None:
        parts.append(fr_amount(e.amount))
    return " ".join(p for p in parts if p)


def summary_frame(findings: list[Finding]) -> pd.DataFrame:
    """Per rule: number of findings, agents, agent-months, amount and hours at stake."""
    if not findings:
        return pd.DataFrame(columns=["rule", "severity", "title", "findings", "agents", "months", "amount", "hours",
                                     "amount_concerned", "preview"])
    df = pd.DataFrame([f.to_dict() for f in findings])
    df["severity"] = [severity_label(s, p) for s, p in zip(df["severity"], df["preview"])]
    # An agent-month needs both: collectivité-level or annual findings count no agent-month.
    dated = df["matricule"].notna() & df["month"].notna()
    df["agent_month"] = (df["matricule"].astype(str) + "|" + df["year"].astype(str) + "-"
                         + df["month"].astype(str)).where(dated)
    g = df.groupby(["rule", "severity", "title"], sort=True, dropna=False)
    out = g.agg(
        findings=("rule", "size"),
        agents=("matricule", "nunique"),
        months=("agent_month", "nunique"),
        amount=("amount", lambda s: s.fillna(0).sum()),
        hours=("hours", lambda s: s.fillna(0).sum()),
        amount_concerned=("amount_concerned", lambda s: s.fillna(0).sum()),
        preview=("preview", "any"),
    ).reset_index()
    return out.round({"amount": 2, "hours": 2, "amount_concerned": 2})

