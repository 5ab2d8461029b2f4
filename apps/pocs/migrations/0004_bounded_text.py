"""Bound the long texts: a length validator on the field and a CHECK on the column, added NOT VALID
(rows stored before the limit are not scanned, so this never fails on them)."""

from django.db import migrations

import apps.core.validators
from apps.core.validators import AddBoundedTextCheck


class Migration(migrations.Migration):

    dependencies = [
        ('pocs', '0003_timebox_validators'),
    ]

    operations = [
        AddBoundedTextCheck(
            model_name='poc',
            name='description',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='poc',
            name='timebox_justification',
            field=apps.core.validators.BoundedTextField(blank=True, help_text='Required when the timebox is over 8 weeks', max_length=10000),
        ),
    ]
