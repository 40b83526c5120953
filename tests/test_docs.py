"""The generated documentation stays in step with the code it documents."""

import re
from pathlib import Path

import rhaudit.rules
from rhaudit.model import markdown_doc
from rhaudit.rules import all_rules, rules_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_data_model_doc_is_current():
    assert (DOCS / "modele.md").read_text(encoding="utf-8") == markdown_doc(), \
        "docs/modele.md est périmé : python -m rhaudit.model > docs/modele.md"


def test_rules_doc_is_current():
    assert (DOCS / "regles.md").read_text(encoding="utf-8") == rules_markdown(), \
        "docs/regles.md est périmé : rhaudit rules --format md > docs/regles.md"


def test_every_rule_is_documented_in_french_sections():
    # docs/architecture.md (Rules): each rule carries "Ce que la règle vérifie / Pourquoi / Texte / Exemple".
    missing = [r.id for r in all_rules()
               if not all(s in r.doc for s in ("Ce que la règle vérifie", "Pourquoi", "Texte", "Exemple"))]
    assert missing == []


def test_every_rule_module_registers_rules():
    # No hand-kept count: the list of rules is docs/regles.md, checked above against the registry.
    # What a count used to catch, a rule module that registers nothing (decorator lost, module
    # skipped), is caught here; private modules (_paie.py...) hold shared helpers only.
    modules = {p.stem for p in (Path(rhaudit.rules.__file__).parent).glob("[!_]*.py")}
    registering = {r.func.__module__.rsplit(".", 1)[1] for r in all_rules()}
    assert modules and modules == registering


def test_architecture_names_only_registered_rules():
    # docs/architecture.md points to docs/regles.md for the list; a rule id it quotes must exist.
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    assert "docs/regles.md" in text or "(regles.md)" in text
    quoted = set(re.findall(r"\b[A-Z][A-Z0-9]*-[0-9]{3}\b", text))
    assert sorted(quoted - {r.id for r in all_rules()}) == []
