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
    "413": _json(
        {"$ref": "#/components/schemas/Error"},
        "Body too large (as sent or unzipped), or too many records",
    ),
    "415": _json({"$ref": "#/components/schemas/Error"}, "Unsupported Content-Encoding"),
}
# What the HTTP server itself may answer to any request, before the application sees it
# (see docs/api.md, "Errors from the server"); always in the Error envelope. The answers an
# operation documents itself (a 400 with its own meaning, say) take precedence.
_SERVER_ERRORS = {
    "400": _json({"$ref": "#/components/schemas/Error"}, "The request could not be read"),
    "408": _json(
        {"$ref": "#/components/schemas/Error"}, "The request head or body did not arrive in time"
    ),
    "413": _json(
        {"$ref": "#/components/schemas/Error"}, "The body is larger than the server accepts"
    ),
    "414": _json(
        {"$ref": "#/components/schemas/Error"}, "The request target is longer than 4,094 bytes"
    ),
    "431": _json(
        {"$ref": "#/components/schemas/Error"},
        "A header is longer than 8,190 bytes, there are over 100, or the head is over 64 KiB",
    ),
    "500": _json({"$ref": "#/components/schemas/Error"}, "Internal server error"),
}
_QUERY_PARAMS = [
    {
        "name": "start_at",
        "in": "query",
        "description": "Start of the range (inclusive), e.g. 2024-01-01T00:00:00Z",
        "schema": {"type": "string"},
    },
    {
        "name": "end_at",
        "in": "query",
        "description": "End of the range (exclusive unless inclusive=true)",
        "schema": {"type": "string"},
    },
    {
        "name": "duration",
        "in": "query",
        "description": "A range of this many periods, relative to start_at, end_at or now",
        "schema": {"type": "string"},
    },
    {
        "name": "period",
        "in": "query",
        "schema": {
            "type": "string",
            "examples": ["hour", "day", "week", "month", "quarter", "year"],
        },
    },
    {
        "name": "filter_by",
        "in": "query",
        "description": "field:value (repeatable)",
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    },
    {
        "name": "filter_by_prefix",
        "in": "query",
        "description": "field:prefix (repeatable)",
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    },
    {
        "name": "group_by",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    },
    {
        "name": "sort_by",
        "in": "query",
        "description": "field:ascending|descending",
        "schema": {"type": "string"},
    },
    {"name": "limit", "in": "query", "schema": {"type": "string"}},
    {
        "name": "collect",
        "in": "query",
        "description": "field or field:sum|count|set|mean (repeatable)",
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    },
    {"name": "flatten", "in": "query", "schema": {"type": "string"}},
    {"name": "inclusive", "in": "query", "schema": {"type": "string"}},
    {"name": "format", "in": "query", "schema": {"type": "string", "examples": ["csv"]}},
]
_READ_RESPONSES = {
    "200": {
        "description": "The data (or CSV with format=csv)",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {"data": {"type": "array"}, "warning": {"type": "string"}},
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    },
    "304": {"description": "Not modified (If-None-Match matched the ETag)"},
    "400": _json({"$ref": "#/components/schemas/Error"}, "The query is not valid"),
    "404": _json({"$ref": "#/components/schemas/Error"}, "No such data set"),
}
_PATH_PARAMS = [
    {"name": "group", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "type", "in": "path", "required": True, "schema": {"type": "string"}},
]


@cache
def document() -> dict:
    """Build the OpenAPI document (once per process)."""
    doc = _paths_and_components()
    for operations in doc["paths"].values():
        for method, operation in operations.items():
            if method != "parameters":
                operation["responses"] = {**_SERVER_ERRORS, **operation["responses"]}
    return doc


def _paths_and_components() -> dict:
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
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["status", "message", "cache"],
                                "properties": {
                                    "status": {"const": "ok"},
                                    "message": {"type": "string"},
                                    "cache": {"enum": ["ok", "unavailable"]},
                                },
                            },
                            "The app is up; cache says whether its cache answers (the app "
                            "works without it, more slowly)",
                        ),
                        "503": _json({"$ref": "#/components/schemas/Error"}, "Database down"),
                    },
                }
            },
            "/_status/data-sets": {
                "get": {
                    "summary": "Which data sets are older than their max_age_expected",
                    "responses": {
                        "200": {
                            "description": "Freshness report",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/data/{group}/{type}": {
                "parameters": _PATH_PARAMS,
                "get": {
                    "summary": "Query a data set",
                    "parameters": _QUERY_PARAMS,
                    "responses": _READ_RESPONSES,
                },
                "options": {
                    "summary": "CORS preflight",
                    "responses": {
                        "200": {"description": "Allowed methods and headers"},
                        "404": _json({"$ref": "#/components/schemas/Error"}, "No such data set"),
                    },
                },
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
            "/data/{group}/{type}/transform": {
                "parameters": _PATH_PARAMS,
                "post": {
                    "summary": "Re-run the data set's transforms for a date range (queued)",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["_start_at"],
                                    "properties": {
                                        "_start_at": {"type": "string", "format": "date-time"},
                                        "_end_at": {"type": "string", "format": "date-time"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "Transforms queued"),
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
            "/data-sets/{name}": {
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "delete": {
                    "summary": "Empty a data set (platform admin token)",
                    "security": [{"bearer": []}],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Ok"}, "Emptied"),
                        **_COMMON_ERRORS,
                    },
                },
            },
            "/{name}": {
                "parameters": [
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        # The route's own pattern (urls.py): other names are other pages,
                        # such as /sitemap.xml, not this operation.
                        "schema": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]+$"},
                    }
                ],
                "get": {
                    "summary": "Legacy: query a data set by name (with ETags on errors too)",
                    "parameters": _QUERY_PARAMS,
                    "responses": _READ_RESPONSES,
                },
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
