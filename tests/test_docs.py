"""The generated documentation stays in step with the code it documents."""

from pathlib import Path

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
    # style.md: each rule carries "Ce que la règle vérifie / Pourquoi / Texte / Exemple".
    missing = [r.id for r in all_rules()
               if not all(s in r.doc for s in ("Ce que la règle vérifie", "Pourquoi", "Texte", "Exemple"))]
    assert missing == []
    # The ids planned in docs/architecture.md: 4 QUAL + 7 TEMPS + 11 IHTS + 3 NBI + 12 RIFSEEP + 2 SFT
    # + 3 COTIS + 1 AVN + QUAL-010 (PES vs DSN gross) = 44; issue 7 added 1 STATUT + 1 TRAIT + 5 REM
    # + QUAL-005 (net check) = 52; issue 11 added 3 ASA + 1 CARENCE + 2 MALADIE = 58, then the leave
    # balances CONGES-001 + CET-001 = 60.
    assert len(all_rules()) == 60
