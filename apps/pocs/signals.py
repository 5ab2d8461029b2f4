"""Events other apps listen to, so this app never imports them."""

from django.dispatch import Signal

# Sent inside the creating transaction with ``poc`` and ``user``; receivers add their own rows
# (the kickoff checklist copies its template), so a failure rolls the whole creation back.
poc_created = Signal()
