"""PES V2 "paye" XML importer (Xémélios .xhl files): payslips and pay lines, streamed.

The document is read with lxml.etree.iterparse, stopping only at the end of each payslip
(`PayeIndivMensuel`) and at the few header elements; each payslip is read then cleared with
its preceding siblings, so memory stays flat whatever the size of the file. Values are
collected as raw strings in plain lists and converted column by column once per file (numbers,
dates), which is much faster than converting element by element and lets bad numbers be found
and rejected in one pass.

NIR, addresses and bank details (CptBancaire) are never read. Names only with keep_names.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from ..model import LINE_KINDS, STATUTS, conform
from ..workspace import Rejection
from .base import ImportError_, ParsedFile, looks_like_nir

PES_NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/paye_1_1"
_ROOT = "DocumentPaye"
_PAYSLIP = "PayeIndivMensuel"
# Elements the parser stops at (any namespace or none); everything else is read from them.
_WATCHED = (_ROOT, "Annee", "Mois", "Budget", "Employeur", "DonneesIndiv", "Etablissement", _PAYSLIP)

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
    "nom", "prenom",
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
_ENCODING_DECL = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _local(tag) -> str:
    """Local name of an element tag ('{ns}Name' or 'Name')."""
    return tag.rpartition("}")[2] if tag[0] == "{" else tag


class _Cp1252AsUtf8:
    """A binary file object re-encoding windows-1252 bytes to UTF-8 on the fly (for lxml)."""

    def __init__(self, path: Path):
        self._raw = open(path, "rb")
        # Bytes undefined in windows-1252 (0x81, 0x8D...) become U+FFFD rather than failing.
        self._decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")

    def read(self, size: int = -1) -> bytes:
        block = self._raw.read(size)
        return self._decoder.decode(block, final=not block).encode("utf-8")

    def close(self) -> None:
        self._raw.close()


def _first_utf8_error_line(path: Path) -> int | None:
    """Line of the first byte sequence that is not valid UTF-8, or None if the file is valid."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return line + block.count(b"\n", 0, exc.start)
            line += block.count(b"\n")
    return None


def _open_source(path: Path, warnings: list[str]):
    """The byte stream to parse: the file itself, or a windows-1252 re-reading of it.

    A file declaring UTF-8 (or nothing, which means UTF-8) but holding windows-1252 bytes is a
    common export mistake: rather than rejecting a whole month of payroll, it is re-read as
    windows-1252 (the usual encoding of French payroll software) and a warning is recorded.
    """
    with open(path, "rb") as f:
        head = f.read(512)
    if not head.strip():
        raise ImportError_(
            f"{path} : fichier vide. Vérifiez l'export du logiciel de paie (flux PES paye) et importez-le à nouveau."
        )
    m = _ENCODING_DECL.search(head)
    declared = m.group(1).decode("ascii").lower() if m else "utf-8"
    if declared.replace("_", "-") in ("utf-8", "utf8"):
        bad_line = _first_utf8_error_line(path)
        if bad_line is not None:
            warnings.append(
                f"{path.name} : le fichier se déclare en UTF-8 mais contient à la ligne {bad_line} des "
                f"caractères qui n'en sont pas ; il a été relu en windows-1252. Vérifiez les accents "
                f"des libellés, ou demandez un export dont l'encodage déclaré est exact."
            )
            return _Cp1252AsUtf8(path)
    return open(path, "rb")


class _Collector:
    """Raw values of one file, as column lists (one entry per payslip / per line)."""

    def __init__(self, path: Path, keep_names: bool):
        self.path = path
        self.keep_names = keep_names
        self.slips: dict[str, list] = {c: [] for c in _SLIP_RAW_COLUMNS}
        self.lines: list[tuple] = []
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
            if not value.isdigit() or (name == "Mois" and not 1 <= int(value) <= 12):
                raise ImportError_(
                    f"{self.path}, ligne {elem.sourceline} : {name} invalide ({value!r}). Le fichier PES "
                    f"doit indiquer l'année et le mois de paie (1 à 12) : demandez un export conforme."
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

    # --- one payslip -----------------------------------------------------------------------
    def payslip(self, elem) -> None:
        if self.year is None or self.month is None:
            raise ImportError_(
                f"{self.path}, ligne {elem.sourceline} : bulletin avant l'année et le mois de paie "
                f"(éléments Annee et Mois manquants en tête du fichier) : demandez un export conforme."
            )
        agent: dict[str, str | None] = {}
        values: dict[str, str | None] = {}
        events: list[str] = []
        nbi: list[str] = []
        period = (None, None)
        lines: list[tuple] = []
        slip = len(self.slips["matricule"])
        for child in elem:
            name = _local(child.tag)
            if name == "Remuneration":
                for group in child:
                    lines.append(self._line(slip, group))
            elif name == "Agent":
                for a in child:
                    aname = _local(a.tag)
                    if aname in _AGENT_FIELDS:
                        agent[_AGENT_FIELDS[aname]] = a.get("V")
                    elif aname == "RefNomenStatutaire":
                        agent["statut_code"] = _child_value(a, "Code")
                    elif self.keep_names and aname in _NAME_FIELDS:
                        agent[_NAME_FIELDS[aname]] = a.get("V")
            elif name in _SLIP_VALUES:
                values[_SLIP_VALUES[name]] = child.get("V")
            elif name == "NBI":
                nbi.append(child.get("V"))
            elif name == "Evenement":
                text = " ".join(v.strip() for v in (_child_value(child, "Code"), _child_value(child, "Description")) if v)
                if text:
                    events.append(text)
            elif name == "Periode":
                period = (_child_value(child, "DateDebut"), _child_value(child, "DateFin"))

        matricule = (agent.get("matricule") or "").strip()
        if not matricule:
            self.rejected.append(Rejection(
                file=self.path.name, position=elem.sourceline, record="bulletin",
                reason="bulletin sans matricule (élément Agent/Matricule absent ou vide) : corrigez l'export "
                       "du logiciel de paie pour que chaque bulletin porte le matricule de l'agent",
                year=self.year, month=self.month,
            ))
            return
        if looks_like_nir(matricule):
            raise ImportError_(
                f"{self.path}, ligne {elem.sourceline} : l'élément Agent/Matricule contient un numéro de sécurité "
                f"sociale (NIR). rhaudit n'enregistre jamais de NIR : demandez un export PES dont le matricule est "
                f"le matricule interne de l'agent. Rien n'a été importé."
            )
        statut = agent.get("statut")
        if statut is not None and statut.strip() not in STATUTS:
            self.warnings.append(
                f"{self.path.name}, ligne {elem.sourceline}, agent {matricule}, {self.month:02d}/{self.year} : "
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
        s["nbi_points"].append(self._nbi_sum(nbi, elem.sourceline, matricule))
        s["events"].append(" | ".join(events) if events else None)
        s["period_start"].append(period[0])
        s["period_end"].append(period[1])
        s["source_line"].append(elem.sourceline)

    @staticmethod
    def _line(slip: int, group) -> tuple:
        # Hot path (millions of lines): one pass over the children, no per-child function call.
        # The only child holding other elements is PeriodeRef, whose DateDebut/DateFin names
        # occur nowhere else in a line.
        v: dict[str, str | None] = {}
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
            v = {_local(k): x for k, x in v.items()}
        return (slip, LINE_KINDS.get(tag, tag), v.get("Code"), v.get("Libelle"), v.get("Base"), v.get("Taux"),
                v.get("NbUnite"), v.get("Mt"), v.get("DateDebut"), v.get("DateFin"), v.get("CodeCaisse"),
                group.sourceline)

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
    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        s = {c: np.asarray(v, dtype=object) for c, v in self.slips.items()}
        if not self.keep_names:
            del s["nom"], s["prenom"]
        for col, tag in _SLIP_NUMBERS.items():
            s[col], invalid = _numeric(s[col])
            for i in np.flatnonzero(invalid):
                self.warnings.append(
                    f"{self.path.name}, ligne {s['source_line'][i]}, agent {s['matricule'][i]} : "
                    f"{tag} non numérique ({self.slips[col][i]!r}), laissé vide sur le bulletin."
                )
        s["quotite"] = s["quotite"] / 100  # percent in PES, fraction in the model
        for col, tag in (("period_start", "Periode/DateDebut"), ("period_end", "Periode/DateFin"),
                         ("payment_date", "DatePaiement")):
            s[col] = self._dates(s[col], tag)
        slips = pd.DataFrame(s)
        slips["year"], slips["month"], slips["source_file"] = self.year, self.month, self.path.name

        raw = {c: np.asarray(v, dtype=object) for c, v in zip(_LINE_COLUMNS, zip(*self.lines))} if self.lines \
            else {c: np.empty(0, dtype=object) for c in _LINE_COLUMNS}
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
                    reason=f"{tag} non numérique ({values[i]!r}) dans la rubrique {raw['code'][i]} "
                           f"« {raw['label'][i]} » ; le bulletin est conservé sans cette ligne, "
                           f"corrigez la valeur dans le logiciel de paie",
                    matricule=raw["matricule"][i], year=self.year, month=self.month,
                ))
            bad |= invalid
        for col, tag in (("ref_start", "PeriodeRef/DateDebut"), ("ref_end", "PeriodeRef/DateFin")):
            raw[col] = self._dates(raw[col], tag)
        lines = pd.DataFrame(raw)
        if bad.any():
            lines = lines.loc[~bad].reset_index(drop=True)
        lines["year"], lines["month"], lines["source_file"] = self.year, self.month, self.path.name
        return conform(slips, "payslips"), conform(lines, "pay_lines")

    def _dates(self, raw: np.ndarray, what: str) -> pd.Series:
        out = pd.to_datetime(pd.Series(raw, dtype=object), format="%Y-%m-%d", errors="coerce")
        invalid = int(_present(raw[np.flatnonzero(out.isna().to_numpy())]).sum())
        if invalid:
            self.warnings.append(
                f"{self.path.name} : {invalid} date(s) {what} illisible(s) (format attendu AAAA-MM-JJ), laissée(s) vide(s)."
            )
        return out


def _child_value(elem, name: str) -> str | None:
    for c in elem:
        if _local(c.tag) == name:
            value = c.get("V")
            return value.strip() if value else value
    return None


def _to_float(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw.replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


def _present(values: np.ndarray) -> np.ndarray:
    """Mask of the values actually given (not absent, not blank)."""
    present = np.not_equal(values, None)  # vectorised; then look at the few given values only
    for i in np.flatnonzero(present):
        if not values[i].strip():
            present[i] = False
    return present


def _numeric(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from PES strings ('1832.54'; a decimal comma and spaces are tolerated).

    Returns the float values (NaN when absent or invalid) and the mask of invalid values.
    """
    out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float, copy=True)
    missing = np.isnan(out)
    if not missing.any():
        return out, missing
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
    """Read one PES paye file into the canonical payslips and pay_lines tables.

    Raises ImportError_ (French message) when the file is empty, is not XML or is not a PES
    paye document: nothing of it is imported. A document broken part-way (truncated) keeps its
    complete payslips; the incomplete one and the rest are rejected with the line of the break.
    """
    path = Path(path)
    col = _Collector(path, keep_names)
    source = _open_source(path, col.warnings)
    started = ended = 0
    open_line = None
    root_checked = False
    try:
        context = etree.iterparse(
            source, events=("start", "end"), tag=tuple("{*}" + t for t in _WATCHED),
            remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True, huge_tree=True,
        )
        for event, elem in context:
            if not root_checked:
                _check_root(path, elem.getroottree().getroot())
                root_checked = True
            name = _local(elem.tag)
            if name == _PAYSLIP:
                if event == "start":
                    started += 1
                    open_line = elem.sourceline
                    continue
                col.payslip(elem)
                ended += 1
                open_line = None
            elif event == "start" or name in (_ROOT, "DonneesIndiv"):
                if name == "DonneesIndiv" and event == "start":
                    col.establishment = None  # each DonneesIndiv has its own Etablissement
                continue
            else:
                col.header(name, elem)
            # Free what has been read: the element, and the siblings before it.
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        if not root_checked:
            raise ImportError_(
                f"{path} : ce n'est pas un document XML lisible (ligne {line} : {exc.msg}). Un fichier PES "
                f"paye (.xhl/.xml) est attendu : vérifiez le fichier ou passez les exports tableur avec --profile."
            ) from exc
        what = f"fichier tronqué ou XML invalide à la ligne {line} ({exc.msg})"
        if open_line is not None:
            col.rejected.append(Rejection(
                file=path.name, position=open_line, record="bulletin",
                reason=f"{what} : bulletin incomplet rejeté avec tout ce qui suit ; les {ended} bulletins "
                       f"complets précédents sont importés. Demandez un nouvel export du mois complet",
                year=col.year, month=col.month,
            ))
        else:
            col.rejected.append(Rejection(
                file=path.name, position=line, record="fichier",
                reason=f"{what} après le dernier bulletin complet : la fin du fichier est ignorée ; "
                       f"vérifiez que le fichier est complet",
                year=col.year, month=col.month,
            ))
    finally:
        source.close()
    if not root_checked:
        raise ImportError_(
            f"{path} : aucun élément {_ROOT} trouvé, ce n'est pas un flux PES paye. Vérifiez le fichier "
            f"(un export tableur s'importe avec --profile)."
        )
    if started == 0 and not col.rejected:
        col.warnings.append(f"{path.name} : document PES paye sans aucun bulletin (PayeIndivMensuel).")
    payslips, pay_lines = col.frames()
    return ParsedFile(
        path=path, kind="pes", tables={"payslips": payslips, "pay_lines": pay_lines},
        records_read=started, rejected=col.rejected, warnings=col.warnings,
    )


def _check_root(path: Path, root) -> None:
    tag = root.tag
    namespace = tag[1:].partition("}")[0] if tag[0] == "{" else ""
    if _local(tag) != _ROOT or namespace != PES_NAMESPACE:
        raise ImportError_(
            f"{path} : l'élément racine est {_local(tag)!r} (espace de noms {namespace or 'aucun'!r}) et non "
            f"{_ROOT} de l'espace {PES_NAMESPACE} : ce n'est pas un flux PES paye. Vérifiez le fichier "
            f"(un export tableur s'importe avec --profile)."
        )
