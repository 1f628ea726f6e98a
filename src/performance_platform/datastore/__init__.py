"""Data groups, types and sets, write tokens, record validation, storage and the data API."""
