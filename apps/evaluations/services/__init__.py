"""Writes of the evaluations app: datasets, model versions, evaluation runs and their results, targets,
model endpoints, live runs, load tests and the drift watch (one module per subject).

Each service checks the caller's right (``edit`` on the PoC), refuses a decided PoC, validates
with the model's own rules and writes inside ``audited(user)``. Runs are computed by a job
(``tasks.eval_run_compute_task``) that calls ``eval_run_compute``: parse → validate → compute
(``compute``, no Django) → store, the results replacing the previous ones only when all went well.
"""

from apps.evaluations.services.common import compute_safe_name, too_big_message, upload_limit
from apps.evaluations.services.datasets import (
    DATASET_FIELDS,
    ITEM_FIELDS,
    MODEL_VERSION_FIELDS,
    dataset_create,
    dataset_item_create,
    dataset_item_delete,
    dataset_item_snapshot,
    dataset_item_update,
    dataset_items_replace,
    dataset_snapshot,
    dataset_update,
    model_version_create,
    model_version_snapshot,
    model_version_update,
)
from apps.evaluations.services.endpoints import (
    ENDPOINT_FIELDS,
    model_endpoint_create,
    model_endpoint_delete,
    model_endpoint_snapshot,
    model_endpoint_update,
)
from apps.evaluations.services.live import _harness_files as _harness_files  # bench/harness.py writes the same files
from apps.evaluations.services.live import harness_run_cancel, harness_run_create, harness_run_execute
from apps.evaluations.services.loadtests import (
    load_test_cancel,
    load_test_create,
    load_test_execute,
    validation_answer_from_load_test,
)
from apps.evaluations.services.monitoring import (
    check_monitorable,
    default_baseline,
    drift_metric,
    monitoring_due,
    monitoring_run_execute,
    monitoring_snapshot,
    monitoring_update,
)
from apps.evaluations.services.runs import eval_run_compute, eval_run_create, eval_run_recompute, eval_run_store
from apps.evaluations.services.targets import (
    TARGET_FIELDS,
    targets_snapshot,
    targets_update,
    validation_answer_from_run,
)

__all__ = [
    "DATASET_FIELDS",
    "ENDPOINT_FIELDS",
    "ITEM_FIELDS",
    "MODEL_VERSION_FIELDS",
    "TARGET_FIELDS",
    "check_monitorable",
    "compute_safe_name",
    "dataset_create",
    "dataset_item_create",
    "dataset_item_delete",
    "dataset_item_snapshot",
    "dataset_item_update",
    "dataset_items_replace",
    "dataset_snapshot",
    "dataset_update",
    "default_baseline",
    "drift_metric",
    "eval_run_compute",
    "eval_run_create",
    "eval_run_recompute",
    "eval_run_store",
    "harness_run_cancel",
    "harness_run_create",
    "harness_run_execute",
    "load_test_cancel",
    "load_test_create",
    "load_test_execute",
    "model_endpoint_create",
    "model_endpoint_delete",
    "model_endpoint_snapshot",
    "model_endpoint_update",
    "model_version_create",
    "model_version_snapshot",
    "model_version_update",
    "monitoring_due",
    "monitoring_run_execute",
    "monitoring_snapshot",
    "monitoring_update",
    "targets_snapshot",
    "targets_update",
    "too_big_message",
    "upload_limit",
    "validation_answer_from_load_test",
    "validation_answer_from_run",
]
