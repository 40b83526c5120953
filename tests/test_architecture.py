"""The layers of docs/architecture.md are the code's: a module imports only lower layers.

The table in the doc is the one source: this test parses it, then every `from . import` /
`from ..x import` of src/rhaudit (function-local imports included) between two top-level units
(a module, or a package such as rules/) must point to a strictly lower layer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "rhaudit"


def documented_layers() -> dict[str, int]:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    layers = {}
    for number, modules in re.findall(r"^\| (\d+) \| ([^|]+) \|", text, flags=re.M):
        for name in re.findall(r"`([\w]+)`", modules):
            layers[name] = int(number)
    return layers


def unit_of(parts: list[str]) -> str:
    return parts[0].removesuffix(".py") if parts else "__init__"


def _is_module(root: Path, parts: list[str]) -> bool:
    return bool(parts) and ((root.joinpath(*parts).with_suffix(".py")).exists() or (root.joinpath(*parts) / "__init__.py").exists())


def imports_between_units(root: Path = SRC) -> set[tuple[str, str, str]]:
    """(importing unit, imported unit, file) for every relative import crossing units."""
    found = set()
    for path in root.rglob("*.py"):
        rel = list(path.relative_to(root).with_suffix("").parts)
        package = rel[:-1]  # the package holding the file (for __init__, the package itself)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = package[:len(package) - (node.level - 1)]
            # `from . import name`: a submodule, or a name of the package's __init__.
            targets = ([base + node.module.split(".")] if node.module
                       else [base + [a.name] if _is_module(root, base + [a.name]) else base for a in node.names])
            for target in targets:
                source, imported = unit_of(rel), unit_of(target)
                if source != imported:
                    found.add((source, imported, str(path.relative_to(root.parent))))
    return found


def test_every_module_has_a_layer():
    layers = documented_layers()
    units = {unit_of([p.name]) for p in SRC.iterdir() if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert units - set(layers) == set(), "modules absent from the layer table of docs/architecture.md"
    assert set(layers) - units == set(), "the layer table names modules that do not exist"


def test_imports_point_to_lower_layers():
    layers = documented_layers()
    wrong = sorted(f"{file}: {source} (couche {layers[source]}) importe {imported} (couche {layers[imported]})"
                   for source, imported, file in imports_between_units()
                   if imported in layers and source in layers and layers[imported] >= layers[source])
    assert wrong == []


def test_the_check_sees_a_wrong_arrow(tmp_path):
    # The mechanism on a tree of our own: a leaf importing the command line, a rule module
    # importing its package's helpers (same unit, allowed) and the finding record (lower).
    pkg = tmp_path / "rhaudit"
    (pkg / "rules").mkdir(parents=True)
    (pkg / "__init__.py").write_text("__version__ = '0'\n")
    (pkg / "fmt.py").write_text("def f():\n    from .cli import main\n")
    (pkg / "cli.py").write_text("from . import __version__\n")
    (pkg / "findings.py").write_text("")
    (pkg / "rules" / "__init__.py").write_text("from ..findings import x\n")
    (pkg / "rules" / "nbi.py").write_text("from . import rule\nfrom ._paie import eur\n")
    found = {(s, i) for s, i, _ in imports_between_units(pkg)}
    assert found == {("fmt", "cli"), ("cli", "__init__"), ("rules", "findings")}
    layers = documented_layers()
    assert layers["fmt"] == 0 and layers["cli"] == 11 and layers["__init__"] == 0
