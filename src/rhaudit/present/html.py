"""Render a `Document` as one self-contained HTML page: tables, charts as inline SVG, no network asset."""

from __future__ import annotations

import html
from pathlib import Path

from .document import NUMERIC_KINDS, Chart, Document, Table, Text
from .formats import display

_CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;line-height:1.35}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:2px solid #3a5a80;margin-top:2em}h3{font-size:1em}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em}th,td{border:1px solid #bbb;padding:3px 6px;vertical-align:top}
th{background:#dde4ee;text-align:left}td:first-child{white-space:nowrap}td.n{text-align:right;white-space:nowrap}tr.total td{font-weight:bold;border-top:2px solid #555}
p.source,p.note{font-size:.8em;font-style:italic;margin:.2em 0}p.warning{color:#9c0006;font-weight:bold}
p.legal{font-style:italic}.meta{font-size:.85em;color:#555}nav a{margin-right:1em}svg{margin:.5em 0}
@media print{h2{page-break-before:always}}
"""
_COLORS = ("#3a5a80", "#d08c2a", "#5a9a5a", "#9a4a7a")


def _id(name: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in name)


def render_html(doc: Document) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="fr"><head><meta charset="utf-8">', f"<title>{e(doc.title)}</title>",
           f"<style>{_CSS}</style></head><body>", f"<h1>{e(doc.title)}</h1>",
           f'<p class="meta">Collectivité : {e(doc.collectivite or "—")} — Période : {e(doc.period or "—")}<br>'
           f"Édité le {doc.run_date:%d/%m/%Y à %H:%M} par rhaudit {e(doc.version)}<br>"
           f"Sources : {e(' ; '.join(doc.sources) or '—')}</p>",
           "<nav>" + "".join(f'<a href="#{_id(s.name)}">{e(s.name)}</a>' for s in doc.sheets) + "</nav>"]
    for s in doc.sheets:
        out.append(f'<section id="{_id(s.name)}"><h2>{e(s.title)}</h2>')
        for b in s.blocks:
            if isinstance(b, Text):
                out.append(f'<p class="{b.style}">{e(b.text)}</p>')
            elif isinstance(b, Table):
                out.append(_table(b))
            elif isinstance(b, Chart):
                out.append(svg_chart(b))
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)


def _table(t: Table) -> str:
    e = html.escape
    parts = [f"<h3>{e(t.heading)}</h3>"] if t.heading else []
    parts.append("<table><thead><tr>" + "".join(f"<th>{e(c.label)}</th>" for c in t.columns) + "</tr></thead><tbody>")
    for i, r in enumerate(t.rows):
        cells = []
        for j, c in enumerate(t.columns):
            text = e(display(r.get(c.key), c.kind))
            if j == 0 and i in t.links:
                text = f'<a href="#{_id(t.links[i])}">{text}</a>'
            cells.append(f'<td class="n">{text}</td>' if c.kind in NUMERIC_KINDS else f"<td>{text}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    if t.totals_label and t.rows:
        tot = t.totals()
        parts.append('<tr class="total">' + "".join(
            f'<td class="{"n" if c.kind in NUMERIC_KINDS else ""}">{e(display(tot.get(c.key), c.kind))}</td>'
            for c in t.columns) + "</tr>")
    parts.append("</tbody></table>")
    parts += [f'<p class="{k}">{e(x)}</p>' for k, x in (("source", t.source), ("note", t.note)) if x]
    return "\n".join(parts)


def svg_chart(c: Chart, width: int = 760, height: int = 300) -> str:
    """Bars (or lines) with a y axis from 0, category labels, a legend and the reference line."""
    e = html.escape
    left, right, top, bottom = 70, 20, 30, 70
    values = [v for s in c.series.values() for v in s if v is not None]
    if c.reference:
        values.append(c.reference[1])
    vmax = max(values + [0]) or 1
    vmax *= 1.1
    plot_w, plot_h = width - left - right, height - top - bottom
    y = lambda v: top + plot_h - plot_h * v / vmax  # noqa: E731
    n, k = max(1, len(c.categories)), max(1, len(c.series))
    slot = plot_w / n
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{e(c.title)}" font-family="sans-serif" font-size="11">',
             f'<text x="{width / 2}" y="16" text-anchor="middle" font-weight="bold">{e(c.title)}</text>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>']
    for i in range(5):
        v = vmax * i / 4
        parts.append(f'<text x="{left - 5}" y="{y(v) + 4:.1f}" text-anchor="end">{e(display(round(v), "int"))}</text>')
        parts.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" stroke="#eee"/>')
    for si, (name, vals) in enumerate(c.series.items()):
        color = _COLORS[si % len(_COLORS)]
        if c.kind == "line":
            pts = " ".join(f"{left + slot * (i + .5):.1f},{y(v):.1f}" for i, v in enumerate(vals) if v is not None)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        else:
            bw = slot * 0.7 / k
            for i, v in enumerate(vals):
                if v is None:
                    continue
                x = left + slot * i + slot * 0.15 + bw * si
                parts.append(f'<rect x="{x:.1f}" y="{y(max(v, 0)):.1f}" width="{bw:.1f}" height="{y(0) - y(max(v, 0)):.1f}" '
                             f'fill="{color}"><title>{e(c.categories[i])} : {e(display(v, "number"))}</title></rect>')
        parts.append(f'<rect x="{left + 10 + 150 * si}" y="{height - 18}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + 24 + 150 * si}" y="{height - 9}">{e(name)}</text>')
    for i, cat in enumerate(c.categories):
        parts.append(f'<text x="{left + slot * (i + .5):.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                     f'{e(cat if len(cat) <= slot / 6 else cat[: max(3, int(slot / 6) - 1)] + "…")}</text>')
    if c.reference:
        ry = y(c.reference[1])
        parts.append(f'<line x1="{left}" y1="{ry:.1f}" x2="{left + plot_w}" y2="{ry:.1f}" stroke="#c00000" '
                     f'stroke-width="2" stroke-dasharray="6 3"/><text x="{left + plot_w - 4}" y="{ry - 4:.1f}" '
                     f'text-anchor="end" fill="#c00000">{e(c.reference[0])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def write_html(doc: Document, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(doc), encoding="utf-8")
    return path
