"""The configuration file: its JSON Schema, reading a file, and checking it whole.

A file is checked as a whole against ``config_schema.json`` and then entry by entry
(data sets, transforms, dashboards, users, collectors), and every problem is reported at once, each
naming its entry and field. Only a file with no problem is imported.
"""

import contextlib
import json
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import orjson
import yaml

from performance_platform.datastore.models import default_name
from performance_platform.datastore.validation import check_auto_ids, check_field_list, check_schema
from performance_platform.kpis import standard
from performance_platform.kpis.errors import TransformConfigError
from performance_platform.kpis.options import check_transform

from . import collectors as collectors_config
from . import dashboards as dashboards_config
from . import users as users_config

CONFIG_TOKEN_LABEL = "config"
DATA_SET_SETTINGS = {
    "raw_queries_allowed": False,
    "published": True,
    "realtime": False,
    "queryable": True,
    "auto_ids": [],
    "max_age_expected": None,
    "schema": None,
    "upload_format": "",
    "rollup": True,
    "dimensions": None,
}


class ConfigError(ValueError):
    """A configuration file that cannot be imported; the message names entry and field."""


def config_schema() -> dict:
    """The JSON Schema a configuration file must meet."""
    text = resources.files(__package__).joinpath("config_schema.json").read_text()
    return json.loads(text)


def load_file(path: str) -> dict:
    """Read a JSON or YAML file (``-`` for standard input)."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}")
    with contextlib.suppress(orjson.JSONDecodeError):
        return orjson.loads(raw)
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text")
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is neither valid JSON nor valid YAML: {str(exc)[:500]}")
    except RecursionError:
        # Past orjson's nesting limit the text is tried as YAML, whose parser recurses.
        raise ConfigError(f"{path} is nested too deeply to be a configuration file")


# Deeper than any real file (dashboards → modules → tabs is under 12 levels); the JSON
# Schema check recurses, so depth is bounded before it runs.
MAX_DEPTH = 40


def _depth(value, limit: int = MAX_DEPTH) -> int:
    """How deeply ``value`` nests, counting no further than ``limit + 1``."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _where(doc: dict, error: jsonschema.ValidationError) -> str:
    parts = list(error.absolute_path)
    label = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    if len(parts) >= 2 and parts[0] == "data_sets" and isinstance(parts[1], int):
        with contextlib.suppress(KeyError, IndexError, AttributeError, TypeError):
            entry = doc["data_sets"][parts[1]]
            label += f" ({entry.get('data_group')}/{entry.get('data_type')})"
    return label or "the file"


def _short(message: str, limit: int = 300) -> str:
    """jsonschema quotes the offending value in full; a 2 MB title must not make a 2 MB message."""
    return message if len(message) <= limit else message[:limit] + "… (shortened)"


def _message(error: jsonschema.ValidationError) -> str:
    """The schema's message, except about a collector's credentials: jsonschema quotes the
    value, and a secret must never reach a message (or the log it is printed to)."""
    path = list(error.absolute_path)
    if len(path) >= 3 and path[0] == "collectors" and path[2] == "credentials":
        return "must be an object of the provider's credentials (the value is not shown)"
    return error.message


def validate(doc: object) -> None:
    """Raise ConfigError describing every problem in ``doc``."""
    if not isinstance(doc, dict):
        raise ConfigError(
            "the file must hold a JSON/YAML object with 'data_sets' and/or 'transforms' lists"
        )
    if _depth(doc) > MAX_DEPTH:
        raise ConfigError(f"the file is nested more than {MAX_DEPTH} levels deep")
    validator = jsonschema.Draft202012Validator(config_schema())
    problems = [
        f"{_where(doc, e)}: {_short(_message(e))}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
    ]
    seen: dict[tuple, int] = {}
    names: dict[str, int] = {}
    for index, entry in enumerate(doc.get("data_sets") or []):
        if not isinstance(entry, dict):
            continue
        key = (entry.get("data_group"), entry.get("data_type"))
        where = f"data_sets[{index}] ({key[0]}/{key[1]})"
        if key in seen:
            problems.append(f"{where}: the same data set is also entry {seen[key]}")
        seen[key] = index
        name = entry.get("name") or default_name(str(key[0]), str(key[1]))
        if name in names and names[name] != index:
            problems.append(f"{where}: name {name!r} is also used by entry {names[name]}")
        names[name] = index
        try:
            check_auto_ids(entry.get("auto_ids"))
        except ValueError as exc:
            problems.append(f"{where}: auto_ids: {exc}")
        try:
            check_field_list(entry.get("dimensions"), "dimensions")
        except ValueError as exc:
            problems.append(f"{where}: dimensions: {exc}")
        if isinstance(entry.get("schema"), dict):
            try:
                check_schema(entry["schema"])
            except ValueError as exc:
                problems.append(f"{where}: schema: {exc}")
    problems.extend(_transform_problems(doc))
    problems.extend(dashboards_config.problems(doc))
    problems.extend(users_config.problems(doc))
    problems.extend(collectors_config.problems(doc))
    if problems:
        raise ConfigError("\n".join(problems))


# Where each transform type writes when the file names no output: a KPI's own data type
# in the input's group, or the platform's shared data sets.
DEFAULT_OUTPUTS = standard.DEFAULT_OUTPUTS


def transform_output(entry: dict) -> tuple[str | None, str | None]:
    output = entry.get("output")
    if isinstance(output, dict):
        return output.get("data_group"), output.get("data_type")
    return DEFAULT_OUTPUTS.get(entry.get("type"), (None, None))


def _transform_where(index: int, entry: dict) -> str:
    source = entry.get("input") if isinstance(entry.get("input"), dict) else {}
    return (
        f"transforms[{index}] ({entry.get('type')}: "
        f"{source.get('data_group') or '*'}/{source.get('data_type')})"
    )


def _transform_problems(doc: dict) -> list[str]:
    problems = []
    seen: dict[tuple, int] = {}
    for index, entry in enumerate(doc.get("transforms") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("input"), dict):
            continue  # the schema has already said why
        where = _transform_where(index, entry)
        group, data_type = transform_output(entry)
        if data_type is None:
            problems.append(f"{where}: output: a {entry.get('type')} transform needs an output")
        try:
            check_transform(
                entry.get("type"),
                entry.get("query") or {},
                entry.get("options") or {},
                output_group=group,
            )
        except TransformConfigError as exc:
            problems.append(f"{where}: {exc.field}: {exc.message}")
        key = (entry.get("type"), entry["input"].get("data_group"), entry["input"].get("data_type"))
        key += (group, data_type)
        if key in seen:
            problems.append(f"{where}: the same transform is also entry {seen[key]}")
        seen[key] = index
    return problems
