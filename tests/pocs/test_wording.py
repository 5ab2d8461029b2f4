"""What the pages say reads as sentences: no internal codes, no cut text, labels that read as words."""

import re

import pytest
from django.urls import reverse

from apps.checklists.models import ChecklistTemplate
from apps.core.errors import TransitionRefused, ValidationFailed
from apps.pocs import services
from apps.pocs.models import PoC, Stage

pytestmark = pytest.mark.django_db
CODES = re.compile(r"\bR[1-5]\b|awaiting_decision|in_progress|accepted_risk")


def test_the_kickoff_gate_names_each_item_in_a_whole_sentence(poc, people):
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.KICKOFF, production_owner=None)
    poc.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        services.poc_transition(poc=poc, user=people["lead"], to=Stage.RUNNING)
    messages = [m["message"] for m in refused.value.missing]
    item = next(m for m in messages if m.startswith("The kickoff item"))
    assert "…" not in item and item.endswith("finish it, or accept the risk and write why.")
    assert "Name the production owner: the person, not a team" in " ".join(messages)
    assert not any(CODES.search(m) or "Name a named" in m for m in messages)


def test_a_move_that_does_not_exist_names_stages_by_their_labels(poc, people):
    with pytest.raises(ValidationFailed) as refused:
        services.poc_transition(poc=poc, user=people["lead"], to=Stage.AWAITING_DECISION)
    assert "Allowed: Kickoff" in refused.value.message and "awaiting_decision" not in refused.value.message


def test_the_risk_panel_says_what_the_stall_risk_level_means(client_for, poc, people):
    page = client_for(people["viewer"]).get(reverse("checklists:kickoff", args=[poc.pk])).content.decode()
    explained = re.search(r'<p class="risk-explained">(.*?)</p>', page).group(1)
    assert re.match(r"The stall risk is high because \d of the five reasons .* (is|are) at high\.", explained)
    assert re.search(r"Stall risk: high \(\d of 5 reasons high\)", page)
    assert not CODES.search(page.split('id="risk-panel"')[1].split("</section>")[0])


def test_edit_links_name_their_field_as_words(client_for, poc, people):
    page = client_for(people["lead"]).get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert 'aria-label="Edit PoC lead"' in page and 'aria-label="Edit decision due"' in page
    assert "poc lead" not in page


def test_the_browsable_api_names_read_as_words(client_for, poc, people):
    page = client_for(people["lead"]).get("/api/v1/pocs/", HTTP_ACCEPT="text/html").content.decode()
    assert "PoC List" in page and "Po C" not in page


def test_the_api_docs_page_links_back_to_the_app(client_for, people):
    page = client_for(people["lead"]).get(reverse("api-docs")).content.decode()
    assert f'href="{reverse("pocs:list")}">← Back to PoC Portal</a>' in page
    assert 'id="swagger-ui"' in page


def test_the_checklist_template_editor_fits_the_page(client_for, people):
    people["admin"].is_staff = True
    people["admin"].save()
    template = ChecklistTemplate.objects.get(is_current=True)
    page = (
        client_for(people["admin"])
        .get(reverse("admin:checklists_checklisttemplate_change", args=[template.pk]))
        .content.decode()
    )
    assert "css/admin.css" in page
    assert 'class="template-text"' in page and 'rows="2"' in page
