"""What evaluations tells the apps above it (they connect from their ``AppConfig.ready()``).

``quality_measured(sender=EvalRun, poc=…, user=…)`` is sent inside the transaction that stored a
run's results: what ``selectors.measured_quality`` answers may have changed (the cost model, which
uses the measured quality, queues its recompute from it).
"""

from django.dispatch import Signal

quality_measured = Signal()
