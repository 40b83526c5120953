"""The agents reference (CSV, XLSX) read through an import profile: one row per matricule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import AGENT_FIELDS
from .base import ParsedFile
from .profiles import CellParser, parse_keyed_table

REQUIRED = ["matricule"]
_OTHER_FIELDS = [f.name for f in AGENT_FIELDS if f.name != "matricule"]


def _convert_row(parser: CellParser, raw: dict[str, Any]) -> dict[str, Any]:
    return parser.convert_all(raw, _OTHER_FIELDS) | {"matricule": parser.required("matricule", raw.get("matricule"))}


def parse_agents(path: Path, profile: str | Path | None = None) -> ParsedFile:
    """Read an agents reference with `profile` (default: agents_generique); one row per matricule."""
    return parse_keyed_table(path, profile, "agents", "agents", REQUIRED, "agent", _convert_row,
                             key=lambda rec: rec["matricule"], describe=lambda rec: "matricule")
