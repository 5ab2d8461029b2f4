"""How values are shown to people, in one place: dates, moments, money and blanks.

Templates reach these through the ``display`` filters (a template builtin, no ``{% load %}``);
the activity feed and other Python code call them directly, so a page and a feed never show the
same value two ways.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

BLANK = "—"
DATE_FORMAT = "%-d %b %Y"  # 5 Mar 2026: unambiguous in every locale
TIME_FORMAT = "%H:%M"
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def day(value: Any) -> str:
    """A date as "5 Mar 2026" (a datetime is shown as its day in the current time zone)."""
    if is_blank(value):
        return BLANK
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime(DATE_FORMAT)


def moment(value: Any) -> str:
    """A date and time as "5 Mar 2026 14:03 UTC" (in the current time zone, named)."""
    if is_blank(value):
        return BLANK
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if timezone.is_aware(value):
        value = timezone.localtime(value)
        return f"{value.strftime(DATE_FORMAT)} {value.strftime(TIME_FORMAT)} {value.tzname()}"
    return f"{value.strftime(DATE_FORMAT)} {value.strftime(TIME_FORMAT)}"


def number(value: Any, places: int = 2) -> str:
    """A decimal with thousands separated and no trailing noise: 3.5000 → "3.5", 1200 → "1,200"."""
    if is_blank(value):
        return BLANK
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{amount:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Any, currency: str | None = "") -> str:
    """An amount with its currency and sensible decimals: "€3.50", "€1,200.00", "€0.0042", "CHF 12.00".

    Two decimals as money is written, more (up to four, trailing zeros dropped) only for amounts
    below one that two decimals would show as 0.00 or distort (a cost per request, say).
    """
    if is_blank(value):
        return BLANK
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    places = 2
    if amount and abs(amount) < 1 and amount != amount.quantize(Decimal("0.01")):
        text = f"{abs(amount):.4f}".rstrip("0")
        places = max(2, len(text.split(".")[1]))
    text = f"{abs(amount):,.{places}f}"
    code = (currency or "").upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    sign = "−" if amount < 0 else ""
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{code} {text}".strip() if code else f"{sign}{text}"


def yes_no(value: Any) -> str:
    if value is None:
        return BLANK
    return "yes" if value else "no"


def shown(value: Any, kind: str = "text") -> str:
    """A stored value as a sentence writes it: ``kind`` is ``date``, ``datetime``, ``boolean``, ``number`` or text."""
    if is_blank(value):
        return BLANK
    if kind == "boolean" or isinstance(value, bool):
        return yes_no(value)
    if kind == "date":
        return day(value)
    if kind == "datetime":
        return moment(value)
    if kind == "number":
        return number(value, 4)
    return str(value)


def in_sentence(text: Any) -> str:
    """A label as it reads inside a sentence: ordinary words lower case, names kept ("PoC lead", "Edit API token").

    A word is lowered only when its letters after the first are already lower case, so "Decision due"
    becomes "decision due" while "PoC" and "API" stay as they are (``|lower`` would write "poc").
    """
    return " ".join(
        word[:1].lower() + word[1:] if word[1:] == word[1:].lower() else word for word in str(text).split(" ")
    )
