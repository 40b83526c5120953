"""Import orchestration: files -> parsers -> classification -> checks -> workspace (atomic).

`import_files` expands folders, skips files already imported (sha256 of the content), parses
each file with its importer, classifies the pay lines, infers catégorie and population,
reports duplicate payslips and gross-pay gaps, then writes everything in one
`Workspace.commit`: if anything fails, the workspace is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ..fmt import fr_eur
from ..model import PAYSLIP_KEY
from ..workspace import FileEntry, Workspace, now_iso, usable_cores
from .base import PLAUSIBLE_YEARS, ImportError_, ParsedFile, file_sha256

PES_SUFFIXES = (".xhl", ".xml")
TABLE_SUFFIXES = (".csv", ".xlsx")
REJECTIONS_SHOWN = 20  # per file in the rendered report; all of them are in import_log.json


class ImportFailed(Exception):
    """The import cannot be done at all (French message naming the file and what to do)."""


@dataclass
class ImportReport:
    """What an import did, rendered in French for the user."""

    imported: list[FileEntry] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[str] = field(default_factory=list)  # import-wide (duplicates, gross gaps)
    gross_mismatches: int = 0
    deliberations: str | None = None
    notes: list[str] = field(default_factory=list)  # workspace housekeeping (interrupted import completed...)

    def render(self) -> str:
        out: list[str] = list(self.notes)
        for e in self.imported:
            out.append(f"\n{e.path} ({_KIND_LABELS.get(e.kind, e.kind)})")
            if e.kind in ("pes", "paie_tableur", "dsn"):
                out.append(f"  {e.payslips} bulletins, {e.lines} lignes de paie, brut {fr_eur(e.gross_total)}"
                           + (f", {e.absences} absences (arrêts et suspensions)" if e.kind == "dsn" else ""))
            elif e.kind == "absences":
                out.append(f"  {e.absences} absences")
            elif e.kind == "soldes":
                out.append(f"  {e.records_imported} soldes de congés")
            else:
                out.append(f"  {e.records_imported} agents")
            record, unit = _MAIN_RECORD[e.kind]
            rejected_main = sum(1 for r in e.rejected if r["record"] == record)
            balance = "" if e.records_read == e.records_imported + rejected_main else \
                " (écart inexpliqué : signalez-le aux mainteneurs de rhaudit)"
            out.append(f"  lus = importés + rejetés : {e.records_read} = {e.records_imported} + {rejected_main} {unit}{balance}")
            if e.rejected:
                out.append(f"  {len(e.rejected)} rejet(s) :")
                out += _first_items([_describe(r) for r in e.rejected], "    ", "voir import_log.json")
            if e.warnings:
                out.append(f"  {len(e.warnings)} avertissement(s) :")
                out += _first_items(e.warnings, "    ", "voir import_log.json")
        for path, reason in self.skipped:
            out.append(f"\n{path} : {reason}")
        if self.warnings:
            out.append("\nAvertissements :")
            out += _first_items(self.warnings, "  ", "les doublons sont détaillés par rhaudit check (QUAL-002)")
        if self.deliberations:
            out.append(f"\nDélibérations validées et enregistrées : {self.deliberations}")
        if not (self.imported or self.skipped):  # only the délibérations were given
            return "\n".join(out).lstrip("\n")
        n_rejected = sum(len(e.rejected) for e in self.imported)
        out.append(
            f"\nTotal : {len(self.imported)} fichier(s) importé(s), {len(self.skipped)} ignoré(s) ; "
            f"{sum(e.payslips for e in self.imported)} bulletins, {sum(e.lines for e in self.imported)} lignes, "
            f"{sum(e.absences for e in self.imported)} absences, brut {fr_eur(sum(e.gross_total for e in self.imported))} ; "
            f"{n_rejected} rejet(s)."
        )
        return "\n".join(out).lstrip("\n")


# Per file kind: the record counted in "lus = importés + rejetés", and its plural label.
_MAIN_RECORD = {"pes": ("bulletin", "bulletins"), "dsn": ("bulletin", "bulletins"), "paie_tableur": ("ligne de paie", "lignes de paie"),
                "absences": ("absence", "absences"), "agents": ("agent", "agents"),
                "soldes": ("solde", "soldes")}
_KIND_LABELS = {"pes": "PES paye", "dsn": "DSN", "paie_tableur": "paie tableur", "absences": "absences", "agents": "agents",
                "soldes": "soldes de congés"}


def _first_items(items: list[str], indent: str, where_more: str) -> list[str]:
    """The first REJECTIONS_SHOWN items as a list, then how many more and where to find them."""
    out = [f"{indent}- {x}" for x in items[:REJECTIONS_SHOWN]]
    if len(items) > REJECTIONS_SHOWN:
        out.append(f"{indent}... et {len(items) - REJECTIONS_SHOWN} autres, {where_more}")
    return out



def _describe(rejection: dict) -> str:
    from .base import Rejection

    return Rejection(**rejection).describe()


# --- expansion and parsing ---------------------------------------------------------------------

def _expand_payroll(paths: list[Path], report: ImportReport) -> list[Path]:
    """Payroll files from the arguments; folders are searched recursively."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                if f.suffix.lower() in PES_SUFFIXES + TABLE_SUFFIXES or _is_dsn(f):
                    files.append(f)
                elif not f.name.startswith("."):
                    report.skipped.append((display_path(f), "ignoré : extension non reconnue (.xhl/.xml PES, .csv/.xlsx tableur)"))
        elif p.suffix.lower() in PES_SUFFIXES + TABLE_SUFFIXES or _is_dsn(p):
            files.append(p)
        else:
            raise ImportFailed(
                f"{p} : extension {p.suffix or '(aucune)'} non reconnue. Fichiers de paie acceptés : "
                f".xhl ou .xml (PES paye), .csv ou .xlsx (export tableur, avec --profile), DSN (toute "
                f"extension, reconnue à sa première ligne S10.G00.00)."
            )
    return files


def _is_dsn(path: Path) -> bool:
    from .dsn import is_dsn_file

    return is_dsn_file(path)


def _payroll_kind(path: Path) -> str:
    if _is_dsn(path):
        return "dsn"
    return "pes" if path.suffix.lower() in PES_SUFFIXES else "paie_tableur"


# Source of the payslips of each file kind (payslips.source_kind).
_SOURCE_KINDS = {"pes": "pes", "dsn": "dsn", "paie_tableur": "tableur"}


def _parse(kind: str, path: Path, profile: str | None, keep_names: bool, territory: str = "metropole") -> ParsedFile:
    try:
        # Each reader is imported when its kind of file is met: a PES-only import loads no DSN code.
        if kind == "pes":
            from .pes import parse_pes_file

            parsed = parse_pes_file(path, keep_names=keep_names)
        elif kind == "dsn":
            from .dsn import parse_dsn_file

            parsed = parse_dsn_file(path, keep_names=keep_names, territory=territory)
        elif kind == "paie_tableur":
            from .tabular import parse_payroll_table

            parsed = parse_payroll_table(path, profile)
        elif kind == "absences":
            from .absences import parse_absences

            parsed = parse_absences(path, profile, territory)
        elif kind == "soldes":
            from .soldes import parse_balances

            parsed = parse_balances(path, profile)
        else:
            from .agents import parse_agents

            parsed = parse_agents(path, profile)
    except ImportError_ as exc:
        raise ImportFailed(str(exc)) from exc
    if kind in _SOURCE_KINDS and "payslips" in parsed.tables:
        parsed.tables["payslips"]["source_kind"] = _SOURCE_KINDS[kind]
    if not keep_names:
        for name, df in parsed.tables.items():
            parsed.tables[name] = df.drop(columns=[c for c in ("nom", "prenom") if c in df.columns])
    return parsed


def display_path(path: Path | str) -> str:
    """A path as text that can be printed and written in UTF-8: a file name in another encoding
    (bytes that are not UTF-8, typically windows-1252 from an archive) is shown decoded as such."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("windows-1252", "replace")


def _parse_any_name(kind: str, path: Path, profile: str | None, keep_names: bool,
                    territory: str = "metropole") -> ParsedFile:
    """`_parse`, also for a file whose name is not valid UTF-8: it is read through an alias with
    the displayable name (the input file itself is neither renamed nor modified)."""
    shown = display_path(path)
    if shown == str(path):
        return _parse(kind, path, profile, keep_names, territory)
    with tempfile.TemporaryDirectory() as tmp:
        alias = Path(tmp) / display_path(path.name)
        try:
            os.symlink(path.resolve(), alias)
        except OSError:
            shutil.copyfile(path, alias)
        try:
            parsed = _parse(kind, alias, profile, keep_names, territory)
        except ImportFailed as exc:
            raise ImportFailed(str(exc).replace(str(alias), shown)) from exc
    parsed.path = Path(shown)
    return parsed


# Parallel reading: one process per PES file, when there are several and they are big enough
# for the start of the worker processes (about a second) to pay off.
PARALLEL_MIN_BYTES = 16 << 20


def _workers(jobs: list[tuple[str, Path, str | None, str]]) -> int:
    """How many processes read the files (1: in this process)."""
    pes = [path for kind, path, _, _ in jobs if kind == "pes"]
    cores = usable_cores()
    if len(pes) < 2 or cores < 2 or sum(p.stat().st_size for p in pes) < PARALLEL_MIN_BYTES:
        return 1
    return min(cores, len(pes))


def _parse_job(job: tuple[str, Path, str | None, str], keep_names: bool, territory: str = "metropole") -> ParsedFile:
    kind, path, prof, _ = job
    return _parse_any_name(kind, path, prof, keep_names, territory)


def parse_all(jobs: list[tuple[str, Path, str | None, str]], keep_names: bool, progress=None, territory: str = "metropole"):
    """The ParsedFile of each job (kind, path, profile, sha256), yielded in the order of `jobs`.

    Several big PES files are read in parallel, one process per file (the parse is CPU-bound);
    the results come back in the order of the jobs whatever the order the processes finish in,
    so the import is the same as a sequential one, and the first file that fails (in that
    order) stops the import with its own message.
    """
    total = len(jobs)
    workers = _workers(jobs)
    if workers == 1:
        for done, job in enumerate(jobs, start=1):
            parsed = _parse_job(job, keep_names, territory)
            if progress:
                progress(done, total, job[1].name)
            yield parsed
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork where it exists: the workers start at once with the modules already loaded, and the
    # caller's main module is not run again (spawn and forkserver re-import it, which breaks a
    # script without an `if __name__ == "__main__"` guard and costs a second per import).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_parse_job, job, keep_names, territory) for job in jobs]
        _load_tables_meanwhile()
        try:
            for done, (job, future) in enumerate(zip(jobs, futures), start=1):
                parsed = future.result()
                futures[done - 1] = None  # the result is the caller's now: free it here
                if progress:
                    progress(done, total, job[1].name)
                yield parsed
        finally:
            for future in futures:
                if future is not None:
                    future.cancel()


def _load_tables_meanwhile() -> None:
    """Load (into their caches) the code tables and dated parameters that classification and
    population need after the reading, while the worker processes read: the main process would
    otherwise wait idle, then read these YAML files. A broken file is left for the step that
    needs it to report."""
    from .. import classify, params

    with contextlib.suppress(Exception):
        classify.default_classifier()
        params.default_parameters()


def _check_years(parsed: ParsedFile) -> None:
    slips = parsed.tables.get("payslips")
    if slips is None or slips.empty:
        return
    years = sorted({int(y) for y in slips["year"].dropna().unique()})
    bad = [y for y in years if not PLAUSIBLE_YEARS[0] <= y <= PLAUSIBLE_YEARS[1]]
    if bad:
        raise ImportFailed(
            f"{parsed.path} : année de paie impossible : {', '.join(map(str, bad))} (attendu entre {PLAUSIBLE_YEARS[0]} "
            f"et {PLAUSIBLE_YEARS[1]} ; élément Annee du flux PES, ou colonne de l'année de l'export). Le fichier est "
            f"abîmé ou mal exporté : demandez un nouvel export. Rien n'a été importé."
        )


# --- checks across files -----------------------------------------------------------------------

def _duplicate_warnings(new: list[pd.DataFrame], existing: pd.DataFrame) -> list[str]:
    """The same payslip key twice (in one file, two files, or already in the workspace)."""
    cols = PAYSLIP_KEY + ["source_file", "source_kind"]
    frames = [existing[cols]] + [df[cols] for df in new if not df.empty]
    keys = pd.concat(frames, ignore_index=True)
    # A PES and a DSN payslip of the same month are two sources of one pay (compared by QUAL-010).
    keys["source_kind"] = keys["source_kind"].fillna("")
    dup = keys[keys.duplicated(PAYSLIP_KEY + ["source_kind"], keep=False)]
    if dup.empty:
        return []
    out = []
    for key, group in dup.groupby(PAYSLIP_KEY + ["source_kind"], sort=True):
        matricule, year, month, establishment, _ = key
        files = ", ".join(sorted(set(group["source_file"])))
        out.append(
            f"bulletin en double : agent {matricule}, {int(month):02d}/{int(year)}, établissement {establishment} "
            f"({len(group)} fois : {files}) ; tous sont importés, la règle QUAL-002 les signalera."
        )
    return out


def gross_mismatch_count(payslips: pd.DataFrame, pay_lines: pd.DataFrame) -> int:
    """Payslips whose MtBrut differs, to the cent, from the gross of their lines taken by
    category (reconcile.payslip_identities, as rule QUAL-001); a payslip without MtBrut is not
    compared."""
    if payslips.empty:
        return 0
    from ..reconcile import payslip_identities

    key = PAYSLIP_KEY + ["source_file"]
    per = payslip_identities(payslips, pay_lines)
    flagged = per.loc[(per["gross_gap"].abs().round(2) >= 0.01) & ~per["gross_derived"], key]
    return len(payslips[key].merge(flagged, on=key))  # a payslip written twice counts twice


def _classify_and_annotate(payroll_files: list[ParsedFile], agents: pd.DataFrame) -> list[pd.DataFrame]:
    """The derived columns (rhaudit.enrich: line categories and hours, payslip catégorie,
    population and quotité), computed once for all the files.

    One call for the whole import pays the set-up of the code tables and patterns once; the
    results are then given back to each file (the tables keep their row order).
    """
    from ..classify import file_nomenclature
    from ..enrich import Configs, enrich
    from ..params import default_parameters

    sizes = [(len(p.tables["pay_lines"]), len(p.tables["payslips"])) for p in payroll_files]
    lines = pd.concat([p.tables["pay_lines"] for p in payroll_files], ignore_index=True)
    slips = pd.concat([p.tables["payslips"] for p in payroll_files], ignore_index=True)
    for p in payroll_files:  # the files' own frames are dropped once copied: fewer copies of every line
        p.tables["pay_lines"] = p.tables["payslips"] = None
    configs = Configs(params=default_parameters(), nomenclature=file_nomenclature([p.tables for p in payroll_files]))
    enriched = enrich({"payslips": slips, "pay_lines": lines, "agents": agents}, configs)
    del lines
    lines, annotated = enriched.pop("pay_lines"), enriched.pop("payslips").sort_index()
    if not annotated.index.equals(slips.index):
        raise RuntimeError("enrich doit rendre un bulletin par bulletin reçu, dans le même index")
    frames, line_start, slip_start = [], 0, 0
    for p, (n_lines, n_slips) in zip(payroll_files, sizes):
        p.tables["pay_lines"] = lines.iloc[line_start:line_start + n_lines].reset_index(drop=True)
        p.tables["payslips"] = annotated.iloc[slip_start:slip_start + n_slips].reset_index(drop=True)
        frames.append(p.tables["payslips"])
        line_start, slip_start = line_start + n_lines, slip_start + n_slips
    return frames


def _entry(parsed: ParsedFile, sha: str, derived_with: str = "") -> FileEntry:
    t = parsed.tables
    slips = t.get("payslips")
    lines = t.get("pay_lines")
    absences = t.get("absences")
    years: set[int] = set()
    if slips is not None and not slips.empty:
        years |= {int(y) for y in slips["year"].dropna().unique()}
    if absences is not None and not absences.empty:
        years |= {int(d.year) for d in absences["start"].dropna()}
    balances = t.get("leave_balances")
    if balances is not None and not balances.empty:
        years |= {int(y) for y in balances["year"].dropna()}
    return FileEntry(
        path=display_path(parsed.path), sha256=sha, kind=parsed.kind, imported_at=now_iso(),
        records_read=parsed.records_read, records_imported=parsed.records_imported,
        payslips=0 if slips is None else len(slips), lines=0 if lines is None else len(lines),
        absences=0 if absences is None else len(absences),
        gross_total=0.0 if slips is None or slips.empty else round(float(slips["gross"].sum()), 2),
        years=sorted(years), rejected=[asdict(r) for r in parsed.rejected], warnings=list(parsed.warnings),
        declarations=list(parsed.declarations),
        derived_with=derived_with if slips is not None else "",
    )


# --- the import --------------------------------------------------------------------------------

def import_files(
    ws: Workspace,
    payroll: list[Path] | None = None,
    absences: list[Path] | None = None,
    agents: list[Path] | None = None,
    profile: str | None = None,
    absence_profile: str | None = None,
    agent_profile: str | None = None,
    deliberations: Path | None = None,
    keep_names: bool = False,
    replace: bool = False,
    on_wait=None,
    balances: list[Path] | None = None,
    balance_profile: str | None = None,
    progress=None,
) -> ImportReport:
    """Import payroll, absence and agent files into the workspace; raise ImportFailed if impossible.

    The workspace is locked for the whole import (`on_wait(message)` is called once if another
    import holds it); an import interrupted earlier is completed or undone first (report.notes).
    `replace`: files already imported (same content) are imported again, replacing their
    previous entry and data (after a profile was corrected). `progress(done, total, name)` is
    called after each file is read (for a progress bar).
    """
    report = ImportReport()
    deliberations_text = _validated_deliberations(deliberations)

    jobs: list[tuple[str, Path, str | None]] = []
    for f in _expand_payroll(payroll or [], report):
        jobs.append((_payroll_kind(f), f, profile))
    jobs += [("agents", Path(p), agent_profile) for p in agents or []]
    jobs += [("absences", Path(p), absence_profile) for p in absences or []]
    jobs += [("soldes", Path(p), balance_profile) for p in balances or []]

    kinds = {kind for kind, _, _ in jobs}
    for option, value, kind, files in (("--profile", profile, "paie_tableur", "aucun export tableur de paie (.csv/.xlsx)"),
                                       ("--absence-profile", absence_profile, "absences", "aucun fichier --absences"),
                                       ("--agent-profile", agent_profile, "agents", "aucun fichier --agents"),
                                       ("--balance-profile", balance_profile, "soldes", "aucun fichier --balances")):
        if value and kind not in kinds:
            report.warnings.append(f"{option} {value} sans effet : {files} à importer (un flux PES n'a pas de profil).")
    territory = _absence_territory(ws, deliberations) if kinds & {"absences", "dsn"} else "metropole"

    created = not ws.root.exists()
    try:
        with ws.locked(on_wait=on_wait):
            report.notes += ws.recover()
            report.notes += ws.migrate_layout()
            _import_locked(ws, jobs, report, keep_names, replace, deliberations_text, progress, territory)
    except BaseException:
        if created and not ws.exists():  # a first import that failed leaves no folder behind
            ws.lock_path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                ws.root.rmdir()
        raise
    if deliberations_text is not None:
        report.deliberations = str(ws.root / "deliberations.yaml")
    return report


def _import_locked(ws: Workspace, jobs, report: ImportReport, keep_names: bool, replace: bool,
                   deliberations_text: str | None, progress=None, territory: str = "metropole") -> None:
    """The import proper, holding the workspace lock: the log read here is the one committed to."""
    known = ws.known_hashes()
    replaced: set[str] = set()
    this_run: set[str] = set()
    parsed_files: list[tuple[ParsedFile, str]] = []
    to_parse: list[tuple[str, Path, str | None, str]] = []
    for kind, path, prof in jobs:
        sha = file_sha256(path)
        if sha in this_run or (sha in known and not replace):
            hint = "" if sha in this_run else \
                " ; pour le réimporter, par exemple après avoir corrigé un profil, ajoutez --replace"
            report.skipped.append((display_path(path), f"déjà importé (même contenu que {known[sha]}){hint}"))
            continue
        if sha in known:
            replaced.add(sha)
            report.notes.append(f"{display_path(path)} : réimporté avec --replace ; l'import précédent du même contenu "
                                f"({known[sha]}) et ses données sont remplacés.")
        this_run.add(sha)
        known[sha] = display_path(path)
        to_parse.append((kind, path, prof, sha))
    for (kind, path, prof, sha), parsed in zip(to_parse, parse_all(to_parse, keep_names, progress, territory)):
        _check_years(parsed)
        parsed_files.append((parsed, sha))

    _reconcile_references(ws, [p for p, _ in parsed_files], replaced)

    # Agents first: the population inference uses them (with those already in the workspace).
    new_agents = [p.tables["agents"] for p, _ in parsed_files if p.kind == "agents" and "agents" in p.tables]
    agents_frame = pd.concat([ws.read("agents")] + new_agents, ignore_index=True) if new_agents else ws.read("agents")

    payroll_files = [p for p, _ in parsed_files if "payslips" in p.tables and "pay_lines" in p.tables]
    payslip_frames = _classify_and_annotate(payroll_files, agents_frame) if payroll_files else []
    # File by file (the payslip key includes source_file): no copy of every file's lines at once.
    report.gross_mismatches = sum(gross_mismatch_count(p.tables["payslips"], p.tables["pay_lines"])
                                  for p in payroll_files)

    if payslip_frames:
        years = sorted({int(y) for df in payslip_frames for y in df["year"].dropna().unique()})
        from ..dsn_versions import replacing

        log = ws.read_log()
        new_frames = [df[~replacing(df, p.declarations, str(p.path), log)] for p, df in zip(payroll_files, payslip_frames)]
        report.warnings += _duplicate_warnings(new_frames, ws.read("payslips", years=years, exclude=replaced))
    if report.gross_mismatches:  # first, so that a long list of duplicates cannot hide it
        report.warnings.insert(0, 
            f"{report.gross_mismatches} bulletin(s) dont le brut (MtBrut) diffère de la somme des lignes de "
            f"rémunération (prises par catégorie) : ils sont importés, la règle QUAL-001 les détaille."
        )

    from ..enrich import configs_fingerprint

    derived_with = configs_fingerprint()
    batches = [(_entry(p, sha, derived_with), p.tables) for p, sha in parsed_files]
    report.imported = [e for e, _ in batches]
    extra = {"deliberations.yaml": deliberations_text} if deliberations_text is not None else None
    ws.commit(batches, replace=replaced, extra_files=extra)


def _reconcile_references(ws: Workspace, parsed: list[ParsedFile], replaced: set[str]) -> None:
    """Re-import semantics of the absences, agents and leave balances files (see docs/import.md)."""
    from .absences import reconcile_absences
    from .soldes import replaced_warning

    for p in (p for p in parsed if p.kind == "soldes"):
        replaced_warning(p, ws.read("leave_balances", exclude=replaced))

    absences = [p for p in parsed if p.kind == "absences"]
    if absences:
        reconcile_absences(absences, ws.read("absences", exclude=replaced))
    before = set(ws.read("agents", exclude=replaced)["matricule"].dropna())
    for p in (p for p in parsed if p.kind == "agents"):
        again = sorted(before & set(p.tables["agents"]["matricule"].dropna()))
        if again:
            p.warnings.append(
                f"{len(again)} agent(s) déjà présent(s) dans l'espace de travail ({', '.join(again[:10])}"
                f"{', ...' if len(again) > 10 else ''}) : les valeurs de ce fichier remplacent les précédentes."
            )
        before |= set(p.tables["agents"]["matricule"].dropna())


def _absence_territory(ws: Workspace, deliberations: Path | None) -> str:
    """The territory whose calendar counts the working days of the absence files: that of the
    délibérations given with the import, else of the workspace's, else metropolitan France."""
    from ..deliberations import DeliberationError, find_deliberation_files, load_deliberation_files

    try:
        delib = load_deliberation_files([Path(deliberations)] if deliberations else find_deliberation_files(ws.root))
    except DeliberationError as exc:
        raise ImportFailed(f"{exc}\nLe territoire des délibérations (jours fériés) sert à compter les jours ouvrés "
                           f"des absences : corrigez ce fichier. Rien n'a été importé.") from exc
    return delib.territory if delib is not None else "metropole"


def _validated_deliberations(path: Path | None) -> str | None:
    """The text of a valid délibérations file (validated before anything is written)."""
    if path is None:
        return None
    from ..deliberations import DeliberationError, load_deliberations

    try:
        load_deliberations(path)
    except DeliberationError as exc:
        raise ImportFailed(f"{exc}\nRien n'a été importé.") from exc
    return Path(path).read_text(encoding="utf-8")


__all__ = ["ImportFailed", "ImportReport", "import_files", "ParsedFile", "gross_mismatch_count"]
