"""Hand-computed legal cases (tests/data/cases/*.yaml), read by the demo's plants.

Each case states a payslip's inputs, its pay lines and the expected findings with the arithmetic
written by hand in a comment, in the manner of OpenFisca's YAML tests. The rule tests
(tests/test_cases.py) run the rules on the same cases; the demo plants take the amounts they
plant and the amounts of the answer key from them (`values`, `expected`), never from pay.py, so
that a wrong formula fails both.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .. import paths


@lru_cache(maxsize=1)
def all_cases(folder: str | None = None) -> dict[str, dict]:
    """Every case of every family file, by id."""
    base = Path(folder) if folder else paths.cases_dir()
    out: dict[str, dict] = {}
    for path in sorted(base.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            case["family"] = path.stem
            if case["id"] in out:
                raise ValueError(f"Cas en double : {case['id']} ({path.name})")
            out[case["id"]] = case
    return out


def case(case_id: str) -> dict:
    """The case `case_id` (KeyError if unknown)."""
    return all_cases()[case_id]


def expected_amounts(case_id: str, rule: str) -> list:
    """The expected amounts of `rule`'s findings in the case, in the file's order."""
    return [f.get("amount") for f in case(case_id)["expected"][rule]]
