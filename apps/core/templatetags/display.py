"""Template filters for showing values the one way the project shows them (``apps.core.display``).

Loaded as a template builtin (settings ``TEMPLATES[…]["OPTIONS"]["builtins"]``): ``{{ d|day }}``,
``{{ t|moment }}``, ``{{ amount|money:currency }}``, ``{{ x|number }}``, ``{{ v|blank }}``.
"""

from django import template

from apps.core import display

register = template.Library()

register.filter("day", display.day)
register.filter("moment", display.moment)
register.filter("money", display.money)
register.filter("yes_no", display.yes_no)


@register.filter
def number(value, places=2):
    return display.number(value, int(places))


@register.filter
def blank(value):
    """The value, or the one mark for "nothing here" ("—")."""
    return display.BLANK if display.is_blank(value) else value


@register.filter
def shown(value, kind="text"):
    """A stored value written for a person (``display.shown``): "yes", "5 Mar 2026", "3.5", "—"."""
    return display.shown(value, kind)


register.filter("in_sentence", display.in_sentence)
