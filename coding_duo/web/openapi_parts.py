"""The building blocks of the OpenAPI document (``web.openapi``): operations,
responses, parameters, the error shape. Each part of the document builds on them."""
from __future__ import annotations

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(**extra) -> dict:
    return {"type": "string", **extra}


NULLABLE_STRING = {"type": ["string", "null"]}

ERRORS = {
    400: "Malformed request: bad JSON, a field of the wrong type or out of range",
    404: "No such room (or todo, link, category)",
    409: "The room is completed or deleted, the name is taken, or the room holds the most "
         "todos / links / categories it may",
    413: "Body too large",
    415: "A body that is not application/json",
    429: "Rate limited",
    503: "The database is unavailable, or the server is full / restarting (streams)",
}


def _error(status: int) -> dict:
    return {"description": ERRORS[status], "content": {JSON: {"schema": _ref("Error")}}}


def _ok(description: str, schema: dict | None = None, status: int = 200) -> dict:
    if schema is None:
        return {str(status): {"description": description}}
    return {str(status): {"description": description, "content": {JSON: {"schema": schema}}}}


def _param(name: str, where: str = "path", description: str = "", required: bool = True) -> dict:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": {"type": "string"}}


CODE = _param("code", description="The room's access code (case, spaces and dashes ignored)")


def _op(summary: str, responses: dict, *, params=(), body: str | None = None,
        errors=(404, 429, 503), tags=(), body_required: bool = True,
        description: str | None = None) -> dict:
    operation = {"summary": summary, "parameters": list(params), "tags": list(tags),
                 "responses": dict(responses)}
    if description:
        operation["description"] = description
    error_codes = set(errors)
    if body:
        operation["requestBody"] = {"required": body_required,
                                    "content": {JSON: {"schema": _ref(body)}}}
        error_codes |= {400, 413, 415}
    for status in sorted(error_codes):
        operation["responses"][str(status)] = _error(status)
    return operation
