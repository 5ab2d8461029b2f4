"""Evaluation results: parse → validate → compute, with no Django in sight (one module per step).

``parse(data, …)`` reads a CSV or JSONL file with a columnar reader (pyarrow) into a ``Table`` of
columns; ``validate(table, …)`` checks it and turns it into an ``Outcomes`` of NumPy arrays (or
raises ``InputRefused`` naming the rows and columns at fault); ``compute(outcomes, resamples=,
seed=)`` returns the results as plain JSON-ready data. Rows are numbered from 1, the header of a
CSV file not counted (row 1 is the first data row; in a JSONL file, the first non-blank line).
``parse`` also recognises the files of common evaluation tools (``importers``: lm-evaluation-harness,
promptfoo, MLflow) and reads them as the JSONL they stand for.

The modules: ``common`` (the kinds of file, their columns, ``InputRefused``), ``reading`` (``parse``),
``items`` (a dataset's items), ``outcomes`` (``validate``), ``intervals`` (the bootstrap draws, and
how each statistic's interval is drawn), ``classification`` (confusion-matrix metrics and their
draws), ``results`` (``compute``, ``evaluate``).
"""

from apps.evaluations.compute.classification import (
    bootstrap_matrices,
    classification_intervals,
    confusion,
    matrix_metrics,
)
from apps.evaluations.compute.common import (
    CLASSIFICATION,
    GRADED,
    KNOWN,
    OPTIONAL,
    REQUIRED,
    SHOWN_ROWS,
    InputRefused,
)
from apps.evaluations.compute.intervals import (
    BATCH_CELLS,
    CONFIDENCE,
    INDEX_BUDGET,
    MAX_BINS,
    STREAMS,
    interval,
    mean_draws,
    percentile_draws,
    proportion_draws,
)

# The paired comparison draws with the same batches and seeded streams as a single run.
from apps.evaluations.compute.intervals import _batches as _batches
from apps.evaluations.compute.intervals import _rng as _rng
from apps.evaluations.compute.items import ITEM_REQUIRED, parse_items
from apps.evaluations.compute.outcomes import FALSE_WORDS, NOT_FINITE, NUMBER, TRUE_WORDS, Outcomes, validate

# The paired comparison matches rows by their ids, read as a run reads them.
from apps.evaluations.compute.outcomes import _text as _text
from apps.evaluations.compute.reading import Table, detect_format, parse
from apps.evaluations.compute.results import PERCENTILES, compute, evaluate

__all__ = [
    "BATCH_CELLS",
    "CLASSIFICATION",
    "CONFIDENCE",
    "FALSE_WORDS",
    "GRADED",
    "INDEX_BUDGET",
    "ITEM_REQUIRED",
    "KNOWN",
    "MAX_BINS",
    "NOT_FINITE",
    "NUMBER",
    "OPTIONAL",
    "PERCENTILES",
    "REQUIRED",
    "SHOWN_ROWS",
    "STREAMS",
    "TRUE_WORDS",
    "InputRefused",
    "Outcomes",
    "Table",
    "bootstrap_matrices",
    "classification_intervals",
    "compute",
    "confusion",
    "detect_format",
    "evaluate",
    "interval",
    "matrix_metrics",
    "mean_draws",
    "parse",
    "parse_items",
    "percentile_draws",
    "proportion_draws",
    "validate",
]
