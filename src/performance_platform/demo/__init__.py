"""A realistic demo: services, their data sets and plausible data, loaded by ``load-demo``."""
