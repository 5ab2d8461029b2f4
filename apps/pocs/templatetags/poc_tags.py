from django import template

from apps.pocs import header

register = template.Library()


@register.inclusion_tag("pocs/_tabs.html", takes_context=True)
def poc_header(context, poc, current: str = ""):
    """The PoC's name, its badges and its tabs, as registered by every app (``apps.pocs.header``)."""
    tabs = [{"key": t.key, "label": t.label, "url": t.url(poc), "current": t.key == current} for t in header.tabs()]
    return {**header.head_context(poc, context, request=context.get("request")), "tabs": tabs}
