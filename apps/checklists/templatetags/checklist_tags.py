from django import template

from apps.checklists import selectors

register = template.Library()


@register.inclusion_tag("checklists/_risk_badge.html", takes_context=True)
def stall_risk_badge(context, poc):
    """The PoC's stall-risk badge. Reuses risks the page already computed (``stall_risks``)."""
    risks = context.get("stall_risks")
    if risks is None:
        risks = selectors.stall_risk(poc)
    return {"poc": poc, "summary": selectors.risk_summary(risks), "oob": False}
