"""The agents reference (CSV, XLSX) read through an import profile: one row per matricule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..model import AGENT_FIELDS, conform, empty_frame
from ..workspace import Rejection
from .base import ParsedFile
from .profiles import CellParser, convert_rows, load_profile, read_mapped

REQUIRED = ["matricule"]
_OTHER_FIELDS = [f.name for f in AGENT_FIELDS if f.name != "matricule"]


def _convert_row(parser: CellParser, raw: dict[str, Any]) -> dict[str, Any]:
    return parser.convert_all(raw, _OTHER_FIELDS) | {"matricule": parser.required("matricule", raw.get("matricule"))}


def _drop_duplicates(kept: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Keep the first row of each matricule; reject the later ones, naming the first line."""
    first_line: dict[str, int] = {}
    unique, rejected = [], []
    for rec in kept:
        if rec["matricule"] in first_line:
            rejected.append(Rejection(
                file=rec["source_file"], position=rec["source_line"], record="agent", matricule=rec["matricule"],
                reason=f"matricule en double (déjà lu ligne {first_line[rec['matricule']]}) : seule la première ligne est gardée",
            ))
        else:
            first_line[rec["matricule"]] = rec["source_line"]
            unique.append(rec)
    return unique, rejected


def parse_agents(path: Path, profile: str | Path | None = None) -> ParsedFile:
    """Read an agents reference with `profile` (default: agents_generique)."""
    path = Path(path)
    prof = load_profile(profile, "agents")
    table = read_mapped(path, prof, REQUIRED)
    kept, rejected = convert_rows(table, "agent", _convert_row)
    kept, duplicates = _drop_duplicates(kept)
    rejected = sorted(rejected + duplicates, key=lambda r: r.position or 0)
    frame = conform(pd.DataFrame(kept), "agents") if kept else empty_frame("agents")
    return ParsedFile(path=path, kind="agents", tables={"agents": frame}, records_read=table.records_read, rejected=rejected,
                      warnings=list(table.warnings))
