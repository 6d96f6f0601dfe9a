"""A small JSON Schema validator for the subset the instance schema uses.

Supported keywords: ``type``, ``required``, ``properties``,
``additionalProperties``, ``enum``, ``const``, ``minimum``, ``maximum``,
``pattern``, ``minLength``, ``maxLength``, ``items``, ``prefixItems``,
``minItems``, ``maxItems``, ``uniqueItems`` and local ``$ref``
(``#/$defs/...``). Annotations (``default``, ``title``, ...) are ignored.

Errors are ``(field, message)`` pairs where ``field`` is a path such as
``visits[12].duration_minutes`` and the message reads like
``must be an integer >= 1, got 0``.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("instance.schema.json")

#: Friendlier words for the patterns of the instance schema.
_PATTERN_WORDS = {
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$":
        "a datetime with its UTC offset, like 2026-11-23T07:00:00-05:00",
    r"^\d{2}:\d{2}$": "a time of day like 07:00",
}

_TYPE_WORDS = {
    "integer": "an integer", "number": "a number", "string": "a string",
    "boolean": "true or false", "object": "an object", "array": "a list",
    "null": "null",
}


@lru_cache(maxsize=1)
def instance_schema() -> dict:
    """Return the bundled copy of ``instance.schema.json``."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(data: Any, schema: dict | None = None) -> list[tuple[str, str]]:
    """Return every schema error of ``data`` as ``(field, message)`` pairs."""
    root = instance_schema() if schema is None else schema
    errors: list[tuple[str, str]] = []
    _check(data, root, root, "", errors)
    return errors


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    raise ValueError(f"unsupported schema type {name!r}")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _resolve(root: dict, schema: dict) -> dict:
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref!r}")
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
    return schema


def _number_words(schema: dict, type_word: str) -> str:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        return f"{type_word} between {lo} and {hi}"
    if lo is not None:
        return f"{type_word} >= {lo}"
    if hi is not None:
        return f"{type_word} <= {hi}"
    return type_word


def _expected(schema: dict) -> str:
    types = schema.get("type")
    names = [types] if isinstance(types, str) else list(types or [])
    words = []
    for name in names:
        word = _TYPE_WORDS[name]
        if name in ("integer", "number"):
            word = _number_words(schema, word)
        words.append(word)
    return " or ".join(words)


def _check(value: Any, schema: dict, root: dict, path: str, errors: list) -> None:
    schema = _resolve(root, schema)
    where = path or "(instance)"
    if "type" in schema:
        names = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
        if not any(_is_type(value, n) for n in names):
            errors.append((where, f"must be {_expected(schema)}, got {_show(value)}"))
            return
    if "const" in schema and value != schema["const"]:
        errors.append((where, f"must be {_show(schema['const'])}, got {_show(value)}"))
        return
    if "enum" in schema and value not in schema["enum"]:
        options = ", ".join(_show(o) for o in schema["enum"])
        errors.append((where, f"must be one of {options}, got {_show(value)}"))
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            word = _expected(schema) or _number_words(schema, "a number")
            errors.append((where, f"must be {word}, got {_show(value)}"))
            return
    if isinstance(value, str):
        _check_string(value, schema, where, errors)
    elif isinstance(value, list):
        _check_array(value, schema, root, path, errors)
    elif isinstance(value, dict):
        _check_object(value, schema, root, path, errors)


def _check_string(value: str, schema: dict, where: str, errors: list) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        if schema["minLength"] == 1:
            errors.append((where, "must not be empty"))
        else:
            errors.append((where, f"must be at least {schema['minLength']} characters"))
        return
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append((where, f"must be at most {schema['maxLength']} characters, "
                              f"got {len(value)}"))
        return
    pattern = schema.get("pattern")
    if pattern is not None and not re.search(pattern, value):
        words = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        errors.append((where, f"must be {words}, got {_show(value)}"))


def _check_array(value: list, schema: dict, root: dict, path: str, errors: list) -> None:
    where = path or "(instance)"
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append((where, f"must have at least {schema['minItems']} items, got {len(value)}"))
        return
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append((where, f"must have at most {schema['maxItems']} items, got {len(value)}"))
        return
    prefix = schema.get("prefixItems", [])
    for i, item in enumerate(value):
        sub = prefix[i] if i < len(prefix) else schema.get("items")
        if isinstance(sub, dict):
            _check(item, sub, root, f"{path}[{i}]", errors)
    if schema.get("uniqueItems"):
        seen: list[str] = []
        for item in value:
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                errors.append((where, f"has {_show(item)} more than once"))
                break
            seen.append(key)


def _check_object(value: dict, schema: dict, root: dict, path: str, errors: list) -> None:
    for key in schema.get("required", []):
        if key not in value:
            errors.append((_join(path, key), "is required"))
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in props:
            _check(item, props[key], root, _join(path, key), errors)
        elif extra is False:
            errors.append((_join(path, key), "is not a known field"))
        elif isinstance(extra, dict):
            _check(item, extra, root, _join(path, key), errors)
