"""A workspace: the canonical tables of one audit as Parquet files, plus the import log.

Layout:
    W/payslips/<year>/<file-hash>.parquet     one file per imported source file and year
    W/pay_lines/<year>/<file-hash>.parquet
    W/absences/<year>/<file-hash>.parquet     year of the absence start
    W/agents/<file-hash>.parquet
    W/import_log.json                         files, hashes, counts, sums, rejected records

Writes go to a staging folder first and are moved into place only when the whole import has
succeeded, then the log is replaced atomically: a failed import leaves the workspace as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .model import TABLES, conform, empty_frame

YEAR_PARTITIONED = ("payslips", "pay_lines", "absences")
_YEAR_COLUMN = {"payslips": "year", "pay_lines": "year", "absences": "start"}


class WorkspaceError(Exception):
    pass


@dataclass
class Rejection:
    """An input record that was not imported, and why (French)."""

    file: str
    position: int | None  # line in the file
    record: str  # "bulletin", "ligne de paie", "absence", "agent", "fichier"
    reason: str
    matricule: str | None = None
    year: int | None = None
    month: int | None = None

    def describe(self) -> str:
        where = f"{self.file}" + (f", ligne {self.position}" if self.position else "")
        who = f", agent {self.matricule}" if self.matricule else ""
        when = f", {self.month:02d}/{self.year}" if self.year and self.month else ""
        return f"{where}{who}{when} : {self.record} rejeté(e) — {self.reason}"


@dataclass
class FileEntry:
    """One imported file in the import log."""

    path: str
    sha256: str
    kind: str  # pes, dsn, paie_tableur, absences, agents
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


class Workspace:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    # --- log ---------------------------------------------------------------------------------
    @property
    def log_path(self) -> Path:
        return self.root / "import_log.json"

    def exists(self) -> bool:
        return self.log_path.is_file()

    def read_log(self) -> list[dict]:
        if not self.log_path.is_file():
            return []
        try:
            return json.loads(self.log_path.read_text(encoding="utf-8"))["files"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(
                f"{self.log_path} est illisible ({exc}) : ce journal d'import a été modifié ou abîmé. "
                f"Restaurez-le depuis une sauvegarde, ou réimportez les fichiers dans un nouvel espace de travail."
            ) from exc

    def known_hashes(self) -> dict[str, str]:
        return {e["sha256"]: e["path"] for e in self.read_log()}

    # --- reading -----------------------------------------------------------------------------
    def read(self, table: str, years: list[int] | None = None) -> pd.DataFrame:
        """The canonical table, all years or only `years` (empty frame when nothing imported)."""
        base = self.root / table
        if table in YEAR_PARTITIONED:
            dirs = [base / str(y) for y in years] if years else sorted(p for p in base.glob("*") if p.is_dir())
            files = [f for d in dirs for f in sorted(d.glob("*.parquet"))]
        else:
            files = sorted(base.glob("*.parquet"))
        if not files:
            return empty_frame(table, with_names=False)
        frames = [pd.read_parquet(f) for f in files]
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        df = conform(df, table)
        if table in YEAR_PARTITIONED:
            from .importers.dsn import current_rows  # DSN "annule et remplace", repeated stops

            df = current_rows(df, table, self.read_log()).reset_index(drop=True)
        return df

    def years(self) -> list[int]:
        base = self.root / "payslips"
        return sorted(int(p.name) for p in base.glob("*") if p.is_dir() and p.name.isdigit())

    # --- writing -----------------------------------------------------------------------------
    def commit(self, batches: list[tuple[FileEntry, dict[str, pd.DataFrame]]]) -> None:
        """Write the tables of each imported file and append the entries to the log, atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".staging-{uuid.uuid4().hex[:8]}"
        moves: list[tuple[Path, Path]] = []
        try:
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
                            rel = Path(table) / str(int(year)) / f"{key}.parquet"
                            moves.append((self._write(staging / rel, part), self.root / rel))
                    else:
                        rel = Path(table) / f"{key}.parquet"
                        moves.append((self._write(staging / rel, df), self.root / rel))
            for src, dst in moves:
                if dst.exists():
                    raise WorkspaceError(f"{dst} existe déjà : fichier déjà importé ?")
            log = self.read_log() + [asdict(e) for e in entries_of(batches)]
            staging.mkdir(parents=True, exist_ok=True)  # also when no table has rows
            tmp_log = staging / "import_log.json"
            tmp_log.write_text(
                json.dumps({"version": 1, "files": log}, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            for src, dst in moves:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            os.replace(tmp_log, self.log_path)
        except BaseException:
            # Undo the moves already made so the workspace is as it was.
            for src, dst in moves:
                if dst.exists() and not src.exists():
                    dst.unlink()
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @staticmethod
    def _write(path: Path, df: pd.DataFrame) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        df.reset_index(drop=True).to_parquet(path, index=False)
        return path


def entries_of(batches) -> list[FileEntry]:
    return [e for e, _ in batches]


def now_iso() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


__all__ = ["Workspace", "WorkspaceError", "FileEntry", "Rejection", "TABLES", "now_iso"]
