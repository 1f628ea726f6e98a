"""Signals the datastore sends, so derived data can follow without the datastore knowing.

The datastore must not import from ``kpis`` (data flows one way), yet a write has to queue
the transforms that read the data set it changed. ``records_changed`` is sent inside the
write's transaction: a receiver that queues work in the same database commits or rolls
back with the records, so a stored batch never misses its transforms and a refused batch
never queues any.
"""

from django.dispatch import Signal

# Sent with: data_set (DataSet), earliest and latest (aware datetimes, the range of
# record timestamps the change touched), source (str: "api", "upload", "transform", ...).
records_changed = Signal()
