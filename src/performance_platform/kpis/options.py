"""Transform options: the JSON Schema of each type's options, their defaults, and the check
that a transform's type, query and options can work together.

Used by the admin (a transform's ``clean``), the config file's importer and the runner,
so a transform that would fail is refused before it is saved, with the field named.
"""

import re

import jsonschema

from performance_platform.datastore.query import as_querydict
from performance_platform.datastore.query.params import QueryError, parse

from . import catalogue
from .errors import TransformConfigError

RATINGS = tuple(f"rating_{k}" for k in range(1, 6))
#: Every transform type, with the name the admin shows. The option schemas below have
#: one entry for each.
TRANSFORM_TYPES = [
    ("rate", "Rate (numerator / denominator by regex, as the original)"),
    ("digital_takeup", "Digital take-up (digital channels / all channels)"),
    ("completion_rate", "Completion rate (done / started)"),
    ("user_satisfaction", "User satisfaction score from ratings 1–5"),
    ("cost_per_transaction", "Cost per transaction, per quarter"),
    ("latest_dataset_value", "Latest value of a KPI data set, per service"),
    ("kpi_summary", "KPI summary: latest and previous value, change, freshness"),
]
#: The types that compute one derived record per period of their input.
PERIOD_TYPES = {"rate", "digital_takeup", "completion_rate", "user_satisfaction"}
PERIOD_TYPES |= {"cost_per_transaction"}
_REGEX = {"type": "string", "minLength": 1, "maxLength": 500}
_FIELD = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]{0,199}$"}

OPTION_SCHEMAS: dict[str, dict] = {
    "rate": {
        "type": "object",
        "required": [
            "matchingAttribute",
            "valueAttribute",
            "numeratorMatcher",
            "denominatorMatcher",
        ],
        "properties": {
            "matchingAttribute": _FIELD,
            "valueAttribute": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(:sum)?$"},
            "numeratorMatcher": _REGEX,
            "denominatorMatcher": _REGEX,
        },
        "additionalProperties": False,
    },
    "digital_takeup": {
        "type": "object",
        "properties": {
            "channels": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 200},
                "minItems": 1,
                "uniqueItems": True,
            },
            "channel_attribute": _FIELD,
            "value_attribute": _FIELD,
        },
        "additionalProperties": False,
    },
    "completion_rate": {
        "type": "object",
        "required": ["numerator_matcher", "denominator_matcher"],
        "properties": {
            "matching_attribute": _FIELD,
            "value_attribute": _FIELD,
            "numerator_matcher": _REGEX,
            "denominator_matcher": _REGEX,
        },
        "additionalProperties": False,
    },
    "user_satisfaction": {"type": "object", "additionalProperties": False},
    "cost_per_transaction": {
        "type": "object",
        "properties": {
            "mode": {"enum": ["per_transaction", "total_cost"]},
            "channel_attribute": _FIELD,
            "channel_matcher": _REGEX,
            "value_attribute": _FIELD,
            "volume_data_type": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,99}$"},
            "volume_attribute": _FIELD,
        },
        "additionalProperties": False,
    },
    "latest_dataset_value": {
        "type": "object",
        "properties": {"value_attribute": _FIELD},
        "additionalProperties": False,
    },
    "kpi_summary": {
        "type": "object",
        "required": ["kpi"],
        "properties": {
            "kpi": {"enum": list(catalogue.KEYS)},
            "value_attribute": _FIELD,
            "weeks": {"type": "integer", "minimum": 1, "maximum": 520},
        },
        "additionalProperties": False,
    },
}


def option(options: dict, key: str, default):
    """An option's value, or its default when absent."""
    value = options.get(key)
    return default if value is None else value


def default_query(type_: str, options: dict) -> dict:
    """The read-API parameters a type uses unless the transform's ``query`` overrides them."""
    if type_ == "digital_takeup":
        attr = option(options, "channel_attribute", "channel")
        value = option(options, "value_attribute", "count")
        return {"period": "week", "group_by": [attr], "collect": [f"{value}:sum"]}
    if type_ == "completion_rate":
        attr = option(options, "matching_attribute", "stage")
        value = option(options, "value_attribute", "count")
        return {"period": "week", "group_by": [attr], "collect": [f"{value}:sum"]}
    if type_ == "user_satisfaction":
        return {"period": "month", "collect": [f"{r}:sum" for r in RATINGS]}
    if type_ == "cost_per_transaction":
        attr = option(options, "channel_attribute", "channel")
        value = option(options, "value_attribute", "count")
        return {"period": "quarter", "group_by": [attr], "collect": [f"{value}:sum"]}
    if type_ == "rate":
        attr = options.get("matchingAttribute", "")
        value = options.get("valueAttribute", "")
        return {"group_by": [attr], "collect": [value if ":" in value else f"{value}:sum"]}
    return {}


def effective_query(type_: str, query: dict, options: dict) -> dict:
    """The type's default parameters with the transform's own on top."""
    merged = default_query(type_, options)
    merged.update(query or {})
    if isinstance(merged.get("collect"), str):
        # A query may give one collect as text ("count:sum"): the value key is its
        # first entry, not its first character.
        merged["collect"] = [merged["collect"]]
    return merged


def secondary_type_name(type_: str, options: dict) -> str | None:
    """A second data type (same group) a transform reads, or None."""
    if type_ == "cost_per_transaction" and (options or {}).get("mode") == "total_cost":
        return option(options, "volume_data_type", "transactions-by-channel")
    return None


_RANGE_KEYS = {"start_at", "end_at", "duration", "inclusive", "flatten", "format"}


def check_transform(type_: str, query: object, options: object, *, output_group=None) -> None:
    """Raise TransformConfigError unless the type, query and options can work together."""
    if type_ not in OPTION_SCHEMAS:
        raise TransformConfigError("type", f"unknown transform type {str(type_)[:50]!r}")
    if not isinstance(options, dict):
        raise TransformConfigError("options", "must be an object")
    if not isinstance(query, dict):
        raise TransformConfigError("query", "must be an object of read API parameters")
    errors = sorted(
        jsonschema.Draft202012Validator(OPTION_SCHEMAS[type_]).iter_errors(options),
        key=lambda e: list(map(str, e.path)),
    )
    if errors:
        where = ".".join(map(str, errors[0].absolute_path))
        raise TransformConfigError(
            "options", f"{where + ': ' if where else ''}{errors[0].message}"[:500]
        )
    for key in ("numeratorMatcher", "denominatorMatcher", "numerator_matcher"):
        _check_regex(options, key)
    _check_regex(options, "denominator_matcher")
    _check_regex(options, "channel_matcher")
    bad = sorted(set(query) & _RANGE_KEYS)
    if bad:
        raise TransformConfigError(
            "query", f"{', '.join(bad)} cannot be set: the range comes from the write"
        )
    for key, value in query.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise TransformConfigError("query", f"{key}: values must be text or lists of text")
    params = effective_query(type_, query, options)
    if type_ in PERIOD_TYPES:
        if not params.get("period"):
            raise TransformConfigError("query", "a period is needed (e.g. week)")
        if params["period"] == "hour":
            raise TransformConfigError("query", "hourly periods are not supported by transforms")
    probe = dict(params, flatten="true")
    if type_ in PERIOD_TYPES:
        probe.update(start_at="2020-01-06T00:00:00Z", end_at="2020-01-13T00:00:00Z")
    try:
        parse(as_querydict(probe), raw_queries_allowed=True)
    except QueryError as exc:
        raise TransformConfigError("query", exc.message)


def _check_regex(options: dict, key: str) -> None:
    if key in options:
        try:
            re.compile(options[key])
        except re.error as exc:
            raise TransformConfigError("options", f"{key}: not a valid regular expression: {exc}")
