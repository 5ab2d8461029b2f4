from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0005_bounded_item_input"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataset",
            name="items_change",
            field=models.CharField(
                blank=True,
                help_text="The last change of one item on the page (the items are not audited row by row: this is)",
                max_length=600,
            ),
        ),
        migrations.AddField(
            model_name="datasetitem",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
    ]
