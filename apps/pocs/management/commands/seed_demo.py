"""Demo people and three PoCs (at kickoff, running, evaluating). Safe to run again."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import BusinessUnit, User
from apps.audit.context import audited
from apps.pocs import services
from apps.pocs.models import PoC, Stage
from apps.pocs.signals import demo_poc_seeded

PEOPLE = [
    ("admin@demo.local", "Ada Admin", "Platform administrator", User.OrgRole.ADMIN),
    ("exec@demo.local", "Erin Executive", "Chief Operating Officer", User.OrgRole.PORTFOLIO_VIEWER),
    ("lead@demo.local", "Lee Lead", "AI engineering lead", User.OrgRole.MEMBER),
    ("contributor@demo.local", "Cory Contributor", "Data scientist", User.OrgRole.MEMBER),
    ("viewer@demo.local", "Vic Viewer", "Business analyst", User.OrgRole.MEMBER),
    ("owner@demo.local", "Olu Owner", "Head of operations engineering", User.OrgRole.MEMBER),
    ("sponsor@demo.local", "Sol Sponsor", "Chief Financial Officer", User.OrgRole.MEMBER),
    ("outsider@demo.local", "Oscar Outsider", "Finance analyst", User.OrgRole.MEMBER),
]

POCS = [
    ("Invoice triage assistant", Stage.KICKOFF, 7, "Route incoming supplier invoices to the right approver."),
    ("Support ticket summariser", Stage.RUNNING, 24, "Summarise long support threads for second-line agents."),
    (
        "Contract clause extractor",
        Stage.EVALUATING,
        45,
        "Pull renewal and liability clauses out of supplier contracts.",
    ),
]


class Command(BaseCommand):
    help = "Create the demo users and PoCs (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        with transaction.atomic():
            unit, _ = BusinessUnit.objects.get_or_create(code="operations", defaults={"name": "Operations"})
            users = {}
            for email, name, title, role in PEOPLE:
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(
                        email,
                        password,
                        full_name=name,
                        title=title,
                        org_role=role,
                        business_unit=unit,
                        is_staff=role == User.OrgRole.ADMIN,
                        is_superuser=role == User.OrgRole.ADMIN,
                    )
                elif not user.check_password(password):
                    user.set_password(password)
                    user.save(update_fields=["password"])
                users[email.split("@")[0]] = user
            today = timezone.localdate()
            lead = users["lead"]
            for name, stage, days_in, description in POCS:
                if PoC.objects.filter(name=name).exists():
                    continue
                poc = services.poc_create(
                    user=lead,
                    name=name,
                    description=description,
                    business_unit=unit,
                    sponsor=users["sponsor"],
                    lead=lead,
                    production_owner=users["owner"],
                    production_owner_budget_line="OPS-2027-AI-01",
                    decision_maker=users["exec"],
                    kickoff_date=today - timedelta(days=days_in),
                    timebox_weeks=8,
                    decision_due_date=today - timedelta(days=days_in) + timedelta(weeks=9),
                    data_sensitivity="confidential",
                )
                services.membership_add(poc=poc, user=lead, member=users["contributor"], role="contributor")
                services.membership_add(poc=poc, user=lead, member=users["viewer"], role="viewer")
                # Demo PoCs start part-way through their life; the stage is placed directly
                # (still audited) rather than walked through each gate.
                with audited(lead, {"source": "seed_demo"}):
                    PoC.objects.filter(pk=poc.pk).update(stage=stage)
                demo_poc_seeded.send(sender=PoC, poc=poc, user=lead, stage=stage)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in with any of these (password: {password}):"))
        for email, name, _title, _role in PEOPLE:
            self.stdout.write(f"  {email:<26} {name}")
