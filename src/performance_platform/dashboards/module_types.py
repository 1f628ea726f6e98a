"""The module types: every type a dashboard module can have, listed once.

For each type: its name (a module's ``type`` in configuration files and the admin), a title
for people (for a choice list), the JSON Schema (draft 2020-12) of its options (after the
original's option schemas, stricter where it accepted options nothing read), whether it is
a container (``section``, ``tab``: it holds other modules and has no data source),
whether it is drawn over time (its module page then offers the date form), and a template:
the options a new module of the type starts from in the Django admin (each passes its own
schema; ``tests/hub/test_admin.py`` checks).

:mod:`.schemas` checks modules against this list; the public site's renderers register
against its names. Nothing here imports the site: imports only run from the site down.
"""

import copy
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModuleType:
    """One module type: see the module's docstring."""

    name: str
    title: str
    schema: dict
    container: bool = False
    time_series: bool = False
    #: The options a new module of this type starts from (the usual field names of the
    #: data it is drawn from); :func:`default_options` gives a copy.
    template: dict = field(default_factory=dict)


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
# "format" is checked (see schemas.check_module): a pattern that does not compile is refused.
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


_ALL = (
    ModuleType(
        "kpi",
        "KPI",
        _schema(
            ["value-attribute"],
            **{"date-period": {"enum": ["hour", "day", "week", "month", "quarter", "year"]}},
        ),
        template={"value-attribute": "count", "date-period": "month"},
    ),
    ModuleType(
        "single_timeseries",
        "Single time series",
        _schema(["value-attribute"], **{"default-value": {"type": "number"}}),
        time_series=True,
        template={"value-attribute": "count:sum", "axis-period": "week"},
    ),
    ModuleType(
        "grouped_timeseries",
        "Grouped time series",
        _schema(
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
                # {group: label}: what to call a group (after group-mapping) where the y axes
                # do not name it. Groups not listed get the site's defaults ("paper_form" is
                # "Paper form"; see site/renderers/labels.py).
                "labels": {
                    "type": "object",
                    "propertyNames": {"minLength": 1, "maxLength": 200},
                    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 100},
                    "maxProperties": 50,
                },
            },
        ),
        time_series=True,
        template={"value-attribute": "count:sum", "category": "channel", "axis-period": "week"},
    ),
    ModuleType(
        "completion_rate",
        "Completion rate",
        _schema(
            ["numerator-matcher", "denominator-matcher", "matching-attribute"],
            **{
                "numerator-matcher": _REGEX,
                "denominator-matcher": _REGEX,
                "matching-attribute": _FIELD,
            },
        ),
        time_series=True,
        template={
            "value-attribute": "count:sum",
            "matching-attribute": "stage",
            "numerator-matcher": "^done$",
            "denominator-matcher": "^start$",
            "axis-period": "week",
        },
    ),
    ModuleType(
        "user_satisfaction_graph",
        "User satisfaction",
        _schema(
            ["value-attribute"],
            trim={"type": "boolean"},
            migrated={"type": "boolean"},
            **{"total-attribute": _FIELD},
        ),
        time_series=True,
        template={
            "value-attribute": "score:mean",
            "total-attribute": "num_responses:sum",
            "axis-period": "month",
        },
    ),
    ModuleType(
        "bar_chart_with_number",
        "Bar chart with number",
        _schema(["value-attribute"]),
        time_series=True,
        template={"value-attribute": "count:sum", "axis-period": "month"},
    ),
    ModuleType(
        "column",
        "Column chart",
        _schema(
            ["value-attribute", "max-bars", "pin-to"],
            **{"max-bars": {"type": "integer", "minimum": 1, "maximum": 50}, "pin-to": _FIELD},
        ),
        template={"value-attribute": "count", "max-bars": 10, "pin-to": "other"},
    ),
    ModuleType(
        "table",
        "Table",
        _schema(
            ["sort-by", "sort-order"],
            **{"sort-by": _FIELD, "sort-order": {"enum": ["ascending", "descending"]}},
        ),
        template={"sort-by": "_timestamp", "sort-order": "descending"},
    ),
    ModuleType(
        "list",
        "List of links",
        _schema(
            ["label-attr", "link-attr"],
            **{
                "label-attr": _FIELD,
                "label-regex": _REGEX,
                "link-attr": _FIELD,
                "url-root": {"type": "string", "maxLength": 300, "pattern": "^(https?://|/)"},
            },
        ),
        template={"label-attr": "pageTitle", "link-attr": "pagePath"},
    ),
    ModuleType(
        "availability",
        "Availability",
        _schema(),
        time_series=True,
    ),
    ModuleType(
        "journey",
        "Journey",
        _schema(["matching-attribute"], **{"matching-attribute": _FIELD}),
        template={"matching-attribute": "stage"},
    ),
    ModuleType(
        "realtime",
        "Users online now",
        _schema(),
    ),
    ModuleType(
        "completion_table",
        "Completion table",
        _schema(
            ["numerator-matcher", "denominator-matcher", "matching-attribute", "category"],
            category=_FIELD,
            **{
                "numerator-matcher": _REGEX,
                "denominator-matcher": _REGEX,
                "matching-attribute": _FIELD,
            },
        ),
        template={
            "value-attribute": "count:sum",
            "matching-attribute": "stage",
            "numerator-matcher": "^done$",
            "denominator-matcher": "^start$",
            "category": "channel",
        },
    ),
    ModuleType(
        "section",
        "Section",
        {"type": "object", "additionalProperties": False},
        container=True,
    ),
    ModuleType(
        "tab",
        "Tabs",
        {"type": "object", "additionalProperties": False},
        container=True,
    ),
)

#: The module types by name, in the order the documentation lists them.
TYPES: dict[str, ModuleType] = {t.name: t for t in _ALL}
NAMES: tuple[str, ...] = tuple(TYPES)
#: Each type's option schema.
SCHEMAS: dict[str, dict] = {name: t.schema for name, t in TYPES.items()}
# Types drawn from a data set; sections and tabs only hold other modules.
CONTAINERS = frozenset(name for name, t in TYPES.items() if t.container)
#: Types drawn over time, whose module page offers the date form.
TIME_SERIES = frozenset(name for name, t in TYPES.items() if t.time_series)
#: ``(name, title)`` pairs, for a choice list.
CHOICES: tuple[tuple[str, str], ...] = tuple((t.name, t.title) for t in _ALL)


def default_options(type_name: str) -> dict:
    """A fresh copy of the options a new module of ``type_name`` starts from ({} if unknown)."""
    module_type = TYPES.get(type_name)
    return copy.deepcopy(module_type.template) if module_type else {}
