"""The tables of `rhaudit check` (synthesis per rule, findings, evidence lines, coverage, rules
run), shared by findings.xlsx, the terminal and the audit report."""

from __future__ import annotations

from pathlib import Path

from ..findings import (COLUMN_LABELS, PREVIEW_LABEL, SEVERITIES, SEVERITY_LABELS, Finding, findings_frame,
                       severity_label, summary_frame)
from .document import Column, Document, Table, Text
from .formats import display
from .excel import write_workbook
from .tabular import to_json, write_csv
from .terminal import render_table

SUMMARY_COLUMNS = [
    Column("rule", "Règle"),
    Column("title", "Constat", wrap=45),
    Column("severity", "Gravité"),
    Column("findings", "Constats", "int", total=True),
    Column("agents", "Agents", "int"),
    Column("months", "Mois-agents", "int", total=True),
    Column("amount", "Montant en jeu", "eur", total=True),
    Column("amount_concerned", "Montant concerné", "eur", total=True),
    Column("hours", "Heures en jeu", "hours", total=True),
]
_SEVERITY_ORDER = {severity_label(s, p): i for i, s in enumerate(SEVERITIES) for p in (False, True)}


def summary_rows(findings: list[Finding]) -> list[dict]:
    """One row per rule, the largest amount at stake first (then the most serious)."""
    rows = summary_frame(findings).to_dict("records")
    legal = {f.rule: f.legal_ref for f in findings}
    for r in rows:
        r["legal_ref"] = legal.get(r["rule"], "")
        r["agents"] = r["agents"] or None  # a collectivité-level finding has no agent
    return sorted(rows, key=lambda r: (-(r["amount"] or 0), -(r["amount_concerned"] or 0),
                                       -_SEVERITY_ORDER.get(r["severity"], 0), r["rule"]))


def summary_table(findings: list[Finding], title: str = "", source: str = "", with_legal: bool = False) -> Table:
    cols = list(SUMMARY_COLUMNS)
    if with_legal:
        cols.append(Column("legal_ref", "Référence", wrap=40))
    return Table(cols, summary_rows(findings), title=title, source=source, totals_label="Total",
                 note="Montant en jeu : l'excédent payé à tort ou à justifier ; montant concerné : les paiements en "
                      "cause quand aucun excédent n'est calculé (ils ne s'additionnent pas au montant en jeu).")


def findings_table(findings: list[Finding]) -> Table:
    rows = []
    for i, f in enumerate(findings, start=1):
        d = f.to_dict()
        total = f.evidence_total or len(f.evidence)
        rows.append({**d, "number": i, "severity": severity_label(f.severity, f.preview),
                     "evidence": f"{total} ligne(s), feuille Pièces" if total else ""})
    cols = [
        Column("number", "N°", "int"), Column("rule", "Règle"), Column("severity", "Gravité"),
        Column("title", "Constat", wrap=35), Column("matricule", "Matricule"), Column("year", "Année", "year"),
        Column("month", "Mois", "int"), Column("amount", "Montant en jeu", "eur", total=True),
        Column("amount_concerned", "Montant concerné", "eur", total=True),
        Column("hours", "Heures en jeu", "hours", total=True), Column("message", "Explication", wrap=70),
        Column("legal_ref", "Référence", wrap=30), Column("evidence", "Pièces", wrap=16),
    ]
    return Table(cols, rows, totals_label="Total")


EVIDENCE_COLUMNS = [
    Column("matricule", "Matricule"), Column("period", "Mois"), Column("code", "Code"),
    Column("label", "Libellé", wrap=35), Column("amount", "Montant", "eur", total=True),
    Column("file", "Fichier", wrap=40), Column("position", "Ligne", "int"),
]


def evidence_rows(findings: list[Finding]) -> list[dict]:
    rows = []
    for i, f in enumerate(findings, start=1):
        for e in f.evidence:
            rows.append({"number": i, "rule": f.rule, "matricule": f.matricule, "period": e.period, "code": e.code,
                         "label": e.label, "amount": e.amount, "file": e.file, "position": e.position})
    return rows


def evidence_table(findings: list[Finding]) -> Table:
    cols = [Column("number", "N° du constat", "int"), Column("rule", "Règle")] + EVIDENCE_COLUMNS
    return Table(cols, evidence_rows(findings),
                 note="Les 50 premières lignes de chaque constat au plus (le nombre total est dans la feuille Constats).")


def coverage_table(report) -> Table:
    frame = report.coverage_frame()
    rows = [{"item": a, "value": b} for a, b in frame.itertuples(index=False)]
    return Table([Column("item", "Élément", wrap=60), Column("value", "Valeur", wrap=60)], rows, filters=False)


def rules_table(report) -> Table:
    frame = report.rules_frame()
    rows = [dict(zip(("rule", "title", "status", "reasons", "findings"), r)) for r in frame.itertuples(index=False)]
    cols = [Column("rule", "Règle"), Column("title", "Titre", wrap=45), Column("status", "Exécution"),
            Column("reasons", "Motifs", wrap=70), Column("findings", "Constats", "int", total=True)]
    return Table(cols, rows, totals_label="Total")


def findings_document(findings: list[Finding], report=None, doc: Document | None = None) -> Document:
    """findings.xlsx: Synthèse, Constats, Pièces, and with `report` Couverture and Exécution des règles."""
    doc = doc or Document("Constats du contrôle de conformité")
    doc.sheet("Synthèse", "Synthèse des constats par règle").add(summary_table(findings, with_legal=True))
    doc.sheet("Constats", "Constats, un par ligne").add(findings_table(findings))
    doc.sheet("Pièces", "Pièces : les lignes de paie à l'appui de chaque constat").add(evidence_table(findings))
    if report is not None:
        doc.sheet("Couverture", "Ce que le contrôle a lu").add(coverage_table(report))
        doc.sheet("Exécution des règles", "Règles exécutées, en partie ou non, et pourquoi").add(
            Text("L'absence de constat d'une règle non exécutée ne vaut pas conformité.", "warning"), rules_table(report))
    return doc


def render_summary_text(findings: list[Finding], wide: bool = False) -> str:
    """The terminal synthesis: per severity (most serious first), one row per rule, a total line."""
    if not findings:
        return "Aucun constat."
    rows = summary_rows(findings)
    cols = [c for c in SUMMARY_COLUMNS if c.key != "severity"]
    if not wide:
        cols = [c for c in cols if c.key not in ("months",)]
        cols = [Column(c.key, c.label, c.kind, c.total, 28) if c.key == "title" else c for c in cols]
    parts = []
    for sev in reversed(SEVERITIES):
        label = SEVERITY_LABELS[sev]
        group = [r for r in rows if r["severity"] == label]
        if group:
            table = render_table(Table(cols, group, totals_label="Sous-total"), wide=wide)
            parts.append(f"{label} ({len(group)} règle(s)) :\n{table}")
    # Rules in preview apart, with their severity: shown, but not counted by --fail-on.
    group = [r for r in rows if r["preview"]]
    if group:
        with_severity = cols[:1] + [c for c in SUMMARY_COLUMNS if c.key == "severity"] + cols[1:]
        table = render_table(Table(with_severity, group, totals_label="Sous-total"), wide=wide)
        parts.append(f"Règles en {PREVIEW_LABEL} ({len(group)} règle(s), non comptées par --fail-on) :\n{table}")
    total = Table(cols, rows, totals_label="Total").totals()
    parts.append("Total : " + ", ".join(
        f"{c.label.lower()} {display(total.get(c.key), c.kind)}" for c in cols if c.total))
    return "\n\n".join(parts)


# --- the files of `rhaudit check` ------------------------------------------------------------

_CSV_KINDS = {"number": "int", "year": "int", "month": "int", "amount": "eur", "amount_concerned": "eur", "hours": "hours"}


def findings_csv_table(findings: list[Finding]):
    """findings.csv: one row per finding, French headers, integers as integers."""
    cols = [Column(k, label, _CSV_KINDS.get(k, "text")) for k, label in COLUMN_LABELS.items()]
    return Table(cols, findings_frame(findings).to_dict("records"))


def write_findings(findings: list[Finding], out_dir: Path, report=None, doc=None) -> list[Path]:
    """Write findings.xlsx, findings.csv and findings.json in `out_dir`; with `report` (a
    coverage.RunReport: rules not run and why, coverage), also execution.json and execution.csv,
    and the sheets « Couverture » and « Exécution des règles » of findings.xlsx. findings.json
    stays a list of findings (its readers are not broken). `doc`: a present.Document carrying the
    collectivité, period, sources and version printed on every sheet."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "findings.csv", out_dir / "findings.json", out_dir / "findings.xlsx"]
    write_csv(findings_csv_table(findings), paths[0])
    paths[1].write_text(findings_json(findings), encoding="utf-8")
    write_workbook(findings_document(findings, report, doc), paths[2])
    if report is not None:
        paths += report.write(out_dir)
    return paths


def findings_json(findings: list[Finding]) -> str:
    return to_json([f.to_dict() for f in findings])
