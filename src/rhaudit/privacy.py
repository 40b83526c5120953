"""Pseudonymisation of matricules in outputs (keyed hash, stable within a workspace).

The key is kept in the workspace (W/.pseudonym_key, created on first use) or given by the
RHAUDIT_PSEUDO_KEY environment variable, so the same agent gets the same pseudonym in every
report of an audit and nobody without the key can link a pseudonym back to a matricule.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path


# A word that may be a matricule ("010985", "A-123", "12/B"), never a piece of a number such as
# the "12" of "1 212,12 EUR": not glued to a letter or digit, nor to a decimal separator.
_TOKEN = re.compile(r"(?<!\w)(?<!\d[,.])\w+(?:[-/]\w+)*(?!\w)(?![,.]\d)")


class Pseudonymiser:
    def __init__(self, key: bytes):
        self._key = key
        self._cache: dict[str, str] = {}

    @classmethod
    def for_workspace(cls, root: Path) -> "Pseudonymiser":
        env = os.environ.get("RHAUDIT_PSEUDO_KEY")
        if env:
            return cls(env.encode("utf-8"))
        key_file = Path(root) / ".pseudonym_key"
        if not key_file.is_file():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_hex(32), encoding="ascii")
        return cls(key_file.read_text(encoding="ascii").strip().encode("ascii"))

    def __call__(self, matricule: str | None) -> str | None:
        if matricule is None:
            return None
        if matricule not in self._cache:
            digest = hmac.new(self._key, matricule.encode("utf-8"), hashlib.sha256).hexdigest()
            self._cache[matricule] = "P-" + digest[:10].upper()
        return self._cache[matricule]

    def mask(self, text: str | None, matricules: set[str]) -> str | None:
        """`text` with every whole-word occurrence of a known matricule replaced by its pseudonym."""
        if not text:
            return text
        return _TOKEN.sub(lambda m: self(m.group()) if m.group() in matricules else m.group(), text)
