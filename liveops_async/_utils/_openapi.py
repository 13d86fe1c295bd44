"""OpenAPI 3.0 -> JSON Schema rules shared by the generator (body schemas) and the mock."""

from __future__ import annotations

from typing import Any


def allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with `nullable: true` applied: a type list, or an `anyOf` with null."""
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
        return schema
    if kind is None and "enum" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema
