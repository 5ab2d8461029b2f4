"""Factories for tests. Passwords are hashed once per run (Argon2 is slow on purpose)."""

import importlib
from functools import cache

import factory
from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password

from apps.accounts.models import BusinessUnit, User
from apps.checklists.models import ChecklistTemplate
from apps.pocs import services
from apps.pocs.models import PoC

PASSWORD = "correct-horse-battery-staple"


@cache
def password_hash() -> str:
    return make_password(PASSWORD)


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.LazyFunction(password_hash)


def make_poc(*, lead: User, **fields) -> PoC:
    """A PoC created through the service, as a lead would."""
    fields.setdefault("name", "Claims triage PoC")
    return services.poc_create(user=lead, lead=lead, **fields)


def make_team(**poc_fields):
    """A PoC with every role filled: returns (poc, people dict)."""
    people = {
        role: UserFactory(full_name=role.replace("_", " ").title(), email=f"{role}@team.test")
        for role in ("lead", "contributor", "viewer", "production_owner", "decision_maker", "outsider")
    }
    people["portfolio"] = UserFactory(email="portfolio@team.test", org_role=User.OrgRole.PORTFOLIO_VIEWER)
    people["admin"] = UserFactory(email="admin@team.test", org_role=User.OrgRole.ADMIN, is_staff=True)
    poc = make_poc(
        lead=people["lead"],
        production_owner=people["production_owner"],
        decision_maker=people["decision_maker"],
        **poc_fields,
    )
    services.membership_add(poc=poc, user=people["lead"], member=people["contributor"], role="contributor")
    services.membership_add(poc=poc, user=people["lead"], member=people["viewer"], role="viewer")
    poc.refresh_from_db()
    return poc, people


def ensure_default_template() -> None:
    """Put the seeded kickoff template back if a transactional test emptied the tables before."""
    if not ChecklistTemplate.objects.filter(is_current=True).exists():
        importlib.import_module("apps.checklists.migrations.0003_default_template").seed(django_apps, None)
