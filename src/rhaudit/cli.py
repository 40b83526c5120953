"""Command line: rhaudit import | info | check | rules | rubriques | params | demo | worktime | absenteeism | payroll | project
| report; `rhaudit dev new-rule` for contributors.

Exit status: 0 success; 1 with --fail-on when findings at that level exist; 2 on usage or input
errors (the message names the file and what to do).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tabulate import tabulate

from . import __version__, cli_fr
from .findings import SEVERITIES, SEVERITY_LABELS
from .present.checkdoc import findings_json, write_findings
from .workspace import Workspace, WorkspaceError, os_error_reason

cli_fr.install()  # click's own messages (usage errors, help) in French


class InputError(click.ClickException):
    """An input problem: exit status 2, French message."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        # click's own show() prefixes the English "Error: ".
        click.echo(f"Erreur : {self.message}", err=True)


def _workspace_option(required: bool = True):
    return click.option(
        "--workspace", "-w", "workspace", type=click.Path(file_okay=False, path_type=Path),
        required=required, help="Dossier de travail de l'audit (tables importées, journal).",
    )


class _Group(click.Group):
    """The command group: errors of the user's environment (workspace, files, permissions, full
    disk) end with a French message and exit status 2, never a traceback."""

    group_class = type  # subgroups (rhaudit dev) are of this class too

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", cli_fr.SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WorkspaceError as exc:
            raise InputError(str(exc)) from exc
        except OSError as exc:
            where = f"{exc.filename} : " if exc.filename else ""
            raise InputError(f"{where}{os_error_reason(exc)}.") from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rhaudit")
def main() -> None:
    """rhaudit : contrôle de conformité RH et paie des collectivités territoriales."""


# --- import ----------------------------------------------------------------------------------
@main.command("import")
@click.argument("payroll", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--absences", "absences", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Fichier(s) d'absences (CSV ou XLSX), avec --absence-profile.")
@click.option("--agents", "agents", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Référentiel agents facultatif (CSV ou XLSX).")
@click.option("--balances", "balances", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Fichier(s) de soldes de congés facultatifs (CSV ou XLSX : congés annuels, ARTT, CET), avec --balance-profile.")
@click.option("--profile", default=None, help="Profil d'import des exports tableur de paie (payroll_import/profiles/).")
@click.option("--absence-profile", default=None, help="Profil d'import des absences (défaut : absences_generique).")
@click.option("--agent-profile", default=None, help="Profil d'import du référentiel agents (défaut : agents_generique).")
@click.option("--balance-profile", default=None, help="Profil d'import des soldes de congés (défaut : soldes_generique).")
@click.option("--deliberations", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Délibérations de la collectivité (YAML) à associer à l'espace de travail.")
@click.option("--keep-names", is_flag=True, help="Conserver noms et prénoms (jamais NIR ni coordonnées bancaires).")
@click.option("--replace", is_flag=True,
              help="Réimporter les fichiers déjà importés (même contenu), par exemple après correction d'un profil : "
                   "leur import précédent est remplacé.")
@_workspace_option()
def import_cmd(payroll, absences, agents, profile, absence_profile, agent_profile, deliberations, keep_names, replace,
               workspace, balances=(), balance_profile=None):
    """Importer des fichiers de paie (PES XML .xhl/.xml, CSV, XLSX), d'absences, d'agents et de soldes de congés."""
    from .importers import ImportFailed, import_files
    from .progress import terminal_progress

    # --deliberations alone replaces the délibérations of an existing workspace.
    if not (payroll or absences or agents or balances or (deliberations and Workspace(workspace).exists())):
        raise InputError("Rien à importer : donnez des fichiers de paie, --absences, --agents ou --balances "
                         "(--deliberations seul ne met à jour qu'un espace de travail déjà importé).")
    try:
        report = import_files(
            Workspace(workspace), payroll=list(payroll), absences=list(absences), agents=list(agents),
            profile=profile, absence_profile=absence_profile, agent_profile=agent_profile,
            deliberations=deliberations, keep_names=keep_names, replace=replace, on_wait=_say,
            balances=list(balances), balance_profile=balance_profile,
            progress=terminal_progress("Lecture des fichiers"),
        )
    except (ImportFailed, WorkspaceError) as exc:
        raise InputError(str(exc)) from exc
    click.echo(report.render())


# --- info ------------------------------------------------------------------------------------
@main.command("info")
@_workspace_option()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--wide", is_flag=True, help="Tableaux complets, sans limite de 100 colonnes.")
def info_cmd(workspace, fmt, wide):
    """Effectifs, bulletins, brut et lignes par période."""
    from .analytics.info import render_info, workspace_info
    from .enrich import CONFIG_ERRORS

    ws = _open_workspace(workspace)
    try:
        data = workspace_info(ws)
    except CONFIG_ERRORS as exc:
        raise InputError(str(exc)) from exc
    from .present.tabular import to_json

    click.echo(to_json(data) if fmt == "json" else render_info(data, wide=wide))


# --- check -----------------------------------------------------------------------------------
@main.command("check")
@_workspace_option()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier des fichiers de constats (défaut : reports/).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--rules", "rule_patterns", default=None, help="Règles à exécuter, ex. 'IHTS*,NBI-001'.")
@click.option("--year", type=int, multiple=True, help="Restreindre à une année (répétable).")
@click.option("--deliberations", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
              help="Délibérations de la collectivité, répétable pour plusieurs fichiers dans le temps "
                   "(défaut : W/deliberations.yaml et W/deliberations/*.yaml).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Sortir avec le code 1 s'il existe des constats de cette gravité ou plus "
                   "(hors règles en aperçu).")
@click.option("--pseudonymise", is_flag=True, help="Remplacer les matricules par des pseudonymes stables.")
@click.option("--wide", is_flag=True, help="Tableaux complets, sans limite de 100 colonnes.")
def check_cmd(workspace, out, fmt, rule_patterns, year, deliberations, fail_on, pseudonymise, wide):
    """Exécuter les règles de conformité et écrire les constats (xlsx, csv, json)."""
    from .check import CheckError, check_workspace
    from .rules import max_severity_at_least

    ws = _open_workspace(workspace)
    try:
        result = check_workspace(ws, rule_patterns=rule_patterns, years=list(year) or None,
                                 deliberations=list(deliberations) or None, pseudonymise=pseudonymise)
    except CheckError as exc:
        raise InputError(str(exc)) from exc
    from .present.checkdoc import render_summary_text
    from .present.terminal import wrap_text
    from .present.meta import workspace_document

    findings = result.findings
    out_dir = out or Path("reports")
    doc = workspace_document(ws, "Constats du contrôle de conformité", years=list(year) or None)
    written = write_findings(findings, out_dir, result.report, doc)
    if fmt == "json":
        click.echo(findings_json(findings))
    else:
        click.echo(render_summary_text(findings, wide=wide))
        click.echo("\n" + (result.report.render() if wide else wrap_text(result.report.render())))
        click.echo(wrap_text(f"\n{len(findings)} constat(s). Fichiers : " + ", ".join(str(p) for p in written)))
    if fail_on and max_severity_at_least(findings, fail_on):
        sys.exit(1)


# --- rules -----------------------------------------------------------------------------------
@main.command("rules")
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "md"]), default="text", show_default=True,
              help="md : documentation de toutes les règles en Markdown (docs/regles.md).")
def rules_cmd(rule_id, fmt):
    """Lister les règles, ou afficher la documentation d'une règle."""
    from .rules import RULE_STATUS_LABELS, all_rules, get_rule, rules_markdown

    if fmt == "md":
        click.echo(rules_markdown(), nl=False)
        return
    if rule_id:
        try:
            r = get_rule(rule_id)
        except KeyError as exc:
            raise InputError(exc.args[0]) from exc
        status = RULE_STATUS_LABELS[r.status] + (" (constats affichés, non comptés par --fail-on)" if r.preview else "")
        click.echo(f"{r.id} — {r.title}\nGravité : {SEVERITY_LABELS[r.severity]}\nStatut : {status}\n"
                   f"Référence : {r.legal_ref}\n\n{r.doc}")
        return
    rows = [[r.id, SEVERITY_LABELS[r.severity], RULE_STATUS_LABELS[r.status], r.title, r.legal_ref] for r in all_rules()]
    click.echo(tabulate(rows, headers=["Règle", "Gravité", "Statut", "Titre", "Référence"],
                        maxcolwidths=[None, None, None, 50, 50]))


# --- params ----------------------------------------------------------------------------------
@main.command("params")
@click.argument("name", required=False)
@click.option("--date", "when", default=None, help="Date de vigueur (AAAA-MM-JJ), défaut : aujourd'hui.")
def params_cmd(name, when):
    """Lister les paramètres légaux datés, ou la valeur d'un paramètre à une date."""
    import datetime as dt

    from .params import ParameterError, default_parameters

    try:
        params = default_parameters()
        day = when or dt.date.today().isoformat()
        names = [name] if name else params.names()
        rows = []
        for n in names:
            try:
                r = params.resolve(n, day)
                rows.append([n, r.value if not isinstance(r.value, dict) else "(table)", r.unit or "", f"{r.since:%d/%m/%Y}", r.source])
            except ParameterError as exc:
                if name:
                    raise
                rows.append([n, "—", "", "", str(exc)])
    except (ParameterError, ValueError) as exc:
        raise InputError(str(exc)) from exc
    click.echo(tabulate(rows, headers=["Paramètre", "Valeur", "Unité", "Depuis", "Source"], maxcolwidths=[None, None, None, None, 60]))


# --- rubriques -------------------------------------------------------------------------------
@main.command("rubriques")
@_workspace_option()
@click.option("--write-table", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire une table de codes de départ (YAML) à corriger puis placer dans configs/rubriques/.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
def rubriques_cmd(workspace, write_table, fmt):
    """Lister les rubriques de paie (code, libellé, catégorie, lignes, montant), non classées d'abord."""
    from .classify import classification_coverage, rubric_inventory, write_code_table
    from .enrich import CONFIG_ERRORS, read_enriched
    from .fmt import fr_eur, fr_grouped

    ws = _open_workspace(workspace)
    try:
        lines = read_enriched(ws)["pay_lines"]
    except CONFIG_ERRORS as exc:
        raise InputError(str(exc)) from exc
    categories = lines["category"]
    inv = rubric_inventory(lines, categories=categories)
    if fmt == "csv":
        click.echo(inv.to_csv(sep=";", index=False, decimal=","))
    else:
        cov = classification_coverage(lines, categories)
        pct = lambda share: fr_grouped(100 * share, 1)  # noqa: E731
        click.echo(f"Part du brut classée : {pct(cov['gross_share'])} % ({fr_eur(cov['gross_classified'])} sur "
                   f"{fr_eur(cov['gross_total'])}) ; part de tous les montants : {pct(cov['all_share'])} % "
                   f"({fr_eur(cov['all_classified'])} sur {fr_eur(cov['all_total'])}). Rubriques non classées en tête.")
        click.echo(tabulate(inv.values.tolist(), headers=["Code", "Libellé", "Nature", "Catégorie", "Lignes", "Montant (EUR)"],
                            floatfmt=".2f"))
    if write_table:
        write_code_table(inv, write_table)
        click.echo(f"Table de codes écrite : {write_table}")


# --- demo ------------------------------------------------------------------------------------
@main.command("demo")
@click.option("--agents", "n_agents", type=click.IntRange(min=5), default=250, show_default=True)
@click.option("--year", type=int, default=2025, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"), show_default=True)
@click.option("--no-check", is_flag=True, help="Générer les fichiers seulement, sans import ni contrôle.")
@click.option("--format", "fmt", type=click.Choice(["pes", "dsn"]), default="pes", show_default=True,
              help="dsn : écrire aussi la commune en DSN mensuelles (dossier dsn/) et les importer à part.")
@click.option("--years", "years_text", default=None,
              help="Plusieurs années consécutives, ex. 2024-2025 (remplace --year) : entrées, sorties, avancements.")
def demo_cmd(n_agents, year, seed, out, no_check, fmt, years_text):
    """Générer une commune fictive réaliste, l'importer et la contrôler."""
    from .demo import run_demo
    from .demo.years import YearsError, parse_years
    from .params import ParameterError

    try:
        years = parse_years(years_text) if years_text else None
        text = run_demo(out, n_agents=n_agents, year=year, seed=seed, check=not no_check, fmt=fmt, years=years)
    except (YearsError, ParameterError) as exc:  # e.g. a year before the first dated value
        raise InputError(str(exc)) from exc
    click.echo(text)


# --- worktime --------------------------------------------------------------------------------
@main.command("worktime")
@click.argument("scenario_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "xlsx", "csv", "md", "json"]), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier de sortie.")
def worktime_cmd(scenario_file, fmt, out):
    """Simuler des régimes de temps de travail face aux 1 607 heures."""
    from .worktime import ScenarioError, run_worktime

    try:
        text = run_worktime(scenario_file, fmt=fmt, out=out)
    except ScenarioError as exc:
        raise InputError(str(exc)) from exc
    if text:
        click.echo(text)


# --- absenteeism -----------------------------------------------------------------------------
@main.command("absenteeism")
@_workspace_option()
@click.option("--year", type=int, default=None, help="Année (défaut : la dernière année importée).")
@click.option("--by", "by", default="", help="Ventilations, ex. 'service,categorie,statut,age,sexe'.")
@click.option("--base", type=click.Choice(["calendaire", "ouvre"]), default="calendaire", show_default=True,
              help="Base du taux affiché : jours calendaires ou jours ouvrés du territoire.")
@click.option("--territory", default=None,
              help="Territoire du calendrier (metropole, alsace-moselle, 971...) ; défaut : celui de la délibération.")
@click.option("--format", "fmt", type=click.Choice(["text", "xlsx", "csv", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier de sortie.")
def absenteeism_cmd(workspace, year, by, base, territory, fmt, out):
    """Indicateurs d'absentéisme (taux, fréquence, durée, coût) par motif et par ventilation."""
    from .analytics.absenteeism import AbsenteeismError, absenteeism, render
    from .workcalendar import CalendarError
    from .check import CheckError, build_context

    ws = _open_workspace(workspace)
    dims = [d.strip() for d in by.split(",") if d.strip()]
    try:
        ctx = build_context(ws)
        territory = territory or getattr(ctx.deliberation, "territory", None) or "metropole"
        args = (ctx.payslips, ctx.absences, ctx.agents, ctx.params)
        report = absenteeism(*args, year=year, by=dims, base=base, territory=territory)
        services = (absenteeism(*args, year=report.year, by=["service"], base=base, territory=territory).rows
                    if fmt == "xlsx" else [])
        services = [r for r in services if r["group"] == "service"]
        click.echo(render(report, fmt, out, services))
    except (AbsenteeismError, CalendarError, CheckError) as exc:
        raise InputError(str(exc)) from exc


# --- payroll ---------------------------------------------------------------------------------
@main.command("payroll")
@_workspace_option()
@click.option("--by", "by", default="", help="Axes de ventilation, ex. 'statut,categorie,service'.")
@click.option("--budget", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Chapitres 012 et 013, recettes et dépenses réelles de fonctionnement par année (YAML).")
@click.option("--services", "services_map", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Rattachement des services de paie aux fonctions de la collectivité (YAML).")
@click.option("--gvt", "gvt", type=float, default=None,
              help="Hypothèse de GVT en % pour le coût par service (défaut : GVT positif mesuré).")
@click.option("--format", "fmt", type=click.Choice(["text", "xlsx", "csv", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier de sortie.")
def payroll_cmd(workspace, by, budget, services_map, gvt, fmt, out):
    """Masse salariale par année : composantes, RMPP, GVT, noria, coût par service."""
    from .analytics import payroll
    from .analytics.report import emit
    from .enrich import CONFIG_ERRORS
    from .params import ParameterError

    ws = _open_workspace(workspace)
    try:
        data = payroll.run_payroll(
            ws, by=[b.strip() for b in by.split(",") if b.strip()],
            budget=payroll.load_budget(budget) if budget else None,
            service_map=payroll.load_service_map(services_map) if services_map else None,
            gvt_what_if=None if gvt is None else gvt / 100)
    except (payroll.PayrollError, *CONFIG_ERRORS, ParameterError) as exc:
        raise InputError(str(exc)) from exc
    click.echo(emit(payroll.tables(data), data, fmt, out, "masse_salariale.xlsx", data["notes"]))


# --- project ---------------------------------------------------------------------------------
@main.command("project")
@click.argument("projection_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_workspace_option(required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "xlsx", "csv", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Fichier de sortie.")
def project_cmd(projection_file, workspace, fmt, out):
    """Projeter les charges de personnel sur plusieurs années, par scénario."""
    from .analytics import projection
    from .analytics.report import emit
    from .enrich import CONFIG_ERRORS

    ws = _open_workspace(workspace) if workspace else None
    try:
        rows, start, spec = projection.run_projection(projection_file, ws)
    except (projection.ProjectionError, *CONFIG_ERRORS) as exc:
        raise InputError(str(exc)) from exc
    click.echo(emit(projection.tables(rows, start, spec), rows, fmt, out, "projection.xlsx",
                    projection.notes(start), xlsx_hook=projection.add_chart))


# --- report ----------------------------------------------------------------------------------
@main.command("report")
@_workspace_option()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/audit.xlsx"),
              show_default=True, help="Classeur du rapport (.xlsx).")
@click.option("--scenarios", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Scénarios de temps de travail (YAML) pour la section temps de travail.")
@click.option("--deliberations", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
              help="Délibérations (défaut : celles de l'espace de travail).")
@click.option("--projection", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Fichier de projection (YAML) pour la section projection des charges de personnel.")
@click.option("--collectivite", default=None, help="Nom de la collectivité (défaut : l'établissement des bulletins).")
@click.option("--pseudonymise", is_flag=True, help="Remplacer les matricules par des pseudonymes stables.")
@click.option("--html", "html", is_flag=True, help="Écrire aussi un rapport HTML autonome à côté du classeur.")
def report_cmd(workspace, out, scenarios, deliberations, projection, collectivite, pseudonymise, html):
    """Rapport d'audit : synthèse, une feuille par règle, tableaux numérotés, méthodologie."""
    from .check import CheckError
    from .report import ReportError, build_report, write_report

    ws = _open_workspace(workspace)
    try:
        report = build_report(ws, scenarios=scenarios, pseudonymise=pseudonymise, collectivite=collectivite,
                              deliberations=list(deliberations) or None, projection=projection)
    except (CheckError, ReportError) as exc:
        raise InputError(str(exc)) from exc
    paths = write_report(report, out, html=html)
    click.echo(f"Rapport écrit : {', '.join(str(p) for p in paths)} ({len(report.check.findings)} constat(s)).")


# --- dev (contributors) -----------------------------------------------------------------------
@main.group("dev")
def dev_group() -> None:
    """[Contributeurs] Outils de développement de rhaudit (copie du dépôt installée avec pip install -e)."""


@dev_group.command("new-rule")
@click.argument("rule_id")
@click.option("--title", default=None, help="Titre français de la règle (défaut : à compléter).")
@click.option("--severity", type=click.Choice(SEVERITIES), default="alerte", show_default=True, help="Gravité.")
@click.option("--requires", multiple=True,
              help="Donnée requise, répétable (deliberation.ihts, absences... : voir rules.REQUIREMENTS).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dépôt où écrire (défaut : celui de ce rhaudit).")
def new_rule_cmd(rule_id, title, severity, requires, root):
    """Écrire le squelette d'une règle FAMILLE-NNN (en aperçu) et de son test, à compléter."""
    from .scaffold import ScaffoldError, new_rule

    try:
        done = new_rule(rule_id, root=root, title=title, severity=severity, requires=requires)
    except ScaffoldError as exc:
        raise InputError(str(exc)) from exc
    verb = "créé" if done.created_module else "complété"
    click.echo(f"{done.rule_id} : squelette écrit dans {done.module} ({verb}), statut aperçu ; "
               f"test à écrire : {done.test}.\nÀ faire : la docstring (quatre sections), le corps de la règle, les "
               f"deux cas du test (puis retirer les marques xfail), et rhaudit rules --format md > docs/regles.md.")


def _say(message: str) -> None:
    click.echo(message, err=True)


def _open_workspace(path: Path) -> Workspace:
    ws = Workspace(path)
    try:
        ws.read_log()
        for note in ws.recover_if_needed():  # an import interrupted earlier
            _say(note)
    except WorkspaceError as exc:
        raise InputError(str(exc)) from exc
    if not ws.exists():
        raise InputError(
            f"{path} n'est pas un espace de travail rhaudit (pas de import_log.json). "
            f"Lancez d'abord : rhaudit import FICHIERS --workspace {path}"
        )
    return ws


if __name__ == "__main__":
    main()
