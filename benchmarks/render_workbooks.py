"""Render workbooks (and HTML reports) to PDF and PNG pages to look at them as a reader would.

    python benchmarks/render_workbooks.py reports/*.xlsx --out /tmp/rendus [--dpi 60]

Uses LibreOffice headless (`soffice --headless --convert-to pdf`) and poppler (`pdftoppm -png`);
writes NAME.pdf and NAME-N.png per input in --out and prints the page count of each. Exits 2 with
a French message when soffice or pdftoppm is missing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def tools_missing() -> list[str]:
    return [t for t in ("soffice", "pdftoppm") if shutil.which(t) is None]


def render(path: Path, out: Path, dpi: int = 60, timeout: int = 180) -> tuple[Path, list[Path]]:
    """`path` as out/NAME.pdf and out/NAME-N.png; the PDF and the list of page images."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:  # a private profile: parallel runs do not collide
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=timeout)
    pdf = out / (path.stem + ".pdf")
    for old in out.glob(f"{path.stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / path.stem)], check=True, timeout=timeout)
    return pdf, sorted(out.glob(f"{path.stem}-*.png"))


def pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of each page (from pdfinfo when available, else empty)."""
    if shutil.which("pdfinfo") is None:
        return []
    text = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True).stdout
    sizes = []
    for line in text.splitlines():
        if line.startswith("Page") and "size:" in line:
            w, _, h = line.split("size:")[1].split()[:3]
            sizes.append((float(w), float(h)))
    return sizes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("rendus"))
    ap.add_argument("--dpi", type=int, default=60)
    args = ap.parse_args(argv)
    missing = tools_missing()
    if missing:
        print(f"Outils absents : {', '.join(missing)} (installez LibreOffice et poppler-utils).", file=sys.stderr)
        return 2
    for f in args.files:
        pdf, pngs = render(f, args.out, args.dpi)
        print(f"{f} -> {pdf} ({len(pngs)} page(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
