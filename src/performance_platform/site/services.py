"""The services index: every published service with its KPIs, filtered, sorted, totalled.

Values come from the KPI summaries (``performance-platform/kpi-summaries``), never from
live queries, so the page costs one read of a few thousand small records however many
services there are. Filter and sort live in the URL (``?filter=``, ``?department=``,
``?sortby=``, ``?sortorder=``), so everything works without JavaScript.
"""

from dataclasses import dataclass

from django.db.models import Count, Max

from performance_platform.dashboards.models import SERVICE_TYPES, Dashboard, Organisation
from performance_platform.kpis import catalogue
from performance_platform.kpis.summaries import all_summaries, summaries_data_set

# (key, heading, format, kind): kind "total" columns are summed across the filtered set;
# "rate" columns get an average weighted by each service's transactions per year.
COLUMNS = [(kpi.key, kpi.title, kpi.format, kpi.index_kind) for kpi in catalogue.INDEX_COLUMNS]
SORT_KEYS = {"name", "department"} | {key for key, *_ in COLUMNS}
DEFAULT_SORT = (catalogue.TRANSACTIONS_PER_YEAR.key, "desc")


@dataclass
class Service:
    """One row of the index."""

    slug: str
    title: str
    department: dict | None  # {"slug", "name", "abbreviation"}
    agency: dict | None
    kpis: dict  # kpi key -> summary record (value, display, period_label, stale, ...)

    def value(self, key: str):
        if key == "name":
            return self.title.lower()
        if key == "department":
            org = self.department or self.agency
            return org["name"].lower() if org else None
        record = self.kpis.get(key)
        return record.get("value") if record else None


def _org(org) -> dict | None:
    if org is None:
        return None
    return {"slug": org.slug, "name": org.name, "abbreviation": org.short_name}


def services(*, now=None) -> list[Service]:
    """Every published service dashboard with its KPI summaries."""
    by_service: dict[str, dict] = {}
    for record in all_summaries(now=now):
        by_service.setdefault(record.get("service"), {})[record.get("kpi")] = record
    # All organisations at once (there are few), so the walk up to a department costs
    # no queries; dashboards as plain values, since 800 model instances cost more.
    organisations = {o.pk: o for o in Organisation.objects.all()}
    for org in organisations.values():
        org.parent = organisations.get(org.parent_id)
    dashboards = (
        Dashboard.objects.published()
        .filter(dashboard_type__in=SERVICE_TYPES)
        .order_by("title")
        .values_list("slug", "title", "organisation_id", "kpi_group__name")
    )
    out = []
    for slug, title, org_id, group in dashboards:
        org = organisations.get(org_id)
        department = org.department() if org else None
        agency = org.agency() if org else None
        out.append(
            Service(slug, title, _org(department), _org(agency), by_service.get(group or slug, {}))
        )
    return out


def fingerprint() -> str:
    """Everything the index shows, in a few numbers: it changes whenever the page would."""
    summaries = summaries_data_set()
    dashboards = Dashboard.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    organisations = Organisation.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return "|".join(
        str(v)
        for v in (
            summaries.version if summaries else 0,
            dashboards["n"],
            dashboards["at"],
            organisations["n"],
            organisations["at"],
        )
    )


def department_choices(rows: list[Service]) -> tuple[list, list]:
    """(departments, other bodies) present in ``rows``, as (value, label) pairs."""
    departments, agencies = {}, {}
    for row in rows:
        if row.department:
            departments[row.department["slug"]] = row.department["name"]
        if row.agency:
            agencies[f"agency:{row.agency['slug']}"] = row.agency["name"]
    return sorted(departments.items(), key=lambda kv: kv[1]), sorted(
        agencies.items(), key=lambda kv: kv[1]
    )


def apply_filter(rows: list[Service], text: str, department: str) -> list[Service]:
    """Rows whose title or department contains ``text``, from ``department`` if known.

    An unknown department is ignored, as the original did, rather than showing nothing.
    """
    text = (text or "").strip().lower()[:200]
    # Known departments are those of every row, not only of the rows the text leaves: a
    # known department with no match for the text means no rows, not "ignore it".
    departments, agencies = department_choices(rows)
    known = {value for value, _ in departments} | {value for value, _ in agencies}
    if text:
        rows = [
            r
            for r in rows
            if text in r.title.lower()
            or any(
                org and (text in org["name"].lower() or text in org["abbreviation"].lower())
                for org in (r.department, r.agency)
            )
        ]
    if department and department in known:
        if department.startswith("agency:"):
            slug = department.removeprefix("agency:")
            rows = [r for r in rows if r.agency and r.agency["slug"] == slug]
        else:
            rows = [r for r in rows if r.department and r.department["slug"] == department]
    return rows


def sort(rows: list[Service], key: str, order: str) -> tuple[list[Service], str, str]:
    """Sort by ``key`` (unknown keys fall back to the default); missing values always last."""
    if key not in SORT_KEYS:
        key, order = DEFAULT_SORT
    if order not in ("asc", "desc"):
        order = "asc" if key in ("name", "department") else "desc"
    present = [r for r in rows if r.value(key) is not None]
    missing = [r for r in rows if r.value(key) is None]
    present.sort(key=lambda r: (r.value(key), r.title.lower()), reverse=order == "desc")
    return present + sorted(missing, key=lambda r: r.title.lower()), key, order


def aggregates(rows: list[Service]) -> list[dict]:
    """Totals and volume-weighted averages for the filtered set, one per column."""
    out = []
    for key, label, fmt, kind in COLUMNS:
        if kind == "total":
            values = [r.value(key) for r in rows if r.value(key) is not None]
            out.append(
                {
                    "key": key,
                    "label": label,
                    "fmt": fmt,
                    "kind": kind,
                    "value": sum(values) if values else None,
                    "count": len(values),
                }
            )
            continue
        weighted = [
            (r.value(key), r.value(catalogue.TRANSACTIONS_PER_YEAR.key))
            for r in rows
            if r.value(key) is not None and r.value(catalogue.TRANSACTIONS_PER_YEAR.key)
        ]
        total_weight = sum(w for _, w in weighted)
        value = sum(v * w for v, w in weighted) / total_weight if total_weight else None
        out.append(
            {
                "key": key,
                "label": label,
                "fmt": fmt,
                "kind": kind,
                "value": value,
                "count": len(weighted),
            }
        )
    return out


def as_records(rows: list[Service]) -> list[dict]:
    """Plain rows for the .json and .csv twins (values unformatted, periods in words)."""
    out = []
    for row in rows:
        record = {
            "slug": row.slug,
            "service": row.title,
            "url": f"/performance/{row.slug}",
            "department": row.department["name"] if row.department else None,
            "agency": row.agency["name"] if row.agency else None,
        }
        for key, _label, _fmt, _kind in COLUMNS:
            summary = row.kpis.get(key) or {}
            record[key] = summary.get("value")
            record[f"{key}_period"] = summary.get("period_label") or None
            record[f"{key}_stale"] = summary.get("stale") if summary else None
        out.append(record)
    return out
