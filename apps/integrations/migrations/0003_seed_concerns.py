"""The seven production concerns for every PoC that predates the integrations app (new PoCs get them
when they are created). Runs after the audit trigger, so the seeded rows are in the trail."""

from django.db import migrations

SEEDED = ["identity", "access_control", "audit_logging", "monitoring", "alerting", "error_handling", "retry_logic"]


def seed(apps, schema_editor):
    PoC = apps.get_model("pocs", "PoC")
    Concern = apps.get_model("integrations", "ProductionConcern")
    have = set(Concern.objects.values_list("poc_id", "concern"))
    rows = [
        Concern(poc_id=poc_id, concern=kind)
        for poc_id in PoC.objects.order_by("pk").values_list("pk", flat=True)
        for kind in SEEDED
        if (poc_id, kind) not in have
    ]
    Concern.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_audit")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
