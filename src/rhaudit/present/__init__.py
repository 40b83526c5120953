"""The presentation layer of every output: a document model (document.py) rendered to Excel
(excel.py), HTML (html.py), the terminal (terminal.py), CSV and JSON (tabular.py)."""

from .document import Chart, Column, Document, Sheet, Table, Text

__all__ = ["Chart", "Column", "Document", "Sheet", "Table", "Text"]
