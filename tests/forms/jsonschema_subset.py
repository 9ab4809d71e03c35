"""A strict JSON Schema 2020-12 checker for the keywords forms/json_schema.py emits.

The ``jsonschema`` package is not a dependency of clusterflow; this covers
what the form schemas use and refuses any other keyword, so a schema that
starts using one fails the tests until it is checked here too. When
``jsonschema`` is installed the tests use it as well.
"""
from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = {"$schema", "title", "description", "default", "examples"}
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
# keyword -> the Python types its value may have (per the 2020-12 meta-schema)
KEYWORDS: dict[str, tuple[type, ...]] = {
    "type": (str,), "properties": (dict,), "required": (list,), "additionalProperties": (bool, dict),
    "items": (dict,), "minItems": (int,), "maxItems": (int,), "uniqueItems": (bool,),
    "minimum": (int, float), "maximum": (int, float), "maxLength": (int,), "pattern": (str,),
    "oneOf": (list,), "const": (str, int, float, bool), "enum": (list,),
}


def check_schema(schema: Any, where: str = "#") -> None:
    """Raise AssertionError if ``schema`` is not a well-formed schema in our subset."""
    assert isinstance(schema, dict), f"{where}: a schema must be an object"
    for key, value in schema.items():
        if key.startswith("x-") or key in ANNOTATIONS:
            if key in ("title", "description"):
                assert isinstance(value, str) and value, f"{where}/{key}: must be a non-empty string"
            if key == "$schema":
                assert value == "https://json-schema.org/draft/2020-12/schema", f"{where}: wrong dialect"
            continue
        assert key in KEYWORDS, f"{where}: keyword {key!r} is not checked by this subset"
        assert isinstance(value, KEYWORDS[key]) and not (isinstance(value, bool) and bool not in KEYWORDS[key]), \
            f"{where}/{key}: wrong value type {type(value).__name__}"
    if "type" in schema:
        assert schema["type"] in JSON_TYPES, f"{where}/type: unknown type"
    for key in ("minItems", "maxItems", "maxLength"):
        if key in schema:
            assert schema[key] >= 0, f"{where}/{key}: must be non-negative"
    if "pattern" in schema:
        re.compile(schema["pattern"])
    if "required" in schema:
        names = schema["required"]
        assert len(set(names)) == len(names) and all(isinstance(n, str) for n in names), f"{where}/required"
        assert set(names) <= set(schema.get("properties", {})), f"{where}/required: names no property"
    for name, sub in schema.get("properties", {}).items():
        check_schema(sub, f"{where}/properties/{name}")
    if isinstance(schema.get("items"), dict):
        check_schema(schema["items"], f"{where}/items")
    for index, sub in enumerate(schema.get("oneOf", [])):
        check_schema(sub, f"{where}/oneOf/{index}")


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"object": dict, "array": list, "string": str, "boolean": bool,
                              "null": type(None)}[kind])


def errors(schema: dict[str, Any], value: Any, where: str = "") -> list[str]:
    """Every way ``value`` breaks ``schema`` (empty when it is valid)."""
    found: list[str] = []
    if "type" in schema and not _type_ok(schema["type"], value):
        return [f"{where or '/'}: not of type {schema['type']}"]
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: not in enum")
    if "oneOf" in schema:
        matches = sum(not errors(sub, value, where) for sub in schema["oneOf"])
        if matches != 1:
            found.append(f"{where}: matches {matches} of oneOf")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: below minimum")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: above maximum")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{where}: longer than maxLength")
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            found.append(f"{where}: does not match pattern")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            found.append(f"{where}: fewer than minItems")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{where}: more than maxItems")
        if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
            found.append(f"{where}: items not unique")
        if "items" in schema:
            for index, item in enumerate(value):
                found += errors(schema["items"], item, f"{where}/{index}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{where}/{name}: required")
        for name, item in value.items():
            if name in properties:
                found += errors(properties[name], item, f"{where}/{name}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{where}/{name}: additional property")
    return found
