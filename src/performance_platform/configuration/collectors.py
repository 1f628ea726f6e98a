"""Collectors in the configuration file: where a data set's records are fetched from.

A collector's entry names it, its data set (by name), its provider, endpoint, schedule,
query and mapping, and (on import only) its credentials. The exporter never writes
credentials, so an exported file holds no secret; importing an entry without credentials
keeps the ones saved, and an entry with credentials replaces them (encrypted). Collectors
not in the file are left alone.
"""

import re

from django.utils import timezone

from performance_platform.collectors import credentials as secret
from performance_platform.collectors import providers
from performance_platform.collectors.errors import ConfigProblem
from performance_platform.collectors.http import check_endpoint
from performance_platform.collectors.models import NAME_PATTERN, Collector
from performance_platform.collectors.records import check_mapping
from performance_platform.collectors.running import schema_problems
from performance_platform.datastore.models import DataSet, default_name

#: The settings an entry may give, with the value an entry that leaves one out gets.
SETTINGS = {
    "endpoint": "",
    "frequency": Collector.Frequency.DAILY.value,
    "every_seconds": 0,
    "enabled": True,
    "query": {},
    "mapping": {},
}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _show(value) -> str:
    """A value as a message may quote it: short, on one line, every character visible."""
    text = str(value)[:100]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _file_data_set_names(doc: dict) -> set[str]:
    names = set()
    for entry in _list(doc.get("data_sets")):
        if isinstance(entry, dict):
            group, dtype = entry.get("data_group"), entry.get("data_type")
            names.add(entry.get("name") or default_name(str(group), str(dtype)))
    return names


def _provider(key: str):
    """The provider, or ``None`` when this server cannot load it (GA4 without its extra):
    its schemas then go unchecked here, and the collector says why when it runs."""
    try:
        return providers.get(key)
    except (ConfigProblem, ImportError):
        return None


def problems(doc: dict) -> list[str]:
    """Every problem with the file's collectors, as readable lines (the schema has run
    first), each naming the entry and field: ``collectors[0] (name): query: ...``."""
    entries = [(i, c) for i, c in enumerate(_list(doc.get("collectors"))) if isinstance(c, dict)]
    if not entries:
        return []
    data_sets = _file_data_set_names(doc) | set(DataSet.objects.values_list("name", flat=True))
    out: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in entries:
        name = entry.get("name")
        where = f"collectors[{index}] ({_show(name)})"
        if isinstance(name, str):
            if not re.match(NAME_PATTERN, name):
                out.append(f"{where}: name: use lower-case letters, digits and hyphens")
            if name in seen:
                out.append(f"{where}: the same collector is also entry {seen[name]}")
            seen.setdefault(name, index)
        data_set = entry.get("data_set")
        if isinstance(data_set, str) and data_set not in data_sets:
            out.append(f"{where}: data_set: no data set {_show(data_set)!r}")
        key = entry.get("provider")
        if not isinstance(key, str):
            continue  # the schema has already said why
        if key not in providers.PROVIDERS:
            choices = ", ".join(sorted(providers.PROVIDERS))
            out.append(f"{where}: provider: no provider {_show(key)!r} (use one of {choices})")
            continue
        out.extend(f"{where}: {line}" for line in _entry_problems(entry, _provider(key)))
    return out


def _entry_problems(entry: dict, provider) -> list[str]:
    out = []
    endpoint = entry.get("endpoint") or ""
    if isinstance(endpoint, str) and endpoint:
        try:
            check_endpoint(endpoint)
        except ConfigProblem as exc:
            out.append(f"endpoint: {exc.message}")
    elif provider is not None and not provider.default_endpoint:
        out.append(f"endpoint: a {provider.title} collector needs an endpoint")
    if isinstance(entry.get("mapping"), dict):
        try:
            check_mapping(entry["mapping"])
        except ConfigProblem as exc:
            out.append(f"mapping: {exc.message}")
    if provider is None:
        return out
    if isinstance(entry.get("query"), dict):
        out.extend(f"query: {p}" for p in schema_problems(provider.query_schema, entry["query"]))
    if isinstance(entry.get("credentials"), dict):
        # Which field and which rule, never the value: the schema's messages quote it.
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(provider.credentials_schema)
        for error in validator.iter_errors(entry["credentials"]):
            path = "/".join(str(p) for p in error.absolute_path)
            if error.validator == "required":
                missing = [k for k in error.validator_value if k not in entry["credentials"]]
                out.append(f"credentials: {', '.join(missing)} is needed")
            else:
                out.append(f"credentials: {path or 'the credentials'}: breaks {error.validator!r}")
    return out


def import_(doc: dict) -> dict[str, int]:
    """Create or update the file's collectors (after the data sets are imported), inside
    the import's transaction."""
    counts = {"collectors created": 0, "collectors updated": 0, "credentials saved": 0}
    entries = _list(doc.get("collectors"))
    if not entries:
        return counts
    names = {e["data_set"] for e in entries}
    data_sets = {ds.name: ds for ds in DataSet.objects.filter(name__in=names)}
    now = timezone.now()
    for entry in entries:
        wanted = {k: entry.get(k, default) for k, default in SETTINGS.items()}
        wanted["data_set"] = data_sets[entry["data_set"]]
        wanted["provider"] = entry["provider"]
        collector = Collector.objects.filter(name=entry["name"]).first()
        created = collector is None
        if created:
            collector = Collector(name=entry["name"])
        changed = [k for k, v in wanted.items() if created or getattr(collector, k) != v]
        for key in changed:
            setattr(collector, key, wanted[key])
        given = entry.get("credentials")
        if given is not None and _differs(collector.credentials, given):
            collector.replace_credentials(given, now)
            changed.append("credentials")
            counts["credentials saved"] += 1
        if changed:
            collector.save()
            counts["collectors created" if created else "collectors updated"] += 1
    return counts


def _differs(saved: str, given: dict) -> bool:
    """Whether ``given`` differs from the saved credentials. Encrypting the same values
    twice gives different text, so the values are compared: importing the same file again
    changes nothing."""
    try:
        return secret.decrypt(saved) != given
    except ConfigProblem:
        return True  # saved under a key no longer held: the file's replace them


def export() -> list[dict]:
    """Every collector as the file describes it, **without its credentials**."""
    out = []
    for collector in Collector.objects.select_related("data_set").order_by("name"):
        entry = {
            "name": collector.name,
            "data_set": collector.data_set.name,
            "provider": collector.provider,
        }
        for key in SETTINGS:
            entry[key] = getattr(collector, key)
        out.append(entry)
    return out
