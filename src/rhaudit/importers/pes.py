"""PES "paye" XML importer (Xémélios .xhl files): payslips, pay lines and nomenclatures, streamed.

The document is read with an lxml pull parser fed block by block, stopping only at the end of
each payslip (`PayeIndivMensuel`), at the few header elements and at the `Nomenclatures`
block; each payslip is read then cleared with its preceding siblings, so memory stays flat
whatever the size of the file. Values are collected as raw strings in plain lists and
converted column by column once per file (numbers, dates), which is much faster than
converting element by element and lets bad numbers be found and rejected in one pass.

The bytes reach the parser through `_Source`, which decodes the file in the encoding that
its content really has (see `_choose_encoding`), and writes the line of each payslip and pay
line into its start tag (attribute `rhaudit-ligne`): libxml2's own line is that of the end of a
tag written over several lines, and past line 65,535 it can be that of the next text (one line
too far), while the evidence of a finding must point to the exact line of the file.

NIR, addresses and bank details (CptBancaire) are never read. Names only with keep_names.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from ..model import GROSS_KINDS, LINE_KINDS, STATUTS, conform
from .base import Rejection
from .base import ImportError_, ParsedFile, contains_nir, looks_like_nir

PES_NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/paye_1_1"
# PES paye namespaces: the current one (…/pes_v2/paye_1_1 and its later versions) and the older
# one of DocumentPaye_1.1.xsd (…/helios/pes, IdVer 0.00 / 1.1). No namespace is accepted too.
_PES_NAMESPACE = re.compile(r"^http://www\.minefi\.gouv\.fr/cp/helios/pes(?:_v2/paye_\d+_\d+)?/?$")
_ROOT = "DocumentPaye"
_PAYSLIP = "PayeIndivMensuel"
_NOMENCLATURES = "Nomenclatures"
# Elements the parser stops at (any namespace or none); everything else is read from them.
_WATCHED = (_ROOT, "Annee", "Mois", "Budget", "Employeur", "DonneesIndiv", "Etablissement", _PAYSLIP,
            _NOMENCLATURES)
# Attribute holding the exact line of an element's start tag, written by _Source.
LINE_ATTR = "rhaudit-ligne"
_LINE_TAGGED = (_PAYSLIP, "Periode", "DatePaiement") + tuple(LINE_KINDS)


def _name_pattern(names) -> str:
    """An alternation of names grouped by first letter (much faster to scan than a flat one)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name[0], []).append(re.escape(name[1:]))
    return "|".join(f"{first}(?:{'|'.join(rest)})" for first, rest in groups.items())


# A start tag of _LINE_TAGGED, with any prefix; group 2 is the local name.
_LINE_TAG = re.compile(r"<((?:[A-Za-z_][\w.\-]*+:)?+(" + _name_pattern(_LINE_TAGGED) + r"))(?=[\s/>])")
_LINE_VALUE = f' {LINE_ATTR}="%d"'


# Agent children kept (NIR, Adresse, CptBancaire are deliberately absent).
_AGENT_FIELDS = {
    "Matricule": "matricule", "NbEnfants": "children", "Statut": "statut", "EmploiMetier": "emploi",
    "Grade": "grade", "Echelon": "echelon", "Indice": "indice",
}
_NAME_FIELDS = {"Nom": "nom", "Prenom": "prenom"}
# Payslip children holding a single value.
_SLIP_VALUES = {
    "Service": "service", "QuotiteTrav": "quotite", "NbHeureTotal": "hours_total",
    "NbHeureSup": "overtime_hours", "MtBrut": "gross", "MtNet": "net", "MtNetAPayer": "net_paid",
    "DatePaiement": "payment_date",
}
_SLIP_RAW_COLUMNS = (
    "matricule", "establishment", "budget", "statut", "statut_code", "emploi", "grade", "echelon",
    "indice", "nbi_points", "quotite", "service", "hours_total", "overtime_hours", "gross", "net",
    "net_paid", "children", "events", "period_start", "period_end", "payment_date", "source_line",
    "period_line", "payment_line", "nom", "prenom",
)
_LINE_COLUMNS = (
    "slip", "kind", "code", "label", "base", "rate", "units", "amount", "ref_start", "ref_end",
    "caisse", "source_line",
)
_LINE_NUMBERS = {"base": "Base", "rate": "Taux", "units": "NbUnite", "amount": "Mt"}
_SLIP_NUMBERS = {
    "quotite": "QuotiteTrav", "hours_total": "NbHeureTotal", "overtime_hours": "NbHeureSup",
    "gross": "MtBrut", "net": "MtNet", "net_paid": "MtNetAPayer", "indice": "Indice", "children": "NbEnfants",
}
# Free-text values that are stored: checked for a NIR written in them (never stored then).
_SLIP_TEXTS = {"service": "Service", "emploi": "EmploiMetier", "grade": "Grade", "echelon": "Echelon",
               "statut_code": "RefNomenStatutaire/Code", "events": "Evenement", "establishment": "Etablissement",
               "budget": "Budget/Code"}
_LINE_TEXTS = {"label": "Libelle", "code": "Code", "caisse": "CodeCaisse"}
# Beyond this, a number in a payroll file is a typing or export error (1e12 EUR).
_ABSURD = 1e12
_ENCODING_DECL = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ENCODING_DECL_TEXT = re.compile(r"""^(\ufeff?<\?xml[^>]*?encoding\s*=\s*)(["'])[A-Za-z0-9._-]+\2""")
_UTF8 = ("utf-8", "utf8")
_C1_BYTES = bytes(range(0x80, 0xA0))
_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# "Ã©", "Ã¨", "â€™"...: UTF-8 text decoded once more as a single-byte encoding.
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€")
# The nomenclature lists of the PES schema (TNomenclaturePaye), by element name.
_NOMENCLATURE_LISTS = {
    "NomenclatureRubriquePaye": "rubrique", "NomenclatureEvtPaye": "evenement", "NomenclatureCaisse": "caisse",
    "NomenclatureBudget": "budget", "NomenclatureNature": "nature", "NomenclatureStatut": "statut",
}
_NOMENCLATURE_COLUMNS = ("list", "code", "label", "kind", "caisse", "nature_employer", "nature_employee")


def _local(tag) -> str:
    """Local name of an element tag ('{ns}Name' or 'Name')."""
    return tag.rpartition("}")[2] if tag[0] == "{" else tag


# --- bytes to the parser -------------------------------------------------------------------------

def _scan_utf8(path: Path) -> tuple[int | None, bool]:
    """Line of the first byte sequence that is not valid UTF-8 (None if valid), and whether
    the file holds any non-ASCII byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    non_ascii = False
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return line + block.count(b"\n", 0, exc.start), True
            non_ascii = non_ascii or not block.isascii()
            line += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return line, True
    return None, non_ascii


def _choose_encoding(path: Path, head: bytes, warnings: list[str]) -> tuple[str, int]:
    """The codec that decodes the file's content right, and the number of BOM bytes to skip.

    Export mistakes seen in real files are corrected with a warning rather than stored as
    mojibake: UTF-8 declared (or implied) but windows-1252 bytes; a UTF-8 BOM before
    windows-1252 bytes; ISO-8859-1 declared but UTF-8 content. UTF-16 files are read by their
    BOM (or by their first bytes when there is none).
    """
    if head.startswith(_UTF16_BOMS):
        return "utf-16", 0  # the codec reads and drops the BOM
    if head.startswith(b"<\x00") or head.startswith(b"\x00<"):
        return ("utf-16-le" if head[0] == 0x3C else "utf-16-be"), 0
    bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
    m = _ENCODING_DECL.search(head)
    declared = m.group(1).decode("ascii").lower().replace("_", "-") if m else None
    if declared is not None and not declared.startswith("utf-16"):
        try:
            codecs.lookup(declared)
        except LookupError:
            raise ImportError_(
                f"{path} : encodage déclaré inconnu ({m.group(1).decode('ascii')!r}). Déclarez dans la première "
                f"ligne l'encodage réel du fichier : encoding=\"UTF-8\", \"ISO-8859-1\" ou \"windows-1252\"."
            ) from None
    bad_line, non_ascii = _scan_utf8(path)
    single_byte = declared is not None and declared not in _UTF8 and not declared.startswith("utf-")
    if bad_line is None:
        if single_byte and non_ascii and not bom:
            warnings.append(
                f"{path.name} : le fichier se déclare en {m.group(1).decode('ascii')} mais son contenu est en UTF-8 ; "
                f"il a été lu en UTF-8. Corrigez la déclaration (encoding=\"UTF-8\") dans l'export."
            )
            return "utf-8", 0
        if single_byte and not bom:
            return _latin1_or_cp1252(path, declared, m.group(1).decode("ascii"), warnings), 0
        return "utf-8", bom
    fallback = declared if single_byte else "cp1252"
    said = f"se déclare en {m.group(1).decode('ascii')}" if m else "ne déclare pas d'encodage (donc UTF-8)"
    if bom:
        said = "commence par la marque d'ordre UTF-8 (BOM)" + ("" if single_byte else f" et {said}")
    elif single_byte:
        return _latin1_or_cp1252(path, declared, m.group(1).decode("ascii"), warnings), 0
    warnings.append(
        f"{path.name} : le fichier {said} mais contient à la ligne {bad_line} des caractères qui ne sont pas "
        f"de l'UTF-8 ; il a été relu en {'windows-1252' if fallback == 'cp1252' else fallback}. Vérifiez les accents "
        f"des libellés, ou demandez un export dont l'encodage déclaré est exact."
    )
    return fallback, bom


def _latin1_or_cp1252(path: Path, declared: str, written: str, warnings: list[str]) -> str:
    """The declared single-byte codec, or windows-1252 for an ISO-8859-1 file using its characters.

    Bytes 0x80-0x9F are control characters in ISO-8859-1 but ’, €, œ, – ... in windows-1252,
    which payroll programs often write while declaring ISO-8859-1.
    """
    if codecs.lookup(declared).name != "iso8859-1":
        return declared
    line = 1
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            # translate() drops the C1 bytes at memory speed; the slower search runs only on a hit.
            if len(block.translate(None, _C1_BYTES)) != len(block) and (hit := _C1_BYTE.search(block)):
                line += block.count(b"\n", 0, hit.start())
                warnings.append(
                    f"{path.name} : le fichier se déclare en {written} mais contient à la ligne "
                    f"{line} des caractères de windows-1252 (’, €, œ...) ; "
                    f"il a été lu en windows-1252. Corrigez la déclaration (encoding=\"windows-1252\") dans l'export."
                )
                return "cp1252"
            line += block.count(b"\n")
    return declared


class _Source:
    """The file as UTF-8 bytes for lxml, each payslip and pay line tagged with its line.

    The file is decoded with the chosen codec (its XML declaration rewritten to UTF-8), and
    the start tag of every element of _LINE_TAGGED gets the attribute LINE_ATTR with the line
    of its '<' (lines counted on '\\n', as a plain line count of the file does). Text is
    handed over up to the last '<' of each block, so that no tag name is ever cut in two.
    """

    def __init__(self, path: Path, encoding: str, skip: int):
        self.name = path.name
        self._raw = open(path, "rb")
        self._raw.seek(skip)
        # Bytes undefined in the codec (0x81 in windows-1252...) become U+FFFD rather than failing.
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._carry = ""
        self._first = True
        self.line = 1  # line of the next character handed over
        self.payslip_lines: list[int] = []  # line of every PayeIndivMensuel start tag seen
        self.mojibake_line: int | None = None

    def read(self, size: int = -1) -> bytes:
        while True:
            block = self._raw.read(size if size and size > 0 else 1 << 16)
            text = self._carry + self._decoder.decode(block, final=not block)
            self._carry = ""
            if block:
                cut = text.rfind("<")
                if cut >= 0:
                    text, self._carry = text[:cut], text[cut:]
            if self._first and text:
                text = _ENCODING_DECL_TEXT.sub(r"\1\2UTF-8\2", text, count=1).lstrip("\ufeff")
                self._first = False
            out = self._tag_lines(text)
            if out or not block:
                return out.encode("utf-8")

    def _tag_lines(self, text: str) -> str:
        parts: list[str] = []
        add, count, payslips = parts.append, text.count, self.payslip_lines
        last, line = 0, self.line
        for m in _LINE_TAG.finditer(text):
            end = m.end()
            line += count("\n", last, end)
            add(text[last:end])
            add(_LINE_VALUE % line)
            if m.group(2) == _PAYSLIP:
                payslips.append(line)
            last = end
        add(text[last:])
        if self.mojibake_line is None and ("Ã" in text or "â" in text) and (bad := _MOJIBAKE.search(text)):
            self.mojibake_line = self.line + count("\n", 0, bad.start())
        self.line = line + count("\n", last)
        return "".join(parts)

    def drain(self) -> None:
        """Read the rest of the file (to count the payslips the parser could not reach)."""
        while self.read(1 << 20):
            pass

    def close(self) -> None:
        self._raw.close()


def _line_of(elem) -> int:
    value = elem.get(LINE_ATTR)
    return int(value) if value else elem.sourceline


class _Collector:
    """Raw values of one file, as column lists (one entry per payslip / per line)."""

    def __init__(self, path: Path, keep_names: bool):
        self.path = path
        self.keep_names = keep_names
        self.slips: dict[str, list] = {c: [] for c in _SLIP_RAW_COLUMNS}
        self.lines: list[tuple] = []
        self.nomenclature: list[tuple] = []
        self.rejected: list[Rejection] = []
        self.warnings: list[str] = []
        self.year: int | None = None
        self.month: int | None = None
        self.budget: str | None = None
        self.employer_siret: str | None = None
        self.establishment: str | None = None

    # --- header ----------------------------------------------------------------------------
    def header(self, name: str, elem) -> None:
        if name in ("Annee", "Mois"):
            value = (elem.get("V") or "").strip()
            # An impossible year (0, 99999) is refused by import_files, with the other importers' wording.
            if not value.isdigit() or (name == "Mois" and not 1 <= int(value) <= 12):
                raise ImportError_(
                    f"{self.path}, ligne {_line_of(elem)} : {name} invalide ({value!r}). Le fichier PES doit "
                    f"indiquer l'année et le mois de paie (1 à 12) : demandez un export conforme."
                )
            if name == "Annee":
                self.year = int(value)
            else:
                self.month = int(value)
        elif name == "Budget":
            self.budget = _child_value(elem, "Code")
        elif name == "Employeur":
            self.employer_siret = _child_value(elem, "Siret")
        elif name == "Etablissement":
            self.establishment = _child_value(elem, "Siret") or _child_value(elem, "Nom")
        elif name == _NOMENCLATURES:
            self._nomenclatures(elem)

    def _nomenclatures(self, block) -> None:
        """Every entry (an element with a Code child) of the Nomenclatures block, whatever its shape."""
        for entry in block.iter():
            values = {_local(c.tag): c.get("V") for c in entry if isinstance(c.tag, str)}
            code = (values.get("Code") or "").strip()
            if not code or entry is block:
                continue
            top = entry
            while top.getparent() is not None and top.getparent() is not block:
                top = top.getparent()
            name = _local(top.tag)
            kind = (values.get("Nature") or values.get("NaturePES") or values.get("Type") or "").strip()
            kind = LINE_KINDS.get(kind, kind if kind in LINE_KINDS.values() else None)
            self.nomenclature.append((
                _NOMENCLATURE_LISTS.get(name, name), code, _strip(values.get("Libelle") or values.get("Description")),
                kind, _strip(values.get("CodeCaisse")), _strip(values.get("CodeNatureEmp")),
                _strip(values.get("CodeNatureSal")),
            ))

    # --- one payslip -----------------------------------------------------------------------
    def payslip(self, elem) -> None:
        line = _line_of(elem)
        if self.year is None or self.month is None:
            raise ImportError_(
                f"{self.path}, ligne {line} : bulletin avant l'année et le mois de paie "
                f"(éléments Annee et Mois manquants en tête du fichier) : demandez un export conforme."
            )
        agent: dict[str, str | None] = {}
        values: dict[str, str | None] = {}
        events: list[str] = []
        nbi: list[str] = []
        period = (None, None)
        period_line = payment_line = line
        lines: list[tuple] = []
        slip = len(self.slips["matricule"])
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            name = _local(child.tag)
            if name == "Remuneration":
                for group in child:
                    if isinstance(group.tag, str):
                        lines.append(self._line(slip, group))
            elif name == "Agent":
                for a in child:
                    if not isinstance(a.tag, str):
                        continue
                    aname = _local(a.tag)
                    if aname in _AGENT_FIELDS:
                        agent[_AGENT_FIELDS[aname]] = a.get("V")
                    elif aname == "RefNomenStatutaire":
                        agent["statut_code"] = _child_value(a, "Code")
                    elif self.keep_names and aname in _NAME_FIELDS:
                        agent[_NAME_FIELDS[aname]] = a.get("V")
            elif name in _SLIP_VALUES:
                values[_SLIP_VALUES[name]] = child.get("V")
                if name == "DatePaiement":
                    payment_line = _line_of(child)
            elif name == "NBI":
                nbi.append(child.get("V"))
            elif name == "Evenement":
                text = " ".join(v.strip() for v in (_child_value(child, "Code"), _child_value(child, "Description")) if v)
                if text:
                    events.append(text)
            elif name == "Periode":
                period = (_child_value(child, "DateDebut"), _child_value(child, "DateFin"))
                period_line = _line_of(child)

        matricule = (agent.get("matricule") or "").strip()
        if not matricule:
            self.rejected.append(Rejection(
                file=self.path.name, position=line, record="bulletin",
                reason="bulletin sans matricule (élément Agent/Matricule absent ou vide) : corrigez l'export "
                       "du logiciel de paie pour que chaque bulletin porte le matricule de l'agent",
                year=self.year, month=self.month,
            ))
            return
        if looks_like_nir(matricule):
            raise ImportError_(
                f"{self.path}, ligne {line} : l'élément Agent/Matricule contient un numéro de sécurité "
                f"sociale (NIR). rhaudit n'enregistre jamais de NIR : demandez un export PES dont le matricule est "
                f"le matricule interne de l'agent. Rien n'a été importé."
            )
        statut = agent.get("statut")
        if statut is not None and statut.strip() not in STATUTS:
            self.warnings.append(
                f"{self.path.name}, ligne {line}, agent {matricule}, {self.month:02d}/{self.year} : "
                f"statut inconnu {statut!r} (attendu : {', '.join(STATUTS)}), conservé tel quel."
            )
        self.lines.extend(lines)
        s = self.slips
        s["matricule"].append(matricule)
        s["establishment"].append(self.establishment or self.employer_siret)
        s["budget"].append(self.budget)
        for col in ("statut", "statut_code", "emploi", "grade", "echelon", "indice", "children", "nom", "prenom"):
            s[col].append(agent.get(col))
        for col in _SLIP_VALUES.values():
            s[col].append(values.get(col))
        s["nbi_points"].append(self._nbi_sum(nbi, line, matricule))
        s["events"].append(" | ".join(events) if events else None)
        s["period_start"].append(period[0])
        s["period_end"].append(period[1])
        s["source_line"].append(line)
        s["period_line"].append(period_line)
        s["payment_line"].append(payment_line)

    @staticmethod
    def _line(slip: int, group) -> tuple:
        # Hot path (millions of lines): one comprehension over the children. The only child
        # holding other elements is PeriodeRef, whose DateDebut/DateFin names occur nowhere else
        # in a line: a child without V is read again with its children.
        v: dict[str, str | None] = {c.tag: c.get("V") for c in group}
        if None in v.values():
            v = {}
            for c in group:
                value = c.get("V")
                if value is None and len(c):
                    for p in c:
                        v[p.tag] = p.get("V")
                else:
                    v[c.tag] = value
        tag = group.tag
        if tag[0] == "{":  # qualified children: match on local names
            tag = _local(tag)
            v = {_local(k): x for k, x in v.items() if isinstance(k, str)}
        return (slip, LINE_KINDS.get(tag, tag), v.get("Code"), v.get("Libelle"), v.get("Base"), v.get("Taux"),
                v.get("NbUnite"), v.get("Mt"), v.get("DateDebut"), v.get("DateFin"), v.get("CodeCaisse"),
                group.get(LINE_ATTR) or group.sourceline)

    def _nbi_sum(self, values: list[str | None], line: int, matricule: str) -> float | None:
        total = 0.0
        for raw in values:
            number = _to_float(raw)
            if number is None and raw not in (None, ""):
                self.warnings.append(
                    f"{self.path.name}, ligne {line}, agent {matricule} : points de NBI non numériques "
                    f"({raw!r}) ignorés ; vérifiez la NBI de cet agent."
                )
            total += number or 0.0
        return total if values else None

    # --- frames ----------------------------------------------------------------------------
    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        s = {c: np.asarray(v, dtype=object) for c, v in self.slips.items()}
        if not self.keep_names:
            del s["nom"], s["prenom"]
        for col, tag in _SLIP_NUMBERS.items():
            s[col], invalid = _numeric(s[col])
            for i in np.flatnonzero(invalid):
                self.warnings.append(
                    f"{self.path.name}, ligne {s['source_line'][i]}, agent {s['matricule'][i]} : "
                    f"{tag} non numérique ou hors limites ({self.slips[col][i]!r}), laissé vide sur le bulletin."
                )
        s["quotite"] = s["quotite"] / 100  # percent in PES, fraction in the model
        period_lines, payment_lines = s.pop("period_line"), s.pop("payment_line")
        for col, tag, where in (("period_start", "Periode/DateDebut", period_lines),
                                ("period_end", "Periode/DateFin", period_lines),
                                ("payment_date", "DatePaiement", payment_lines)):
            s[col] = self._dates(s[col], tag, where, f"élément {tag.partition('/')[0]} de la ligne")
        names = (("nom", "Nom"), ("prenom", "Prenom")) if self.keep_names else ()
        for col, tag in tuple(_SLIP_TEXTS.items()) + names:
            self._drop_nir(s[col], tag, s["source_line"])

        raw = {c: np.asarray(v, dtype=object) for c, v in zip(_LINE_COLUMNS, zip(*self.lines))} if self.lines \
            else {c: np.empty(0, dtype=object) for c in _LINE_COLUMNS}
        raw["source_line"] = raw["source_line"].astype(np.int64)
        slip_idx = raw.pop("slip").astype(np.int64)
        raw["matricule"] = s["matricule"][slip_idx]
        raw["establishment"] = s["establishment"][slip_idx]
        bad = np.zeros(len(slip_idx), dtype=bool)
        for col, tag in _LINE_NUMBERS.items():
            values = raw[col]
            raw[col], invalid = _numeric(values)
            for i in np.flatnonzero(invalid & ~bad):
                self.rejected.append(Rejection(
                    file=self.path.name, position=int(raw["source_line"][i]), record="ligne de paie",
                    reason=f"{tag} non numérique ou hors limites ({values[i]!r}) dans la rubrique {raw['code'][i]} "
                           f"« {raw['label'][i]} » ; le bulletin est conservé sans cette ligne, "
                           f"corrigez la valeur dans le logiciel de paie",
                    matricule=raw["matricule"][i], year=self.year, month=self.month,
                ))
            bad |= invalid
        for col, tag in (("ref_start", "PeriodeRef/DateDebut"), ("ref_end", "PeriodeRef/DateFin")):
            raw[col] = self._dates(raw[col], tag, raw["source_line"], "ligne de paie de la ligne")
        for col, tag in _LINE_TEXTS.items():
            self._drop_nir(raw[col], tag, raw["source_line"])
        lines = pd.DataFrame(_with_strings(raw, ("kind", "code", "label", "caisse", "matricule", "establishment")))
        if bad.any():
            lines = lines.loc[~bad].reset_index(drop=True)
            slip_idx = slip_idx[~bad]
        self._canonical_signs(lines)
        s["gross"], s["gross_derived"] = self._gross(s["gross"], self.slips["gross"], lines, slip_idx)
        slips = pd.DataFrame(_with_strings(s, _SLIP_STRINGS))
        for df in (slips, lines):
            df["year"], df["month"], df["source_file"] = self.year, self.month, self.path.name
        return conform(slips, "payslips"), conform(lines, "pay_lines"), self._nomenclature_frame(lines)

    def _gross(self, gross: np.ndarray, raw: list, lines: pd.DataFrame, slip_idx: np.ndarray):
        """MtBrut, or when a payslip has none, the sum of its gross-pay lines (marked as derived)."""
        derived = ~_present(np.asarray(raw, dtype=object))
        if not derived.any():
            return gross, derived
        in_gross = lines["kind"].isin(GROSS_KINDS).to_numpy()
        sums = np.bincount(slip_idx[in_gross], weights=np.nan_to_num(lines["amount"].to_numpy(dtype=float)[in_gross]), minlength=len(gross))
        gross = gross.copy()
        gross[derived] = np.round(sums[derived], 2)
        self.warnings.append(
            f"{self.path.name} : {int(derived.sum())} bulletin(s) sans élément MtBrut : le brut y est la somme des "
            f"lignes de rémunération (natures {', '.join(GROSS_KINDS)}) et marqué comme calculé (gross_derived) ; "
            f"le contrôle du brut ne peut pas le comparer. Demandez si possible un export avec MtBrut."
        )
        return gross, derived

    def _canonical_signs(self, lines: pd.DataFrame) -> None:
        """Deductions (D), retenues (RE) and employer contributions (C) stored positive.

        Programs differ: most write a contribution as a positive Mt, some as a negative one, and
        some write the Taux negative with a positive Mt. The file's convention is read from its
        own lines (the sign of most non-zero amounts, and rates, of each nature); when it is
        negative, that nature is inverted, so that positive always means withheld from the agent
        or paid by the employer, and a genuine refund keeps the opposite sign.
        """
        inverted: list[str] = []
        kind = lines["kind"].to_numpy()
        deduction_negative = None
        for k, label in (("D", "cotisations salariales (Deduction)"), ("C", "cotisations patronales (Cotisation)"),
                         ("RE", "retenues (Retenue)")):
            mask = kind == k
            if not mask.any():
                continue
            for col, what in (("amount", "Mt"), ("rate", "Taux")):
                values = lines.loc[mask, col]
                given = values[values.notna() & (values != 0)]
                negative = bool(len(given)) and int((given < 0).sum()) * 2 > len(given)
                if k == "RE" and col == "amount" and deduction_negative is not None:
                    negative = deduction_negative  # retenues follow the deductions' convention
                if k == "D" and col == "amount":
                    deduction_negative = negative
                if negative:
                    lines.loc[mask, col] = -values
                    n_neg = int((given < 0).sum())
                    inverted.append(f"{label} : {what} négatif sur {n_neg} ligne(s) sur {len(given)}")
        if inverted:
            self.warnings.append(
                f"{self.path.name} : ce fichier écrit en négatif les montants ou taux suivants, enregistrés en "
                f"positif (montant retenu à l'agent ou payé par l'employeur ; une ligne de signe contraire reste "
                f"un remboursement) : {' ; '.join(inverted)}."
            )

    def _nomenclature_frame(self, lines: pd.DataFrame) -> pd.DataFrame:
        cols = {c: np.asarray(v, dtype=object) for c, v in zip(_NOMENCLATURE_COLUMNS, zip(*self.nomenclature))} \
            if self.nomenclature else {c: np.empty(0, dtype=object) for c in _NOMENCLATURE_COLUMNS}
        for col, tag in (("code", "Code"), ("label", "Libelle")):
            self._drop_nir(cols[col], f"Nomenclatures/{tag}", None)
        # A rubric's PES nature, when the block does not give it: the one it has most often in this file's lines.
        missing = np.flatnonzero((cols["list"] == "rubrique") & np.equal(cols["kind"], None))
        if len(missing) and len(lines):
            counts = lines.groupby(["code", "kind"]).size().sort_values(ascending=False, kind="stable")
            used = dict(counts.reset_index().drop_duplicates("code")[["code", "kind"]].itertuples(index=False))
            cols["kind"][missing] = [used.get(code) for code in cols["code"][missing]]
        df = pd.DataFrame(cols)
        df["year"], df["month"], df["source_file"] = self.year, self.month, self.path.name
        return conform(df, "nomenclature")

    def _drop_nir(self, values: np.ndarray, what: str, lines) -> None:
        """Blank, in place, every stored text that is or holds a NIR; the warning never shows the number."""
        given = pd.unique(values[np.not_equal(values, None)])
        # A NIR has at least 11 digits (13 or 15 characters, "2A"/"2B" for Corsica): only those are looked at.
        nirs = {v for v in given if len(v) >= 13 and sum(c.isdigit() for c in v) >= 11 and contains_nir(v)}
        if not nirs:
            return
        hit = np.flatnonzero([v in nirs for v in values])
        values[hit] = None
        where = "" if lines is None else " (ligne(s) " + ", ".join(str(lines[i]) for i in hit[:5]) + \
            (f" et {len(hit) - 5} autre(s)" if len(hit) > 5 else "") + ")"
        self.warnings.append(
            f"{self.path.name} : l'élément {what} contient un numéro de sécurité sociale (NIR) sur {len(hit)} "
            f"enregistrement(s){where} ; rhaudit n'enregistre jamais de NIR, la valeur est laissée vide. "
            f"Corrigez le logiciel de paie pour que ce champ ne porte pas le NIR."
        )

    def _dates(self, raw: np.ndarray, what: str, lines: np.ndarray, where: str) -> pd.Series:
        """AAAA-MM-JJ dates; 'AAAA-M-J' is read with a warning, an impossible date left empty."""
        out = pd.to_datetime(pd.Series(raw, dtype=object), format="%Y-%m-%d", errors="coerce")
        gaps = np.flatnonzero(out.isna().to_numpy())
        given = gaps[_present(raw[gaps])]
        # strptime also takes '2008-9-3': such values are read below, with the warning they deserve.
        irregular = {v for v in pd.unique(raw[np.not_equal(raw, None)]) if v.strip() and not _ISO_DATE.match(v)}
        if irregular:
            given = np.union1d(given, [i for i, v in enumerate(raw) if v in irregular]).astype(np.int64)
        if not len(given):
            return out
        repaired, unreadable = [], []
        for i in given:
            m = _LOOSE_DATE.match(raw[i])
            date = pd.to_datetime(f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", format="%Y-%m-%d", errors="coerce") \
                if m else pd.NaT
            if pd.isna(date):
                unreadable.append(i)
            else:
                out.iloc[i] = date
                repaired.append(i)
        if repaired:
            first = repaired[0]
            self.warnings.append(
                f"{self.path.name} : {len(repaired)} date(s) {what} au format irrégulier lue(s) comme AAAA-MM-JJ "
                f"({where} {lines[first]} : {raw[first].strip()!r} lue {out.iloc[first]:%Y-%m-%d}"
                + _more_lines(lines, repaired) + ")."
            )
        if unreadable:
            first = unreadable[0]
            self.warnings.append(
                f"{self.path.name} : {len(unreadable)} date(s) {what} illisible(s) ou impossible(s) (format attendu "
                f"AAAA-MM-JJ), laissée(s) vide(s) ({where} {lines[first]} : {raw[first]!r}"
                + _more_lines(lines, unreadable) + ")."
            )
        return out


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_LOOSE_DATE = re.compile(r"^\s*(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")


def _more_lines(lines: np.ndarray, idx: list[int], shown: int = 5) -> str:
    others = [str(lines[i]) for i in idx[1:shown]]
    more = f" et {len(idx) - shown} autre(s)" if len(idx) > shown else ""
    return f" ; autres lignes : {', '.join(others)}{more}" if others else ""


_SLIP_STRINGS = ("matricule", "establishment", "budget", "statut", "statut_code", "emploi", "grade", "echelon",
                 "service", "events", "nom", "prenom")


def _with_strings(columns: dict, names) -> dict:
    """`columns` with those of `names` (object arrays of str or None) as the model's string
    arrays, built by Arrow in one call each (much faster than pandas' element-wise checks)."""
    return {c: pd.arrays.ArrowStringArray(pa.array(v, type=pa.large_string(), from_pandas=True)) if c in names else v
            for c, v in columns.items()}


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def _child_value(elem, name: str) -> str | None:
    for c in elem:
        if isinstance(c.tag, str) and _local(c.tag) == name:
            value = c.get("V")
            return value.strip() if value else value
    return None


def _to_float(raw: str | None) -> float | None:
    """A finite number of sensible size from a PES string, or None."""
    if raw is None:
        return None
    try:
        number = float(raw.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        return None
    return number if np.isfinite(number) and abs(number) < _ABSURD else None


def _present(values: np.ndarray) -> np.ndarray:
    """Mask of the values actually given (not absent, not blank)."""
    present = np.not_equal(values, None)  # vectorised; then look at the few given values only
    for i in np.flatnonzero(present):
        if not values[i].strip():
            present[i] = False
    return present


def _numeric(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from PES strings ('1832.54'; a decimal comma and spaces are tolerated).

    Returns the float values (NaN when absent or invalid) and the mask of invalid values:
    text, and also NaN, infinities and absurd magnitudes ('NaN', 'inf', '1e400'), which are
    never stored.
    """
    try:  # Arrow's C parser when every given value is a plain number (the usual case)
        # (+ 0.0 turns "-0" into 0.0, as the slower path gives it)
        out = pc.cast(pa.array(values, type=pa.string(), from_pandas=True), pa.float64()) \
            .to_numpy(zero_copy_only=False) + 0.0
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float, copy=True)
    missing = ~np.isfinite(out) | (np.abs(out) >= _ABSURD)
    if not missing.any():
        return out, missing
    out[missing] = np.nan
    invalid = np.zeros(len(values), dtype=bool)
    gaps = np.flatnonzero(missing)
    invalid[gaps] = _present(values[gaps])
    for i in np.flatnonzero(invalid):  # rare: retry with a decimal comma / thousands spaces
        number = _to_float(values[i])
        if number is not None:
            out[i] = number
            invalid[i] = False
    return out, invalid


def parse_pes_file(path: Path, keep_names: bool = False) -> ParsedFile:
    """Read one PES paye file into the canonical payslips, pay_lines and nomenclature tables.

    Raises ImportError_ (French message) when the file is empty, is not XML or is not a PES
    paye document: nothing of it is imported. A document broken part-way (truncated, junk
    after the end, an unescaped '&') keeps every payslip complete before the break; the one
    broken is rejected with its line, and so is each payslip after it, which cannot be read.
    """
    path = Path(path)
    col = _Collector(path, keep_names)
    with open(path, "rb") as f:
        head = f.read(512)
    if not head.strip():
        raise ImportError_(
            f"{path} : fichier vide. Vérifiez l'export du logiciel de paie (flux PES paye) et importez-le à nouveau."
        )
    source = _Source(path, *_choose_encoding(path, head, col.warnings))
    parser = etree.XMLPullParser(
        events=("start", "end"), tag=tuple("{*}" + t for t in _WATCHED),
        remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True, huge_tree=True,
    )
    state = {"started": 0, "ended": 0, "open": [], "root_checked": False}  # open: lines of the payslips begun
    try:
        while True:
            data = source.read(1 << 16)
            error = None
            try:
                if data:
                    parser.feed(data)
                else:
                    parser.close()
            except etree.XMLSyntaxError as exc:
                error = exc  # the events read before the error are handled first
            # ...except those of close() failing: it ends the elements left open by a truncation.
            if data or error is None:
                for event, elem in parser.read_events():
                    _handle(event, elem, col, state)
            if error is not None:
                state["at_end"] = not data
                raise error
            if not data:
                break
    except etree.XMLSyntaxError as exc:
        if not state["root_checked"]:
            line = exc.lineno or (exc.position[0] if exc.position else None)
            raise ImportError_(
                f"{path} : ce n'est pas un document XML lisible (ligne {line} : {_xml_error_fr(exc)}). Un fichier PES "
                f"paye (.xhl/.xml) est attendu : vérifiez le fichier ou passez les exports tableur avec --profile."
            ) from exc
        _reject_after_error(exc, col, state, source)
    finally:
        source.close()
    if not state["root_checked"]:
        raise ImportError_(
            f"{path} : aucun élément {_ROOT} trouvé, ce n'est pas un flux PES paye. Vérifiez le fichier "
            f"(un export tableur s'importe avec --profile)."
        )
    if source.mojibake_line is not None:
        col.warnings.append(
            f"{path.name}, ligne {source.mojibake_line} : texte probablement encodé deux fois (« Ã© » pour « é ») ; "
            f"les libellés sont enregistrés tels quels. Demandez au logiciel de paie un export dont l'encodage est exact."
        )
    if state["started"] == 0 and not col.rejected:
        col.warnings.append(f"{path.name} : document PES paye sans aucun bulletin (PayeIndivMensuel).")
    payslips, pay_lines, nomenclature = col.frames()
    return ParsedFile(
        path=path, kind="pes", tables={"payslips": payslips, "pay_lines": pay_lines, "nomenclature": nomenclature},
        records_read=state["started"] + state.get("unread", 0), rejected=col.rejected, warnings=col.warnings,
    )


def _handle(event: str, elem, col: _Collector, state: dict) -> None:
    """One parser event: check the root, read a payslip or a header element, free memory."""
    if not state["root_checked"]:
        _check_root(col.path, elem.getroottree().getroot())
        state["root_checked"] = True
    name = _local(elem.tag)
    if name == _PAYSLIP:
        if event == "start":
            state["started"] += 1
            state["open"].append(_line_of(elem))
            return
        col.payslip(elem)
        state["ended"] += 1
        state["open"].pop()
    elif event == "start" or name in (_ROOT, "DonneesIndiv"):
        if name == "DonneesIndiv" and event == "start":
            col.establishment = None  # each DonneesIndiv has its own Etablissement
        return
    else:
        col.header(name, elem)
    # Free what has been read: the element, and the siblings before it.
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _reject_after_error(exc: etree.XMLSyntaxError, col: _Collector, state: dict, source: _Source) -> None:
    """Account for what an XML error leaves unread: the payslip it breaks and every later one."""
    line = exc.lineno or (exc.position[0] if exc.position else None)
    what = f"{'fichier tronqué : ' if state.get('at_end') else ''}XML invalide à la ligne {line} ({_xml_error_fr(exc)})"
    source.drain()
    unread = source.payslip_lines[state["started"]:]
    state["unread"] = len(unread)
    for open_line in state["open"]:
        col.rejected.append(Rejection(
            file=col.path.name, position=open_line, record="bulletin",
            reason=f"{what} : bulletin incomplet rejeté ; les {state['ended']} bulletins complets précédents sont "
                   f"importés. Corrigez le fichier à cette ligne (un « & » s'écrit « &amp; ») ou demandez un "
                   f"nouvel export du mois complet",
            year=col.year, month=col.month,
        ))
    for start in unread:
        col.rejected.append(Rejection(
            file=col.path.name, position=start, record="bulletin",
            reason=f"non lu : {what}, plus haut dans le fichier, empêche de lire la suite. Corrigez le fichier "
                   f"à cette ligne ou demandez un nouvel export du mois complet",
            year=col.year, month=col.month,
        ))
    if not state["open"] and not unread:
        col.rejected.append(Rejection(
            file=col.path.name, position=line, record="fichier",
            reason=f"{what} après le dernier bulletin complet : la fin du fichier est ignorée ; "
                   f"vérifiez que le fichier est complet",
            year=col.year, month=col.month,
        ))


# libxml2 error codes (xmlParserErrors) seen in damaged payroll files, in French.
_XML_ERRORS_FR = {
    4: "document vide",
    5: "contenu après la fin du document",
    9: "caractère interdit en XML",
    23: "« & » non échappé (écrivez « &amp; »)",
    26: "entité inconnue, sans doute un « & » non échappé (écrivez « &amp; »)",
    38: "« < » dans une valeur d'attribut (écrivez « &lt; »)",
    39: "valeur d'attribut sans guillemets",
    40: "valeur d'attribut non terminée",
    42: "attribut répété dans une même balise",
    68: "« & » ou « < » non échappé (écrivez « &amp; » ou « &lt; »)",
    73: "balise non terminée : fichier tronqué ?",
    76: "balise fermante qui ne correspond pas à la balise ouverte",
    77: "élément non fermé : fichier tronqué",
}


def _xml_error_fr(exc: etree.XMLSyntaxError) -> str:
    known = _XML_ERRORS_FR.get(exc.code)
    if known:
        return known
    detail = (exc.msg or "").split(", line ")[0].strip()
    return f"erreur de syntaxe XML ; message de l'analyseur : {detail}"


def _check_root(path: Path, root) -> None:
    tag = root.tag
    namespace = tag[1:].partition("}")[0] if tag[0] == "{" else ""
    if _local(tag) != _ROOT or (namespace and not _PES_NAMESPACE.match(namespace)):
        raise ImportError_(
            f"{path} : l'élément racine est {_local(tag)!r} (espace de noms {namespace or 'aucun'!r}) et non "
            f"{_ROOT} de l'espace {PES_NAMESPACE} (ou de l'ancien espace http://www.minefi.gouv.fr/cp/helios/pes) : "
            f"ce n'est pas un flux PES paye. Vérifiez le fichier (un export tableur s'importe avec --profile)."
        )
