"""The records' (data set, timestamp) index gains ``id``, so it gives the raw sort on
``_timestamp`` (``ORDER BY timestamp, id``) whole: a KPI query such as
``sort_by=_timestamp:descending&limit=2`` then reads a few index entries instead of
sorting (PostgreSQL chose parallel workers and an incremental sort). Every use of the
old index (time ranges, the freshness MAX) is served by the new one's prefix."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("datastore", "0002_help_text"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="record",
            name="record_ds_ts",
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(fields=["data_set", "timestamp", "id"], name="record_ds_ts_id"),
        ),
    ]
