"""Values are written one way on every page: dates, moments, money, numbers and blanks."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from apps.core import display


@pytest.mark.parametrize(
    "amount,currency,shown",
    [
        (Decimal("3.5000"), "EUR", "€3.50"),
        (Decimal("1200"), "EUR", "€1,200.00"),
        (Decimal("0.0042"), "USD", "$0.0042"),
        (Decimal("0.1250"), "GBP", "£0.125"),
        ("12", "CHF", "CHF 12.00"),
        (Decimal("-40.5"), "EUR", "−€40.50"),
        (None, "EUR", "—"),
        (Decimal("7.25"), "", "7.25"),
    ],
)
def test_money_carries_its_currency_and_sensible_decimals(amount, currency, shown):
    assert display.money(amount, currency) == shown


def test_dates_and_moments_have_one_format():
    assert display.day(datetime.date(2026, 3, 5)) == "5 Mar 2026"
    assert display.day("2026-03-05") == "5 Mar 2026"
    moment = datetime.datetime(2026, 3, 5, 14, 3, tzinfo=datetime.UTC)
    assert display.moment(moment) == "5 Mar 2026 14:03 UTC"
    assert display.day(None) == display.moment("") == "—"


def test_stored_values_read_as_words():
    assert (display.shown(True, "boolean"), display.shown(False, "boolean")) == ("yes", "no")
    assert display.shown("2026-03-05", "date") == "5 Mar 2026"
    assert display.shown(3.5, "number") == "3.5"
    assert display.shown("", "text") == display.shown(None, "number") == display.shown([], "text") == "—"


def test_the_filters_need_no_load_tag():
    html = Template("{{ d|day }} · {{ a|money:'EUR' }} · {{ n|blank }}").render(
        Context({"d": datetime.date(2026, 1, 9), "a": Decimal("3.5"), "n": ""})
    )
    assert html == "9 Jan 2026 · €3.50 · —"
