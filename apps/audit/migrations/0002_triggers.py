from django.db import migrations

from apps.audit.sql import INSTALL, UNINSTALL


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(sql=INSTALL, reverse_sql=UNINSTALL)]
