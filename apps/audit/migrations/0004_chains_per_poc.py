"""Chain format 2: one chain per PoC, UPDATE events storing the changed columns only, fewer indexes.

The events written before stay as they are (``chain_version`` 1) and are still verified as one chain.
The unique index on ``hash``, the (table, row) index and the actor index went: nothing reads by them,
and each cost every event an index insert (the hash's at a random place).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.audit.sql import CHAINS_INSTALL, CHAINS_UNINSTALL


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_checkpoint"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="auditevent", name="audit_event_row_idx"),
        migrations.AddField(model_name="auditcheckpoint", name="heads", field=models.JSONField(blank=True, null=True)),
        migrations.AddField(
            model_name="auditevent", name="chain_version", field=models.PositiveSmallIntegerField(default=1)
        ),
        migrations.AlterField(model_name="auditevent", name="hash", field=models.CharField(max_length=64)),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunSQL(sql=CHAINS_INSTALL, reverse_sql=CHAINS_UNINSTALL),
    ]
