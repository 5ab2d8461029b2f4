from django import template

from apps.pocs import header

register = template.Library()


@register.inclusion_tag("pocs/_tabs.html", takes_context=True)
def poc_header(context, poc, current: str = ""):
    """The PoC's name, its badges and its tabs, as registered by every app (``apps.pocs.header``)."""
    tabs = [{"key": t.key, "label": t.label, "url": t.url(poc), "current": t.key == current} for t in header.tabs()]
    return {**header.head_context(poc, context, request=context.get("request")), "tabs": tabs}


@register.inclusion_tag("pocs/_timebox_bar.html")
def timebox_bar(poc):
    """Weeks elapsed of the timebox as a bar, with the decision date marked (the header draws it).

    Positions are percentages of a scale that reaches the timebox's end, today and the decision date,
    whichever is latest, so an overrun or a late decision date stays on the bar.
    """
    if not poc.kickoff_date or not poc.timebox_weeks:
        return {"show": False}
    elapsed = poc.elapsed_weeks or 0
    decision_week = None
    if poc.decision_due_date:
        decision_week = round(max((poc.decision_due_date - poc.kickoff_date).days, 0) / 7, 1)
    scale = max(poc.timebox_weeks, elapsed, decision_week or 0)

    def at(weeks):
        return round(100 * weeks / scale, 2)

    return {
        "show": True, "poc": poc, "elapsed": elapsed, "elapsed_at": at(elapsed), "end_at": at(poc.timebox_weeks),
        "decision_week": decision_week, "decision_at": at(decision_week) if decision_week is not None else None,
        "over": poc.is_past_timebox,
    }


@register.filter
def named_people(poc) -> dict:
    """How many of the four roles named on the PoC are filled, and the labels of those still empty."""
    from apps.pocs.forms import FIELD_LABELS
    from apps.pocs.models import PEOPLE_FIELDS

    missing = [FIELD_LABELS[f].lower() for f in PEOPLE_FIELDS if getattr(poc, f"{f}_id") is None]
    return {"count": len(PEOPLE_FIELDS) - len(missing), "total": len(PEOPLE_FIELDS), "missing": missing}
