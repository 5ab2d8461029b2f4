"""Events other apps listen to, so this app never imports them."""

from django.dispatch import Signal

# Sent inside the creating transaction with ``poc`` and ``user``; receivers add their own rows
# (the kickoff checklist copies its template), so a failure rolls the whole creation back.
poc_created = Signal()

# Sent by ``seed_demo`` for each demo PoC it creates, with ``poc``, ``user`` (the lead) and
# ``stage`` (where the demo places it); other apps fill in their own demo data.
demo_poc_seeded = Signal()

# Sent once per PoC per transaction, after it commits, with ``poc_id``: something the stall risk or
# the graduation criteria read has changed (the portfolio refreshes its stored summary). Services
# call ``inputs_changed`` rather than sending it themselves.
poc_inputs_changed = Signal()


def inputs_changed(poc_id: int) -> None:
    """Tell ``poc_inputs_changed`` receivers about ``poc_id`` once the current transaction commits.

    Called by every service that writes what the stall risk or the criteria read. Several calls for
    the same PoC in one transaction send one signal; a rolled-back transaction sends none (Django
    drops its on-commit callbacks); outside a transaction it is sent at once.
    """
    from django.db import transaction

    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "poc_inputs_changed", None) == poc_id and not callback.sent
        for _, callback, _ in connection.run_on_commit
    ):
        return

    def send():
        send.sent = True
        poc_inputs_changed.send(sender=None, poc_id=poc_id)

    send.poc_inputs_changed, send.sent = poc_id, False
    transaction.on_commit(send, robust=True)
