"""Reading a YAML configuration file into a pydantic model, with a French error naming the file; the
validators shared by the configuration schemas; a cache of configuration files re-read when they change.

A leaf module: it imports nothing from rhaudit."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError


class ConfigError(Exception):
    """A configuration that cannot be used (French message naming the file or the entry and what to do).
    The errors of the modules that read configurations derive from it (worktime.ScenarioError), so that a
    caller can catch it without importing those modules."""


# French wording of the pydantic errors users meet in hand-written configuration files.
_MESSAGES = {
    "extra_forbidden": "clé inconnue (faute de frappe ?)",
    "missing": "champ obligatoire manquant",
    "date_from_datetime_parsing": "date invalide (format AAAA-MM-JJ)",
    "date_parsing": "date invalide (format AAAA-MM-JJ)",
    "date_type": "date attendue (format AAAA-MM-JJ)",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "dict_type": "tableau de clés attendu",
    "model_type": "tableau de clés attendu",
    "bool_parsing": "true ou false attendu",
    "bool_type": "true ou false attendu",
    "too_short": "liste vide ou trop courte",
    "too_long": "liste trop longue",
    "int_from_float": "nombre entier attendu (sans décimale)",
    "float_finite_number": "nombre fini attendu",
    "datetime_parsing": "date et heure invalides (format AAAA-MM-JJ HH:MM)",
    "datetime_type": "date et heure attendues (format AAAA-MM-JJ HH:MM)",
    "string_too_short": "texte vide ou trop court",
    "string_too_long": "texte trop long",
    "none_required": "aucune valeur attendue",
    "is_instance_of": "type de valeur inattendu",
    "url_parsing": "adresse invalide",
    "enum": "valeur non autorisée",
    "frozen_field": "champ non modifiable",
}
# Numeric constraints: the wording of each bound, completed with its value and the value read.
_BOUNDS = {
    "greater_than": ("gt", "doit être supérieur à"),
    "greater_than_equal": ("ge", "doit être supérieur ou égal à"),
    "less_than": ("lt", "doit être inférieur à"),
    "less_than_equal": ("le", "doit être inférieur ou égal à"),
    "multiple_of": ("multiple_of", "doit être un multiple de"),
}


def check_regex(value: str | None) -> str | None:
    """Pydantic validator: `value` must be a valid regular expression."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"expression régulière invalide {value!r} : {exc}") from None
    return value


# A configuration field holding a regular expression, checked when the file is loaded.
Regex = Annotated[str, AfterValidator(check_regex)]


def one_of(allowed, what: str, hint: str | None = None):
    """Pydantic validator: the value must be one of `allowed` (French message naming `what`)."""
    def check(value):
        if value not in allowed:
            raise ValueError(f"{what} inconnue {value!r} (attendu : {hint or ', '.join(allowed)})")
        return value
    return check


def problem_text(error: dict) -> str:
    """One pydantic error (an item of ValidationError.errors()) in French: every loader of a
    configuration file words its errors through here."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "literal_error":
        return f"valeur {error.get('input')!r} non autorisée (attendu : {ctx.get('expected')})"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = ctx.get(key)
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"{words} {bound} (valeur lue : {error.get('input')!r})"
    if kind in ("value_error", "assertion_error"):
        return error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    return f"valeur invalide ({error['msg']})"  # a pydantic error type not translated yet


def validation_problems(exc: ValidationError) -> str:
    """The errors of `exc` as "location : reason" in French, separated by semicolons."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'fichier'} : {problem_text(e)}" for e in exc.errors())


# PyYAML's usual syntax problems, in French.
_YAML_PROBLEMS = {
    "mapping values are not allowed here": "« : » inattendu (indentation incorrecte, ou deux-points dans un texte à "
                                           "mettre entre guillemets)",
    "could not find expected ':'": "« : » attendu après une clé (ligne incomplète ou indentation incorrecte)",
    "found character '\\t' that cannot start any token": "tabulation interdite : indentez avec des espaces",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet ou crochet non fermé ?)",
    "found undefined alias": "alias (*) non défini",
    "expected ',' or ']', but got": "« , » ou « ] » attendu",
    "expected ',' or '}', but got": "« , » ou « } » attendu",
    "did not find expected key": "clé attendue (indentation incohérente ?)",
    "did not find expected '-' indicator": "élément de liste « - » attendu (indentation incohérente ?)",
    "found duplicate anchor": "ancre (&) en double",
    "expected <block end>, but found": "indentation incohérente",
    "did not find expected node content": "valeur attendue",
    "found unknown escape character": "caractère d'échappement inconnu (utilisez des guillemets simples)",
}


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML syntax error in French, with its line and column (from 1)."""
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", "") or exc)
    why = next((fr for en, fr in _YAML_PROBLEMS.items() if problem.startswith(en)), None)
    why = why or f"syntaxe YAML invalide ({problem})"
    return f"ligne {mark.line + 1}, colonne {mark.column + 1} : {why}" if mark is not None else why


# libyaml's loader is about five times faster (the check reads ~35 config files); on an error the
# pure-Python loader parses again, so that messages and marks stay those yaml_problem translates.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml_text(text: str):
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 (a safe loader)
    except (yaml.YAMLError, ValueError):
        return yaml.safe_load(text)


def read_yaml(path: Path, error: type[Exception], hint: str):
    """The YAML content of `path`; `error` in French (file, line, what to do) when it cannot be read."""
    path = Path(path)
    try:
        return _load_yaml_text(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error(f"Fichier introuvable : {path}. {hint}") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path} : le fichier n'est pas en UTF-8 (octet illisible en position {exc.start}) : "
                    f"enregistrez-le en UTF-8. {hint}") from exc
    except OSError as exc:
        raise error(f"{path} : fichier illisible ({exc.strerror or exc}). {hint}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path} : YAML illisible, {yaml_problem(exc)}. {hint}") from exc
    except ValueError as exc:  # PyYAML raises ValueError for an impossible date (2019-13-01)
        raise error(f"{path} : YAML illisible : {_value_problem(exc)}. {hint}") from exc


def _value_problem(exc: ValueError) -> str:
    text = str(exc)
    m = re.fullmatch(r"(month|day|year) must be in (\d+)\.\.(\d+)(?:, not \d+)?", text)
    if m:
        what = {"month": "mois", "day": "jour", "year": "année"}[m[1]]
        return f"date impossible : le {what} doit être entre {m[2]} et {m[3]} ({text})"
    if text == "day is out of range for month":
        return f"date impossible : ce jour n'existe pas dans ce mois ({text})"
    return text


def load_yaml_model(path: Path, schema: type[BaseModel], error: type[Exception], hint: str):
    """`schema` validated from the YAML file `path`; on failure raise `error` with the file, each
    faulty entry (dotted location and reason) and `hint` (what to read or do)."""
    path = Path(path)
    if not path.is_file():
        raise error(f"Fichier introuvable : {path}. {hint}")
    return validated(read_yaml(path, error, hint), schema, error, str(path), hint)


def validated(raw, schema: type[BaseModel], error: type[Exception], where: str, hint: str):
    """`schema` validated from `raw` (the content of a configuration file); on failure raise `error`
    with « `where` : each faulty entry (dotted location and reason). `hint` »."""
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{where} : {validation_problems(exc)}. {hint}") from exc


def _stamp(path: Path) -> tuple:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path] if path.is_file() else []
    return tuple((p.name, p.stat().st_mtime_ns) for p in files)


@lru_cache(maxsize=8)
def _cached(loader, path: str, stamp: tuple):
    return loader(Path(path))


def load_config_cached(loader, path: Path):
    """`loader(path)` for a configuration file or folder, re-run only when its YAML changed."""
    return _cached(loader, str(path), _stamp(path))
