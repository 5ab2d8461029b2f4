"""The demo PoCs past kickoff come with a cost model and integrations, so every tab has something to show."""

import pytest
from django.core.management import call_command
from django.test import TestCase

from apps.costs.models import CostLine, CostModel
from apps.integrations.models import Integration
from apps.pocs.models import PoC, Stage

pytestmark = pytest.mark.django_db


def test_the_demo_pocs_past_kickoff_have_costs_and_integrations():
    with TestCase.captureOnCommitCallbacks(execute=True):  # the recompute jobs queued by the seeding
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    later = PoC.objects.exclude(stage__in=[Stage.DRAFT, Stage.KICKOFF])
    assert later.exists()
    for poc in later:
        model = CostModel.objects.get(poc=poc)
        assert model.computed_at is not None, f"{poc.name}: the cost model was never computed"
        assert [row["scale"] for row in model.results["results"]] == [1, 5, 20]
        assert set(model.results["scenarios"]) == {"hosted", "own_hardware"}
        assert CostLine.objects.filter(poc=poc).count() == 5
        assert Integration.objects.filter(poc=poc).count() == 3
    for poc in PoC.objects.filter(stage=Stage.KICKOFF):
        assert not CostModel.objects.filter(poc=poc).exists() and not Integration.objects.filter(poc=poc).exists()
    # Seeding again adds nothing (the command is idempotent).
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    assert CostLine.objects.count() == 5 * later.count()
