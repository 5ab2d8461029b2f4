"""Pages cost one page whatever the data: My PoCs and the activity feed read a page through an index.

Thousands of rows are written in one INSERT … SELECT and the tables analysed, so the planner
chooses as it would on a full database; each test then runs ``EXPLAIN`` on the exact SQL the page
sent. Timing is ``bench/scale.py``'s business, not these tests'.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.context import audited
from apps.audit.models import AuditEvent
from apps.pocs import selectors
from apps.pocs.models import Membership, PoC
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
STAGES = ["draft", "kickoff", "running", "evaluating", "awaiting_decision", "decided"]


def add_pocs(count: int, *, lead, name: str = "Filler") -> None:
    """``count`` PoCs led by ``lead`` in one statement: stages, decision dates (a quarter without) and changes vary."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO pocs_poc (name, description, sponsor_name, production_owner_budget_line, stage,
                                  stage_changed_at, timebox_weeks, timebox_justification, decision_due_date,
                                  data_sensitivity, version, lead_id, created_by_id, created_at, updated_at)
            SELECT %s || ' ' || lpad(((i * 7919) %% %s)::text, 6, '0'), '', '', '',
                   (%s::text[])[1 + i %% 6], now(), 6, '',
                   CASE WHEN i %% 4 = 0 THEN NULL ELSE current_date + (i %% 97) END, 'internal', 1,
                   %s, %s, now() - i * interval '1 minute', now() - (i %% 500) * interval '1 second'
              FROM generate_series(1, %s) AS i
            """,
            [name, max(count, 1), STAGES, lead.pk, lead.pk, count],
        )


def add_members(user) -> None:
    """``user`` a viewer of every PoC that has no member yet: the membership table as large as the PoCs'."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO pocs_membership (poc_id, user_id, role, created_at) SELECT id, %s, 'viewer', now() "
            "FROM pocs_poc WHERE NOT EXISTS (SELECT 1 FROM pocs_membership m WHERE m.poc_id = pocs_poc.id)",
            [user.pk],
        )


def analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pocs_poc; ANALYZE pocs_membership; ANALYZE audit_auditevent")


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def sent(client, url: str, table: str) -> str:
    """The one SELECT on ``table`` that answering ``url`` sent."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]]
    assert len(selects) == 1, selects
    return selects[0]


def listed(html: str) -> list[int]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [int(pk) for pk in re.findall(r'<a href="/pocs/(\d+)/">', body)]


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="(\?[^"]*)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


# --- My PoCs ---------------------------------------------------------------------------------------


def test_a_person_who_sees_3_of_2000_pocs_is_answered_from_indexes(client_for, people):
    stranger = UserFactory()
    add_pocs(2000, lead=stranger)
    person = UserFactory()
    led, created, member_of = PoC.objects.filter(lead=stranger).order_by("id")[:3]
    PoC.objects.filter(pk=led.pk).update(lead=person)
    PoC.objects.filter(pk=created.pk).update(created_by=person)
    Membership.objects.create(poc=member_of, user=person, role="viewer")
    add_members(UserFactory())
    analyse()

    client = client_for(person)
    response = client.get(reverse("pocs:list"))
    assert sorted(listed(response.content.decode())) == sorted([led.pk, created.pk, member_of.pk])
    plan = explain(sent(client, reverse("pocs:list"), "pocs_poc"))
    assert "Seq Scan on pocs_poc" not in plan, plan
    for index in ("pocs_poc_lead_id", "pocs_poc_created_by_id", "pocs_membership_user_id"):
        assert re.search(rf"Index.* on {index}|Index.* using {index}", plan), plan


@pytest.mark.parametrize(
    "sort,index",
    [
        ("changed", "poc_changed_idx"),
        ("-changed", "poc_changed_idx"),
        ("name", "poc_name_idx"),
        ("-name", "poc_name_idx"),
        ("stage", "poc_stage_idx"),
        ("decision", "poc_decision_idx"),
        ("-decision", "poc_decision_idx"),
    ],
)
def test_every_sort_reads_its_page_from_its_index_on_every_page(client_for, people, sort, index):
    add_pocs(2000, lead=people["lead"])
    analyse()
    client = client_for(people["admin"])  # sees every PoC: no filter narrows the table
    first = client.get(reverse("pocs:list"), {"sort": sort}).content.decode()
    second = reverse("pocs:list") + link(first, "next")
    for url in (f"{reverse('pocs:list')}?sort={sort}", second):
        plan = explain(sent(client, url, "pocs_poc"))
        assert f"using {index}" in plan and "Seq Scan on pocs_poc" not in plan, plan
        assert not re.search(r"->\s+Sort\b|^Sort\b", plan, re.MULTILINE), plan


def test_search_by_name_reads_the_trigram_index(client_for, people):
    add_pocs(2000, lead=people["lead"])
    add_pocs(3, lead=people["lead"], name="Needle in the haystack")
    analyse()
    client = client_for(people["admin"])
    page = client.get(reverse("pocs:list"), {"q": "NEEDLE in"}).content.decode()
    assert len(listed(page)) == 3 and "Needle in the haystack" in page and "Filler" not in page
    plan = explain(sent(client, reverse("pocs:list") + "?q=needle", "pocs_poc"))
    assert "poc_name_search_idx" in plan and "Seq Scan on pocs_poc" not in plan, plan


def expected_order(user, sort: str) -> list[int]:
    chosen = selectors.SORTS[sort.removeprefix("-")]
    descending = chosen.descending != sort.startswith("-")
    key = chosen.expression.desc() if descending else chosen.expression.asc()
    tie = "-id" if descending else "id"
    return list(PoC.objects.visible_to(user).order_by(key, tie).values_list("pk", flat=True))


@pytest.mark.parametrize("sort", ["changed", "name", "-name", "stage", "-stage", "decision", "-decision"])
def test_next_and_previous_walk_every_poc_once_in_order_at_a_constant_cost(client_for, people, sort):
    add_pocs(60, lead=people["lead"])
    client = client_for(people["lead"])
    url, pages, costs = f"{reverse('pocs:list')}?sort={sort}", [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        costs.append(len(queries))
        pages.append((url, listed(html), link(html, "prev")))
        url = reverse("pocs:list") + link(html, "next") if link(html, "next") else None
    assert [len(ids) for _, ids, _ in pages] == [25, 25, 11]
    assert [pk for _, ids, _ in pages for pk in ids] == expected_order(people["lead"], sort)
    assert len(set(costs)) == 1, costs
    assert pages[0][2] is None  # the first page has no previous page
    # Previous from each later page shows exactly the page before it.
    for (_, before, _), (_, _, previous) in zip(pages, pages[1:], strict=False):
        assert listed(client.get(reverse("pocs:list") + previous).content.decode()) == before


def test_stages_sort_in_the_order_a_poc_moves_and_undated_pocs_come_last(client_for, people):
    add_pocs(12, lead=people["lead"])
    client = client_for(people["lead"])
    by_stage = [PoC.objects.get(pk=pk).stage for pk in listed(client.get("/pocs/?sort=stage").content.decode())]
    assert by_stage == sorted(by_stage, key=STAGES.index) and by_stage[0] == "draft" and by_stage[-1] == "decided"
    by_date = listed(client.get("/pocs/?sort=decision").content.decode())
    dates = [PoC.objects.get(pk=pk).decision_due_date for pk in by_date]
    dated = [d for d in dates if d is not None]
    assert dates == dated + [None] * (len(dates) - len(dated)) and dated == sorted(dated) and None in dates


def test_search_and_sort_stay_in_the_links_and_a_damaged_cursor_gives_the_first_page(client_for, people):
    add_pocs(40, lead=people["lead"], name="Match")
    add_pocs(5, lead=people["lead"], name="Other")
    client = client_for(people["lead"])
    first = client.get("/pocs/", {"q": "match", "sort": "-name"}).content.decode()
    following = link(first, "next")
    assert "q=match" in following and "sort=-name" in following
    rest = listed(client.get("/pocs/" + following).content.decode())
    assert len(listed(first)) + len(rest) == 40
    assert listed(client.get("/pocs/?q=match&sort=-name&after=not-a-cursor").content.decode()) == listed(first)
    # A cursor made for another sort is not read as this one's.
    assert listed(client.get(f"/pocs/?q=match&sort=name&{following.split('&')[-1]}").content.decode()) == listed(
        client.get("/pocs/?q=match&sort=name").content.decode()
    )


def test_search_treats_percent_and_underscore_as_text(client_for, people):
    add_pocs(3, lead=people["lead"], name="Uplift 100%")
    add_pocs(3, lead=people["lead"], name="Uplift 1000")
    client = client_for(people["lead"])
    assert len(listed(client.get("/pocs/", {"q": "100%"}).content.decode())) == 3
    assert listed(client.get("/pocs/", {"q": "_"}).content.decode()) == []
    assert "has “_” in its name" in client.get("/pocs/", {"q": "_"}).content.decode()


def test_the_api_list_keeps_its_page_number_contract(api_for, people):
    add_pocs(60, lead=people["lead"])
    body = api_for(people["lead"]).get(f"{BASE}/pocs/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 61 and len(body["results"]) == 50 and "page=2" in body["next"]


# --- Activity ----------------------------------------------------------------------------------------


def make_changes(poc, count: int, user) -> list[int]:
    for n in range(count):
        with audited(user):
            PoC.objects.filter(pk=poc.pk).update(sponsor_name=f"Sponsor {n}")
    return list(AuditEvent.objects.filter(poc_id=poc.pk).order_by("-id").values_list("pk", flat=True))


def test_the_activity_page_walks_older_and_newer_by_cursor_at_a_constant_cost(client_for, poc, people):
    everything = make_changes(poc, 120, people["lead"])
    client = client_for(people["viewer"])
    base = reverse("pocs:activity", args=[poc.pk])
    url, pages, costs = base, [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        costs.append(len(queries))
        pages.append(([int(pk) for pk in re.findall(r'<li id="event-(\d+)">', html)], link(html, "prev")))
        url = base + link(html, "next") if link(html, "next") else None
    assert [pk for ids, _ in pages for pk in ids] == everything
    assert [len(ids) for ids, _ in pages[:-1]] == [50] * (len(pages) - 1)
    assert len(set(costs)) == 1, costs
    assert pages[0][1] is None and "Page" not in html and "changes</span>" not in html  # nothing counts the trail
    newer = client.get(base + pages[-1][1]).content.decode()
    assert [int(pk) for pk in re.findall(r'<li id="event-(\d+)">', newer)] == pages[-2][0]


def test_the_activity_api_answers_cursor_links_and_no_count(api_for, poc, people):
    everything = make_changes(poc, 120, people["lead"])
    api = api_for(people["viewer"])
    url, seen, bodies = f"{BASE}/pocs/{poc.pk}/activity/", [], []
    while url:
        body = api.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        bodies.append(body)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == everything and len(bodies) == -(-len(everything) // 50) >= 3
    assert bodies[0]["previous"] is None and bodies[-1]["next"] is None
    back = api.get(bodies[-1]["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in bodies[-2]["results"]]
    # A cursor that is no number is ignored: the newest page.
    assert api.get(f"{BASE}/pocs/{poc.pk}/activity/?before=x").json()["results"] == bodies[0]["results"]


def test_the_last_activity_page_reads_the_index_like_the_first(client_for, poc, people):
    add_pocs(2000, lead=people["lead"])  # 2,000 more events on other PoCs
    everything = make_changes(poc, 120, people["lead"])
    analyse()
    client = client_for(people["viewer"])
    base = reverse("pocs:activity", args=[poc.pk])
    for url in (base, f"{base}?before={everything[-10]}", f"{base}?after={everything[60]}"):
        plan = explain(sent(client, url, "audit_auditevent"))
        assert "audit_event_poc_idx" in plan and "Seq Scan on audit_auditevent" not in plan, plan
