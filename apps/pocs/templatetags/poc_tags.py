from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from apps.pocs import header

register = template.Library()


@register.inclusion_tag("pocs/_tabs.html", takes_context=True)
def poc_header(context, poc, current: str = ""):
    """The PoC's name, its badges and its tabs, as registered by every app (``apps.pocs.header``)."""
    request = context.get("request")
    badges = [
        mark_safe(render_to_string(badge.template, badge.context(poc, context), request=request))  # noqa: S308
        for badge in header.badges()
    ]
    tabs = [{"key": t.key, "label": t.label, "url": t.url(poc), "current": t.key == current} for t in header.tabs()]
    return {"poc": poc, "badges": badges, "tabs": tabs}
