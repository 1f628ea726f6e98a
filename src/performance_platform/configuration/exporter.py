"""``export-config``: the configuration in the import format, without secrets."""

from performance_platform.datastore.models import DataSet, default_name
from performance_platform.kpis.models import Transform

from . import collectors as collectors_config
from . import dashboards as dashboards_config
from . import users as users_config
from .checks import DATA_SET_SETTINGS


def export_config() -> dict:
    """Everything ``import_config`` would need to rebuild the configuration, minus secrets:
    no tokens, users without passwords or password hashes, and collectors without their
    credentials."""
    data_sets = []
    for ds in DataSet.objects.select_related("data_group", "data_type").order_by("name"):
        entry = {"data_group": ds.data_group.name, "data_type": ds.data_type.name}
        if ds.name != default_name(ds.data_group.name, ds.data_type.name):
            entry["name"] = ds.name
        for key in DATA_SET_SETTINGS:
            entry[key] = getattr(ds, key)
        data_sets.append(entry)
    return {
        "data_sets": data_sets,
        "transforms": _export_transforms(),
        **dashboards_config.export(),
        "users": users_config.export(),
        "collectors": collectors_config.export(),
    }


def _export_transforms() -> list[dict]:
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
