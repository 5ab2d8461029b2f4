"""Events other apps listen to, so this app never imports them."""

from django.dispatch import Signal

# Sent inside the creating transaction with ``poc`` and ``user``; receivers add their own rows
# (the kickoff checklist copies its template), so a failure rolls the whole creation back.
poc_created = Signal()

# Sent by ``seed_demo`` for each demo PoC it creates, with ``poc``, ``user`` (the lead) and
# ``stage`` (where the demo places it); other apps fill in their own demo data.
demo_poc_seeded = Signal()
