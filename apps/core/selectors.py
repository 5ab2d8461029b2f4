"""Reads of Job rows. Views and other apps find a subject's jobs here, never by querying ``Job``."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from apps.core.models import Job


def jobs_for(subject: models.Model) -> QuerySet[Job]:
    """Every job whose subject is ``subject``, newest first."""
    return Job.objects.filter(**Job.subject_of(subject))


def latest_job(subject: models.Model, kind: str) -> Job | None:
    """The newest job of ``kind`` for ``subject``, or None when there is none."""
    return jobs_for(subject).filter(kind=kind).first()


def job_for(subject: models.Model, job_id: int) -> Job | None:
    """The job ``job_id`` if its subject is ``subject``; None otherwise (the caller answers 404)."""
    return jobs_for(subject).filter(pk=job_id).first()
