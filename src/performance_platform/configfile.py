"""Configuration as code: ``import-config`` and ``export-config``.

A file is checked as a whole against ``config_schema.json`` and then entry by entry;
only when every entry is sound is anything written, in one transaction. Importing the
same file twice changes nothing the second time.
"""

import contextlib
import json
from importlib import resources
from pathlib import Path

import jsonschema
import orjson
import yaml
from django.db import transaction

from .dashboards import config as dashboards_config
from .datastore import rollups
from .datastore.models import DataGroup, DataSet, DataType, WriteToken, default_name, hash_token
from .datastore.validation import check_auto_ids, check_field_list, check_schema

CONFIG_TOKEN_LABEL = "config"
_DATA_SET_SETTINGS = {
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
    text = resources.files("performance_platform").joinpath("config_schema.json").read_text()
    return json.loads(text)


def load_file(path: str) -> dict:
    """Read a JSON or YAML file (``-`` for standard input)."""
    import sys

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
        f"{_where(doc, e)}: {_short(e.message)}"
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
    if problems:
        raise ConfigError("\n".join(problems))


DEFAULT_OUTPUTS = {
    "digital_takeup": (None, "digital-takeup"),
    "completion_rate": (None, "completion-rate"),
    "user_satisfaction": (None, "user-satisfaction-score"),
    "cost_per_transaction": (None, "cost-per-transaction-by-quarter"),
    "kpi_summary": ("performance-platform", "kpi-summaries"),
    "latest_dataset_value": ("performance-platform", "latest-values"),
}


def _transform_output(entry: dict) -> tuple[str | None, str | None]:
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
    from .kpis.transforms import TransformConfigError, check_transform

    problems = []
    seen: dict[tuple, int] = {}
    for index, entry in enumerate(doc.get("transforms") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("input"), dict):
            continue  # the schema has already said why
        where = _transform_where(index, entry)
        group, data_type = _transform_output(entry)
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


@transaction.atomic
def import_config(doc: dict) -> dict[str, int]:
    """Create or update everything in ``doc``. Returns counts of what changed."""
    validate(doc)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "tokens": 0}
    counts.update({"transforms created": 0, "transforms updated": 0, "transforms unchanged": 0})
    for entry in doc.get("data_sets") or []:
        group, _ = DataGroup.objects.get_or_create(name=entry["data_group"])
        dtype, _ = DataType.objects.get_or_create(name=entry["data_type"])
        name = entry.get("name") or default_name(group.name, dtype.name)
        wanted = {k: entry.get(k, default) for k, default in _DATA_SET_SETTINGS.items()}
        wanted["auto_ids"] = wanted["auto_ids"] or []
        clash = DataSet.objects.filter(name=name).exclude(data_group=group, data_type=dtype)
        if clash.exists():
            raise ConfigError(
                f"data set {group.name}/{dtype.name}: name {name!r} belongs to another data set"
            )
        data_set = DataSet.objects.filter(data_group=group, data_type=dtype).first()
        if data_set is None:
            data_set = DataSet.objects.create(
                name=name, data_group=group, data_type=dtype, **wanted
            )
            counts["created"] += 1
        else:
            changed = [k for k, v in wanted.items() if getattr(data_set, k) != v]
            if data_set.name != name:
                changed.append("name")
            for key in changed:
                setattr(data_set, key, name if key == "name" else wanted[key])
            if changed:
                data_set.save()
                counts["updated"] += 1
                if {"rollup", "dimensions"} & set(changed):
                    rollups.rebuild(data_set)
            else:
                counts["unchanged"] += 1
        if entry.get("bearer_token"):
            counts["tokens"] += _sync_config_token(data_set, entry["bearer_token"])
    for entry in doc.get("transforms") or []:
        counts[f"transforms {_import_transform(entry)}"] += 1
    counts.update(dashboards_config.import_(doc))
    return counts


def _import_transform(entry: dict) -> str:
    """Create or update one transform; returns "created", "updated" or "unchanged"."""
    from .kpis.models import Transform

    def group(name):
        return DataGroup.objects.get_or_create(name=name)[0] if name else None

    out_group, out_type = _transform_output(entry)
    wanted = {
        "type": entry["type"],
        "input_group": group(entry["input"].get("data_group")),
        "input_type": DataType.objects.get_or_create(name=entry["input"]["data_type"])[0],
        "output_group": group(out_group),
        "output_type": DataType.objects.get_or_create(name=out_type)[0],
    }
    settings = {
        "query": entry.get("query") or {},
        "options": entry.get("options") or {},
        "enabled": entry.get("enabled", True),
    }
    found = Transform.objects.filter(
        **{k: v for k, v in wanted.items() if v is not None},
        **{f"{k}__isnull": True for k, v in wanted.items() if v is None},
    ).first()
    if found is None:
        Transform.objects.create(**wanted, **settings)
        return "created"
    if all(getattr(found, k) == v for k, v in settings.items()):
        return "unchanged"
    for key, value in settings.items():
        setattr(found, key, value)
    found.save()
    return "updated"


def _sync_config_token(data_set: DataSet, token: str) -> int:
    """Make the file's token the data set's one active "config" token."""
    digest = hash_token(token)
    existing = WriteToken.objects.filter(token_hash=digest).first()
    if existing is not None:
        if existing.data_set_id != data_set.pk:
            raise ConfigError(
                f"data set {data_set.name}: bearer_token is already used by another data set"
            )
        if existing.revoked_at is None:
            return 0
        raise ConfigError(f"data set {data_set.name}: bearer_token was revoked; issue a new one")
    for old in WriteToken.objects.active().filter(data_set=data_set, label=CONFIG_TOKEN_LABEL):
        old.revoke()
    WriteToken.issue(data_set, CONFIG_TOKEN_LABEL, token=token)
    return 1


def export_config() -> dict:
    """Everything ``import_config`` would need to rebuild the configuration, minus secrets."""
    data_sets = []
    for ds in DataSet.objects.select_related("data_group", "data_type").order_by("name"):
        entry = {"data_group": ds.data_group.name, "data_type": ds.data_type.name}
        if ds.name != default_name(ds.data_group.name, ds.data_type.name):
            entry["name"] = ds.name
        for key in _DATA_SET_SETTINGS:
            entry[key] = getattr(ds, key)
        data_sets.append(entry)
    return {
        "data_sets": data_sets,
        "transforms": _export_transforms(),
        **dashboards_config.export(),
    }


def _export_transforms() -> list[dict]:
    from .kpis.models import Transform

    out = []
    for t in Transform.objects.select_related(
        "input_group", "input_type", "output_group", "output_type"
    ).order_by("pk"):
        entry = {"type": t.type, "input": {"data_type": t.input_type.name}}
        if t.input_group_id:
            entry["input"] = {"data_group": t.input_group.name, **entry["input"]}
        entry["output"] = {"data_type": t.output_type.name}
        if t.output_group_id:
            entry["output"] = {"data_group": t.output_group.name, **entry["output"]}
        if t.query:
            entry["query"] = t.query
        if t.options:
            entry["options"] = t.options
        if not t.enabled:
            entry["enabled"] = False
        out.append(entry)
    return out
