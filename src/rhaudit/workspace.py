"""A workspace: the canonical tables of one audit as Parquet files, plus the import log.

Layout:
    W/payslips/year=<year>/<file-hash>.parquet     one file per imported source file and year
    W/pay_lines/year=<year>/<file-hash>.parquet    (hive-style: DuckDB, Spark, Polars read them)
    W/absences/year=<year>/<file-hash>.parquet     year of the absence start
    W/agents/<file-hash>.parquet
    W/nomenclature/<file-hash>.parquet        codes and labels listed by PES files (Nomenclatures)
    W/leave_balances/<file-hash>.parquet      leave balances (congés annuels, ARTT, CET)
    W/import_log.json                         files, hashes, counts, sums, rejected records

One writer at a time: an import holds the workspace lock (W/.rhaudit.lock, released by the
operating system if the process dies). Writes go to a staging folder first; a journal
(W/.commit.json) then lists the moves, the files are moved into place, the log is replaced last
and the journal removed. A failed import leaves the workspace as it was; an import killed during
the moves is completed by the next command (`recover`), one killed before has its staging
folder removed.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import socket
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

try:  # POSIX: flock, released by the kernel when the process dies
    import fcntl as _fcntl
    _msvcrt = None
except ImportError:  # Windows
    _fcntl = None
    import msvcrt as _msvcrt

import pandas as pd

from .dsn_versions import current_rows  # DSN "annule et remplace", repeated stops
from .model import TABLES, conform, empty_frame

YEAR_PARTITIONED = ("payslips", "pay_lines", "absences")
# Hive-style partition folders: payslips/year=2025/<file-hash>.parquet (the first layout,
# payslips/2025/, is still read, and moved by the next import: Workspace.migrate_layout).
YEAR_KEY = "year"
# Columns Workspace.read needs whatever the caller asks for (agents de-duplication, DSN replacements).
_READ_KEYS = ("matricule", "source_file", "source_line", "motive", "start")
_YEAR_COLUMN = {"payslips": "year", "pay_lines": "year", "absences": "start"}
# Tables where a later imported file replaces the rows of the keys it covers (import order wins).
_LATEST_WINS = {"agents": ["matricule"], "leave_balances": ["matricule", "year", "type"]}


LOG_NAME = "import_log.json"
_LOG_KEYS = ("path", "sha256", "kind")  # what every log entry must have
JOURNAL_NAME = ".commit.json"
LOCK_NAME = ".rhaudit.lock"
STAGING_PREFIX = ".staging-"
DEFAULT_LOCK_TIMEOUT = 120.0
LOCK_POLL_SECONDS = 0.2


class WorkspaceError(Exception):
    pass


class WorkspaceBusy(WorkspaceError):
    """Another process holds the workspace lock longer than the wait allowed."""


@dataclass
class FileEntry:
    """One imported file in the import log."""

    path: str
    sha256: str
    kind: str  # pes, dsn, paie_tableur, absences, agents, soldes
    imported_at: str
    records_read: int  # payslips (PES, payroll tables) or rows (absences, agents) in the input
    records_imported: int
    payslips: int = 0
    lines: int = 0
    absences: int = 0
    gross_total: float = 0.0  # sum of MtBrut of the imported payslips
    years: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    declarations: list[dict] = field(default_factory=list)  # DSN: declarations of the file (annule et remplace)
    derived_with: str = ""  # payroll files: enrich.configs_fingerprint() of the stored derived columns


class Workspace:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    # --- log ---------------------------------------------------------------------------------
    @property
    def log_path(self) -> Path:
        return self.root / LOG_NAME

    def exists(self) -> bool:
        return self.log_path.is_file()

    def read_log(self) -> list[dict]:
        if not self.log_path.is_file():
            return []
        try:
            files = json.loads(self.log_path.read_text(encoding="utf-8"))["files"]
            if not isinstance(files, list):
                raise TypeError("« files » n'est pas une liste")
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(
                f"{self.log_path} est illisible ({exc}) : ce journal d'import a été modifié ou abîmé. "
                f"Restaurez-le depuis une sauvegarde, ou réimportez les fichiers dans un nouvel espace de travail."
            ) from exc
        except OSError as exc:
            raise WorkspaceError(f"{self.log_path} : lecture impossible ({exc.strerror or exc}). Vérifiez les droits "
                                 f"sur l'espace de travail.") from exc
        for i, e in enumerate(files, start=1):
            missing = [k for k in _LOG_KEYS if not isinstance(e, dict) or not isinstance(e.get(k), str) or not e.get(k)]
            if missing:
                path = e.get("path") if isinstance(e, dict) else None
                raise WorkspaceError(
                    f"{self.log_path} : l'entrée n° {i} du journal{f' ({path})' if path else ''} n'a pas de "
                    f"{', '.join(missing)} valide : ce journal d'import a été modifié ou abîmé. Restaurez-le depuis une "
                    f"sauvegarde, ou réimportez les fichiers dans un nouvel espace de travail."
                )
        return files

    def known_hashes(self) -> dict[str, str]:
        return {e["sha256"]: e["path"] for e in self.read_log()}

    # --- reading -----------------------------------------------------------------------------
    def read(self, table: str, years: list[int] | None = None, exclude: set[str] | frozenset = frozenset(),
             columns: list[str] | None = None) -> pd.DataFrame:
        """The canonical table, all years or only `years` (empty frame when nothing imported),
        without the data of the logged files whose sha256 are in `exclude`; only the canonical
        `columns` when given (less to read and convert on large workspaces).

        Agents: when several imported files describe one matricule, the most recently imported
        file wins (a newer reference replaces the older one for the matricules it covers).
        """
        base = self.root / table
        if table in YEAR_PARTITIONED:
            wanted = None if not years else {int(y) for y in years}
            dirs = sorted((year, d.name, d) for d, year in _year_dirs(base) if wanted is None or year in wanted)
            files = [f for _, _, d in dirs for f in sorted(d.glob("*.parquet"))]
        else:
            files = sorted(base.glob("*.parquet"))
        excluded = {sha[:16] for sha in exclude}
        files = [f for f in files if f.stem not in excluded]
        if not files:
            empty = empty_frame(table, with_names=False)
            return empty if columns is None else empty[[c for c in empty.columns if c in columns]]
        if table in _LATEST_WINS:  # import order
            order = {e["sha256"][:16]: i for i, e in enumerate(self.read_log())}
            files.sort(key=lambda f: order.get(f.stem, -1))
        # The columns asked for, plus those the de-duplication below needs.
        needed = None if columns is None else list(dict.fromkeys(list(columns) + list(_READ_KEYS)
                                                                + _LATEST_WINS.get(table, [])))
        frames = [self._read_parquet(f, needed) for f in files]
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if table in _LATEST_WINS:
            df = df.drop_duplicates(_LATEST_WINS[table], keep="last").reset_index(drop=True)
        df = conform(df, table, needed)
        if table in YEAR_PARTITIONED:
            df = current_rows(df, table, self.read_log()).reset_index(drop=True)
        df = _single_chunk(df) if len(frames) > 1 else df
        return df if columns is None else df[[c for c in df.columns if c in columns]]

    def _read_parquet(self, path: Path, columns: list[str] | None = None) -> pd.DataFrame:
        try:
            if columns is not None:  # only the canonical columns the file holds
                import pyarrow.parquet as pq

                held = set(pq.read_schema(path).names)
                columns = [c for c in columns if c in held]
            frame = pd.read_parquet(path, columns=columns, dtype_backend="numpy_nullable")
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError, ArrowIOError an OSError
            raise self._damaged(path, exc) from exc
        # Read straight into the canonical nullable types (no float64/object step to convert again;
        # a NaN stored in a float column reads as missing, as it did through numpy floats: tested).
        return frame

    def _damaged(self, path: Path, exc: Exception) -> "WorkspaceError":
        key = path.stem
        source = next((e["path"] for e in self.read_log() if e["sha256"].startswith(key)), None)
        fix = (f"réimportez le fichier d'origine {source} avec « rhaudit import --replace {source} »"
               if source else "réimportez les fichiers dans un nouvel espace de travail")
        return WorkspaceError(f"{path} est abîmé ou illisible ({type(exc).__name__}: {exc}) : {fix} (ou restaurez "
                              f"l'espace de travail depuis une sauvegarde).")

    def years(self) -> list[int]:
        return sorted({year for _, year in _year_dirs(self.root / "payslips")})

    def migrate_layout(self) -> list[str]:
        """Move the data files of the first layout (payslips/2025/) to the hive-style one
        (payslips/year=2025/), which DuckDB, Spark or Polars read as a partition. Call it holding
        the lock. Both layouts are read, so a migration interrupted half-way loses nothing and
        is finished by the next import."""
        moved = 0
        for table in YEAR_PARTITIONED:
            for folder, year in _year_dirs(self.root / table):
                if folder.name == f"{YEAR_KEY}={year}":
                    continue
                for f in sorted(folder.glob("*.parquet")):
                    target = folder.parent / f"{YEAR_KEY}={year}" / f.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _move(f, target)
                    moved += 1
                with suppress(OSError):
                    folder.rmdir()
        if not moved:
            return []
        return [f"Espace de travail converti à la disposition « {YEAR_KEY}=AAAA » (lisible par DuckDB, Spark ou "
                f"Polars) : {moved} fichier(s) de données déplacé(s), contenu inchangé."]

    # --- writing -----------------------------------------------------------------------------
    def commit(self, batches: list[tuple[FileEntry, dict[str, pd.DataFrame]]], replace: set[str] = frozenset(),
               extra_files: dict[str, str] | None = None) -> None:
        """Write the tables of each imported file and append the entries to the log, atomically.

        `replace`: sha256 of files already in the log whose entry and data files this commit
        replaces (`rhaudit import --replace`). `extra_files`: other workspace files written in
        the same commit (relative path -> text, e.g. deliberations.yaml).

        Everything is written to a staging folder; then a journal (.commit.json) listing the
        moves is written atomically, the files are moved into place, the log is replaced and the
        journal removed. A kill before the journal leaves only the staging folder (removed at
        the next command); a kill after it is completed at the next command (`recover`). Call
        it holding the lock (`locked()`).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}"
        moves: list[tuple[Path, Path]] = []
        try:
            # Parquet files are written by threads (Arrow writes without the GIL), in a fixed order;
            # at most one file per thread waits, each holding a copy of its rows.
            threads = usable_cores()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                writes, pending = [], deque()

                def write(path: Path, df: pd.DataFrame, dst: Path) -> None:
                    if len(pending) >= 2 * threads:
                        pending.popleft().result()
                    pending.append(pool.submit(self._write, path, df))
                    writes.append((pending[-1], dst))

                for entry, tables in batches:
                    key = entry.sha256[:16]
                    for table, df in tables.items():
                        if df is None or df.empty:
                            continue
                        df = conform(df, table)
                        if table in YEAR_PARTITIONED:
                            year_col = df[_YEAR_COLUMN[table]]
                            year_of = year_col.dt.year if table == "absences" else year_col
                            for year, part in df.groupby(year_of.astype("Int64"), sort=True):
                                rel = Path(table) / f"{YEAR_KEY}={int(year)}" / f"{key}.parquet"
                                write(staging / rel, part, self.root / rel)
                        else:
                            rel = Path(table) / f"{key}.parquet"
                            write(staging / rel, df, self.root / rel)
                moves += [(future.result(), dst) for future, dst in writes]
            replaced_keys = {sha[:16] for sha in replace}
            for src, dst in moves:
                if dst.exists() and dst.stem not in replaced_keys:
                    raise WorkspaceError(f"{dst} existe déjà : fichier déjà importé ?")
            targets = {dst for _, dst in moves}
            removals = [f for f in self.data_files() if f.stem in replaced_keys and f not in targets]
            log = [e for e in self.read_log() if e["sha256"] not in replace] + [asdict(e) for e in entries_of(batches)]
            staging.mkdir(parents=True, exist_ok=True)  # also when no table has rows
            tmp_log = staging / LOG_NAME
            tmp_log.write_text(json.dumps({"version": 1, "files": log}, ensure_ascii=False, indent=1), encoding="utf-8")
            for rel, text in (extra_files or {}).items():
                (staging / rel).write_text(text, encoding="utf-8")
                moves.append((staging / rel, self.root / rel))
            moves.append((tmp_log, self.log_path))  # last: the log names only data already in place
            journal = {"staging": staging.name, "removals": [self._rel(f) for f in removals],
                       "moves": [[self._rel(s), self._rel(d)] for s, d in moves]}
            _atomic_write(self.root / JOURNAL_NAME, json.dumps(journal, ensure_ascii=False, indent=1))
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise WorkspaceError(_os_error_message(exc, self.root, "rien n'a été importé")) from exc
        except Exception:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        # From here on the journal exists: the commit is completed now, or at the next command.
        try:
            self._apply_journal()
        except OSError as exc:
            raise WorkspaceError(_os_error_message(
                exc, self.root, "l'import n'a pas pu être terminé ; il le sera à la prochaine commande rhaudit sur "
                                "cet espace de travail, une fois le problème réglé")) from exc

    @staticmethod
    def _write(path: Path, df: pd.DataFrame) -> Path:
        # Called from several threads: mkdir(exist_ok=True) lets two of them create one folder.
        path.parent.mkdir(parents=True, exist_ok=True)
        df.reset_index(drop=True).to_parquet(path, index=False)
        return path

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def data_files(self) -> list[Path]:
        """Every Parquet file of the canonical tables."""
        return sorted(f for table in TABLES for f in (self.root / table).rglob("*.parquet"))

    def _apply_journal(self) -> None:
        """Complete the commit described by the journal (each step can be done again safely)."""
        journal = json.loads((self.root / JOURNAL_NAME).read_text(encoding="utf-8"))
        for rel in journal["removals"]:
            (self.root / rel).unlink(missing_ok=True)
        for src_rel, dst_rel in journal["moves"]:
            src, dst = self.root / src_rel, self.root / dst_rel
            if src.exists():  # already moved by an interrupted run otherwise
                dst.parent.mkdir(parents=True, exist_ok=True)
                _move(src, dst)
        (self.root / JOURNAL_NAME).unlink()
        shutil.rmtree(self.root / journal["staging"], ignore_errors=True)

    # --- locking and recovery ----------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    @contextmanager
    def locked(self, timeout: float | None = None, on_wait: Callable[[str], None] | None = None):
        """Hold the workspace lock (one writer at a time), waiting at most `timeout` seconds
        (default: RHAUDIT_LOCK_TIMEOUT, 120 s). The operating system releases the lock of a
        process that dies, so a killed import never blocks the next one."""
        if timeout is None:
            timeout = float(os.environ.get("RHAUDIT_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise WorkspaceError(_os_error_message(exc, self.root, "rien n'a été modifié")) from exc
        try:
            deadline = time.monotonic() + timeout
            warned = False
            while not _try_lock(fd):
                holder = _read_holder(fd)
                if time.monotonic() >= deadline:
                    raise WorkspaceBusy(
                        f"L'espace de travail {self.root} est occupé par un autre import ({holder}) ; rhaudit a "
                        f"attendu {timeout:g} s. Relancez la commande quand cet import est terminé (délai réglable "
                        f"par la variable d'environnement RHAUDIT_LOCK_TIMEOUT, en secondes). Rien n'a été modifié."
                    )
                if on_wait and not warned:
                    on_wait(f"Espace de travail {self.root} occupé par un autre import ({holder}) : attente "
                            f"(au plus {timeout:g} s)...")
                    warned = True
                time.sleep(LOCK_POLL_SECONDS)
            _write_holder(fd)
            try:
                yield self
            finally:
                _unlock(fd)
        finally:
            os.close(fd)

    def pending_recovery(self) -> bool:
        """Whether an interrupted import left something behind (journal, staging, orphan data)."""
        if not self.root.is_dir():
            return False
        return ((self.root / JOURNAL_NAME).exists() or (self.root / (JOURNAL_NAME + ".tmp")).exists()
                or any(self.root.glob(f"{STAGING_PREFIX}*"))
                or bool(self._orphans()))

    def _orphans(self) -> list[Path]:
        """Data files of no logged file (left by an import interrupted before this journal existed)."""
        keys = {e["sha256"][:16] for e in self.read_log()}
        return [f for f in self.data_files() if f.stem not in keys]

    def recover(self) -> list[str]:
        """Complete or undo an interrupted import; the French notes say what was done.

        Call it holding the lock. A commit whose journal was written is completed (all its data
        was written before the journal); staging folders without a journal are removed (the
        import stopped before anything was moved); data files that no log entry names are
        removed (their file can then be imported again).
        """
        notes: list[str] = []
        if not self.root.is_dir():
            return notes
        try:
            if (self.root / JOURNAL_NAME).exists():
                try:
                    self._apply_journal()
                except (ValueError, KeyError, TypeError) as exc:
                    raise WorkspaceError(
                        f"{self.root / JOURNAL_NAME} est illisible ({exc}) : un import interrompu ne peut pas être "
                        f"terminé. Supprimez ce fichier et les dossiers {STAGING_PREFIX}*, puis réimportez les "
                        f"fichiers du dernier import."
                    ) from exc
                notes.append("Un import interrompu (arrêt pendant l'enregistrement) a été terminé : ses fichiers "
                             "figurent dans le journal import_log.json.")
            (self.root / (JOURNAL_NAME + ".tmp")).unlink(missing_ok=True)  # killed while writing the journal
            stale = sorted(self.root.glob(f"{STAGING_PREFIX}*"))
            for folder in stale:
                shutil.rmtree(folder)
            if stale:
                notes.append(f"Un import interrompu avant l'enregistrement a laissé {len(stale)} dossier(s) temporaire(s) "
                             f"({', '.join(f.name for f in stale)}) : supprimé(s) ; l'espace de travail est tel qu'avant cet "
                             f"import, relancez-le.")
            orphans = self._orphans()
            for f in orphans:
                f.unlink()
            if orphans:
                notes.append(f"{len(orphans)} fichier(s) de données sans entrée dans import_log.json (import interrompu) : "
                             f"supprimé(s) ; réimportez les fichiers concernés.")
        except OSError as exc:
            raise WorkspaceError(_os_error_message(exc, self.root, "la reprise de l'import interrompu a échoué")) from exc
        return notes

    def recover_if_needed(self) -> list[str]:
        """`recover` for a command that only reads: only when something is left behind (a
        read-only workspace in order stays readable), and only if no import is running (what a
        running import has staged is its own)."""
        if not self.pending_recovery():
            return []
        try:
            with self.locked(timeout=0):
                return self.recover()
        except WorkspaceBusy:
            return []


def _year_dirs(base: Path) -> list[tuple[Path, int]]:
    """The year folders of a partitioned table, in either layout ('year=2025' or '2025')."""
    out = []
    for d in base.glob("*") if base.is_dir() else ():
        name = d.name.removeprefix(f"{YEAR_KEY}=")
        if name.isdigit() and d.is_dir():
            out.append((d, int(name)))
    return out


def _single_chunk(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with each text column in one Arrow chunk: the concatenation of a table's files leaves
    one chunk per file, and taking rows from many chunks (every selection and merge of the rules)
    costs three to four times more than from one."""
    for name in df.columns:  # one column at a time: one copy alive at once
        array = df[name].array
        if isinstance(array, pd.arrays.ArrowExtensionArray):
            chunks = array.__arrow_array__()
            if chunks.num_chunks > 1:
                df[name] = pd.array(chunks.combine_chunks(), dtype=df[name].dtype)
    return df


def usable_cores() -> int:
    """The processor cores this process may run on (the import's reading and writing use them)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    _move(tmp, path)


def _move(src: Path, dst: Path) -> None:
    """os.replace, the single place where a commit moves a file (crash-injection tests patch it)."""
    os.replace(src, dst)


def _try_lock(fd: int) -> bool:
    try:
        if _fcntl is not None:
            _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        else:
            os.lseek(fd, 0, os.SEEK_SET)
            _msvcrt.locking(fd, _msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if _fcntl is not None:
        _fcntl.flock(fd, _fcntl.LOCK_UN)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        _msvcrt.locking(fd, _msvcrt.LK_UNLCK, 1)


# The lock holder's identity is written after byte 0 (Windows locks byte 0 only), for the message.
def _write_holder(fd: int) -> None:
    text = f"processus {os.getpid()} sur {socket.gethostname()}, depuis {now_iso()}".encode("utf-8")
    os.lseek(fd, 1, os.SEEK_SET)
    os.write(fd, text)
    os.ftruncate(fd, 1 + len(text))


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 1, os.SEEK_SET)
        return os.read(fd, 500).decode("utf-8", "replace").strip() or "processus inconnu"
    except OSError:
        return "processus inconnu"


def os_error_reason(exc: OSError) -> str:
    """What a file-system error means for the user, and what to do (French)."""
    if exc.errno == errno.ENOSPC:
        return "disque plein : libérez de la place"
    if exc.errno == errno.EDQUOT:
        return "quota disque dépassé : libérez de la place"
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        opened = str(exc.filename or "").lower().endswith((".xlsx", ".xls", ".csv"))
        return ("écriture refusée (" + ("fichier encore ouvert dans Excel ou un autre programme : fermez-le ; sinon "
                                        if opened else "")
                + "dossier en lecture seule, droits insuffisants, ou fichier ouvert dans un autre programme) : "
                  "choisissez un dossier où vous pouvez écrire")
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        return "un fichier porte déjà ce nom là où un dossier est attendu : choisissez un autre chemin"
    if isinstance(exc, IsADirectoryError):
        return "c'est un dossier, un fichier est attendu : choisissez un autre chemin"
    if isinstance(exc, FileNotFoundError):
        return "chemin introuvable"
    return f"erreur du système de fichiers ({exc.strerror or exc})"


def _os_error_message(exc: OSError, root: Path, consequence: str) -> str:
    """A French explanation of a file-system error while writing the workspace."""
    where = exc.filename or root
    return (f"Écriture impossible dans l'espace de travail {root} ({where}) : {os_error_reason(exc)}. "
            f"{consequence[:1].upper()}{consequence[1:]}.")


def entries_of(batches) -> list[FileEntry]:
    return [e for e, _ in batches]


def now_iso() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


__all__ = ["Workspace", "WorkspaceError", "WorkspaceBusy", "FileEntry", "TABLES", "now_iso"]
