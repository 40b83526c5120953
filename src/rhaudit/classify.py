"""Pay-line classification into the categories of model.PAY_CATEGORIES.

Codes and labels are each payroll software's own, so the classification is data:

1. code tables, one per software or collectivité (configs/rubriques/<source>.yaml): an entry
   with a label matches (code, normalised label); an entry without a label matches the code;
2. the ordered label patterns of configs/rubriques/motifs.yaml, optionally restricted to line
   kinds (D, C...) and to zero-amount lines;
3. otherwise `non_classe`, listed first by `rhaudit rubriques` so the user completes a table.

Only the distinct (kind, code, label, zero amount) combinations are classified, then mapped
back to the lines: a year of a large city is millions of lines but a few hundred rubrics.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import configfile, model, paths
from .configfile import check_regex

UNCLASSIFIED = "non_classe"
PATTERNS_FILE = "motifs.yaml"
_ACRONYM = re.compile(r"\b(?:[A-Z0-9]\.){2,}[A-Z0-9]?\.?|\b[A-Z]\.[A-Z]\b")
# Kept because payroll labels carry meaning in them: "*** TITRE ***", "> 14H", "= 14 H", "1%".
_PUNCTUATION = re.compile(r"[^A-Z0-9*<>=%+ ]+")
_SPACES = re.compile(r"\s+")


class ClassificationError(Exception):
    """A code table or the pattern file is malformed (French message naming the file)."""


def normalize_label(text) -> str:
    """Upper case, accents stripped, acronym dots dropped ("I.A.T." -> "IAT"), other
    punctuation turned into spaces, repeated spaces collapsed."""
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKD", str(text).upper())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), s)
    s = _PUNCTUATION.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


# --- configuration files ---------------------------------------------------------------------
def one_of(allowed, what: str, hint: str | None = None):
    """Pydantic validator: the value must be one of `allowed` (French message naming `what`)."""
    def check(value):
        if value not in allowed:
            raise ValueError(f"{what} inconnue {value!r} (attendu : {hint or ', '.join(allowed)})")
        return value
    return check


_check_category = one_of(model.PAY_CATEGORIES, "catégorie", "une catégorie de docs/rubriques.md")


class TableEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    libelle: str | None = None
    categorie: str

    @field_validator("code", mode="before")
    @classmethod
    def _code_is_text(cls, v):
        if not isinstance(v, str):
            raise ValueError(f"le code {v!r} doit être écrit entre guillemets (\"0880\" garde son zéro initial)")
        return v.strip()

    _category = field_validator("categorie")(_check_category)


class CodeTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    rubriques: list[TableEntry] = Field(default_factory=list)


class Pattern(BaseModel):
    model_config = ConfigDict(extra="forbid")
    motif: str
    categorie: str
    natures: list[str] | None = None  # PES line kinds the pattern applies to; all when absent
    montant_nul: bool | None = None  # True: only zero-amount lines; False: only non-zero ones

    _category = field_validator("categorie")(_check_category)

    _motif = field_validator("motif")(check_regex)

    @field_validator("natures")
    @classmethod
    def _known_kinds(cls, v):
        unknown = [k for k in v or [] if k not in model.LINE_KINDS.values()]
        if unknown:
            raise ValueError(f"natures inconnues {unknown} (attendu : {', '.join(model.LINE_KINDS.values())})")
        return v


class PatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    motifs: list[Pattern]


RUBRIC_HINT = "Corrigez le fichier (format décrit dans docs/rubriques.md)."


def load_yaml_model(path: Path, schema: type[BaseModel], error: type[Exception] | None = None):
    """A configs/rubriques or configs/grades file read into `schema` (French error naming the file)."""
    return configfile.load_yaml_model(path, schema, error or ClassificationError, RUBRIC_HINT)


@dataclass(frozen=True)
class _CompiledPattern:
    regex: re.Pattern
    category: str
    kinds: frozenset | None
    zero: bool | None


class Classifier:
    """Code tables and label patterns of one configs/rubriques folder."""

    def __init__(self, tables: list[CodeTable], patterns: list[Pattern]):
        self.by_code_label: dict[tuple[str, str], str] = {}
        self.by_code: dict[str, str] = {}
        # Tables are read in file-name order; the first table defining an entry wins.
        for table in tables:
            for e in table.rubriques:
                if e.libelle is None:
                    self.by_code.setdefault(e.code, e.categorie)
                else:
                    self.by_code_label.setdefault((e.code, normalize_label(e.libelle)), e.categorie)
        self.patterns = [
            _CompiledPattern(re.compile(p.motif), p.categorie,
                             frozenset(p.natures) if p.natures else None, p.montant_nul)
            for p in patterns
        ]

    @classmethod
    def load(cls, folder: Path | None = None) -> "Classifier":
        folder = folder or paths.configs_dir() / "rubriques"
        if not folder.is_dir():
            raise ClassificationError(f"Dossier des tables de rubriques introuvable : {folder}")
        tables = [load_yaml_model(p, CodeTable) for p in sorted(folder.glob("*.yaml")) if p.name != PATTERNS_FILE]
        pattern_path = folder / PATTERNS_FILE
        patterns = load_yaml_model(pattern_path, PatternFile).motifs if pattern_path.is_file() else []
        return cls(tables, patterns)

    def category(self, kind: str, code: str, label: str, zero_amount: bool) -> str:
        """Category of one rubric; `label` already normalised."""
        found = self.by_code_label.get((code, label)) or self.by_code.get(code)
        if found:
            return found
        for p in self.patterns:
            if p.kinds is not None and kind not in p.kinds:
                continue
            if p.zero is not None and p.zero != zero_amount:
                continue
            if p.regex.search(label):
                return p.category
        return UNCLASSIFIED


def _stamp(path: Path) -> tuple:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path] if path.is_file() else []
    return tuple((p.name, p.stat().st_mtime_ns) for p in files)


@lru_cache(maxsize=8)
def _cached(loader, path: str, stamp: tuple):
    return loader(Path(path))


def load_config_cached(loader, path: Path):
    """`loader(path)` for a configuration file or folder, re-run only when its YAML changed."""
    return _cached(loader, str(path), _stamp(path))


def default_classifier() -> Classifier:
    """The classifier of the user's configs/rubriques."""
    return load_config_cached(Classifier.load, paths.configs_dir() / "rubriques")


# --- classification --------------------------------------------------------------------------
def _rubric_keys(lines: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "kind": lines["kind"].astype("string").fillna(""),
        "code": lines["code"].astype("string").fillna(""),
        "label": lines["label"].astype("string").fillna(""),
        "zero_amount": pd.to_numeric(lines["amount"], errors="coerce").fillna(0).round(2).eq(0),
    }, index=lines.index)


def _distinct_rows(keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(position of the first row of each distinct key, distinct-key number of every row).

    Each column is factorised on its own and the integer codes combined: much faster than a
    groupby on several string columns when there are millions of rows.
    """
    combined = np.zeros(len(keys), dtype=np.int64)
    for col in keys.columns:
        codes, uniques = pd.factorize(keys[col])
        combined = combined * (len(uniques) + 1) + codes
    ids, distinct = pd.factorize(combined)
    first = np.empty(len(distinct), dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids))[::-1]  # reversed: the first occurrence is written last
    return first, ids


def classify_lines(lines: pd.DataFrame, classifier: Classifier | None = None) -> pd.Series:
    """The category of every pay line (a string Series aligned on `lines`)."""
    if lines.empty:
        return pd.Series(pd.array([], dtype="string"), index=lines.index, name="category")
    classifier = classifier or default_classifier()
    keys = _rubric_keys(lines)
    first, inverse = _distinct_rows(keys)
    categories = np.array([
        classifier.category(k, c.strip(), normalize_label(lab), bool(z))
        for k, c, lab, z in keys.iloc[first].itertuples(index=False, name=None)
    ], dtype=object)
    return pd.Series(categories[inverse], index=lines.index, dtype="string", name="category")


def rubric_inventory(pay_lines: pd.DataFrame, classifier: Classifier | None = None) -> pd.DataFrame:
    """One row per (code, label, kind, category) with its number of lines and total amount;
    unclassified rubrics first, then by decreasing absolute amount."""
    cols = ["code", "label", "kind", "category", "lines", "amount"]
    if pay_lines.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c in cols[:4] else "float64") for c in cols})
    keys = _rubric_keys(pay_lines)
    keys["code"] = keys["code"].str.strip()
    keys["category"] = classify_lines(pay_lines, classifier)
    keys["amount"] = pd.to_numeric(pay_lines["amount"], errors="coerce").fillna(0)
    inv = (
        keys.groupby(["code", "label", "kind", "category"], sort=False, dropna=False)
        .agg(lines=("amount", "size"), amount=("amount", "sum"))
        .reset_index()
    )
    inv["amount"] = inv["amount"].round(2)
    inv["_unclassified"] = inv["category"].ne(UNCLASSIFIED)
    inv["_abs"] = -inv["amount"].abs()
    inv = inv.sort_values(["_unclassified", "_abs", "code", "label", "kind"], kind="stable")
    return inv[cols].reset_index(drop=True)


_TABLE_HEADER = """\
# Table de codes de rubriques de paie (rhaudit), écrite par `rhaudit rubriques --write-table`.
#
# Mode d'emploi :
#  1. Remplacez la valeur de « source » par le nom du logiciel de paie ou de la collectivité.
#  2. Vérifiez chaque catégorie devinée et remplacez chaque « non_classe » (marquées À COMPLÉTER)
#     par une catégorie de la liste de docs/rubriques.md.
#  3. Supprimez « libelle » d'une ligne pour classer le code quel que soit son libellé.
#  4. Placez le fichier dans configs/rubriques/ puis relancez `rhaudit rubriques` : les lignes
#     non classées restantes apparaissent en tête.
# Les codes sont écrits entre guillemets pour garder leurs zéros initiaux.
"""


def write_code_table(inventory: pd.DataFrame, path: Path) -> Path:
    """Write a starter code table (YAML, format of configs/rubriques/) from an inventory."""
    path = Path(path)
    rows = inventory.drop_duplicates(["code", "label"]).sort_values(["code", "label"], kind="stable")
    out = [_TABLE_HEADER, 'source: "À compléter : logiciel de paie ou collectivité"', "rubriques:"]
    for r in rows.itertuples(index=False):
        q = lambda v: json.dumps("" if v is None or v is pd.NA else str(v), ensure_ascii=False)  # noqa: E731
        todo = "  # À COMPLÉTER" if r.category == UNCLASSIFIED else ""
        out.append(f"  - {{code: {q(r.code)}, libelle: {q(r.label)}, categorie: {r.category}}}{todo}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path
