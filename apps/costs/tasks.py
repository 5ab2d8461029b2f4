from celery import shared_task

from apps.core.jobs import job_run


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def cost_model_recompute_task(self, job_id: int):
    """Recompute a cost model (the job's subject) from its inputs as they are now (``services.cost_model_compute``)."""
    from apps.core.models import Job
    from apps.costs.models import CostModel
    from apps.costs.services import cost_model_compute

    def work(job: Job) -> dict:
        poc_id = CostModel.objects.values_list("poc_id", flat=True).get(pk=job.subject_id)
        return cost_model_compute(poc_id=poc_id, job=job)

    job_run(job_id, work, task=self)
