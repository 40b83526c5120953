"""`rhaudit report` and the presentation layer, on the 120-agent demo commune.

The workbook is read with openpyxl (no LibreOffice needed); the rendering test runs only where
soffice and pdftoppm are installed (benchmarks/render_workbooks.py)."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from rhaudit.check import check_workspace
from rhaudit.cli import main
from rhaudit.present.document import Column, Table
from rhaudit.present.excel import CHART_SHEET, read_table
from rhaudit.present.formats import EXCEL_FORMATS, display
from rhaudit.present.tabular import csv_cell, to_json
from rhaudit.present.terminal import render_table

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "configs" / "worktime" / "protocole_exemple.yaml"
PROJECTION = REPO / "configs" / "projections" / "exemple.yaml"
KIND_OF_FORMAT = {v: k for k, v in EXCEL_FORMATS.items() if k != "text"}


@pytest.fixture(scope="module")
def report(demo_120, tmp_path_factory):
    files, ws = demo_120
    out = tmp_path_factory.mktemp("report") / "audit_2025.xlsx"
    result = CliRunner().invoke(main, ["report", "-w", str(ws.root), "--scenarios", str(SCENARIOS), "--html",
                                       "--projection", str(PROJECTION),
                                       "--collectivite", "Commune de démonstration", "--out", str(out)])
    assert result.exit_code == 0, result.output
    findings = check_workspace(ws, deliberations=files.deliberations_file).findings
    return out, findings, ws


def test_every_finding_of_check_is_in_the_report_with_its_amount(report):
    out, findings, _ = report
    synth = read_table(out, "Synthèse").set_index("Règle")
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    assert set(synth.index) == set(by_rule)
    wb = openpyxl.load_workbook(out)
    for rule, fs in by_rule.items():
        expected = round(sum(f.to_dict()["amount"] or 0 for f in fs), 2)  # each finding to the cent, as in findings.json
        assert synth.loc[rule, "Constats"] == len(fs)
        assert synth.loc[rule, "Montant en jeu"] == pytest.approx(expected, abs=0.005)
        detail = read_table(out, rule)
        # The totals of the synthesis equal the sums of the detail sheets (amount on each finding's first row).
        assert detail["Montant en jeu"].fillna(0).sum() == pytest.approx(expected, abs=0.005)
        assert detail["N° du constat"].nunique() == len(fs)
        concerned = round(sum(f.to_dict()["amount_concerned"] or 0 for f in fs), 2)
        assert detail["Montant concerné"].fillna(0).sum() == pytest.approx(concerned, abs=0.005)
        assert synth.loc[rule, "Montant concerné"] == pytest.approx(concerned, abs=0.005)
    # Sorted by amount at stake, largest first; each rule links to its sheet.
    amounts = list(synth["Montant en jeu"])
    assert amounts == sorted(amounts, reverse=True)
    ws = wb["Synthèse"]
    links = {c.value: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
    assert all(links[r] == f"'{r}'!A1" for r in by_rule)


def test_numbers_are_numbers_with_a_french_format_and_no_column_prints_hashes(report):
    out, _, _ = report
    wb = openpyxl.load_workbook(out)
    checked = 0
    for ws in wb.worksheets:
        merged = {c for r in ws.merged_cells.ranges for row in ws.iter_rows(min_row=r.min_row, max_row=r.max_row,
                                                                           min_col=r.min_col, max_col=r.max_col) for c in row}
        for row in ws.iter_rows():
            for c in row:
                if c in merged or c.value is None:
                    continue
                if isinstance(c.value, str):
                    # Nothing that looks like a number is left as text ("10242.96", "1 234,56").
                    assert not re.fullmatch(r"-?[\d ]+[.,]\d\d( €)?", c.value), (ws.title, c.coordinate, c.value)
                    continue
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                    kind = KIND_OF_FORMAT.get(c.number_format)
                    assert kind, (ws.title, c.coordinate, c.number_format)  # a French format, never General
                    width = ws.column_dimensions[c.column_letter].width
                    # LibreOffice and Excel print #### when the formatted number is wider than the column.
                    assert len(display(c.value, kind)) + 1 <= width, (ws.title, c.coordinate, c.value, width)
                    checked += 1
    assert checked > 500


def test_page_setup_title_block_and_sheets(report):
    out, findings, _ = report
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Synthèse"
    assert {"Effectifs et paie", "Temps de travail", "Méthodologie", "Paramètres", "Rubriques", "Fichiers",
            "Données des graphiques"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1  # one page wide
        assert ws.page_setup.fitToHeight == 0
        assert ws.oddFooter.right.text == "Page &P / &N"
        if ws.title == CHART_SHEET:
            continue
        assert ws["A2"].value.startswith("Collectivité : Commune de démonstration — Période : janvier à décembre 2025")
        assert ws["A4"].value.startswith("Édité le ")
    # Numbered tables with their source line.
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    numbered = [t for t in texts if t.startswith("Tableau n° ")]
    assert numbered[0].startswith("Tableau n° 1 — ")
    assert [int(t.split()[2]) for t in numbered] == list(range(1, len(numbered) + 1))
    assert "Source : fichiers de paie 2025, calcul rhaudit." in texts
    # The working-time chart and the monthly pay chart are native charts.
    assert len(wb["Temps de travail"]._charts) == 1 and len(wb["Effectifs et paie"]._charts) == 1
    assert len(wb["Absentéisme"]._charts) == 1  # the demo has absences
    assert len(wb["Masse salariale"]._charts) == 1 and len(wb["Projection"]._charts) == 1
    # Rules not run are listed on the synthesis.
    assert "Tableau n° " in " ".join(texts) and any("Règles non exécutées" in t for t in texts)


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.external = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.external.append(v)


def test_html_is_self_contained_with_the_same_content(report):
    out, findings, _ = report
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    parser = _Html()
    parser.feed(page)
    assert parser.external == []  # no network asset
    # Five charts: monthly gross pay, working time against 1,607 h, absenteeism by motive, the
    # decomposition of the gross pay, the projected trajectories.
    assert parser.tags.count("svg") == 5 and "<table>" in page
    for f in findings:
        assert f'id="s-{f.rule}"' in page and f'href="#s-{f.rule}"' in page  # a section per rule, linked
    assert "Tableau n° 1 — " in page and "Durée légale 1 607 h" in page  # the reference line of the chart


def test_pseudonymise_applies_to_every_output(demo_120, tmp_path):
    files, ws = demo_120
    out = tmp_path / "p.xlsx"
    r = CliRunner().invoke(main, ["report", "-w", str(ws.root), "--pseudonymise", "--html", "--out", str(out)])
    assert r.exit_code == 0, r.output
    matricules = set(ws.read("payslips")["matricule"].astype(str))
    wb = openpyxl.load_workbook(out)
    cells = {str(c.value) for s in wb.worksheets for row in s.iter_rows() for c in row if c.value is not None}
    assert not cells & matricules
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    assert not any(f">{m}<" in html for m in matricules)
    assert "P-" in html


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice (soffice) ou pdftoppm absent : rendu PDF/PNG non testé sur cette machine")
def test_rendered_workbook_has_no_hashes_and_landscape_pages(report, tmp_path):
    out, _, _ = report
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "render_workbooks.py"), str(out), "--out", str(tmp_path)],
                   check=True, timeout=600)
    pdf = tmp_path / "audit_2025.pdf"
    assert list(tmp_path.glob("audit_2025-*.png"))
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "###" not in text
        assert "Tableau n° 1 — " in text
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "3", str(pdf)], capture_output=True, text=True).stdout
        sizes = re.findall(r"size:\s+([\d.]+) x ([\d.]+)", info)
        assert sizes and all(float(w) > float(h) for w, h in sizes)  # landscape


# --- the layer's small pieces -------------------------------------------------------------------

def test_csv_and_json_values():
    assert csv_cell(2025.0, "int") == "2025" and csv_cell(2025.0) == "2025"  # never "2025,0"
    assert csv_cell(1234.5, "eur") == "1234,50" and csv_cell(float("nan"), "eur") == ""
    data = json.loads(to_json({"a": float("nan"), "b": float("inf"), "c": 1.5}))
    assert data == {"a": None, "b": None, "c": 1.5}


def test_terminal_table_fits_100_columns_with_a_total():
    t = Table([Column("rule", "Règle"), Column("title", "Constat"), Column("amount", "Montant en jeu", "eur", total=True),
               Column("n", "Constats", "int", total=True)],
              [{"rule": "R-1", "title": "mot " * 60, "amount": 1234.5, "n": 2},
               {"rule": "R-2", "title": "court", "amount": 10.0, "n": 1}], totals_label="Total")
    text = render_table(t)
    assert max(len(line) for line in text.splitlines()) <= 100
    # 1,234.50 + 10.00 = 1,244.50 EUR; 2 + 1 = 3 findings.
    assert re.search(r"^Total\s+1 244,50 €\s+3$", text, re.M)
    assert max(len(line) for line in render_table(t, wide=True).splitlines()) > 100


def test_findings_csv_writes_integers_as_integers(demo_120, tmp_path):
    from rhaudit.present.checkdoc import write_findings

    files, ws = demo_120
    findings = check_workspace(ws, rule_patterns="COTIS-001", deliberations=files.deliberations_file).findings
    write_findings(findings, tmp_path)
    header, first = (tmp_path / "findings.csv").read_text(encoding="utf-8-sig").splitlines()[:2]
    assert header.startswith("N°;Règle;Gravité;Constat;")
    assert ";2025;" in first and "2025,0" not in first
    assert not math.isnan(json.loads((tmp_path / "findings.json").read_text())[0]["amount"])
    # In the workbook a year is a number printed without a thousands separator (2025, not 2 025).
    ws = openpyxl.load_workbook(tmp_path / "findings.xlsx")["Constats"]
    header = int(ws.auto_filter.ref.split(":")[0][1:])
    col = [c.column for c in ws[header] if c.value == "Année"][0]
    cell = ws.cell(row=header + 1, column=col)
    assert cell.value == 2025 and cell.number_format == "0"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="Chromium absent : rapport HTML testé seulement structurellement")
def test_html_report_in_headless_chromium(report, tmp_path):
    out, findings, _ = report
    page = out.with_suffix(".html").resolve()
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(base + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180).stdout
    # The browser parsed the whole page: every rule's section, the charts, the numbered tables.
    assert dom.count("<svg") == 5 and all(f'id="s-{f.rule}"' in dom for f in findings)
    assert "Tableau n° 1 — " in dom
    shot = tmp_path / "rapport.png"  # the screenshot, kept with the test's artefacts
    subprocess.run(base + [f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri()], capture_output=True,
                   timeout=180)
    assert shot.is_file() and shot.stat().st_size > 10_000
    if os.environ.get("RHAUDIT_TEST_ARTEFACTS"):
        artefacts = Path(os.environ["RHAUDIT_TEST_ARTEFACTS"])
        artefacts.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, artefacts / "rapport_html.png")
