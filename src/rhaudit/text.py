"""The text normaliser: the one place where labels, column names and keywords lose their accents,
case and punctuation before they are compared (a leaf: imports nothing from rhaudit).

Callers add only what their comparison needs on top: `classify.normalize_label` (upper case,
acronym dots, mended words), `rules/rifseep` (plurals), the import profiles (`compact`).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    """`text` without its accents (Unicode NFKD without the combining marks): "Indemnité" -> "Indemnite",
    "ﬁ" -> "fi"; letters with no decomposition ("œ") stay."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def ascii_fold(text) -> str:
    """Lower-case ASCII: accents stripped, characters with no ASCII form ("œ", "’", "°") dropped."""
    return strip_accents(str(text)).encode("ascii", "ignore").decode().lower()


def plain_words(text) -> str:
    """Lower case, no accents, words of letters and digits separated by single spaces:
    "Maladie (ALD) rechute" -> "maladie ald rechute"."""
    return " ".join(_NOT_ALNUM.split(ascii_fold(text))).strip()


def compact(text) -> str:
    """Case-, accent- and space-insensitive key for column names and cell values: "Date de début" ->
    "datededebut"; the typographic apostrophe is the straight one ("d’arrêt" -> "d'arret")."""
    return "".join(c for c in strip_accents(str(text).replace("’", "'")) if not c.isspace()).lower()
