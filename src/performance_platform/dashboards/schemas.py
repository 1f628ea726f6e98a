"""Module checks: a module's type, options and query, and a dashboard's links.

An invalid module is refused at import and in the admin, with a message naming the
option. The option schemas of each module type are in :mod:`.module_types`.
"""

import jsonschema

from performance_platform.datastore.query import as_querydict
from performance_platform.datastore.query.params import QueryError, parse

from .module_types import CONTAINERS, SCHEMAS

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
