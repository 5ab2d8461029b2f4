"""Writes mlflow_eval_results_table.json and mlflow_expected.json beside this file with ``mlflow.evaluate``.

Run it in an environment of its own with MLflow installed (``pip install mlflow``), not the project's:
``python tests/evaluations/data/mlflow_make.py``. A function stands in for the model (three in four
answers right); the per-row ``correct`` metric makes MLflow write its results table, and ``latency``
adds each prediction's time in seconds.
"""

import json
import tempfile
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.metrics import MetricValue, make_metric

HERE = Path(__file__).parent


def model(frame: pd.DataFrame) -> list[str]:
    out = []
    for text in frame["inputs"]:
        i = int(text.split()[1])
        out.append("abc"[i % 3] if i % 4 else "abc"[(i + 1) % 3])
    return out


def correct_fn(predictions, targets):
    scores = [int(p == t) for p, t in zip(predictions, targets, strict=True)]
    return MetricValue(scores=scores, aggregate_results={"mean": sum(scores) / len(scores)})


def main() -> None:
    folder = tempfile.mkdtemp()
    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    data = pd.DataFrame([{"inputs": f"question {i}", "ground_truth": "abc"[i % 3]} for i in range(30)])
    correct = make_metric(eval_fn=correct_fn, greater_is_better=True, name="correct")
    with mlflow.start_run() as run:
        result = mlflow.evaluate(
            model=model,
            data=data,
            targets="ground_truth",
            evaluators="default",
            extra_metrics=[mlflow.metrics.exact_match(), mlflow.metrics.latency(), correct],
        )
    path = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="eval_results_table.json", dst_path=folder
    )
    (HERE / "mlflow_eval_results_table.json").write_bytes(Path(path).read_bytes())
    expected = {"n": len(data), "accuracy": result.metrics["exact_match/v1"], "mlflow": mlflow.__version__}
    (HERE / "mlflow_expected.json").write_text(json.dumps(expected))


if __name__ == "__main__":
    main()
