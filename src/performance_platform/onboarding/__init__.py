"""Getting a dashboard: the guidance page, the request form, and approving requests."""
