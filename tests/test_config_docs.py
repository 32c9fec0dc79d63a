"""The configuration reference cannot drift: every key of the schema, to one level inside
each section (list items included), is named in docs/configuration.md."""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel

from config.schema import RadarConfig

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def _model(annotation: object) -> type[BaseModel] | None:
    for a in (annotation, *typing.get_args(annotation)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
        for b in typing.get_args(a):  # list[Model] | None
            if isinstance(b, type) and issubclass(b, BaseModel):
                return b
    return None


def schema_keys() -> list[tuple[str, str]]:
    """(section, field) for every field one level down; (key, "") for scalar sections."""
    keys = []
    for name, field in RadarConfig.model_fields.items():
        sub = _model(field.annotation)
        if sub is None:
            keys.append((name, ""))
            continue
        keys += [(name, f) for f in sub.model_fields]
    return keys


def test_every_config_key_is_in_the_reference() -> None:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith("| `")]
    missing = []
    for section, field in schema_keys():
        if not field:
            found = any(f"`{section}`" in row for row in rows)
        else:
            found = any(
                (f"`{section}." in row or f"`{section}[]." in row)
                and (f".{field}`" in row or f".{field}[]." in row)
                for row in rows
            )
        if not found:
            missing.append(f"{section}.{field}" if field else section)
    assert not missing, f"docs/configuration.md's reference lacks: {missing}"
