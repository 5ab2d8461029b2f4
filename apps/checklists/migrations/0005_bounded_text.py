"""Bound the long texts: a length validator on the field and a CHECK on the column, added NOT VALID
(rows stored before the limit are not scanned, so this never fails on them)."""

from django.db import migrations

import apps.core.validators
from apps.core.validators import AddBoundedTextCheck


class Migration(migrations.Migration):

    dependencies = [
        ('checklists', '0004_model_validators'),
    ]

    operations = [
        AddBoundedTextCheck(
            model_name='acknowledgement',
            name='notes',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='businesscase',
            name='value_hypothesis',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='checklistitem',
            name='evidence_note',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='checklistitem',
            name='help',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='checklistitem',
            name='justification',
            field=apps.core.validators.BoundedTextField(blank=True, help_text='Why the risk is accepted rather than fixed', max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='checklistitem',
            name='notes',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='checklisttemplate',
            name='description',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='templateitem',
            name='help',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='validationquestion',
            name='answer',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
        AddBoundedTextCheck(
            model_name='validationquestion',
            name='hypothesis',
            field=apps.core.validators.BoundedTextField(blank=True, max_length=10000),
        ),
    ]
