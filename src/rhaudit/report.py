"""`rhaudit report`: the audit report of a workspace, as a workbook (and a self-contained HTML page).

Sheets: Synthèse (collectivité, period, files imported with hashes, headcount, payroll mass, the
findings table one row per rule sorted by amount with links to the detail sheets, the rules not
run and why); one sheet per rule with findings (one row per evidence line, the legal text at the
top); Effectifs et paie (numbered tables with their source line, a chart); Temps de travail (with
--scenarios: each regime's day count and its gap to the legal duration, a chart); Méthodologie
(parameters used with their dates and sources, pay-code classification and what stayed
unclassified, data-quality findings, what could not be checked and why).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import CheckResult, check_workspace
from .findings import Finding, severity_label
from .fmt import fr_number
from .present.checkdoc import EVIDENCE_COLUMNS, coverage_table, summary_table
from .present.document import Chart, Column, Document, Table, Text
from .present.labels import label
from .present.meta import MONTHS_FR, workspace_document
from .rules import NOT_RUN, PARTIAL, get_rule

QUALITY_PREFIXES = ("QUAL-", "STATUT-")


class ReportError(Exception):
    pass


@dataclass
class Report:
    document: Document
    check: CheckResult


def source_line(years: list[int], what: str = "calcul rhaudit") -> str:
    span = "-".join(str(y) for y in sorted({years[0], years[-1]})) if years else ""
    return f"Source : fichiers de paie {span}, {what}.".replace("paie , ", "paie, ")


def build_report(ws, scenarios: Path | None = None, pseudonymise: bool = False, collectivite: str | None = None,
                 deliberations=None, projection: Path | None = None) -> Report:
    result = check_workspace(ws, deliberations=deliberations, pseudonymise=pseudonymise)
    findings = result.findings
    years = ws.years()
    doc = workspace_document(ws, "Audit RH et paie", collectivite)
    doc.title = f"Audit RH et paie {', '.join(map(str, years))}".strip()
    src = source_line(years)
    slips = ws.read("payslips")
    if pseudonymise:
        from .privacy import Pseudonymiser

        pseudo = Pseudonymiser.for_workspace(ws.root)
        slips = slips.assign(matricule=slips["matricule"].map(pseudo))

    rule_sheets = _rule_sheet_names(findings)
    synth = doc.sheet("Synthèse", f"Synthèse de l'audit — {doc.collectivite or 'collectivité'}, {doc.period}")
    synth.add(Text(f"{len(findings)} constat(s) sur {len(rule_sheets)} règle(s), "
                   f"{result.report.coverage.get('agents', 0)} agents et {len(slips)} bulletins contrôlés."))
    synth.add(_headcount_table(slips, years, src))
    summary = summary_table(findings, title="Constats par règle, par montant en jeu décroissant", source=src,
                            with_legal=True)
    summary.links = {i: rule_sheets[r["rule"]] for i, r in enumerate(summary.rows)}
    synth.add(summary)
    synth.add(_not_run_table(result))

    for rule_id, sheet_name in rule_sheets.items():
        _rule_sheet(doc, sheet_name, rule_id, [f for f in findings if f.rule == rule_id], src)

    _pay_sheet(doc, slips, years, src)
    if scenarios:
        _worktime_sheet(doc, scenarios)
    if len(ws.read("absences")):
        _absenteeism_sheet(doc, ws, deliberations)
    _payroll_sheet(doc, ws, src)
    if projection:
        _projection_sheet(doc, ws, projection)
    _method_sheet(doc, ws, result, findings)
    doc.sheet("Fichiers", "Fichiers importés et leurs empreintes").add(_files_table(ws))
    doc.number_tables()
    return Report(doc, result)


def _rule_sheet_names(findings: list[Finding]) -> dict[str, str]:
    order: dict[str, float] = {}
    for f in findings:
        order[f.rule] = order.get(f.rule, 0) + (f.amount or 0)
    return {r: r for r in sorted(order, key=lambda r: (-order[r], r))}


def _files_table(ws) -> Table:
    rows = [{"file": Path(e["path"]).name, "kind": e["kind"], "sha": e["sha256"][:16], "payslips": e.get("payslips"),
             "records": e.get("records_imported"), "gross": e.get("gross_total")} for e in ws.read_log()]
    cols = [Column("file", "Fichier", wrap=40), Column("kind", "Type"), Column("sha", "Empreinte SHA-256 (début)"),
            Column("payslips", "Bulletins", "int", total=True), Column("records", "Enregistrements importés", "int", total=True),
            Column("gross", "Brut des bulletins", "eur", total=True)]
    return Table(cols, rows, title="Fichiers importés", source="Source : journal d'import de l'espace de travail.",
                 totals_label="Total", filters=False)


def _headcount_table(slips, years: list[int], src: str) -> Table:
    rows = []
    for statut, g in slips.assign(statut=slips["statut"].fillna("")).groupby("statut"):
        row = {"statut": label("statut", statut or None)}
        for y in years:
            part = g[g["year"] == y]
            row[f"agents_{y}"] = int(part["matricule"].nunique())
            row[f"gross_{y}"] = round(float(part["gross"].sum()), 2)
        rows.append(row)
    cols = [Column("statut", "Statut")]
    for y in years:
        cols += [Column(f"agents_{y}", f"Agents {y}", "int", total=True), Column(f"gross_{y}", f"Brut {y}", "eur", total=True)]
    rows.sort(key=lambda r: -sum(v for k, v in r.items() if k.startswith("gross_")))
    return Table(cols, rows, title="Effectifs et masse salariale brute par statut", source=src, totals_label="Total",
                 note="Agents distincts ayant au moins un bulletin dans l'année (un agent qui change de statut compte "
                      "dans chacun) ; brut : montant brut des bulletins.", filters=False)


def _not_run_table(result: CheckResult) -> Table:
    from .rules import RUN_STATUS_LABELS

    rows = [{"rule": r.rule, "title": r.title, "status": RUN_STATUS_LABELS[r.status], "reasons": " ; ".join(r.reasons)}
            for r in result.report.rules if r.status in (NOT_RUN, PARTIAL)]
    cols = [Column("rule", "Règle"), Column("title", "Titre", wrap=40), Column("status", "Exécution"),
            Column("reasons", "Motifs", wrap=70)]
    return Table(cols, rows, title="Règles non exécutées ou exécutées en partie, et pourquoi", filters=False,
                 note="L'absence de constat d'une règle non exécutée ne vaut pas conformité.")


def rule_rows(findings: list[Finding]) -> list[dict]:
    """One row per evidence line; the finding's amount and hours on its first row only, so that the
    column sums equal the finding totals (a finding without evidence has one row)."""
    rows = []
    for n, f in enumerate(findings, start=1):
        month = f"{f.month:02d}/{f.year}" if f.month and f.year else (str(f.year) if f.year else "")
        d = f.to_dict()  # amounts rounded to the cent, as in findings.json and the synthesis
        head = {"n": n, "matricule": f.matricule, "month": month, "stake": d["amount"], "concerned": d["amount_concerned"],
                "hours": d["hours"], "message": f.message}
        if not f.evidence:
            rows.append(head)
        for i, e in enumerate(f.evidence):
            period = f"{e.period[5:]}/{e.period[:4]}" if e.period else month
            line = {"n": n, "matricule": f.matricule, "month": period, "code": e.code, "label": e.label,
                    "amount": e.amount, "file": e.file, "position": e.position}
            rows.append({**head, **line} if i == 0 else line)
        if f.evidence_total and f.evidence_total > len(f.evidence):
            rows.append({"n": n, "label": f"… {f.evidence_total - len(f.evidence)} autre(s) ligne(s) non reproduites"})
    return rows


def _rule_sheet(doc: Document, name: str, rule_id: str, findings: list[Finding], src: str) -> None:
    r = get_rule(rule_id)
    sheet = doc.sheet(name, f"{rule_id} — {r.title}")
    sheet.add(Text(f"Gravité : {severity_label(r.severity, r.preview)}. Référence : {r.legal_ref}", "legal"))
    for heading in ("Ce que la règle vérifie", "Texte"):
        text = _doc_section(r.doc, heading)
        if text:
            sheet.add(Text(text, "legal" if heading == "Texte" else "normal"))
    evidence = {c.key: c for c in EVIDENCE_COLUMNS}
    cols = [Column("n", "N° du constat", "int"), evidence["matricule"], Column("month", "Mois"),
            evidence["code"], evidence["label"], Column("amount", "Montant de la ligne", "eur"),
            Column("stake", "Montant en jeu", "eur", total=True), Column("concerned", "Montant concerné", "eur", total=True),
            Column("hours", "Heures en jeu", "hours", total=True), Column("message", "Explication", wrap=60),
            evidence["file"], evidence["position"]]
    sheet.add(Table(cols, rule_rows(findings), source=src.replace("calcul rhaudit", f"calcul rhaudit, règle {rule_id}"),
                    totals_label="Total"))


def _doc_section(doc: str, heading: str) -> str:
    """The paragraph of a rule's French docstring that starts with `heading` (« Texte : … »)."""
    for para in doc.split("\n\n"):
        para = " ".join(para.split())
        if para.startswith(heading):
            return para
    return ""


def _pay_sheet(doc: Document, slips, years: list[int], src: str) -> None:
    sheet = doc.sheet("Effectifs et paie", "Effectifs et rémunérations par mois")
    rows = []
    for (y, m), g in slips.groupby(["year", "month"], sort=True):
        rows.append({"month": f"{MONTHS_FR[int(m) - 1]} {int(y)}", "payslips": len(g), "agents": int(g["matricule"].nunique()),
                     "gross": round(float(g["gross"].sum()), 2)})
    cols = [Column("month", "Mois"), Column("payslips", "Bulletins", "int", total=True), Column("agents", "Agents", "int"),
            Column("gross", "Brut", "eur", total=True)]
    sheet.add(Table(cols, rows, title="Évolution mensuelle des bulletins et du brut", source=src, totals_label="Total",
                    note="Brut : somme des montants bruts des bulletins du mois (rappels compris)."))
    if rows:
        sheet.add(Chart("Brut mensuel (EUR)", [r["month"] for r in rows], {"Brut": [r["gross"] for r in rows]},
                        y_label="EUR"))


def _worktime_sheet(doc: Document, scenarios: Path) -> None:
    from .worktime import METHOD_LABELS, ScenarioError, load_scenarios, simulate

    try:
        spec = load_scenarios(scenarios)
        counts, cal, norms = simulate(spec)
    except ScenarioError as exc:
        raise ReportError(str(exc)) from exc
    sheet = doc.sheet("Temps de travail", f"Temps de travail {spec.year} : régimes face aux {fr_number(norms.annual_hours)} heures")
    rows = [{"name": c.name, "method": METHOD_LABELS[c.method], "weekly": c.weekly_hours, "leave": c.annual_leave_days,
             "artt": c.artt_days, "extra": c.extra_days, "worked": c.days_worked, "annual": c.annual_hours,
             "gap": c.gap_hours, "cost": c.gap_cost} for c in counts]
    cols = [Column("name", "Régime", wrap=30), Column("method", "Méthode", wrap=28), Column("weekly", "Heures par semaine", "hours"),
            Column("leave", "Congés annuels (j)", "number"), Column("artt", "ARTT (j)", "number"),
            Column("extra", "Jours extra-légaux", "number"), Column("worked", "Jours travaillés", "number"),
            Column("annual", "Durée annuelle (h)", "hours"), Column("gap", "Écart aux 1 607 h", "hours"),
            Column("cost", "Coût de l'écart par an", "eur")]
    sheet.add(Table(cols, rows, title="Décompte des jours et écart à la durée légale par régime",
                    source=f"Source : {scenarios.name}, {cal.label}, calcul rhaudit.",
                    note="Décompte forfaitaire : la norme nationale (365 − 104 − 8 − 25 jours) ; calendrier réel : "
                         "les jours fériés de l'année sur les jours travaillés du cycle."))
    norme = [c for c in counts if c.method == "norme"]
    sheet.add(Chart("Durée annuelle par régime (décompte forfaitaire)", [c.name for c in norme],
                    {"Durée annuelle (h)": [round(c.annual_hours, 2) for c in norme]}, y_label="heures",
                    reference=(f"Durée légale {fr_number(norms.annual_hours)} h", norms.annual_hours)))


def _absenteeism_sheet(doc: Document, ws, deliberations) -> None:
    """Absenteeism of the last year by motive (rapport social unique definitions), its evolution."""
    from .analytics.absenteeism import AbsenteeismError, absenteeism
    from .workcalendar import CalendarError
    from .check import build_context

    ctx = build_context(ws, deliberations=deliberations)
    territory = getattr(ctx.deliberation, "territory", None) or "metropole"
    try:
        rep = absenteeism(ctx.payslips, ctx.absences, ctx.agents, ctx.params, territory=territory)
    except (AbsenteeismError, CalendarError) as exc:
        doc.sheet("Absentéisme", "Absentéisme").add(Text(f"Absentéisme non calculé : {exc}", "warning"))
        return
    sheet = doc.sheet("Absentéisme", f"Absentéisme {rep.year} par motif")
    rows = [r for r in rep.rows if r["group"] == "ensemble"]
    cols = [Column("motive_label", "Motif", wrap=45), Column("days", "Jours calendaires", "number"),
            Column("stops", "Arrêts", "int"), Column("agents", "Agents absents", "int"),
            Column("rate_calendar", "Taux (jours calendaires)", "pct"), Column("rate_worked", "Taux (jours ouvrés)", "pct"),
            Column("frequency", "Arrêts pour 100 agents", "number"), Column("mean_length", "Durée moyenne (j)", "number"),
            Column("cost", "Rémunération maintenue", "eur")]
    src = source_line([rep.year], "fichier des absences, calcul rhaudit")
    sheet.add(Table(cols, rows, title=f"Absentéisme {rep.year} par motif", source=src, filters=False,
                    note=f"Effectif moyen {rep.headcount:.2f} agents ({rep.headcount_etp:.2f} ETP) sur les mois payés ; "
                         "taux = jours d'absence / (effectif moyen × jours de l'année). " + " ".join(rep.notes)))
    motives = [r for r in rows if r["motive"] not in ("total", "compressible")]
    sheet.add(Chart(f"Taux d'absentéisme {rep.year} par motif (%, jours calendaires)",
                    [r["motive_label"] for r in motives],
                    {"Taux (%)": [round(100 * (r["rate_calendar"] or 0), 2) for r in motives]}, y_label="%"))
    if len(rep.evolution) > 1:
        sheet.add(Table([Column("year", "Année"), Column("headcount", "Effectif moyen", "number"),
                         Column("rate_calendar", "Taux global", "pct"),
                         Column("compressible_rate_calendar", "Taux compressible", "pct")],
                        [{**e, "year": str(e["year"])} for e in rep.evolution], title="Évolution de l'absentéisme",
                        source=src, filters=False))


PAY_COMPONENTS = ("Traitement indiciaire", "NBI", "Indemnité de résidence", "SFT", "Régime indemnitaire",
                  "Heures supplémentaires", "Autres éléments")


def _payroll_sheet(doc: Document, ws, src: str) -> None:
    """Payroll mass per year and its decomposition (rhaudit payroll), with a chart of the components."""
    from .analytics import payroll
    from .present.frames import frame_table

    try:
        data = payroll.run_payroll(ws)
    except payroll.PayrollError as exc:
        doc.sheet("Masse salariale", "Masse salariale").add(Text(f"Masse salariale non calculée : {exc}", "warning"))
        return
    sheet = doc.sheet("Masse salariale", "Masse salariale et sa décomposition")
    tables = payroll.tables(data)
    for title, df in tables.items():
        sheet.add(frame_table(df, title=title, source=src, note=" ".join(data.get("notes", [])) if title == next(iter(tables))
                              else ""))
    first = next(iter(tables.values()), None)
    if first is not None and "Indicateur" in first:
        parts = first[first["Indicateur"].isin(PAY_COMPONENTS)]
        years = [c for c in first.columns if c != "Indicateur"]
        sheet.add(Chart("Décomposition du brut (EUR)", list(parts["Indicateur"]),
                        {str(y): [float(v or 0) for v in parts[y]] for y in years}, y_label="EUR"))


def _projection_sheet(doc: Document, ws, path: Path) -> None:
    """The projection of personnel charges per scenario (rhaudit project), with its trajectories."""
    from .analytics import projection
    from .present.frames import frame_table

    try:
        rows, start, spec = projection.run_projection(path, ws)
    except projection.ProjectionError as exc:
        raise ReportError(str(exc)) from exc
    sheet = doc.sheet("Projection", f"Projection des charges de personnel ({path.name})")
    tables = projection.tables(rows, start, spec)
    for title, df in tables.items():
        sheet.add(frame_table(df, title=title, source=f"Source : {path.name}, calcul rhaudit.",
                              note=" ".join(projection.notes(start))))
    wide = tables.get("Trajectoires")
    if wide is not None:
        sheet.add(Chart("Charges de personnel par scénario (EUR)", [str(y) for y in wide["Année"]],
                        {c: [float(v) for v in wide[c]] for c in wide.columns if c != "Année"}, kind="line", y_label="EUR"))


def _method_sheet(doc: Document, ws, result: CheckResult, findings: list[Finding]) -> None:
    from .classify import rubric_inventory
    from .enrich import read_enriched
    from .params import default_parameters

    sheet = doc.sheet("Méthodologie", "Méthodologie : qualité des données, couverture et limites du contrôle")
    sheet.add(Text("Les paramètres légaux appliqués figurent dans la feuille Paramètres, la classification des "
                   "rubriques de paie dans la feuille Rubriques, les fichiers lus dans la feuille Fichiers."))
    quality = [f for f in findings if f.rule.startswith(QUALITY_PREFIXES)]
    sheet.add(Table([Column("rule", "Règle"), Column("matricule", "Matricule"), Column("message", "Constat", wrap=90)],
                    [{"rule": f.rule, "matricule": f.matricule, "message": f.message} for f in quality],
                    title="Qualité des données : constats", filters=False,
                    source="Source : règles QUAL et STATUT de rhaudit."))
    cov = coverage_table(result.report)
    cov.title = "Couverture du contrôle"
    sheet.add(cov)
    sheet.add(_not_run_table(result))
    params = default_parameters()
    years = ws.years()
    day = f"{years[-1]}-12-31" if years else None
    rows = []
    for name in params.names():
        try:
            r = params.resolve(name, day) if day else None
        except Exception:  # a parameter not in force at the date: said so
            rows.append({"name": name, "value": "non en vigueur à la date", "since": None, "source": ""})
            continue
        if r is None:
            continue
        value = r.value
        if isinstance(value, dict):
            value = "(table)"
        elif isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value))
        elif not isinstance(value, (int, float)):
            value = str(value)
        rows.append({"name": name, "value": value,
                     "unit": r.unit or "", "since": r.since, "source": r.source})
    sheet = doc.sheet("Paramètres", "Paramètres légaux appliqués, avec leurs dates et sources")
    sheet.add(Table([Column("name", "Paramètre", wrap=40), Column("value", "Valeur", wrap=20), Column("unit", "Unité"),
                     Column("since", "En vigueur depuis", "date"), Column("source", "Source", wrap=70)], rows,
                    title=f"Paramètres légaux appliqués (valeurs au {day[8:]}/{day[5:7]}/{day[:4]})" if day else
                    "Paramètres légaux", source="Source : configs/parametres/ (valeurs datées).",
                    note="Chaque mois de paie est contrôlé avec la valeur en vigueur à sa date ; la table donne la "
                         "valeur de fin de période."))
    lines = read_enriched(ws)["pay_lines"]  # the categories the check used
    inv = rubric_inventory(lines, categories=lines["category"])
    inv_rows = [{"code": c, "label": lb, "kind": k, "category": cat, "lines": n, "amount": a}
                for c, lb, k, cat, n, a in inv.itertuples(index=False)]
    sheet = doc.sheet("Rubriques", "Classification des rubriques de paie")
    sheet.add(Table([Column("code", "Code"), Column("label", "Libellé", wrap=40), Column("kind", "Nature"),
                     Column("category", "Catégorie"), Column("lines", "Lignes", "int", total=True),
                     Column("amount", "Montant", "eur", total=True)], inv_rows,
                    title="Classification des rubriques de paie (non classées d'abord)",
                    source="Source : fichiers de paie, tables de codes configs/rubriques/.", totals_label="Total"))


def write_report(report: Report, out: Path, html: bool = False) -> list[Path]:
    from .present.excel import write_workbook

    paths = [write_workbook(report.document, out)]
    if html:
        from .present.html import write_html

        paths.append(write_html(report.document, out.with_suffix(".html")))
    return paths
