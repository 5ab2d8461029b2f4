"""Signals the kickoff sends for the apps above it (which connect from their ``AppConfig.ready()``).

``business_case_changed(sender=BusinessCase, poc=…, user=…)`` is sent inside the transaction that
changed the business case, after the change is written: the cost model, whose value side it is,
queues its recompute from it.
"""

from django.dispatch import Signal

business_case_changed = Signal()
