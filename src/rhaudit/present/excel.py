"""Render a `Document` to an Excel workbook an auditor can paste and print as is.

Every sheet: a title block (what, collectivité and period, source files, run date and rhaudit
version), then its blocks; tables with bold wrapped headers, French number formats, a totals
row, their numbered title, source line and method note; the first table's header frozen and
filtered; column widths from the content (a number never prints as ####) and row heights that
fit the wrapped text; landscape, one page wide, the header row repeated on every page, a header
(collectivité, title, period) and a footer (rhaudit version, page n / N). Charts are native
openpyxl charts whose data sit in the sheet « Données des graphiques ».
"""

from __future__ import annotations

import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.styles import Font as _Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from .document import Chart, Document, Sheet, Table, Text, clean_value, is_number
from .formats import EXCEL_FORMATS, display

TITLE_ROWS = 4  # title, collectivité and period, sources, edition
MAX_WIDTH = {"text": 60}  # wider texts wrap
MIN_WIDTH = 8
LINE_HEIGHT = 14.0  # points per line of 11-pt text
CHART_SHEET = "Données des graphiques"
FONT = "Calibri"


def Font(**kw) -> _Font:  # noqa: N802 - every font named, or LibreOffice falls back to a serif
    kw.setdefault("name", FONT)
    kw.setdefault("size", 11)
    return _Font(**kw)


_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_THIN = Side(style="thin", color="808080")
_STYLES = {
    "heading": Font(bold=True, size=12),
    "legal": Font(italic=True),
    "note": Font(italic=True, size=9),
    "warning": Font(bold=True, color="9C0006"),
    "normal": Font(),
}


def write_workbook(doc: Document, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    charts = [(s, b) for s in doc.sheets for b in s.blocks if isinstance(b, Chart)]
    data_ws = None
    if charts:
        data_ws = wb.create_sheet(CHART_SHEET)  # created first so that references resolve; moved last
    for sheet in doc.sheets:
        _write_sheet(wb.create_sheet(sheet.name), sheet, doc, data_ws)
    if data_ws is not None:
        wb.move_sheet(data_ws, offset=len(wb.sheetnames) - 1)
        _finish_chart_data(data_ws, doc)
    wb.active = 0
    wb.save(path)
    return path


# --- one sheet -------------------------------------------------------------------------------

def _ncols(sheet: Sheet) -> int:
    return max([len(t.columns) for t in sheet.tables()] or [1])


SECONDARY_TEXT = 30  # a text column of a sheet's other tables widens its column up to this


def main_table(sheet: Sheet) -> Table | None:
    """The table that sets a sheet's column widths: the one with the most columns (the first on a tie)."""
    tables = sheet.tables()
    return max(tables, key=lambda t: len(t.columns)) if tables else None


def _widths(sheet: Sheet) -> list[float]:
    """Column widths (characters) from the content: the longest formatted value, the header's
    longest word, texts capped (they wrap). The main table sets the text widths; the other tables
    widen a column for their numbers (never ####) and, a little, for their texts."""
    n = _ncols(sheet)
    widths = [float(MIN_WIDTH)] * n
    main = main_table(sheet)
    for t in sheet.tables():
        rows = t.rows + ([t.totals()] if t.totals_label else [])
        for i, c in enumerate(t.columns):
            if t is not main and c.kind == "text" and i == len(t.columns) - 1 < n - 1:
                continue  # merged across the remaining columns (_span)
            cap = c.wrap or MAX_WIDTH.get(c.kind, 40)
            if t is not main and c.kind == "text":
                cap = min(cap, SECONDARY_TEXT)
            longest_word = max((len(w) for w in c.label.split()), default=0)
            content = max((len(display(r.get(c.key), c.kind)) for r in rows), default=0)
            if c.kind == "text":
                content = min(content, cap)
            pad = 2 if c.kind == "text" else 3  # numbers carry a one-level right indent
            widths[i] = max(widths[i], longest_word + 2, content + pad, min(len(c.label) + 2, 18 if c.kind != "text" else cap))
    if n == 1:
        widths[0] = max(widths[0], 100.0)  # a sheet of texts reads on the page width
    return widths


def _lines(text: str, width: float) -> int:
    usable = max(1.0, width * 1.15 - 1)  # a width unit holds about 1.15 characters of average text
    return sum(max(1, math.ceil(len(part) / usable)) for part in str(text).split("\n"))


def _write_sheet(ws, sheet: Sheet, doc: Document, data_ws) -> None:
    widths = _widths(sheet)
    total_width = sum(widths)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(w, 1)
    ncols = len(widths)

    def text_row(row: int, text: str, font: Font, height_factor: float = 1.0) -> None:
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if ncols > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        ws.row_dimensions[row].height = LINE_HEIGHT * height_factor * _lines(text, total_width * 0.95)

    # Title block.
    text_row(1, sheet.title, Font(bold=True, size=14), 1.3)
    where = " — ".join(x for x in (f"Collectivité : {doc.collectivite}" if doc.collectivite else "",
                                    f"Période : {doc.period}" if doc.period else "") if x)
    text_row(2, where or doc.title, Font(bold=True))
    text_row(3, "Sources : " + (" ; ".join(doc.sources) if doc.sources else "—"), Font(size=9))
    edition = f"Édité le {doc.run_date:%d/%m/%Y à %H:%M} par rhaudit {doc.version}".rstrip()
    if doc.assumptions:
        edition += f". Hypothèses : {doc.assumptions}"
    text_row(4, edition, Font(size=9, italic=True))
    row = TITLE_ROWS + 2
    first_table_header = None
    filtered = False
    single = len(sheet.tables()) == 1
    for block in sheet.blocks:
        if isinstance(block, Text):
            text_row(row, block.text, _STYLES.get(block.style, Font()))
            row += 1 if block.style != "heading" else 1
        elif isinstance(block, Table):
            if block.heading:
                text_row(row, block.heading, Font(bold=True, size=11))
                row += 1
            header_row = row
            row = _write_table(ws, block, row, widths)
            if first_table_header is None:
                first_table_header = header_row
            if block.filters and not filtered and block.rows:
                last = header_row + len(block.rows)
                ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(block.columns))}{last}"
                filtered = True
            for line, font in ((block.source, Font(italic=True, size=9)), (block.note, Font(italic=True, size=9))):
                if line:
                    text_row(row, line, font)
                    row += 1
            row += 1
        elif isinstance(block, Chart) and data_ws is not None:
            row = _write_chart(ws, block, row, data_ws, total_width)
    # Freeze and repeat the header of a sheet's only table; otherwise the title row.
    if single and first_table_header is not None:
        ws.freeze_panes = f"A{first_table_header + 1}"
        ws.print_title_rows = f"{first_table_header}:{first_table_header}"
    _page_setup(ws, sheet, doc)


def _span(ws, t: Table, row: int, widths: list[float]) -> list[float]:
    """A table narrower than its sheet: its last text column is merged across the remaining
    columns of `row` (a long « Motifs » reads on the page width). The widths as `t` sees them."""
    n, total = len(t.columns), len(widths)
    if n >= total or t.columns[-1].kind != "text":
        return widths
    ws.merge_cells(start_row=row, start_column=n, end_row=row, end_column=total)
    return widths[: n - 1] + [sum(widths[n - 1:])]


def _write_table(ws, t: Table, row: int, widths: list[float]) -> int:
    """Header, rows and totals of `t` from `row`; returns the next free row."""
    sheet_widths = widths
    widths = _span(ws, t, row, sheet_widths)
    header_lines = 1
    for i, c in enumerate(t.columns, start=1):
        cell = ws.cell(row=row, column=i, value=c.label)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = Border(bottom=_THIN)
        cell.alignment = Alignment(wrap_text=True, vertical="center",
                                   horizontal="left" if c.kind == "text" else "center")
        header_lines = max(header_lines, _lines(c.label, widths[i - 1]))
    ws.row_dimensions[row].height = LINE_HEIGHT * header_lines
    row += 1
    for index, r in enumerate(t.rows):
        _span(ws, t, row, sheet_widths)
        _write_row(ws, t, r, row, widths)
        target = t.links.get(index)
        if target:
            cell = ws.cell(row=row, column=1)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{target}'!A1")
            cell.font = Font(color="0563C1", underline="single")
        row += 1
    if t.totals_label and t.rows:
        _span(ws, t, row, sheet_widths)
        _write_row(ws, t, t.totals(), row, widths, bold=True)
        for i in range(1, len(t.columns) + 1):
            ws.cell(row=row, column=i).border = Border(top=_THIN)
        row += 1
    return row


# One style object per variant, shared by every cell (openpyxl looks each assigned style up in
# the workbook's style list: a new object per cell costs seconds on a large findings workbook).
_CELL_ALIGNMENT = {wrap: Alignment(wrap_text=wrap, vertical="top", horizontal="left" if wrap else "right", indent=1)
                   for wrap in (False, True)}
_BOLD = Font(bold=True)


def _write_row(ws, t: Table, r: dict, row: int, widths: list[float], bold: bool = False) -> None:
    lines = 1
    for i, c in enumerate(t.columns, start=1):
        v = clean_value(r.get(c.key))
        if c.kind in ("int", "year") and is_number(v):
            v = int(round(v))
        cell = ws.cell(row=row, column=i, value=v)
        if c.kind != "text" and (is_number(v) or c.kind == "date"):
            cell.number_format = EXCEL_FORMATS[c.kind]
        elif is_number(v):  # a number in a text column (a mixed "Valeur" column): still a French format
            cell.number_format = EXCEL_FORMATS["int" if float(v).is_integer() else "number"]
        wrap = c.kind == "text"
        # One indent on both sides of the border: a right-aligned number never touches the next
        # column's text (LibreOffice ignores a right indent, so the text gets one too).
        cell.alignment = _CELL_ALIGNMENT[wrap]
        if bold:
            cell.font = _BOLD
        if wrap and v is not None:
            lines = max(lines, _lines(str(v), widths[i - 1]))
    if lines > 1:
        ws.row_dimensions[row].height = LINE_HEIGHT * lines


def _page_setup(ws, sheet: Sheet, doc: Document) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.left.text = doc.collectivite or doc.title
    ws.oddHeader.center.text = sheet.title[:80]
    ws.oddHeader.right.text = doc.period
    ws.oddFooter.left.text = f"rhaudit {doc.version} — {doc.run_date:%d/%m/%Y}"
    ws.oddFooter.right.text = "Page &P / &N"
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.left, ws.oddFooter.right):
        part.size = 8


# --- charts ----------------------------------------------------------------------------------

def _write_chart(ws, chart: Chart, row: int, data_ws, total_width: float) -> int:
    """The chart's data in the data sheet, the chart itself anchored at `row`; next free row."""
    start = (data_ws.max_row + 2) if data_ws.max_row > 1 else 1
    data_ws.cell(row=start, column=1, value=chart.title).font = Font(bold=True)
    names = list(chart.series)
    if chart.reference:
        names.append(chart.reference[0])
    head = start + 1
    data_ws.cell(row=head, column=1, value="").font = Font(bold=True)
    for j, name in enumerate(names, start=2):
        data_ws.cell(row=head, column=j, value=name).font = Font(bold=True)
    for i, cat in enumerate(chart.categories, start=1):
        data_ws.cell(row=head + i, column=1, value=cat)
        for j, name in enumerate(names, start=2):
            values = chart.series.get(name)
            v = values[i - 1] if values is not None else chart.reference[1]
            cell = data_ws.cell(row=head + i, column=j, value=clean_value(v))
            cell.number_format = EXCEL_FORMATS["number"]
    last = head + len(chart.categories)
    cats = Reference(data_ws, min_col=1, min_row=head + 1, max_row=last)
    bars = BarChart() if chart.kind == "bar" else LineChart()
    if chart.kind == "bar":
        bars.type = "col"
    bars.title = chart.title
    bars.y_axis.title = chart.y_label
    bars.y_axis.numFmt = EXCEL_FORMATS["number"]
    bars.add_data(Reference(data_ws, min_col=2, max_col=1 + len(chart.series), min_row=head, max_row=last),
                  titles_from_data=True)
    bars.set_categories(cats)
    for series in bars.series:
        series.smooth = False
    bars.x_axis.delete = False
    bars.y_axis.delete = False
    bars.legend.position = "b"
    if chart.reference:
        ref_line = LineChart()
        col = 2 + len(chart.series)
        ref_line.add_data(Reference(data_ws, min_col=col, min_row=head, max_row=last), titles_from_data=True)
        ref_line.set_categories(cats)
        ref_line.series[0].graphicalProperties.line.solidFill = "C00000"
        ref_line.series[0].graphicalProperties.line.width = 28000
        ref_line.series[0].smooth = False
        bars += ref_line
    bars.width = min(24.0, max(14.0, total_width * 0.19))
    bars.height = 8.0
    ws.add_chart(bars, f"A{row}")
    return row + 18


def _finish_chart_data(data_ws, doc: Document) -> None:
    data_ws.column_dimensions["A"].width = 40
    for col in range(2, data_ws.max_column + 1):
        data_ws.column_dimensions[get_column_letter(col)].width = 18
    _page_setup(data_ws, Sheet(CHART_SHEET, CHART_SHEET), doc)


# --- reading back (tests, tools) --------------------------------------------------------------

def read_table(path: Path, sheet: str):
    """The filtered (main) table of a sheet written by `write_workbook`, as a DataFrame."""
    import pandas as pd
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[sheet]
    ref = ws.auto_filter.ref
    if not ref:
        raise ValueError(f"{sheet} has no filtered table")
    start, end = ref.split(":")
    header_row = int("".join(ch for ch in start if ch.isdigit()))
    last_row = int("".join(ch for ch in end if ch.isdigit()))
    rows = list(ws.iter_rows(min_row=header_row, max_row=last_row, values_only=True))
    width = sum(1 for v in rows[0] if v is not None)
    return pd.DataFrame([r[:width] for r in rows[1:]], columns=list(rows[0][:width]))
