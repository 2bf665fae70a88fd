"""The OpenAPI 3.1 document of the admin API, generated from the route table and its pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bastion import __version__
from bastion.admin.models import ErrorResponse

_REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "Malformed request (invalid JSON)",
    "401": "Missing, unknown, expired or revoked key",
    "403": "The key's role may not do this",
    "404": "No such team or key",
    "409": "Duplicate name, or a state conflict",
    "422": "Validation failed; `error.errors` lists every field",
}


def document(routes: Any) -> dict[str, Any]:
    models: list[type[BaseModel]] = [ErrorResponse]
    for r in routes:
        models.append(r.response)
        if r.body is not None:
            models.append(r.body)
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (mdl, "validation" if any(r.body is mdl for r in routes) else "serialization") for mdl in models
    ]
    _, schemas = models_json_schema(list(dict.fromkeys(pairs)), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        op: dict[str, Any] = {
            "summary": r.summary,
            "operationId": r.handler.__name__,
            "x-bastion-permission": r.permission,
            "security": [{"bearer": []}],
            "responses": {
                str(r.status): {
                    "description": r.summary,
                    "content": {
                        "application/json": {"schema": {"$ref": _REF.format(model=r.response.__name__)}}
                    },
                },
                **{
                    code: {
                        "description": text,
                        "content": {
                            "application/json": {"schema": {"$ref": _REF.format(model="ErrorResponse")}}
                        },
                    }
                    for code, text in _ERRORS.items()
                },
            },
        }
        media = getattr(r.response, "OPENAPI_CONTENT", None)  # a non-JSON answer (`bastion.services.RawBody`)
        if media is not None:
            op["responses"][str(r.status)]["content"] = media
        if "{id}" in r.path:
            op["parameters"] = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
        if r.body is not None:
            op["requestBody"] = {
                "required": r.method != "POST" or not r.path.endswith("/rotate"),
                "content": {"application/json": {"schema": {"$ref": _REF.format(model=r.body.__name__)}}},
            }
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bastion admin API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
