"""Reading a YAML configuration file into a pydantic model, with a French error naming the file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError


def load_yaml_model(path: Path, schema: type[BaseModel], error: type[Exception], hint: str):
    """`schema` validated from the YAML file `path`; on failure raise `error` with the file, each
    faulty entry (dotted location and reason) and `hint` (what to read or do)."""
    path = Path(path)
    if not path.is_file():
        raise error(f"Fichier introuvable : {path}. {hint}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return schema.model_validate(raw)
    except yaml.YAMLError as exc:
        raise error(f"{path} : YAML illisible : {exc}. {hint}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'fichier'} : {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise error(f"{path} : {problems}. {hint}") from exc
