import pytest

from apps.checklists import services
from apps.checklists.models import ChecklistItem, Status


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


def items_of(poc, **filters):
    return list(ChecklistItem.objects.filter(poc=poc, **filters).order_by("reason", "position", "id"))


def set_item(item, user, **changes):
    item.refresh_from_db()
    return services.checklist_item_update(item=item, user=user, changes=changes, version=item.version)


def resolve_all(poc, user, *, status=Status.DONE):
    for item in items_of(poc):
        extra = {"justification": "Agreed with the sponsor"} if status == Status.ACCEPTED_RISK else {}
        set_item(item, user, status=status, **extra)


@pytest.fixture
def items(poc):
    return items_of(poc)
