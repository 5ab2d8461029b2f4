"""The sponsor becomes a person: ``sponsor`` names a portal user (who then sees the PoC as a viewer
and gets its escalated reminders) and ``sponsor_name`` keeps the text for sponsors outside the portal.

The old text column is renamed, so nothing typed is lost; each PoC whose sponsor text is exactly one
active user's full name or email address (ignoring case and surrounding spaces) is linked to that user.
A name two people share stays text only. Runs after the audit trigger, so the links are in the trail.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def link_sponsors(apps, schema_editor):
    PoC = apps.get_model("pocs", "PoC")
    User = apps.get_model("accounts", "User")
    by_key: dict[str, set[int]] = {}
    for pk, full_name, email in User.objects.filter(is_active=True).values_list("pk", "full_name", "email"):
        for key in {(full_name or "").strip().casefold(), (email or "").strip().casefold()} - {""}:
            by_key.setdefault(key, set()).add(pk)
    for poc_id, text in PoC.objects.exclude(sponsor_name="").values_list("pk", "sponsor_name"):
        matches = by_key.get(text.strip().casefold(), set())
        if len(matches) == 1:
            PoC.objects.filter(pk=poc_id, sponsor__isnull=True).update(sponsor_id=next(iter(matches)))


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("pocs", "0006_previous_attempt"),
    ]

    operations = [
        migrations.RenameField(model_name="poc", old_name="sponsor", new_name="sponsor_name"),
        migrations.AlterField(
            model_name="poc",
            name="sponsor_name",
            field=models.CharField(
                blank=True, help_text="The sponsor's name when they are not a portal user", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="poc",
            name="sponsor",
            field=models.ForeignKey(
                blank=True,
                help_text="The executive sponsoring the PoC, when they use the portal (sees it as a viewer, gets reminders)",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sponsored_pocs",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(link_sponsors, migrations.RunPython.noop),
    ]
