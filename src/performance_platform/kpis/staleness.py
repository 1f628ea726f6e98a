"""Where a KPI's figures come from, and whether they are out of date: the one staleness rule.

A derived data set is only as fresh as the raw data it is derived from, so freshness is
judged on the roots that transforms walk back to (:func:`root_sources`), each by its own
``max_age_expected`` (:meth:`DataSet.freshness`). Summaries store the verdict; the
scheduled freshness check and every raw write keep the stored verdict current, and
every reader (tiles, the services index, ``/data/.../kpi-summaries``) shows it as stored.
"""

from datetime import UTC, datetime

from django.db.models import Q

from performance_platform.datastore.models import DataSet

from .models import Transform


def root_sources(data_set: DataSet, _seen=None) -> list[DataSet]:
    """The raw data sets a (possibly derived) data set is computed from.

    Walks back along transforms whose output is this data set. A data set no transform
    writes is its own root. Freshness is judged on roots: a derived data set is only as
    fresh as what it is derived from.
    """
    seen = _seen if _seen is not None else set()
    if data_set.pk in seen:
        return []
    seen.add(data_set.pk)
    group = data_set.data_group_id
    upstream = Transform.objects.filter(enabled=True, output_type=data_set.data_type_id).filter(
        Q(output_group=group)
        | Q(output_group__isnull=True, input_group=group)
        | Q(output_group__isnull=True, input_group__isnull=True)
    )
    roots: list[DataSet] = []
    for transform in upstream:
        # Follow a transform only where this group has its main input: a type-wide
        # total-cost transform does not make a per-transaction service depend on volumes.
        main = (
            DataSet.objects.filter(data_group=group, data_type=transform.input_type_id)
            .select_related("data_group", "data_type")
            .first()
        )
        if main is None:
            continue
        sources = [main]
        if transform.also_reads_id:
            sources += list(
                DataSet.objects.filter(
                    data_group=group, data_type=transform.also_reads_id
                ).select_related("data_group", "data_type")
            )
        for source in sources:
            roots.extend(r for r in root_sources(source, seen) if r not in roots)
    return roots or [data_set]


def freshness_of(sources: list[DataSet], now: datetime) -> dict:
    """Combined freshness: stale if any source is; last updated = the least recent write."""
    stale = False
    last = None
    for source in sources:
        fresh = source.freshness(now)
        stale = stale or fresh.stale
        if fresh.last_updated is None:
            last = None if fresh.max_age_expected is not None else last
            continue
        last = fresh.last_updated if last is None else min(last, fresh.last_updated)
    return {"last_updated": last.astimezone(UTC).isoformat() if last else None, "stale": stale}


def refreshed(records: list[dict], now: datetime, *, sources=None) -> list[dict]:
    """Those stored summaries whose freshness differs from their sources' now, corrected.

    Each comes back as it would be stored (the fields a write takes: ``_id``,
    ``_timestamp`` and the figures), with ``last_updated`` and ``stale`` as of ``now``.
    A summary whose sources no longer exist keeps what it has. With ``sources`` (data
    set names), only summaries computed from one of them are looked at.
    """
    if sources is not None:
        wanted = set(sources)
        records = [r for r in records if wanted & set((r.get("sources") or "").split(","))]
    names = {n for row in records for n in (row.get("sources") or "").split(",") if n}
    by_name: dict[str, DataSet] = {}
    names_list = sorted(names)
    for start in range(0, len(names_list), 500):
        for data_set in DataSet.objects.filter(name__in=names_list[start : start + 500]):
            by_name[data_set.name] = data_set
    changed = []
    for row in records:
        found = [by_name[n] for n in (row.get("sources") or "").split(",") if n in by_name]
        if not found:
            continue
        fresh = freshness_of(found, now)
        if fresh["stale"] != row.get("stale") or fresh["last_updated"] != row.get("last_updated"):
            kept = {
                k: v for k, v in row.items() if k in ("_id", "_timestamp") or not k.startswith("_")
            }
            changed.append({**kept, **fresh})
    return changed
