"""JSON schema <-> Gemini's `Schema`, for function parameters and structured output.

Gemini accepts a subset of OpenAPI 3.0 with upper-case type names; anything else in a schema makes the
request fail with a 400, so `clean_schema` keeps only what Gemini knows and rewrites the rest where it can.
"""

from __future__ import annotations

from typing import Any

from bastion.translate.base import Json

# The fields of Gemini's `Schema` (a subset of OpenAPI 3.0). Every other JSON-schema key is dropped:
# $schema, $id, $comment, additionalProperties, unevaluatedProperties, patternProperties, not,
# if/then/else, dependentSchemas, exclusiveMinimum/Maximum, multipleOf, uniqueItems, contains, examples,
# readOnly, writeOnly, deprecated, strict. Handled specially: type, $ref/$defs/definitions (inlined),
# oneOf (-> anyOf), allOf (merged), const (-> enum), format (kept only where Gemini accepts it).
_SCHEMA_KEYS = frozenset({
    "title", "description", "nullable", "required", "minItems", "maxItems", "minProperties",
    "maxProperties", "minLength", "maxLength", "pattern", "example", "propertyOrdering", "default",
    "minimum", "maximum",
})  # fmt: skip
_FORMATS = frozenset({"enum", "date-time", "float", "double", "int32", "int64"})
_MAX_SCHEMA_DEPTH = 24


def clean_schema(schema: Json) -> Json:
    """A JSON schema as Gemini's `Schema` (see `_SCHEMA_KEYS`); the input is left untouched."""
    defs = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}
    return _clean(schema, defs, 0)


def _clean(schema: Any, defs: Json, depth: int) -> Json:
    if not isinstance(schema, dict) or depth > _MAX_SCHEMA_DEPTH:
        return {"type": "OBJECT"} if depth > _MAX_SCHEMA_DEPTH else {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in defs:
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return _clean({**defs[ref.rsplit("/", 1)[-1]], **siblings}, defs, depth + 1)
    out: Json = {k: v for k, v in schema.items() if k in _SCHEMA_KEYS}
    if schema.get("format") in _FORMATS:
        out["format"] = schema["format"]
    if "type" in schema:
        out.update(_type(schema["type"]))
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: _clean(v, defs, depth + 1) for k, v in schema["properties"].items()}
        if not out["properties"]:
            del out["properties"]
    if isinstance(schema.get("items"), dict):
        out["items"] = _clean(schema["items"], defs, depth + 1)
    if "const" in schema:
        out["enum"] = [str(schema["const"])]
    if isinstance(schema.get("enum"), list):
        out["enum"] = [str(v) for v in schema["enum"] if v is not None]
        if None in schema["enum"]:
            out["nullable"] = True
    for sub in schema.get("allOf") or []:
        out = {**_clean(sub, defs, depth + 1), **out}
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(alternatives, list):
        out.update(_any_of([_clean(a, defs, depth + 1) for a in alternatives]))
    return out


def _type(value: Any) -> Json:
    types = [value] if isinstance(value, str) else [t for t in value if isinstance(t, str)]
    real = [t.upper() for t in types if t != "null"]
    out: Json = {"nullable": True} if len(real) < len(types) and real else {}
    if len(real) == 1:
        out["type"] = real[0]
    elif len(real) > 1:
        out["anyOf"] = [{"type": t} for t in real]
    elif types:
        out["type"] = "NULL"
    return out


def _any_of(alternatives: list[Json]) -> Json:
    """`anyOf` with `{"type": "NULL"}` alternatives folded into `nullable` (pydantic's Optional[X])."""
    real = [a for a in alternatives if a.get("type") != "NULL"]
    out: Json = {"nullable": True} if len(real) < len(alternatives) else {}
    if len(real) == 1:
        return {**real[0], **out}
    out["anyOf"] = real
    return out


def json_schema(schema: Any) -> Any:
    """A Gemini `Schema` as JSON schema: lower-case types, `nullable` as a `"null"` type."""
    if not isinstance(schema, dict):
        return schema
    out: Json = {
        k: v for k, v in schema.items() if k in _SCHEMA_KEYS and k not in ("nullable", "propertyOrdering")
    }
    if isinstance(schema.get("type"), str):
        kind = schema["type"].lower()
        out["type"] = [kind, "null"] if schema.get("nullable") else kind
    if schema.get("enum"):
        out["enum"] = list(schema["enum"])
    if schema.get("format") not in (None, "enum"):
        out["format"] = schema["format"]
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: json_schema(v) for k, v in schema["properties"].items()}
    if "items" in schema:
        out["items"] = json_schema(schema["items"])
    if isinstance(schema.get("anyOf"), list):
        out["anyOf"] = [json_schema(s) for s in schema["anyOf"]]
    return out
