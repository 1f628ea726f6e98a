"""Storing derived records: only what changed, through the datastore's own pipeline.

Derived records are written with ``storage.store_records`` like any other write, so
they are validated against the output's schema, counted in its rollups and fire the
same signal (which queues the transforms that read them in turn). Records equal to
those stored are not rewritten, so a re-run writes nothing and triggers nothing.
"""

from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet, Record
from performance_platform.datastore.validation import prepare_records

from .computing import encode_id
from .errors import TransformError


def output_data_set(transform, input_data_set: DataSet) -> DataSet:
    """The transform's output data set, created (published like its input) if missing."""
    group = transform.output_group or input_data_set.data_group
    found = DataSet.objects.filter(data_group=group, data_type=transform.output_type).first()
    if found is not None:
        return found
    created = DataSet(
        data_group=group,
        data_type=transform.output_type,
        published=input_data_set.published,
        raw_queries_allowed=True,
    )
    created.save()
    return created


def store_changed(out: DataSet, records: list[dict], *, now) -> int:
    """Write only the records that differ from those stored; return how many."""
    if not records:
        return 0
    stored = {}
    ids = [r["_id"] for r in records]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for record_id, data in Record.objects.filter(data_set=out, record_id__in=chunk).values_list(
            "record_id", "data"
        ):
            stored[record_id] = data
    prepared, errors = prepare_records(records, schema=out.schema, auto_ids=None, now=now)
    if errors:
        raise TransformError(f"the derived records do not fit {out.name}: {'; '.join(errors[:3])}")
    changed = []
    for record in prepared:
        old = stored.get(record.record_id)
        new = {k: v for k, v in record.data.items() if k != "_updated_at"}
        if old is None or {k: v for k, v in old.items() if k != "_updated_at"} != new:
            changed.append(record)
    if changed:
        storage.store_records(out, changed, now=now, source="transform")
    return len(changed)


def delete_vanished(out: DataSet, windows, kept: set[str], *, now) -> int:
    """Delete derived records of periods in ``windows`` that no longer have source data.

    Only records shaped like per-period derived records (with ``_start_at``/``_end_at``
    and the id those give) are touched, so other records in the output are safe.
    """
    doomed = []
    for start, end in windows:
        rows = Record.objects.filter(data_set=out, timestamp__gte=start, timestamp__lt=end)
        for record_id, data in rows.values_list("record_id", "data").iterator(chunk_size=2000):
            if record_id in kept:
                continue
            bounds = (data.get("_start_at"), data.get("_end_at"))
            if all(isinstance(b, str) for b in bounds) and record_id == encode_id(*bounds):
                doomed.append(record_id)
    if doomed:
        storage.delete_records(out, doomed, now=now, source="transform")
    return len(doomed)
