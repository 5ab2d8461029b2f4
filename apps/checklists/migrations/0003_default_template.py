"""The default kickoff checklist: a few fixes per stall reason, and a checklist for PoCs that predate it."""

from django.db import migrations

NAME = "Standard kickoff"
ITEMS = [
    # (reason, key, text, help)
    (1, "value-hypothesis",
     "Write down the value hypothesis: what gets better, for whom, and how it will be measured.",
     "One or two sentences the sponsor agrees with. If nobody can say what a success is worth, that is the first finding."),
    (1, "economics-threshold",
     "Agree the production economics before work starts: the most a unit (or a month) may cost for deploying to pay off.",
     "Put the ceiling in the business case. A PoC that meets its quality target at twice the affordable cost has not succeeded."),
    (1, "",
     "Start the business case analysis now, alongside the PoC, with a named owner in the business.",
     "Waiting for the PoC to finish before asking whether it is worth deploying is how good PoCs end up on a shelf."),
    (2, "production-sample",
     "Plan a sample drawn from real production traffic, long tail included, and evaluate on it — not only on the curated set.",
     "Say where the sample comes from, how big it is and who pulls it. The curated set flatters; the production sample tells."),
    (2, "",
     "List how production data is messy (encodings, missing fields, broken metadata, mixed languages, drifting formats) and make sure the sample has examples of each.",
     ""),
    (2, "",
     "Agree what happens if production data is too messy to test on: then the data work is the project, and the plan says so.",
     ""),
    (3, "",
     "Sketch the production integration: the systems it reads from and writes to, and the identity and access boundaries it crosses.",
     "A box-and-arrow drawing is enough at this point; the aim is to see the size of the job, not to solve it."),
    (3, "",
     "Get a realistic estimate, in days and cost, from each team that owns a system being integrated.",
     "Estimates from the owning team, not from the PoC team: they know what their change process costs."),
    (3, "",
     "List what production needs beyond the model — sign-in, access control, audit logging, monitoring, alerting, error handling, retries — and who covers each.",
     ""),
    (4, "",
     "Name the person (not a team) who will run the system in production, and the budget line that pays for it.",
     "Record them as production owner on the Overview."),
    (4, "",
     "Involve the production owner in the PoC: they attend the reviews and see the system early enough to know what they inherit.",
     ""),
    (4, "",
     "Agree what the handover includes: runbook, monitoring, retraining, and how incidents are escalated.",
     ""),
    (5, "",
     "Keep the timebox to six to eight weeks; if it has to be longer, write down why.",
     "Long PoCs outlive their sponsors. Set the timebox on the Overview."),
    (5, "",
     "Put the go/no-go in the calendar with the named decision-maker, on the decision date.",
     "Either answer is fine at the end. No answer is not."),
    (5, "",
     "Agree with the sponsor how and how often progress is reported, so a change of direction shows up early.",
     ""),
]
VALIDATIONS = ["feasibility", "quality", "latency", "integration"]
LIMITS = ["business_case", "production_cost", "adoption", "behaviour_over_time", "ops_burden"]


def seed(apps, schema_editor):
    Template = apps.get_model("checklists", "ChecklistTemplate")
    TemplateItem = apps.get_model("checklists", "TemplateItem")
    template = Template.objects.create(
        name=NAME, is_current=True,
        description="Fixes for the five reasons PoCs stall, to be done (or knowingly accepted) before the PoC runs.",
    )
    positions = {}
    items = []
    for reason, key, text, help_text in ITEMS:
        positions[reason] = positions.get(reason, 0) + 1
        items.append(TemplateItem(
            template=template, reason=reason, position=positions[reason], key=key, text=text, help=help_text
        ))
    TemplateItem.objects.bulk_create(items)

    # PoCs created before this app existed get the same kickoff a new one gets.
    PoC = apps.get_model("pocs", "PoC")
    ChecklistItem = apps.get_model("checklists", "ChecklistItem")
    ValidationQuestion = apps.get_model("checklists", "ValidationQuestion")
    Acknowledgement = apps.get_model("checklists", "Acknowledgement")
    BusinessCase = apps.get_model("checklists", "BusinessCase")
    stored = list(TemplateItem.objects.filter(template=template).order_by("reason", "position"))
    for poc in PoC.objects.all():
        ChecklistItem.objects.bulk_create(
            ChecklistItem(poc=poc, template_item=t, reason=t.reason, position=t.position, key=t.key, text=t.text,
                          help=t.help)
            for t in stored
        )
        ValidationQuestion.objects.bulk_create(ValidationQuestion(poc=poc, kind=k) for k in VALIDATIONS)
        Acknowledgement.objects.bulk_create(Acknowledgement(poc=poc, kind=k) for k in LIMITS)
        BusinessCase.objects.create(poc=poc)


class Migration(migrations.Migration):
    dependencies = [("checklists", "0002_audit")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
