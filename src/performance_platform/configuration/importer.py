"""``import-config``: create or update data sets, transforms, dashboards, users and
collectors from a file.

Only when every entry is sound is anything written, in one transaction, with its
``config.import`` audit row. Importing the same file twice changes nothing the second time
(but for that audit row).
"""

from django.db import transaction

from performance_platform.accounts import audit
from performance_platform.datastore import rollups
from performance_platform.datastore.models import (
    DataGroup,
    DataSet,
    DataType,
    WriteToken,
    default_name,
    hash_token,
)
from performance_platform.kpis.models import Transform

from . import collectors as collectors_config
from . import dashboards as dashboards_config
from . import users as users_config
from .checks import CONFIG_TOKEN_LABEL, DATA_SET_SETTINGS, ConfigError, transform_output, validate


@transaction.atomic
def import_config(doc: dict, source: str = "") -> dict[str, int]:
    """Create or update everything in ``doc``. Returns counts of what changed.

    ``source`` names the file for the audit trail (the import is recorded with no actor:
    it is run from the command line).
    """
    validate(doc)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "tokens": 0}
    counts.update({"transforms created": 0, "transforms updated": 0, "transforms unchanged": 0})
    for entry in doc.get("data_sets") or []:
        group, _ = DataGroup.objects.get_or_create(name=entry["data_group"])
        dtype, _ = DataType.objects.get_or_create(name=entry["data_type"])
        name = entry.get("name") or default_name(group.name, dtype.name)
        wanted = {k: entry.get(k, default) for k, default in DATA_SET_SETTINGS.items()}
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
    counts.update(users_config.import_(doc))
    counts.update(collectors_config.import_(doc))
    audit.record(
        "config.import",
        target_type="configuration",
        target_repr=source[:300],
        detail={"file": source, "counts": counts},
    )
    return counts


def _import_transform(entry: dict) -> str:
    """Create or update one transform; returns "created", "updated" or "unchanged"."""

    def group(name):
        return DataGroup.objects.get_or_create(name=name)[0] if name else None

    out_group, out_type = transform_output(entry)
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
