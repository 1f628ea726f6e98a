"""Option schemas per module type (after the original's, A1.5), and module checks.

An invalid module is refused at import and in the admin, with a message naming the
option. The schemas are JSON Schema (draft 2020-12), stricter than the original's where
it accepted options nothing read.
"""

import jsonschema

from performance_platform.datastore.query import as_querydict
from performance_platform.datastore.query.params import QueryError, parse

_FORMAT = {
    "oneOf": [
        {"enum": ["number", "integer", "currency", "percent", "duration", "date", "time"]},
        {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {
                    "enum": ["number", "integer", "currency", "percent", "duration", "date", "time"]
                },
                "magnitude": {"type": "boolean"},
                "sigfigs": {"type": "integer", "minimum": 1, "maximum": 15},
                "dps": {"type": "integer", "minimum": 0, "maximum": 10},
                "pence": {"type": "boolean"},
                "fixed": {"type": "integer", "minimum": 0, "maximum": 10},
                "unit": {"enum": ["ms", "s", "m"]},
                "showSigns": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    ]
}
_FIELD = {"type": "string", "minLength": 1, "maxLength": 200}
_AXIS = {
    "type": "object",
    "required": ["label"],
    "properties": {
        "label": {"type": "string", "maxLength": 100},
        "key": {"oneOf": [_FIELD, {"type": "array", "items": _FIELD}]},
        "groupId": {"type": "string", "maxLength": 200},
        "format": _FORMAT,
    },
    "additionalProperties": False,
}
_AXES = {
    "type": "object",
    "properties": {"x": _AXIS, "y": {"type": "array", "items": _AXIS, "maxItems": 12}},
    "additionalProperties": False,
}
# A grouped time series' y axes name groups, and may compare with earlier periods
# (``timeshift``: a line of the group N periods before) and link their labels (``href``).
_GROUPED_AXIS = {
    **_AXIS,
    "properties": {
        **_AXIS["properties"],
        "timeshift": {"type": "integer", "minimum": 1, "maximum": 104},
        "href": {"type": "string", "maxLength": 500, "pattern": "^(https?://|/)"},
    },
}
_GROUPED_AXES = {
    **_AXES,
    "properties": {"x": _AXIS, "y": {"type": "array", "items": _GROUPED_AXIS, "maxItems": 12}},
}
_PERIOD = {"enum": ["day", "week", "month", "quarter"]}
# "format" is checked (see check_module): a pattern that does not compile is refused.
_REGEX = {"type": "string", "minLength": 1, "maxLength": 300, "format": "regex"}
_COMMON = {
    "axes": _AXES,
    "axis-period": _PERIOD,
    "value-attribute": _FIELD,
    "format": _FORMAT,
    "classes": {
        "oneOf": [
            {"type": "string", "maxLength": 200},
            {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": 20},
        ]
    },
    "date-picker": {
        "type": "object",
        "properties": {"start-date": {"type": "string", "format": "date"}},
        "additionalProperties": False,
    },
}


def _schema(required=(), **props) -> dict:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**_COMMON, **props},
        "additionalProperties": False,
    }


SCHEMAS: dict[str, dict] = {
    "kpi": _schema(
        ["value-attribute"],
        **{"date-period": {"enum": ["hour", "day", "week", "month", "quarter", "year"]}},
    ),
    "single_timeseries": _schema(["value-attribute"], **{"default-value": {"type": "number"}}),
    "grouped_timeseries": _schema(
        ["value-attribute", "category"],
        category=_FIELD,
        use_stack={"type": "boolean"},
        axes=_GROUPED_AXES,
        **{
            "one-hundred-percent": {"type": "boolean"},
            "show-line-labels": {"type": "boolean"},
            "show-total-label": {"type": "boolean"},
            "line-label-links": {"type": "boolean"},
            # {pattern: group}: groups whose value matches the pattern count as that group.
            "group-mapping": {
                "type": "object",
                "propertyNames": {"minLength": 1, "maxLength": 300, "format": "regex"},
                "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 200},
                "maxProperties": 50,
            },
        },
    ),
    "completion_rate": _schema(
        ["numerator-matcher", "denominator-matcher", "matching-attribute"],
        **{
            "numerator-matcher": _REGEX,
            "denominator-matcher": _REGEX,
            "matching-attribute": _FIELD,
        },
    ),
    "user_satisfaction_graph": _schema(
        ["value-attribute"],
        trim={"type": "boolean"},
        migrated={"type": "boolean"},
        **{"total-attribute": _FIELD},
    ),
    "bar_chart_with_number": _schema(["value-attribute"]),
    "column": _schema(
        ["value-attribute", "max-bars", "pin-to"],
        **{"max-bars": {"type": "integer", "minimum": 1, "maximum": 50}, "pin-to": _FIELD},
    ),
    "table": _schema(
        ["sort-by", "sort-order"],
        **{"sort-by": _FIELD, "sort-order": {"enum": ["ascending", "descending"]}},
    ),
    "list": _schema(
        ["label-attr", "link-attr"],
        **{
            "label-attr": _FIELD,
            "label-regex": _REGEX,
            "link-attr": _FIELD,
            "url-root": {"type": "string", "maxLength": 300, "pattern": "^(https?://|/)"},
        },
    ),
    "availability": _schema(),
    "journey": _schema(["matching-attribute"], **{"matching-attribute": _FIELD}),
    "realtime": _schema(),
    "completion_table": _schema(
        ["numerator-matcher", "denominator-matcher", "matching-attribute", "category"],
        category=_FIELD,
        **{
            "numerator-matcher": _REGEX,
            "denominator-matcher": _REGEX,
            "matching-attribute": _FIELD,
        },
    ),
    "section": {"type": "object", "additionalProperties": False},
    "tab": {"type": "object", "additionalProperties": False},
}
# Types drawn from a data set; sections and tabs only hold other modules.
CONTAINERS = {"section", "tab"}
MODULE_TYPES = sorted(SCHEMAS)
# A query value longer than this could never be sent to the read API in a URL.
MAX_QUERY_VALUE = 1000


class ModuleError(ValueError):
    """A module that cannot be shown; ``field`` names the culprit (an option, the query)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_module(type_: str, options, query, *, has_data_source: bool) -> None:
    """Raise ModuleError unless the module's type, options and query can work."""
    if not isinstance(type_, str) or type_ not in SCHEMAS:
        raise ModuleError("type", f"unknown module type {str(type_)[:40]!r}")
    if not isinstance(options, dict):
        raise ModuleError("options", "must be an object")
    # Formats ("date", "regex") are assertions here, not annotations.
    validator = jsonschema.Draft202012Validator(
        SCHEMAS[type_], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(
        validator.iter_errors(options),
        key=lambda e: list(map(str, e.path)),
    )
    if errors:
        path = ".".join(map(str, errors[0].absolute_path))
        message = errors[0].message[:300]
        if errors[0].validator == "additionalProperties":
            raise ModuleError("options", message)
        raise ModuleError(f"options.{path}" if path else "options", message)
    if type_ in CONTAINERS:
        if has_data_source or query:
            raise ModuleError("data_source", f"a {type_} has no data source or query")
        return
    if not has_data_source:
        raise ModuleError("data_source", "data_group and data_type are required")
    if not isinstance(query, dict):
        raise ModuleError("query", "must be an object of read API parameters")
    for key, value in query.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if len(str(item)) > MAX_QUERY_VALUE:
                raise ModuleError("query", f"{str(key)[:100]}: a value is too long")
    probe = dict(query)
    # A period with no range is allowed: the page adds the original's default length.
    if probe.get("period") and not probe.get("duration") and not probe.get("start_at"):
        probe["duration"] = 1
    try:
        parse(as_querydict(probe), raw_queries_allowed=True)
    except QueryError as exc:
        raise ModuleError("query", f"{exc.parameter or 'parameter'}: {exc.message}"[:300])


def check_links(links) -> None:
    """Links are [{title, url, type}] with http(s) URLs and at most one transaction link."""
    if not isinstance(links, list):
        raise ValueError("links must be a list")
    transactions = 0
    for index, link in enumerate(links):
        if not isinstance(link, dict) or not isinstance(link.get("url"), str):
            raise ValueError(f"link {index} needs a url")
        if not link["url"].startswith(("https://", "http://")):
            raise ValueError(f"link {index}: the url must start with https:// or http://")
        if not isinstance(link.get("title"), str) or not link["title"].strip():
            raise ValueError(f"link {index} needs a title")
        if link.get("type", "other") not in ("transaction", "other"):
            raise ValueError(f"link {index}: type must be transaction or other")
        transactions += link.get("type") == "transaction"
    if transactions > 1:
        raise ValueError("only one link can be the service's start page (type transaction)")
