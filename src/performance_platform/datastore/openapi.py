"""The OpenAPI 3.1 document for the data API, served at ``/api/openapi.json``.

Written by hand rather than generated, because the API keeps the original platform's
envelopes and status codes exactly, which a framework's defaults would not.
"""

from functools import cache

_ERROR = {
    "type": "object",
    "required": ["status", "message"],
    "properties": {
        "status": {"const": "error"},
        "message": {"type": "string"},
        "parameter": {"type": "string"},
    },
}
_MESSAGES = {
    "type": "object",
    "required": ["messages"],
    "properties": {"messages": {"type": "array", "items": {"type": "string"}}},
}
_OK = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"const": "ok"}, "message": {"type": "string"}},
}
_RECORD = {
    "type": "object",
    "description": "One record. Keys match ^[A-Za-z_][A-Za-z0-9_]+$; values are scalars.",
    "required": ["_timestamp"],
    "properties": {
        "_timestamp": {"type": "string", "examples": ["2015-01-01T00:00:00Z"]},
        "_id": {"type": "string"},
        "_start_at": {"type": "string"},
        "_end_at": {"type": "string"},
    },
    "additionalProperties": {"type": ["string", "number", "integer", "boolean", "null"]},
}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_COMMON_ERRORS = {
    "401": {
        **_json({"$ref": "#/components/schemas/Error"}, "Missing or invalid bearer token"),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string", "const": "bearer"}}},
    },
    "404": _json({"$ref": "#/components/schemas/Error"}, "No such data set or record"),
    "405": _json({"$ref": "#/components/schemas/Error"}, "Method not allowed"),
}
_BODY_ERRORS = {
    "400": _json(
        {
            "oneOf": [
                {"$ref": "#/components/schemas/Error"},
                {"$ref": "#/components/schemas/Messages"},
            ]
        },
        "The body or a record is not acceptable; nothing was stored",
    ),
    "413": _json({"$ref": "#/components/schemas/Error"}, "Body too large (as sent or unzipped)"),
    "415": _json({"$ref": "#/components/schemas/Error"}, "Unsupported Content-Encoding"),
}
_PATH_PARAMS = [
    {"name": "group", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "type", "in": "path", "required": True, "schema": {"type": "string"}},
]


@cache
def document() -> dict:
    """Build the OpenAPI document (once per process)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Performance Platform data API",
            "version": "1.0",
            "description": "Compatible with the GOV.UK Performance Platform's data API. "
            "See docs/api.md for examples.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _ERROR,
                "Messages": _MESSAGES,
                "Ok": _OK,
                "Record": _RECORD,
            },
        },
        "paths": {
            "/_status": {
                "get": {
                    "summary": "Health check",
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "The app is up"),
                        "503": _json({"$ref": "#/components/schemas/Error"}, "Database down"),
                    },
                }
            },
            "/data/{group}/{type}": {
                "parameters": _PATH_PARAMS,
                "post": {
                    "summary": "Add or overwrite records",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Record"},
                                        {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Record"},
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "All records stored"),
                        **_BODY_ERRORS,
                        **_COMMON_ERRORS,
                    },
                },
                "put": {
                    "summary": "Empty the data set (the body must be [])",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"type": "array", "maxItems": 0}}
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "Now empty"),
                        **_BODY_ERRORS,
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/data/{group}/{type}/{id}": {
                "parameters": [
                    *_PATH_PARAMS,
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "patch": {
                    "summary": "Change some fields of one record",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "Record updated"),
                        **_BODY_ERRORS,
                        **_COMMON_ERRORS,
                    },
                },
                "delete": {
                    "summary": "Delete one record",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "Record deleted"),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/{name}": {
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "post": {
                    "summary": "Deprecated: add records by data set name",
                    "deprecated": True,
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {}}},
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "Stored, with a warning"),
                        **_BODY_ERRORS,
                        **_COMMON_ERRORS,
                    },
                },
            },
        },
    }
