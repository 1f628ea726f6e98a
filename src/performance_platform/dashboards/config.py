"""Organisations, dashboards, modules and annotations in the configuration file.

Called by :mod:`performance_platform.configfile`, which checks the whole file against the
JSON Schema first and imports everything in one transaction. A dashboard in the file is
replaced as a whole (its modules and annotations are those in the file), so importing
the same file twice leaves the same dashboards.
"""

from datetime import date

from django.db import transaction

from performance_platform.datastore.models import DataGroup, DataType

from .models import Annotation, Dashboard, Module, Organisation
from .schemas import ModuleError, check_links, check_module

DASHBOARD_FIELDS = {
    "title": None,
    "dashboard_type": "transaction",
    "status": "draft",
    "strapline": "Dashboard",
    "tagline": "",
    "description": "",
    "costs": "",
    "other_notes": "",
    "customer_type": "",
    "business_model": "",
}


def problems(doc: dict) -> list[str]:
    """Every problem with the file's organisations and dashboards, as readable lines."""
    out: list[str] = []
    orgs = [o for o in doc.get("organisations") or [] if isinstance(o, dict)]
    known = {o.get("slug") for o in orgs} | set(Organisation.objects.values_list("slug", flat=True))
    seen: dict = {}
    for index, org in enumerate(orgs):
        where = f"organisations[{index}] ({org.get('slug')})"
        if org.get("slug") in seen:
            out.append(f"{where}: the same organisation is also entry {seen[org.get('slug')]}")
        seen[org.get("slug")] = index
        if org.get("parent") and org["parent"] not in known:
            out.append(f"{where}: parent: no organisation {org['parent']!r}")
        if org.get("parent") == org.get("slug"):
            out.append(f"{where}: parent: an organisation cannot be its own parent")
    parents = {o.get("slug"): o.get("parent") for o in orgs}
    for slug in parents:
        node, hops = parents.get(slug), 0
        while node and hops <= len(parents):
            if node == slug:
                out.append(f"organisation {slug}: its parents form a loop")
                break
            node, hops = parents.get(node), hops + 1
    dashboards = [d for d in doc.get("dashboards") or [] if isinstance(d, dict)]
    slugs: dict = {}
    for index, dash in enumerate(dashboards):
        where = f"dashboards[{index}] ({dash.get('slug')})"
        if dash.get("slug") in slugs:
            out.append(f"{where}: the same dashboard is also entry {slugs[dash.get('slug')]}")
        slugs[dash.get("slug")] = index
        if dash.get("organisation") and dash["organisation"] not in known:
            out.append(f"{where}: organisation: no organisation {dash['organisation']!r}")
        try:
            check_links(dash.get("links") or [])
        except ValueError as exc:
            out.append(f"{where}: links: {exc}")
        out.extend(_module_problems(where, dash.get("modules") or [], parent_type=None))
        for number, note in enumerate(dash.get("annotations") or []):
            try:
                date.fromisoformat(str(note.get("date")))
            except (ValueError, AttributeError):
                out.append(f"{where}: annotations[{number}].date: not a real date")
    return out


def _module_problems(where: str, modules: list, *, parent_type) -> list[str]:
    out = []
    seen: dict = {}
    for index, module in enumerate(modules):
        if not isinstance(module, dict):
            continue
        here = f"{where}: module {module.get('slug')!r}"
        if module.get("slug") in seen:
            out.append(f"{here}: the slug is also used by module {seen[module.get('slug')]}")
        seen[module.get("slug")] = index
        source = module.get("data_source") or {}
        try:
            check_module(
                module.get("type"),
                module.get("options") or {},
                module.get("query") or {},
                has_data_source=bool(source.get("data_group") and source.get("data_type")),
            )
        except ModuleError as exc:
            out.append(f"{here}: {exc.field}: {exc.message}")
        children = module.get("modules") or []
        if children and module.get("type") not in ("section", "tab"):
            out.append(f"{here}: modules: only a section or a tab holds other modules")
        if module.get("type") == "tab" and len(children) < 2:
            out.append(f"{here}: modules: a tab needs at least 2 tabs")
        if parent_type is not None and module.get("type") in ("section", "tab"):
            out.append(f"{here}: a {module.get('type')} cannot sit inside another module")
        out.extend(_module_problems(where, children, parent_type=module.get("type")))
    return out


def _group(name):
    return DataGroup.objects.get_or_create(name=name)[0] if name else None


@transaction.atomic
def import_(doc: dict) -> dict[str, int]:
    """Create or update the file's organisations and dashboards. Returns counts."""
    counts = {"organisations": 0, "dashboards": 0}
    orgs = doc.get("organisations") or []
    for org in orgs:
        Organisation.objects.update_or_create(
            slug=org["slug"],
            defaults={
                "name": org["name"],
                "abbreviation": org.get("abbreviation", ""),
                "type": org["type"],
            },
        )
        counts["organisations"] += 1
    for org in orgs:
        parent = Organisation.objects.get(slug=org["parent"]) if org.get("parent") else None
        Organisation.objects.filter(slug=org["slug"]).update(parent=parent)
    for dash in doc.get("dashboards") or []:
        values = {k: dash.get(k, default) for k, default in DASHBOARD_FIELDS.items()}
        values["links"] = dash.get("links") or []
        values["organisation"] = (
            Organisation.objects.get(slug=dash["organisation"])
            if dash.get("organisation")
            else None
        )
        values["kpi_group"] = _group(dash.get("kpi_group"))
        dashboard, _ = Dashboard.objects.update_or_create(slug=dash["slug"], defaults=values)
        dashboard.modules.all().delete()
        _create_modules(dashboard, dash.get("modules") or [], parent=None)
        dashboard.annotations.all().delete()
        Annotation.objects.bulk_create(
            Annotation(dashboard=dashboard, date=a["date"], text=a["text"], link=a.get("link", ""))
            for a in dash.get("annotations") or []
        )
        counts["dashboards"] += 1
    return counts


def _create_modules(dashboard, modules, *, parent) -> None:
    for order, spec in enumerate(modules):
        source = spec.get("data_source") or {}
        module = Module.objects.create(
            dashboard=dashboard,
            parent=parent,
            order=order,
            slug=spec["slug"],
            type=spec["type"],
            title=spec["title"],
            description=spec.get("description", ""),
            info=spec.get("info") or [],
            data_group=_group(source.get("data_group")),
            data_type=(
                DataType.objects.get_or_create(name=source["data_type"])[0]
                if source.get("data_type")
                else None
            ),
            query=spec.get("query") or {},
            options=spec.get("options") or {},
        )
        _create_modules(dashboard, spec.get("modules") or [], parent=module)


def _module_entry(module: Module) -> dict:
    entry = {"slug": module.slug, "type": module.type, "title": module.title}
    if module.description:
        entry["description"] = module.description
    if module.info:
        entry["info"] = module.info
    if module.data_group_id and module.data_type_id:
        entry["data_source"] = {
            "data_group": module.data_group.name,
            "data_type": module.data_type.name,
        }
    if module.query:
        entry["query"] = module.query
    if module.options:
        entry["options"] = module.options
    children = list(module.children.select_related("data_group", "data_type"))
    if children:
        entry["modules"] = [_module_entry(c) for c in children]
    return entry


def export() -> dict:
    """The organisations and dashboards, in the configuration file's format."""
    organisations = []
    for org in Organisation.objects.select_related("parent").order_by("slug"):
        entry = {"slug": org.slug, "name": org.name, "type": org.type}
        if org.abbreviation:
            entry["abbreviation"] = org.abbreviation
        if org.parent_id:
            entry["parent"] = org.parent.slug
        organisations.append(entry)
    dashboards = []
    for dash in Dashboard.objects.select_related("organisation", "kpi_group").order_by("slug"):
        entry = {"slug": dash.slug}
        for key, default in DASHBOARD_FIELDS.items():
            value = getattr(dash, key)
            if value != default or default is None:
                entry[key] = value
        if dash.organisation_id:
            entry["organisation"] = dash.organisation.slug
        if dash.kpi_group_id:
            entry["kpi_group"] = dash.kpi_group.name
        if dash.links:
            entry["links"] = dash.links
        top = dash.modules.filter(parent__isnull=True).select_related("data_group", "data_type")
        entry["modules"] = [_module_entry(m) for m in top]
        notes = [
            {"date": a.date.isoformat(), "text": a.text, **({"link": a.link} if a.link else {})}
            for a in dash.annotations.all()
        ]
        if notes:
            entry["annotations"] = notes
        dashboards.append(entry)
    return {"organisations": organisations, "dashboards": dashboards}
