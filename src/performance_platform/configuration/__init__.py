"""Configuration as code: the config file's schema, ``import-config`` and ``export-config``."""
