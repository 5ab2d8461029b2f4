"""The drift watch after a go: its settings, its newest re-runs and the Evaluations tab's card."""

from __future__ import annotations

from apps.evaluations.selectors.common import _UNSET


def monitoring_for(poc):
    from apps.evaluations.models import Monitoring

    return Monitoring.objects.filter(poc_id=poc.pk).first()


def last_monitoring_run(poc):
    from apps.evaluations.models import MonitoringRun

    return MonitoringRun.objects.filter(poc_id=poc.pk).order_by("-created_at", "-id").first()


def last_finished_monitoring_run(poc, last):
    """The newest finished re-run (``last`` when it is; no query when there is no re-run at all)."""
    from apps.evaluations.models import MonitoringRun

    if last is None or last.status == MonitoringRun.Status.DONE:
        return last
    return (MonitoringRun.objects.filter(poc_id=poc.pk, status=MonitoringRun.Status.DONE)
            .order_by("-created_at", "-id").first())


def monitoring_body(poc, row=_UNSET, last=_UNSET, done=_UNSET) -> dict:
    """The drift watch as the API reads it: ``schedule``, ``endpoint``, ``baseline_run``, ``last_run`` (the newest
    re-run: id, status, when, error; null before the first) and ``drift`` (the newest finished re-run minus the
    baseline on the same items, with its 95% interval, and ``alert``: a drop beyond the interval)."""
    row = monitoring_for(poc) if row is _UNSET else row
    last = last_monitoring_run(poc) if last is _UNSET else last
    done = last_finished_monitoring_run(poc, last) if done is _UNSET else done
    return {
        "schedule": row.schedule if row else "off",
        "endpoint": row.endpoint_id if row else None,
        "baseline_run": row.baseline_run_id if row else None,
        "last_run": None if last is None else {
            "id": last.pk, "status": last.status, "started_at": last.created_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None, "error": last.error,
        },
        "drift": {
            "value": done.value if done else None, "ci_low": done.ci_low if done else None,
            "ci_high": done.ci_high if done else None, "alert": bool(done and done.alert),
        },
    }


def monitoring_card(poc, user) -> dict:
    """The Evaluations tab's drift-watch card: the body, the metric and item count of the newest finished
    re-run, and whether the user may change the watch (``edit_ops_items`` on a go PoC)."""
    from apps.evaluations.providers import decision_outcome
    from apps.pocs import access
    from apps.pocs.models import Stage

    row = monitoring_for(poc)
    last = last_monitoring_run(poc)
    done = last_finished_monitoring_run(poc, last)
    body = monitoring_body(poc, row, last, done)
    go = poc.stage == Stage.DECIDED and decision_outcome(poc) == "go"
    return {"monitoring": body, "monitoring_row": row, "monitoring_done": done, "monitoring_go": go,
            "can_monitor": go and access.allowed(poc, user, access.EDIT_OPS_ITEMS)}
