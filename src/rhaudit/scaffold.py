"""`rhaudit dev new-rule FAMILY-NNN`: write a new rule's stub and its test, for contributors.

The stub goes into the module that already holds the family's rules (found from the registry),
or into a new `rules/<family>.py`; it is registered in preview (`status="preview"`), so that it
cannot fail users' `check --fail-on` before it is promoted, carries the four sections of its
French docstring to fill in, and reports itself as not run until written. The test file holds a
case that fires and its twin that does not, both strict xfail and failing until written by hand:
pytest lists them as XFAIL (never red in CI, never forgotten), and a written case that passes
while still marked fails the suite, so the mark is removed with the stub.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .rules import PREVIEW, RULE_ID, all_rules, checked_needs, get_rule

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # src/rhaudit -> the checkout (editable install)


class ScaffoldError(Exception):
    """A French message for the contributor (the CLI exits 2)."""


@dataclass
class Scaffold:
    rule_id: str
    module: Path  # the rule module written (created or appended to)
    created_module: bool
    test: Path  # the test file written


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tuple(items: tuple[str, ...]) -> str:
    return "(" + ", ".join(_quoted(i) for i in items) + ("," if len(items) == 1 else "") + ")"


def _family_module(family: str) -> str:
    """The module holding the family's rules (that of its highest id), else `<family>`."""
    specs = [r for r in all_rules() if r.family == family]
    if specs:
        return specs[-1].func.__module__.rsplit(".", 1)[1]
    name = family.lower()
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ScaffoldError(f"La famille {family} ne peut pas nommer un module Python ({name}.py) : choisissez-en une autre.")
    return name


def _free_id(family: str) -> str:
    taken = {int(r.id.split("-")[1]) for r in all_rules() if r.family == family}
    return f"{family}-{min(n for n in range(1, 1000) if n not in taken):03d}"


def new_rule(rule_id: str, root: Path | None = None, title: str | None = None, severity: str = "alerte",
             requires: Iterable[str] = ()) -> Scaffold:
    """Write the stub of rule `rule_id` and its test under `root` (default: this checkout)."""
    rid = rule_id.strip().upper()
    if not RULE_ID.fullmatch(rid):
        raise ScaffoldError(f"Identifiant de règle mal formé : {rule_id!r}. Attendu FAMILLE-NNN : la famille en "
                            f"lettres capitales, un tiret, trois chiffres (ex. IHTS-012).")
    family, number = rid.split("-")
    if rid in {r.id for r in all_rules()}:
        where = get_rule(rid).func.__module__.replace(".", "/")
        raise ScaffoldError(f"La règle {rid} existe déjà ({where}.py) : choisissez un autre numéro "
                            f"(premier libre : {_free_id(family)}).")
    try:
        requires = checked_needs(severity, requires)
    except ValueError as exc:
        raise ScaffoldError(f"{exc}.") from None
    root = Path(root) if root is not None else PACKAGE_ROOT
    rules_dir, tests_dir = root / "src" / "rhaudit" / "rules", root / "tests"
    if not (rules_dir.is_dir() and tests_dir.is_dir()):
        raise ScaffoldError(f"{root} n'est pas une copie de développement de rhaudit (src/rhaudit/rules/ et tests/ "
                            f"introuvables) : clonez le dépôt et installez-le avec pip install -e, ou donnez --root.")

    module = rules_dir / f"{_family_module(family)}.py"
    test = tests_dir / f"test_rule_{family.lower()}_{number}.py"
    func = f"rule_{family.lower()}_{number}"
    existing = module.read_text(encoding="utf-8") if module.exists() else ""
    if _quoted(rid) in existing or f"def {func}(" in existing:
        raise ScaffoldError(f"{module} contient déjà {rid} ({func}) : choisissez un autre numéro.")
    if test.exists():
        raise ScaffoldError(f"{test} existe déjà : choisissez un autre numéro ou retirez ce fichier.")

    stub = _RULE_STUB.format(rid=rid, title=_quoted(title or "(titre à compléter)"), severity=severity,
                             requires=_tuple(requires), status=PREVIEW, func=func, test=test.name)
    if existing:
        text = existing.rstrip("\n") + "\n\n\n" + stub
    else:
        text = _MODULE_HEAD.format(family=family) + "\n\n" + stub
    module.write_text(text, encoding="utf-8")
    test.write_text(_TEST_STUB.format(rid=rid, func=func), encoding="utf-8")
    return Scaffold(rid, module, not existing, test)


_MODULE_HEAD = '''"""{family} rules (to be completed: what the family checks, its legal texts, its parameters)."""

from __future__ import annotations

from . import RuleContext, rule
'''

_RULE_STUB = '''@rule("{rid}", {title}, "{severity}", "(référence légale à compléter : texte, article)",
      requires={requires}, status="{status}")
def {func}(ctx: RuleContext):
    """Ce que la règle vérifie : à compléter (la condition exacte, les tables et les paramètres
    lus, ce qui n'est pas jugé et pourquoi).

    Pourquoi : à compléter (l'anomalie visée, ce qu'elle coûte, les constats d'audit habituels).

    Texte : à compléter (loi, décret, article ; paramètres datés de configs/parametres/).

    Exemple : à compléter (un cas chiffré qui déclenche la règle, avec le calcul, et son jumeau
    qui ne la déclenche pas : ceux de tests/{test}).
    """
    # Legal numbers from ctx.params.resolve("ns.name", date); findings with ctx.finding(...); what
    # is left unjudged with ctx.skipped(n, unit, reason). Remove status="preview" once validated.
    return ctx.not_run("règle {rid} en cours d'écriture (squelette de rhaudit dev new-rule à compléter)")
'''

_TEST_STUB = '''"""{rid}: a case that fires and its twin that does not (skeleton of `rhaudit dev new-rule`).

To do: write both cases by hand (inputs of your own, the expected amount computed by hand with
the arithmetic and its source in a comment), then delete the pytest.fail lines and the TODO
marks. The marks are strict xfail: a case that passes while still marked fails the suite.
"""

import pytest

from rulekit import ctx_of, pay_line, payslip, run

RULE = "{rid}"
TODO = pytest.mark.xfail(strict=True, reason="squelette de {rid} à compléter (rhaudit dev new-rule)")


@TODO
def test_{func}_fires(params):
    pytest.fail("à compléter : le cas qui déclenche {rid}")
    # The expected figures are computed by hand from the text and the dated parameters, e.g. IM 380
    # full time in March 2025: 380 × point_indice.valeur_annuelle (configs/parametres/point_indice.yaml,
    # décret 2023-519) / 12 = 1,870.66 EUR.
    slips = [payslip("100", 2025, 3, indice=380, lines=[pay_line("traitement", 1870.66)])]
    [f] = run(RULE, ctx_of(slips, params))
    assert (f.matricule, f.year, f.month, f.amount) == ("100", 2025, 3, None)  # the amount at stake, by hand


@TODO
def test_{func}_does_not_fire(params):
    pytest.fail("à compléter : le jumeau conforme du cas ci-dessus, qui ne déclenche pas {rid}")
    slips = [payslip("100", 2025, 3, indice=380, lines=[pay_line("traitement", 1870.66)])]
    assert run(RULE, ctx_of(slips, params)) == []
'''
