"""Results files of common evaluation tools, recognised at upload: each gives the metrics of its canonical twin.

The samples are built here to each tool's documented output format (the tools' own example data
cannot be fetched offline): lm-evaluation-harness ``--log_samples`` lines, promptfoo's ``-o
results.json`` (version 3 layout) and MLflow's ``eval_results_table.json`` (pandas' split layout).
Beside them, ``data/mlflow_eval_results_table.json`` was written by ``mlflow.evaluate`` itself
(MLflow installs offline; lm-evaluation-harness and promptfoo need data or a runtime that cannot be
fetched here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from apps.evaluations import compute, importers, services

DATA = Path(__file__).parent / "data"


def computed(data: bytes, filename: str, **options) -> dict:
    table = compute.parse(data, filename=filename)
    return compute.compute(compute.validate(table, **options), resamples=500, seed=3)


def same_metrics(imported: dict, canonical: dict) -> None:
    for key in ("kind", "n", "metrics", "per_class", "confusion_matrix", "latency", "failure_modes"):
        assert imported.get(key) == canonical.get(key), key


# --- lm-evaluation-harness ----------------------------------------------------------------------------------


def lm_eval_multiple_choice(n: int = 40, *, filters=("none",)) -> bytes:
    """Samples of a 4-choice task: log-likelihood per choice, the target an index (as for arc_easy, hellaswag)."""
    lines = []
    for name in filters:
        for i in range(n):
            target = i % 4
            best = target if i % 5 else (target + 1) % 4  # four in five right
            lls = [[-5.0 - j, False] for j in range(4)]
            lls[best] = [-0.5, True]
            lines.append(
                json.dumps(
                    {
                        "doc_id": i,
                        "doc": {"question": f"Q{i}", "choices": ["w", "x", "y", "z"]},
                        "target": target,
                        "arguments": [[f"Q{i}", f" {c}"] for c in "wxyz"],
                        "resps": [[pair] for pair in lls],
                        "filtered_resps": lls,
                        "filter": name,
                        "metrics": ["acc", "acc_norm"],
                        "doc_hash": f"{i:064x}",
                        "prompt_hash": f"{i + 1:064x}",
                        "target_hash": f"{target:064x}",
                        "acc": float(best == target),
                        "acc_norm": float(best == target),
                    }
                )
            )
    return ("\n".join(lines) + "\n").encode()


def test_lm_eval_multiple_choice_samples_give_the_accuracy_of_their_canonical_file():
    data = lm_eval_multiple_choice()
    assert importers.detect(data) == importers.LM_EVAL
    canonical = "id,label,prediction\n" + "".join(
        f"{i},{i % 4},{i % 4 if i % 5 else (i % 4 + 1) % 4}\n" for i in range(40)
    )
    imported = computed(data, "samples_arc_easy_2026-11-27T10-00-00.jsonl")
    same_metrics(imported, computed(canonical.encode(), "results.csv"))
    acc = [json.loads(line)["acc"] for line in data.splitlines()]
    assert imported["metrics"]["accuracy"]["value"] == pytest.approx(sum(acc) / len(acc))  # the harness's own acc


def test_lm_eval_generation_samples_compare_the_filtered_text_with_the_target():
    lines = [
        json.dumps(
            {
                "doc_id": i,
                "doc": {"question": f"{i}+1?"},
                "target": str(i + 1),
                "resps": [[f"The answer is {i + 1 if i % 3 else i}"]],
                "filtered_resps": [str(i + 1) if i % 3 else str(i)],
                "filter": "strict-match",
                "exact_match": float(i % 3 != 0),
            }
        )
        for i in range(30)
    ]
    lines += [json.dumps({**json.loads(line), "filter": "flexible-extract"}) for line in lines]
    imported = compute.parse(("\n".join(lines)).encode(), filename="samples_gsm8k.jsonl")
    assert imported.imported.startswith("lm-evaluation-harness")
    assert any("flexible-extract were left out" in note for note in imported.notes)
    results = compute.compute(compute.validate(imported), resamples=500, seed=3)
    canonical = "id,label,prediction\n" + "".join(f"{i},{i + 1},{i + 1 if i % 3 else i}\n" for i in range(30))
    same_metrics(results, computed(canonical.encode(), "r.csv"))
    assert results["metrics"]["accuracy"]["value"] == pytest.approx(20 / 30)


def test_a_bad_lm_eval_sample_is_refused_naming_its_line():
    good = lm_eval_multiple_choice(3).decode().splitlines()
    bad = json.loads(good[1])
    bad["target"] = 7
    with pytest.raises(compute.InputRefused, match="Line 2: the target 7 is not the index of one of the 4 choices"):
        compute.parse("\n".join([good[0], json.dumps(bad), good[2]]).encode(), filename="samples.jsonl")


# --- promptfoo -------------------------------------------------------------------------------------------------


def promptfoo_results(n: int = 24, providers=("openai:gpt-4o-mini",)) -> bytes:
    results = []
    for p, provider in enumerate(providers):
        for i in range(n):
            passed = i % 4 != 0
            score = 1.0 if passed else (0.0 if i % 8 == 0 else 0.5)
            results.append(
                {
                    "id": f"r{p}-{i}",
                    "promptIdx": 0,
                    "testIdx": i,
                    "promptId": "abc",
                    "prompt": {"raw": "Classify: {{text}}", "label": "classify"},
                    "provider": {"id": provider, "label": ""},
                    "vars": {"text": f"message {i}"},
                    "testCase": {"vars": {"text": f"message {i}"}, "assert": [{"type": "equals", "value": "spam"}]},
                    "response": {"output": "spam" if passed else "ham", "tokenUsage": {"total": 12}},
                    "error": None if passed else "Expected output to equal spam",
                    "failureReason": 0 if passed else (2 if i % 8 == 0 else 1),
                    "success": passed,
                    "score": score,
                    "latencyMs": 100 + i,
                    "gradingResult": {"pass": passed, "score": score, "reason": "ok" if passed else "not equal"},
                    "namedScores": {},
                    "cost": 0.0001,
                    "metadata": {},
                }
            )
    return json.dumps(
        {
            "evalId": "eval-2026-11-27T10:00:00",
            "shareableUrl": None,
            "config": {"description": "spam"},
            "results": {
                "version": 3,
                "timestamp": "2026-11-27T10:00:00.000Z",
                "prompts": [],
                "results": results,
                "stats": {
                    "successes": sum(r["success"] for r in results),
                    "failures": sum(not r["success"] for r in results),
                    "errors": 0,
                },
            },
        },
        indent=2,
    ).encode()


def test_promptfoo_results_give_the_pass_rate_and_mean_score_of_their_canonical_file():
    data = promptfoo_results()
    assert importers.detect(data) == importers.PROMPTFOO
    rows = ["id,score,passed,latency_ms,failure_mode"]
    for i in range(24):
        passed = i % 4 != 0
        mode = "" if passed else ("error" if i % 8 == 0 else "assertion")
        rows.append(f"{i},{1.0 if passed else (0.0 if i % 8 == 0 else 0.5)},{str(passed).lower()},{100 + i},{mode}")
    imported = computed(data, "results.json")
    same_metrics(imported, computed(("\n".join(rows) + "\n").encode(), "r.csv"))
    assert imported["metrics"]["pass_rate"]["value"] == pytest.approx(18 / 24)  # promptfoo's stats.successes / all
    assert {f["failure_mode"]: f["count"] for f in imported["failure_modes"]} == {"assertion": 3, "error": 3}


def test_promptfoo_results_of_two_providers_are_refused_naming_them():
    data = promptfoo_results(4, providers=("openai:gpt-4o-mini", "anthropic:claude"))
    with pytest.raises(compute.InputRefused, match="2 provider and prompt pairs.*anthropic:claude"):
        compute.parse(data, filename="results.json")


# --- MLflow ------------------------------------------------------------------------------------------------------


def mlflow_table(n: int = 30) -> bytes:
    columns = ["inputs", "ground_truth", "outputs", "token_count", "latency", "exact_match/v1/score"]
    data = []
    for i in range(n):
        truth = "abc"[i % 3]
        output = truth if i % 4 else "abc"[(i + 1) % 3]
        data.append([f"question {i}", truth, output, 3, 0.05 + i / 1000, int(output == truth)])
    return json.dumps({"columns": columns, "data": data}).encode()


def test_an_mlflow_results_table_gives_the_metrics_and_latency_of_its_canonical_file():
    data = mlflow_table()
    assert importers.detect(data) == importers.MLFLOW
    rows = ["id,label,prediction,latency_ms"]
    for i in range(30):
        truth = "abc"[i % 3]
        rows.append(f"{i},{truth},{truth if i % 4 else 'abc'[(i + 1) % 3]},{(0.05 + i / 1000) * 1000}")
    imported = computed(data, "eval_results_table.json")
    same_metrics(imported, computed(("\n".join(rows) + "\n").encode(), "r.csv"))
    assert imported["latency"]["p50"]["value"] == pytest.approx(64.5)


def test_an_mlflow_table_with_only_a_score_column_is_graded_and_one_without_either_is_refused():
    table = json.loads(mlflow_table())
    keep = [0, 4, 5]
    graded = {"columns": [table["columns"][i] for i in keep], "data": [[row[i] for i in keep] for row in table["data"]]}
    results = computed(json.dumps(graded).encode(), "eval_results_table.json", pass_threshold=1)
    assert results["kind"] == "graded" and results["metrics"]["pass_rate"]["value"] == pytest.approx(22 / 30)
    bare = {"columns": ["inputs", "outputs"], "data": [["q", "a"]]}
    with pytest.raises(compute.InputRefused, match="Columns: inputs, outputs"):
        compute.parse(json.dumps(bare).encode(), filename="eval_results_table.json")


def test_a_table_written_by_mlflow_evaluate_gives_mlflows_own_exact_match_and_its_latencies():
    """``data/mlflow_eval_results_table.json`` was written by ``mlflow.evaluate`` (the version in
    ``mlflow_expected.json``, with ``data/mlflow_make.py``); its exact_match is the expected accuracy."""
    data = (DATA / "mlflow_eval_results_table.json").read_bytes()
    expected = json.loads((DATA / "mlflow_expected.json").read_text())
    assert importers.detect(data) == importers.MLFLOW
    results = computed(data, "eval_results_table.json")
    assert results["kind"] == "classification" and results["n"] == expected["n"]
    assert results["metrics"]["accuracy"]["value"] == pytest.approx(expected["accuracy"])
    table = json.loads(data)
    seconds = [row[table["columns"].index("latency")] for row in table["data"]]
    assert results["latency"]["p50"]["value"] == pytest.approx(float(np.percentile(seconds, 50)) * 1000)


# --- Through the upload ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_uploaded_promptfoo_file_is_computed_and_says_how_it_was_read(team, private_media, client):
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "curated"})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "gpt"})
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.eval_run_create(
            poc=poc,
            user=people["lead"],
            dataset=dataset,
            model_version=model,
            upload=SimpleUploadedFile("results.json", promptfoo_results()),
            resamples=300,
        )
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert run.kind == "graded" and run.headline == pytest.approx(18 / 24)
    client.force_login(people["viewer"])
    body = client.get(f"/pocs/{poc.pk}/evaluations/runs/{run.pk}/").content.decode()
    assert "Read as a promptfoo results" in body
    api = client.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/").json()
    assert api["imported_from"].startswith("promptfoo")
