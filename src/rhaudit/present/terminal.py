"""Render a `Table` as terminal text that fits 100 columns (wrapped texts; `wide` for details)."""

from __future__ import annotations

from tabulate import SEPARATING_LINE, tabulate

from .document import NUMERIC_KINDS, Column, Table
from .formats import display

WIDTH = 100
_GAP = 2  # tabulate "simple" puts two spaces between columns
_PAD = 2  # and pads each column by two (its minimum header padding)
MIN_TEXT = 10


def render_table(t: Table, width: int = WIDTH, wide: bool = False) -> str:
    """`t` as text: numbers right-aligned and French-formatted, texts wrapped so that the table
    fits `width` columns (unless `wide`), the totals row after a rule."""
    cols = t.columns
    body = [[display(r.get(c.key), c.kind) for c in cols] for r in t.rows]
    totals = [display(t.totals().get(c.key), c.kind) for c in cols] if t.totals_label and t.rows else None
    widths = fit_widths(cols, body + ([totals] if totals else []), width, wide)
    rows: list = list(body)
    if totals:
        rows += [SEPARATING_LINE, totals]
    text = tabulate(rows, headers=[c.label for c in cols], tablefmt="simple", disable_numparse=True,
                    maxcolwidths=[w if c.kind == "text" else None for c, w in zip(cols, widths)],
                    maxheadercolwidths=widths,
                    colalign=["right" if c.kind in NUMERIC_KINDS else "left" for c in cols])
    parts = [t.heading] if t.heading else []
    parts.append(text)
    parts += [x for x in (t.source, t.note) if x]
    return "\n".join(parts)


def fit_widths(cols: list[Column], rows: list[list[str]], width: int, wide: bool) -> list[int | None]:
    """Maximum width of each column: text columns are narrowed, widest first, until the table fits."""
    natural = []
    for i, c in enumerate(cols):
        longest_word = max((len(w) for w in c.label.split()), default=1)
        natural.append(max([len(r[i]) for r in rows] + [longest_word]))
    if wide:
        return [None] * len(cols)
    natural = [min(n, c.wrap) if c.wrap and c.kind == "text" else n for n, c in zip(natural, cols)]
    out = list(natural)
    budget = width - _GAP * (len(cols) - 1) - _PAD * len(cols)
    while sum(out) > budget:
        texts = [i for i, c in enumerate(cols) if c.kind == "text" and out[i] > MIN_TEXT]
        if not texts:
            break
        i = max(texts, key=lambda k: out[k])
        out[i] = max(MIN_TEXT, out[i] - max(1, sum(out) - budget))
    return out


def abbreviate(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def wrap_text(text: str, width: int = WIDTH) -> str:
    """Each line of `text` wrapped at `width`, continuation lines indented under the first word."""
    import textwrap

    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        out.append(textwrap.fill(line, width, subsequent_indent=indent, break_on_hyphens=False))
    return "\n".join(out)
