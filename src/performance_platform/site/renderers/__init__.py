"""Module rendering: from a module's data source, query and options to what a page shows.

Every module reads its data through the read API's query engine (``run_query``), with
exactly the parameters shown in its download links, so anyone can reproduce a figure
from ``/data/<group>/<type>?<query>``. A module whose query fails does not fail the
page: it shows "There was a problem getting data for this module." (as the original).

The result is a :class:`ModuleView`: a headline, a chart (server-rendered SVG, see
:mod:`performance_platform.site.charts`), a data table (always; it is the chart's text
alternative), notes and links. Templates only lay these out.

The pieces: :func:`render` (in :mod:`.dispatch`) fetches a module's rows and hands them to
its type's renderer, one module per type, named after it (:mod:`.kpi`,
:mod:`.grouped_timeseries`, ..., :mod:`.list_` for ``list``), each registered with
:func:`.registry.renders` against the list of types in
:mod:`performance_platform.dashboards.module_types`. They share :mod:`.base` (the view and
small helpers), :mod:`.tables` (``Column`` and ``Table``), :mod:`.periods` (periods in
words), :mod:`.query` (a module's query and rows), :mod:`.series` (values over time) and
:mod:`.rates` (completion rates).
"""

# Each renderer's module registers it when imported.
from . import (  # noqa: F401
    availability,
    bar_chart_with_number,
    column,
    completion_rate,
    completion_table,
    grouped_timeseries,
    journey,
    kpi,
    list_,
    realtime,
    single_timeseries,
    table,
    user_satisfaction_graph,
)
from .base import NO_DATA, PROBLEM, ModuleView, Range
from .dispatch import render
from .registry import RENDERERS, renders
from .tables import Column, Table

__all__ = [
    "NO_DATA",
    "PROBLEM",
    "RENDERERS",
    "Column",
    "ModuleView",
    "Range",
    "Table",
    "render",
    "renders",
]
