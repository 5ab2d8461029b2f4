"""A chain's head is read from the start of the (poc_id, id DESC) index: a write no longer costs more as
the PoC's history grows. Same chain format (2), same hashes; only how the previous hash is found."""

from django.db import migrations

from apps.audit.sql import APPEND_BY_INDEX, APPEND_FILTERED


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_chains_per_poc")]

    operations = [migrations.RunSQL(sql=APPEND_BY_INDEX, reverse_sql=APPEND_FILTERED)]
