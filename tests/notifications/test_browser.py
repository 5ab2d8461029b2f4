"""In Chromium: a reminder shows as an unread count in the header, opens the PoC, and is marked read in place;
the profile page mutes a kind. Both pages pass axe-core with a reminder on them."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from apps.notifications.models import Mute
from apps.pocs.models import PoC
from apps.reminders import occasions, services
from tests.browser.conftest import accessible, login, page  # noqa: F401, F811  (fixtures)
from tests.factories import ensure_default_template, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(transactional_db):
    ensure_default_template()
    return make_team(timebox_weeks=6)


def test_a_reminder_is_seen_followed_and_marked_read(page, live_server, team, accessible):  # noqa: F811
    poc, people = team
    today = datetime.date.today()
    PoC.objects.filter(pk=poc.pk).update(stage="running", kickoff_date=today - datetime.timedelta(weeks=6, days=-2))
    assert services.reminders_send(today=today) == {occasions.TIMEBOX_ENDING: 1}

    login(page, live_server, people["lead"])
    nav = page.locator("#nav-notifications")
    expect(nav).to_have_text("Notifications 1 unread")
    nav.click()
    item = page.locator(".notification.unread")
    expect(item).to_contain_text(f"{poc.name}: the timebox ends in 2 days")
    accessible(page, "notifications with an unread reminder")

    item.get_by_role("link", name=re.compile("the timebox ends")).click()
    page.wait_for_url(re.compile(rf"/pocs/{poc.pk}/$"))
    page.go_back()

    page.get_by_role("button", name=re.compile("^Mark “.*” read$")).click()
    expect(page.locator(".notification").first).not_to_have_class(re.compile(r"\bunread\b"))
    expect(page.locator(".notification").first).to_contain_text("read")
    expect(page.locator("#nav-notifications")).to_have_text("Notifications")  # the header's count, in place
    page.reload()
    expect(page.locator("#nav-notifications")).to_have_text("Notifications")


def test_a_kind_is_muted_from_the_profile_page(page, live_server, team, accessible):  # noqa: F811
    _poc, people = team
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/accounts/profile/")
    accessible(page, "profile")
    page.get_by_label(re.compile("^Timebox ending")).check()
    page.get_by_role("button", name="Save reminder settings").click()
    page.wait_for_url(re.compile(r"/accounts/profile/#reminders$"))
    expect(page.get_by_label(re.compile("^Timebox ending"))).to_be_checked()
    assert list(Mute.objects.filter(user=people["lead"]).values_list("kind", flat=True)) == [occasions.TIMEBOX_ENDING]
