"""Pay-line classification into the categories of model.PAY_CATEGORIES.

Codes and labels are each payroll software's own, so the classification is data:

1. code tables, one per software or collectivité (configs/rubriques/<source>.yaml): an entry
   with a label matches (code, normalised label); an entry without a label matches the code;
2. the user's own ordered label patterns (configs/rubriques/motifs.yaml, optional), then the
   reference vocabulary of territorial pay elements (configs/rubriques/vocabulaire.yaml), each
   optionally restricted to line kinds (D, C...) and to the sign of the amount; a label whose
   accents were lost (runs of spaces, "?", U+FFFD) is repaired with the vocabulary's lexicon;
   a side cue of the label (« PATRONALE », « PART OUVRIERE ») puts a contribution on its side;
3. the program's own label of the code (the file's Nomenclatures block) when the line's label
   says nothing;
4. otherwise `non_classe`, listed first by `rhaudit rubriques` so the user completes a table.

Only the distinct (kind, code, label, sign of the amount) combinations are classified, then
mapped back to the lines: a year of a large city is millions of lines but a few hundred rubrics.
`classify_payroll` then lets the payslip identities (gross and net, reconcile.py) decide what
the label leaves open: which side a contribution recall is on, whether net IJSS are in the gross.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import configfile, model, paths
from .configfile import check_regex, load_config_cached, one_of
from .text import strip_accents

UNCLASSIFIED = "non_classe"
PATTERNS_FILE = "motifs.yaml"  # the user's own patterns, tried before the vocabulary
VOCABULARY_FILE = "vocabulaire.yaml"
SPECIAL_FILES = (PATTERNS_FILE, VOCABULARY_FILE)  # every other YAML of the folder is a code table
SIGNS = {"positif": 1, "negatif": -1, "nul": 0}
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")  # UTF-8 read as Latin-1: "Ã©" for "é"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Short words of labels never joined to their neighbour ("DE LA" is not "DELA").
_SHORT_WORDS = frozenset({"DE", "LA", "LE", "LES", "DES", "DU", "AU", "AUX", "ET", "EN", "SUR", "PAR", "POUR", "UN", "UNE"})
_ACRONYM = re.compile(r"\b(?:[A-Z0-9]\.){2,}[A-Z0-9]?\.?|\b[A-Z]\.[A-Z]\b")
# Kept because payroll labels carry meaning in them: "*** TITRE ***", "> 14H", "= 14 H", "1%".
_PUNCTUATION = re.compile(r"[^A-Z0-9*<>=%+ ]+")
_SPACES = re.compile(r"\s+")


class ClassificationError(Exception):
    """A code table or the pattern file is malformed (French message naming the file)."""


def normalize_label(text, lexicon: frozenset | None = None) -> str:
    """Upper case, accents stripped, acronym dots dropped ("I.A.T." -> "IAT"), other
    punctuation turned into spaces, repeated spaces collapsed.

    Damage-tolerant: UTF-8 read as Latin-1 ("IndemnitÃ©") is decoded back; a letter lost to
    "?", U+FFFD or a run of spaces becomes a word break, and with a `lexicon` (the words of the
    vocabulary) the broken word is mended: "Suppl   ment" -> "SUPPLEMENT", "Indemnit?" ->
    "INDEMNITE". A word is only ever mended into a word of the lexicon.
    """
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = str(text)
    if _MOJIBAKE.search(s):
        try:
            s = s.encode("cp1252").decode("utf-8")
        except UnicodeError:
            pass
    s = strip_accents(s.upper())
    s = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), s)
    s = _PUNCTUATION.sub(" ", s)
    s = _SPACES.sub(" ", s).strip()
    return _mend(s, lexicon) if lexicon else s


def _one_letter_more(word: str, lexicon: frozenset) -> str | None:
    """The only lexicon word that is `word` with one letter inserted (a lost accented letter)."""
    found = {w for i in range(1, len(word) + 1) for c in _LETTERS
             if (w := word[:i] + c + word[i:]) in lexicon}
    return found.pop() if len(found) == 1 else None


def _mend(label: str, lexicon: frozenset) -> str:
    """Words of `label` broken or shortened by a lost letter, mended with `lexicon`."""
    tokens = label.split(" ")
    out, i = [], 0
    while i < len(tokens):
        t = tokens[i]
        if t in lexicon or not t.isalpha():
            out.append(t)
            i += 1
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt.isalpha() and nxt not in lexicon and t not in _SHORT_WORDS and nxt not in _SHORT_WORDS:
            # "SUPPL MENT" -> SUPPLEMENT, "R GIME" -> REGIME: one lost letter, or none
            joined = {w for w in [t + nxt] + [t + c + nxt for c in _LETTERS] if w in lexicon}
            if len(joined) == 1:
                out.append(joined.pop())
                i += 2
                continue
        mended = _one_letter_more(t, lexicon) if len(t) >= 5 else None  # "INDEMNIT" -> INDEMNITE
        out.append(mended or t)
        i += 1
    return " ".join(out)


# --- configuration files ---------------------------------------------------------------------
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


def _known_kinds(v):
    unknown = [k for k in v or [] if k not in model.LINE_KINDS.values()]
    if unknown:
        raise ValueError(f"natures inconnues {unknown} (attendu : {', '.join(model.LINE_KINDS.values())})")
    return v


_SIGN_CHOICES = (*SIGNS, "non_nul")
_sign_choice = one_of((*_SIGN_CHOICES, None), "signe", ", ".join(_SIGN_CHOICES))


class Pattern(BaseModel):
    """One pattern of the user's motifs.yaml."""
    model_config = ConfigDict(extra="forbid")
    motif: str
    categorie: str
    natures: list[str] | None = None  # PES line kinds the pattern applies to; all when absent
    montant_nul: bool | None = None  # True: only zero-amount lines; False: only non-zero ones
    signe: str | None = None  # positif, negatif, nul, non_nul

    _category = field_validator("categorie")(_check_category)
    _motif = field_validator("motif")(check_regex)
    _natures = field_validator("natures")(_known_kinds)
    _signe = field_validator("signe")(_sign_choice)


class PatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    motifs: list[Pattern]


class VocabularyElement(BaseModel):
    """One pay element of vocabulaire.yaml: its category, label patterns and examples."""
    model_config = ConfigDict(extra="forbid")
    categorie: str
    motifs: list[str]
    natures: list[str] | None = None
    signe: str | None = None
    texte: str | None = None  # legal source
    exemples: list[str] = Field(default_factory=list)  # labels of various programs (tested)

    _category = field_validator("categorie")(_check_category)
    _natures = field_validator("natures")(_known_kinds)
    _signe = field_validator("signe")(_sign_choice)

    @field_validator("motifs")
    @classmethod
    def _regexes(cls, v):
        return [check_regex(m) for m in v]


class SideCues(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patronal: str
    salarial: str

    _regex = field_validator("patronal", "salarial")(check_regex)


class Vocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = None
    sources: list[str] = Field(default_factory=list)
    mots: list[str] = Field(default_factory=list)
    cote: SideCues | None = None
    elements: list[VocabularyElement]

    def lexicon(self) -> frozenset:
        """Whole words (4 letters or more) of the examples and of `mots`. An abbreviation of the
        examples ("SUPPL", "COMPL": the start of a word of 3 more letters) is left out: a broken
        word must be mended into the whole word, not stop at its abbreviation."""
        whole = {w for m in self.mots for w in normalize_label(m).split()}
        examples = {w for e in self.elements for x in e.exemples for w in normalize_label(x).split()}
        words = {w for w in whole | examples if len(w) >= 4 and w.isalpha()}
        return frozenset(w for w in words
                         if w in whole or not any(len(o) >= len(w) + 3 and o.startswith(w) for o in words))

    def patterns(self) -> list[Pattern]:
        return [Pattern(motif=m, categorie=e.categorie, natures=e.natures, signe=e.signe)
                for e in self.elements for m in e.motifs]


RUBRIC_HINT = "Corrigez le fichier (format décrit dans docs/rubriques.md)."


def load_yaml_model(path: Path, schema: type[BaseModel], error: type[Exception] | None = None):
    """A configs/rubriques or configs/grades file read into `schema` (French error naming the file)."""
    return configfile.load_yaml_model(path, schema, error or ClassificationError, RUBRIC_HINT)


@dataclass(frozen=True)
class _CompiledPattern:
    regex: re.Pattern
    category: str
    kinds: frozenset | None
    signs: frozenset | None  # signs of the amount (-1, 0, 1) the pattern applies to

    @classmethod
    def of(cls, p: Pattern) -> "_CompiledPattern":
        signs = None
        if p.montant_nul is not None:
            signs = frozenset({0}) if p.montant_nul else frozenset({-1, 1})
        if p.signe is not None:
            signs = frozenset({-1, 1}) if p.signe == "non_nul" else frozenset({SIGNS[p.signe]})
        return cls(re.compile(p.motif), p.categorie, frozenset(p.natures) if p.natures else None, signs)


class Classifier:
    """Code tables, the user's patterns and the reference vocabulary of one configs/rubriques folder."""

    def __init__(self, tables: list[CodeTable], patterns: list[Pattern], lexicon: frozenset = frozenset(),
                 side_cues: SideCues | None = None):
        self.by_code_label: dict[tuple[str, str], str] = {}
        self.by_code: dict[str, str] = {}
        # Tables are read in file-name order; the first table defining an entry wins.
        for table in tables:
            for e in table.rubriques:
                if e.libelle is None:
                    self.by_code.setdefault(e.code, e.categorie)
                else:
                    self.by_code_label.setdefault((e.code, normalize_label(e.libelle)), e.categorie)
        self.patterns = [_CompiledPattern.of(p) for p in patterns]
        self.lexicon = lexicon
        self.side_cues = None if side_cues is None else (re.compile(side_cues.patronal), re.compile(side_cues.salarial))

    @classmethod
    def load(cls, folder: Path | None = None, tables: bool = True) -> "Classifier":
        """The classifier of `folder`; `tables=False` leaves the code tables out (patterns and
        vocabulary only: how a program no table knows is classified)."""
        folder = folder or paths.configs_dir() / "rubriques"
        if not folder.is_dir():
            raise ClassificationError(f"Dossier des tables de rubriques introuvable : {folder}")
        code_tables = [load_yaml_model(p, CodeTable) for p in sorted(folder.glob("*.yaml"))
                       if p.name not in SPECIAL_FILES] if tables else []
        pattern_path, vocabulary_path = folder / PATTERNS_FILE, folder / VOCABULARY_FILE
        patterns = load_yaml_model(pattern_path, PatternFile).motifs if pattern_path.is_file() else []
        vocabulary = load_yaml_model(vocabulary_path, Vocabulary) if vocabulary_path.is_file() else None
        if vocabulary is None:
            return cls(code_tables, patterns)
        return cls(code_tables, patterns + vocabulary.patterns(), vocabulary.lexicon(), vocabulary.cote)

    def from_table(self, code: str, label: str) -> str | None:
        """Category a code table gives (code, label normalised), or None."""
        return self.by_code_label.get((code, label)) or self.by_code.get(code)

    def by_label(self, kind: str, label: str, sign: int) -> str:
        """Category the patterns give a label (normalised and mended), its kind and sign."""
        for p in self.patterns:
            if p.kinds is not None and kind not in p.kinds:
                continue
            if p.signs is not None and sign not in p.signs:
                continue
            if p.regex.search(label):
                return self._side(p.category, label)
        return UNCLASSIFIED

    def _side(self, category: str, label: str) -> str:
        """An employee-side category turned employer-side when the label says so, and back."""
        other = model.SIDE_COUNTERPART.get(category)
        if other is None or self.side_cues is None:
            return category
        employer, employee = self.side_cues
        role = model.CATEGORY_ROLES[category]
        if role in ("salarial", "retenue") and employer.search(label) and not employee.search(label):
            return other
        if role == "patronal" and employee.search(label) and not employer.search(label):
            return other
        return category

    def category(self, kind: str, code: str, label, sign: int, fallback_label=None) -> str:
        """Category of one rubric from its raw label; `fallback_label` (the program's own label of
        the code, from its Nomenclatures block) is read when the line's label gives nothing."""
        return self.decide(kind, code, label, sign, fallback_label)[0]

    def decide(self, kind: str, code: str, label, sign: int, fallback_label=None) -> tuple[str, bool]:
        """(category, given by a code table) of one rubric."""
        found = self.from_table(code, normalize_label(label))
        if found:
            return found, True
        category = self.by_label(kind, normalize_label(label, self.lexicon), sign)
        if category == UNCLASSIFIED and fallback_label is not None and not pd.isna(fallback_label):
            found = self.from_table(code, normalize_label(fallback_label))
            if found:
                return found, True
            category = self.by_label(kind, normalize_label(fallback_label, self.lexicon), sign)
        return category, False


def default_classifier() -> Classifier:
    """The classifier of the user's configs/rubriques."""
    return load_config_cached(Classifier.load, paths.configs_dir() / "rubriques")


# --- classification --------------------------------------------------------------------------
def _rubric_keys(lines: pd.DataFrame) -> pd.DataFrame:
    amount = pd.to_numeric(lines["amount"], errors="coerce").fillna(0).round(2)
    return pd.DataFrame({
        "kind": lines["kind"].astype("string").fillna(""),
        "code": lines["code"].astype("string").fillna(""),
        "label": lines["label"].astype("string").fillna(""),
        "sign": np.sign(amount).astype(int),
    }, index=lines.index)


def distinct_rows(keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(position of the first row of each distinct key, distinct-key number of every row).

    Each column is factorised on its own and the integer codes combined: much faster than a
    groupby on several string columns when there are millions of rows.
    """
    combined = np.zeros(len(keys), dtype=np.int64)
    for col in keys.columns:
        codes, uniques = pd.factorize(keys[col])
        combined = combined * (len(uniques) + 1) + codes
    return _first_rows(combined)


def _first_rows(combined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position of the first row of each distinct value, distinct-value number of every row),
    values numbered in the order of their first row."""
    ids, distinct = pd.factorize(combined)
    first = np.empty(len(distinct), dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids))[::-1]  # reversed: the first occurrence is written last
    return first, ids


def _nomenclature_labels(lines: pd.DataFrame, nomenclature: pd.DataFrame | None) -> pd.Series | None:
    """The program's own label of each line's code (Nomenclatures block of its file, else of any
    file), or None without a nomenclature."""
    if nomenclature is None or nomenclature.empty or not {"code", "label"} <= set(nomenclature.columns):
        return None
    nom = nomenclature.assign(code=nomenclature["code"].astype("string").str.strip(),
                              label=nomenclature["label"].astype("string"))
    nom = nom[nom["label"].fillna("").str.strip().ne("")]
    code = lines["code"].astype("string").str.strip()
    by_code = nom.drop_duplicates("code").set_index("code")["label"]
    out = code.map(by_code)
    if "source_file" in nom.columns and "source_file" in lines.columns:
        by_file = nom.drop_duplicates(["source_file", "code"]).set_index(["source_file", "code"])["label"]
        pairs = pd.MultiIndex.from_arrays([lines["source_file"].astype("string"), code])
        own = pd.Series(by_file.reindex(pairs).to_numpy(), index=lines.index)
        out = own.fillna(out)
    return out.astype("string")


def _classify(lines: pd.DataFrame, classifier: Classifier, nomenclature: pd.DataFrame | None):
    """(category of every distinct rubric, given by a code table, distinct-rubric number of every line).

    The lines are first grouped by their raw values (kind, code, label, sign of the amount and,
    with a nomenclature, file), each column factorised on its own; the keys and the programs'
    labels are then read on one line per group, and the groups sharing a key form a rubric.
    """
    with_files = nomenclature is not None and "source_file" in lines.columns
    raw = [lines[c] for c in ("kind", "code", "label") + (("source_file",) if with_files else ())]
    raw.append(np.sign(pd.to_numeric(lines["amount"], errors="coerce").fillna(0).round(2)))
    combined = np.zeros(len(lines), dtype=np.int64)
    for values in raw:
        codes, uniques = pd.factorize(values)
        combined = pd.factorize(combined * (len(uniques) + 1) + codes + 1)[0]
    group_rows, group_of_line = _first_rows(combined)
    keys = _rubric_keys(lines.iloc[group_rows]).reset_index(drop=True)
    fallback = _nomenclature_labels(lines.iloc[group_rows].reset_index(drop=True), nomenclature)
    if fallback is not None:
        keys["fallback"] = fallback.fillna("")
    first, rubric_of_group = distinct_rows(keys)
    rows = keys.iloc[first]
    fallbacks = rows["fallback"].tolist() if "fallback" in rows else [None] * len(rows)
    decided = [
        classifier.decide(k, c.strip(), lab, int(sg), fb or None)
        for (k, c, lab, sg), fb in zip(rows[["kind", "code", "label", "sign"]].itertuples(index=False, name=None), fallbacks)
    ]
    categories = np.array([d[0] for d in decided], dtype=object)
    from_table = np.array([d[1] for d in decided], dtype=bool)
    return categories, from_table, rubric_of_group[group_of_line]


def classify_lines(lines: pd.DataFrame, classifier: Classifier | None = None,
                   nomenclature: pd.DataFrame | None = None) -> pd.Series:
    """The category of every pay line from its code, label, kind and sign (a string Series
    aligned on `lines`). `nomenclature` (code, label[, source_file]): the programs' own code
    labels, read when a line's label gives nothing."""
    if lines.empty:
        return pd.Series(pd.array([], dtype="string"), index=lines.index, name="category")
    categories, _, inverse = _classify(lines, classifier or default_classifier(), nomenclature)
    return pd.Series(categories[inverse], index=lines.index, dtype="string", name="category")


def workspace_nomenclature(ws) -> pd.DataFrame | None:
    """The programs' own code labels stored by the import (table `nomenclature`: code, label,
    kind, source_file), when the workspace and the model have it."""
    if "nomenclature" not in model.TABLES:
        return None
    table = ws.read("nomenclature")
    return None if table.empty else table


def file_nomenclature(tables: list[dict]) -> pd.DataFrame | None:
    """The `nomenclature` tables of freshly parsed files, when the importer gives them."""
    frames = [t["nomenclature"] for t in tables if t.get("nomenclature") is not None and not t["nomenclature"].empty]
    return pd.concat(frames, ignore_index=True) if frames else None


def classify_payroll(lines: pd.DataFrame, payslips: pd.DataFrame | None, classifier: Classifier | None = None,
                     nomenclature: pd.DataFrame | None = None) -> pd.Series:
    """`classify_lines`, then the payslip identities decide what the labels leave open: a
    rubric the net never subtracts is an employer charge, a recall of contributions whose label
    does not say its side takes the side that balances the net, net IJSS booked inside the gross
    are a deduction of it (reconcile.resolve_with_identities). Code-table decisions are kept."""
    if lines.empty:
        return classify_lines(lines, classifier, nomenclature)
    from .reconcile import resolve_with_identities

    categories, from_table, inverse = _classify(lines, classifier or default_classifier(), nomenclature)
    if payslips is not None and not payslips.empty:
        categories = resolve_with_identities(lines, payslips, categories, from_table, inverse)
    return pd.Series(categories[inverse], index=lines.index, dtype="string", name="category")


def rubric_inventory(pay_lines: pd.DataFrame, classifier: Classifier | None = None,
                     categories: pd.Series | None = None) -> pd.DataFrame:
    """One row per (code, label, kind, category) with its number of lines and total amount;
    unclassified rubrics first, then by decreasing absolute amount. `categories`: the lines'
    categories when already computed (classify_payroll), else classified by label."""
    cols = ["code", "label", "kind", "category", "lines", "amount"]
    if pay_lines.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c in cols[:4] else "float64") for c in cols})
    keys = _rubric_keys(pay_lines).drop(columns="sign")
    keys["code"] = keys["code"].str.strip()
    keys["category"] = classify_lines(pay_lines, classifier) if categories is None else categories
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


def classification_coverage(pay_lines: pd.DataFrame, categories: pd.Series) -> dict[str, float]:
    """Classified share of the gross and of all amounts (absolute values, EUR): `gross_total`
    the amounts of the lines in the gross (an unclassified line counts by its PES kind),
    `gross_classified` those with a category, `gross_share` their ratio; `all_*` the same over
    every line."""
    from .reconcile import line_roles

    amount = pd.to_numeric(pay_lines["amount"], errors="coerce").fillna(0).abs().to_numpy()
    classified = categories.astype("string").fillna(UNCLASSIFIED).ne(UNCLASSIFIED).to_numpy()
    in_gross = np.isin(line_roles(pay_lines, categories.astype("string").fillna(UNCLASSIFIED).to_numpy(dtype=object)),
                       ("brut", "deduction_brut", "nature"))
    out = {}
    for name, mask in (("gross", in_gross), ("all", np.ones(len(amount), dtype=bool))):
        total, done = float(amount[mask].sum()), float(amount[mask & classified].sum())
        out.update({f"{name}_total": round(total, 2), f"{name}_classified": round(done, 2),
                    f"{name}_share": done / total if total else 1.0})
    return out


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
