"""Rendering a module: sections and tabs lay out their children; any other type has its
data fetched and is handed to its type's renderer (see :mod:`.registry`)."""

from datetime import UTC, datetime

from performance_platform.dashboards.module_types import TIME_SERIES
from performance_platform.datastore.query import QueryError

from .base import PROBLEM, ModuleView, Range
from .query import (
    data_set_for,
    fetch,
    max_timeshift,
    module_params,
    query_string,
    widen_for_timeshift,
)
from .registry import EXTRA_PARAMS, RENDERERS


def render(
    module,
    *,
    annotations=(),
    date_range: Range | None = None,
    full: bool = False,
    now: datetime | None = None,
    base_url: str = "",
    tab: str | None = None,
) -> ModuleView:
    """Render one module (and its children). ``full`` is the module page: more detail."""
    now = now or datetime.now(UTC)
    options = module.options or {}
    view = ModuleView(
        module=module,
        slug=module.slug,
        type=module.type,
        title=module.title,
        description=module.description,
        info=list(module.info or []),
        url=f"{base_url}/{module.slug}",
    )
    if module.type == "section":
        view.children = [
            render(c, annotations=annotations, now=now, base_url=view.url)
            for c in module.children.all()
        ]
        return view
    if module.type == "tab":
        children = list(module.children.all())
        active = next((c for c in children if c.slug == tab), children[0] if children else None)
        view.tabs = [
            {
                "slug": c.slug,
                "title": c.title,
                "url": f"{view.url}?tab={c.slug}",
                "active": c is active,
            }
            for c in children
        ]
        if active is not None:
            view.children = [
                render(
                    active,
                    annotations=annotations,
                    date_range=date_range,
                    full=full,
                    now=now,
                    base_url=view.url,
                )
            ]
            # The page's date form applies to the tab shown (kept in a hidden field).
            view.date_picker = view.children[0].date_picker
        return view
    data_set = data_set_for(module)
    renderer = RENDERERS.get(module.type)
    if data_set is None or renderer is None:
        view.error = PROBLEM
        return view
    extra = EXTRA_PARAMS.get(module.type, lambda m, n: {})(module, now)
    params = module_params(module, date_range=date_range, extra=extra)
    if module.type == "grouped_timeseries":
        params = widen_for_timeshift(params, max_timeshift(options))
    view.params = params
    view.date_picker = module.type in TIME_SERIES
    group, dtype = data_set.data_group.name, data_set.data_type.name
    view.api_url = f"/data/{group}/{dtype}?{query_string(params)}"
    view.csv_url = f"/data/{group}/{dtype}?{query_string({**params, 'format': 'csv'})}"
    try:
        rows = fetch(data_set, params, now=now)
    except QueryError:
        view.error = PROBLEM
        return view
    chosen = date_range.period if date_range is not None else None
    if chosen and chosen != options.get("axis-period"):
        # The reader picked another period: name the x axis after it, not the module's.
        axes = dict(options.get("axes") or {})
        axes["x"] = {**(axes.get("x") or {}), "label": chosen.capitalize()}
        options = {**options, "axis-period": chosen, "axes": axes}
    renderer(view, rows, options, params, full=full, annotations=list(annotations), now=now)
    return view
