"""The Performance Platform: a data API, KPIs and accessible dashboards for public services."""
