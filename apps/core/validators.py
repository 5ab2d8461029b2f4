"""Validators shared by models in every app, so one rule reads the same wherever it applies."""

from django.core.validators import MaxLengthValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import migrations, models

web_address = URLValidator(
    schemes=["http", "https"], message="Enter a full web address starting with http:// or https://."
)
currency_code = RegexValidator(r"^[A-Z]{3}\Z", "Use a three-letter currency code such as EUR.")
not_negative = MinValueValidator(0, "Enter an amount of zero or more.")


class WebAddressField(models.URLField):
    """A link to a web page: http or https only, with one clear message when it is not."""

    default_validators = [web_address]

    def formfield(self, **kwargs):
        # A typed address without a scheme is read as https (forms and the admin alike).
        return super().formfield(**{"assume_scheme": "https", **kwargs})


# Limits on text people type, declared once on the model fields (see the README's "Limits").
SHORT_TEXT = 200  # names, titles and short labels
WEB_ADDRESS = 500  # links
LONG_TEXT = 10_000  # notes, descriptions, hypotheses, answers, justifications, rationales


class BoundedTextField(models.TextField):
    """A long text with a length limit held everywhere: forms, the API, ``full_clean`` and the database.

    Django's ``TextField(max_length=…)`` only shapes form fields; here ``max_length`` also adds a
    ``MaxLengthValidator`` (so the services' ``full_clean`` refuses a longer text, naming the field)
    and a ``CHECK (char_length(column) <= max_length)`` on the column, so a raw write cannot store
    more either. Add the check to an existing table with ``AddBoundedTextCheck`` (``NOT VALID``:
    rows stored before the limit stay readable and editable, new writes are checked).
    """

    def __init__(self, *args, max_length: int = LONG_TEXT, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))

    def db_check(self, connection):
        return f"char_length({connection.ops.quote_name(self.column)}) <= {int(self.max_length)}"


def check_constraint_name(schema_editor, table: str, column: str) -> str:
    """The name Django gives a column's own CHECK constraint."""
    return schema_editor._create_index_name(table, [column], suffix="_check")


class AddBoundedTextCheck(migrations.AlterField):
    """Turn a plain ``TextField`` into a ``BoundedTextField``, adding its CHECK as ``NOT VALID``.

    The state changes as an ``AlterField`` would change it; in the database the check is added
    without scanning existing rows, so the migration never fails on a longer text stored before
    the limit (such a row is shown truncated in the activity feed and can be shortened by an edit).
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        table = model._meta.db_table
        name = check_constraint_name(schema_editor, table, field.column)
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} ADD CONSTRAINT {schema_editor.quote_name(name)} "
            f"CHECK ({field.db_check(schema_editor.connection)}) NOT VALID"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        table = model._meta.db_table
        name = check_constraint_name(schema_editor, table, field.column)
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} DROP CONSTRAINT IF EXISTS {schema_editor.quote_name(name)}"
        )

    def describe(self):
        return f"Bound the length of {self.model_name}.{self.name} (check added NOT VALID)"
