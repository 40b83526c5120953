"""Reading a YAML configuration file into a pydantic model, with a French error naming the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

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
    "too_short": "liste vide ou trop courte",
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


def validation_problems(exc: ValidationError) -> str:
    """The errors of `exc` as "location : reason" in French, separated by semicolons."""
    problems = []
    for e in exc.errors():
        where = ".".join(map(str, e["loc"])) or "fichier"
        if e["type"] == "literal_error":
            why = f"valeur {e.get('input')!r} non autorisée (attendu : {e['ctx']['expected']})"
        else:
            why = _MESSAGES.get(e["type"], e["msg"].removeprefix("Value error, "))
        problems.append(f"{where} : {why}")
    return "; ".join(problems)


def load_yaml_model(path: Path, schema: type[BaseModel], error: type[Exception], hint: str):
    """`schema` validated from the YAML file `path`; on failure raise `error` with the file, each
    faulty entry (dotted location and reason) and `hint` (what to read or do)."""
    path = Path(path)
    if not path.is_file():
        raise error(f"Fichier introuvable : {path}. {hint}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{path} : {validation_problems(exc)}. {hint}") from exc
    except (yaml.YAMLError, ValueError) as exc:  # PyYAML raises ValueError for an impossible date
        raise error(f"{path} : YAML illisible : {exc}. {hint}") from exc
