"""Emails about a data set's freshness and a service's KPIs: stale-data alerts and their
all-clears, the weekly summary, people's choice of which of them they get, and the
platform admin's problems page (docs/operations.md, "Stale-data alerts")."""
