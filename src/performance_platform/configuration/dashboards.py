"""Organisations, dashboards, modules and annotations in the configuration file.

Called by :mod:`.checks`, :mod:`.importer` and :mod:`.exporter`: the whole file is
checked against the JSON Schema first, and everything is imported in one transaction.
A dashboard in the file is replaced as a whole (its modules and annotations are those
in the file), so importing the same file twice leaves the same dashboards.
"""

import math
import re
from datetime import date

from django.db import transaction

from performance_platform.dashboards.models import (
    RESERVED_SLUGS,
    Annotation,
    Dashboard,
    Module,
    Organisation,
)
from performance_platform.dashboards.module_types import CONTAINERS
from performance_platform.dashboards.schemas import ModuleError, check_links, check_module
from performance_platform.datastore.models import DataGroup, DataType

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ANNOTATION_LINK_LENGTH = Annotation._meta.get_field("link").max_length

DASHBOARD_FIELDS = {
    "title": None,
    "dashboard_type": "transaction",
    "status": Dashboard.Status.DRAFT.value,
    "strapline": "Dashboard",
    "tagline": "",
    "description": "",
    "costs": "",
    "other_notes": "",
    "customer_type": "",
    "business_model": "",
}


def _list(value) -> list:
    """The value if it is a list, else nothing (the JSON Schema has already said why)."""
    return value if isinstance(value, list) else []


def _key(value) -> str | None:
    """A slug to look up: only strings (a list or an object in its place cannot be)."""
    return value if isinstance(value, str) else None


def _show(value) -> str:
    """A slug as a message may quote it: short, on one line, every character visible."""
    text = str(value)[:200]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _bad_slug(value) -> bool:
    # The schema's "$" lets a trailing newline through; the models' slugs do not.
    return isinstance(value, str) and not _SLUG.fullmatch(value)


def _unstorable(entry) -> str | None:
    """Where ``entry`` holds text or a number no database can store, if anywhere.

    PostgreSQL refuses NUL characters in text and JSON, and infinities and NaN in JSON;
    no database stores an unpaired surrogate. Walked without recursion (any depth).
    """
    stack = [("", entry)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return f"{path or 'the entry'}: contains a NUL character or an unpaired surrogate"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return f"{path or 'the entry'}: not a finite number"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    return f"{path or 'the entry'}: a key contains a NUL or a lone surrogate"
                stack.append((name[:200], item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{n}]"[:200], item) for n, item in enumerate(value))
    return None


def problems(doc: dict) -> list[str]:
    """Every problem with the file's organisations and dashboards, as readable lines."""
    out: list[str] = []
    orgs = [(i, o) for i, o in enumerate(_list(doc.get("organisations"))) if isinstance(o, dict)]
    known = {_key(o.get("slug")) for _, o in orgs}
    known |= set(Organisation.objects.values_list("slug", flat=True))
    seen: dict = {}
    for index, org in orgs:
        slug, parent = _key(org.get("slug")), _key(org.get("parent"))
        where = f"organisations[{index}] ({_show(org.get('slug'))})"
        if slug is not None and slug in seen:
            out.append(f"{where}: the same organisation is also entry {seen[slug]}")
        seen.setdefault(slug, index)
        if _bad_slug(org.get("slug")):
            out.append(f"{where}: slug: use lower-case letters, digits and hyphens")
        if parent and parent not in known:
            out.append(f"{where}: parent: no organisation {parent[:100]!r}")
        if parent is not None and parent == slug:
            out.append(f"{where}: parent: an organisation cannot be its own parent")
        if (problem := _unstorable(org)) is not None:
            out.append(f"{where}: {problem}")
    # The file's parents replace the database's; a loop may run through either.
    parents = dict(Organisation.objects.values_list("slug", "parent__slug"))
    parents.update({_key(o.get("slug")): _key(o.get("parent")) for _, o in orgs})
    for slug in dict.fromkeys(_key(o.get("slug")) for _, o in orgs):
        node, hops = parents.get(slug), 0
        while node and hops <= len(parents):
            if node == slug:
                out.append(f"organisation {_show(slug)}: its parents form a loop")
                break
            node, hops = parents.get(node), hops + 1
    dashboards = [(i, d) for i, d in enumerate(_list(doc.get("dashboards"))) if isinstance(d, dict)]
    slugs: dict = {}
    for index, dash in dashboards:
        slug, organisation = _key(dash.get("slug")), _key(dash.get("organisation"))
        where = f"dashboards[{index}] ({_show(dash.get('slug'))})"
        if slug is not None and slug in slugs:
            out.append(f"{where}: the same dashboard is also entry {slugs[slug]}")
        slugs.setdefault(slug, index)
        if slug in RESERVED_SLUGS:
            out.append(f"{where}: slug: {slug!r} is the address of one of the site's own pages")
        for field in ("slug", "kpi_group"):
            if _bad_slug(dash.get(field)):
                out.append(f"{where}: {field}: use lower-case letters, digits and hyphens")
        if organisation and organisation not in known:
            out.append(f"{where}: organisation: no organisation {organisation[:100]!r}")
        if (problem := _unstorable(dash)) is not None:
            out.append(f"{where}: {problem}")
        try:
            check_links(dash.get("links") or [])
        except ValueError as exc:
            out.append(f"{where}: links: {exc}")
        out.extend(_module_problems(where, _list(dash.get("modules")), parent_type=None, seen={}))
        for number, note in enumerate(_list(dash.get("annotations"))):
            if not isinstance(note, dict):
                continue
            try:
                date.fromisoformat(str(note.get("date")))
            except ValueError:
                out.append(f"{where}: annotations[{number}].date: not a real date")
            link = note.get("link") or ""
            if link and not (
                isinstance(link, str)
                and link.startswith(("https://", "http://"))
                and len(link) <= _ANNOTATION_LINK_LENGTH
            ):
                out.append(
                    f"{where}: annotations[{number}].link: must start with https:// or "
                    f"http:// and be at most {_ANNOTATION_LINK_LENGTH} characters"
                )
    return out


def _module_problems(where: str, modules: list, *, parent_type, seen: dict) -> list[str]:
    """Problems with a list of modules; ``seen`` holds the slugs of the whole dashboard."""
    out = []
    for module in modules:
        if not isinstance(module, dict):
            continue
        slug, type_ = _key(module.get("slug")), _key(module.get("type"))
        here = f"{where}: module {str(module.get('slug'))[:60]!r}"
        if slug is not None and slug in seen:
            out.append(f"{here}: slug: another module on this dashboard has the same slug")
        seen.setdefault(slug, True)
        if _bad_slug(module.get("slug")):
            out.append(f"{here}: slug: use lower-case letters, digits and hyphens")
        source = module.get("data_source")
        source = source if isinstance(source, dict) else {}
        for field in ("data_group", "data_type"):
            if _bad_slug(source.get(field)):
                out.append(f"{here}: data_source.{field}: use lower-case letters, digits, hyphens")
        try:
            check_module(
                module.get("type"),
                module.get("options") or {},
                module.get("query") or {},
                has_data_source=bool(source.get("data_group") and source.get("data_type")),
            )
        except ModuleError as exc:
            out.append(f"{here}: {exc.field}: {exc.message}")
        children = _list(module.get("modules"))
        if children and type_ not in CONTAINERS:
            out.append(f"{here}: modules: only a section or a tab holds other modules")
        if type_ == "tab" and len(children) < 2:
            out.append(f"{here}: modules: a tab needs at least 2 tabs")
        if parent_type is not None and type_ in CONTAINERS:
            out.append(f"{here}: a {type_} cannot sit inside another module")
        # Modules only nest one level: anything deeper has been refused above.
        if parent_type is None:
            out.extend(_module_problems(where, children, parent_type=type_ or "?", seen=seen))
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
