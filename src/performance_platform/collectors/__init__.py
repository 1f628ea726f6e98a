"""Collectors: data pulled on a schedule from analytics providers (Google Analytics 4,
Matomo), from files at a URL, and realtime visitor counts, into a data set.

A collector belongs to a data set. The worker runs it on its schedule under a lease
(``running.run_collector``), or a person runs it by hand (``performance-platform collect``).
Its records get ids from their period and dimensions, so a second run overwrites and
never duplicates; a run's records are stored together or not at all.
"""
