"""Write audits outlive their data set: the foreign key empties instead of cascading, and
each row keeps a copy of the data set's name (filled here for the rows already written)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_names(apps, schema_editor):
    """Fill ``data_set_name`` from the data set, in one UPDATE (no row-by-row loop)."""
    WriteAudit = apps.get_model("datastore", "WriteAudit")
    DataSet = apps.get_model("datastore", "DataSet")
    name = DataSet.objects.filter(pk=models.OuterRef("data_set_id")).values("name")[:1]
    WriteAudit.objects.filter(data_set__isnull=False).update(data_set_name=models.Subquery(name))


class Migration(migrations.Migration):
    dependencies = [
        ("datastore", "0004_rollup_periods"),
    ]

    operations = [
        migrations.AddField(
            model_name="writeaudit",
            name="data_set_name",
            field=models.CharField(blank=True, db_index=True, max_length=201),
        ),
        migrations.AlterField(
            model_name="writeaudit",
            name="data_set",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="audit",
                to="datastore.dataset",
            ),
        ),
        migrations.RunPython(copy_names, migrations.RunPython.noop, elidable=True),
    ]
