"""The pure computation (apps.evaluations.compute): parse → validate → compute.

Point metrics equal scikit-learn's; every interval agrees with ``scipy.stats.bootstrap``
(percentile method) on the same rows within a quarter of its width; the same seed gives the same
bytes; every bad input is refused with a message naming the rows and columns at fault.
"""

from __future__ import annotations

import codecs
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import bootstrap
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from apps.evaluations import compute
from apps.evaluations.compute import InputRefused, evaluate


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def classification_rows(n: int, seed: int, *, classes=("a", "b", "c"), extra_pred=("d",), segments=5):
    rng = np.random.default_rng(seed)
    y = rng.choice(classes, n, p=np.linspace(1, 2, len(classes)) / np.linspace(1, 2, len(classes)).sum())
    noise = rng.choice([*classes, *extra_pred], n)
    p = np.where(rng.random(n) < 0.75, y, noise)
    seg = rng.choice([f"s{i}" for i in range(segments)], n)
    lat = np.round(rng.lognormal(5, 0.6, n), 3)
    return y, p, seg, lat


# --- point metrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_point_metrics_equal_scikit_learn(seed):
    n = [50, 300, 1000, 7, 2000, 120][seed]
    classes = [("a", "b"), ("a", "b", "c"), ("x", "y", "z", "w"), ("a", "b"), ("1", "2", "10"), ("cat",)][seed]
    y, p, seg, lat = classification_rows(n, seed, classes=classes, extra_pred=("zz",) if seed % 2 else ())
    result = evaluate(csv_bytes(["id", "label", "prediction"], [[i, y[i], p[i]] for i in range(n)]), resamples=200)
    labels = sorted(set(y) | set(p))
    assert result["confusion_matrix"]["labels"] == labels
    assert result["metrics"]["accuracy"]["value"] == pytest.approx(accuracy_score(y, p), abs=1e-12)
    for average in ("macro",):
        pr, rc, f1, _ = precision_recall_fscore_support(y, p, labels=labels, average=average, zero_division=0)
        assert result["metrics"]["macro_precision"]["value"] == pytest.approx(pr, abs=1e-12)
        assert result["metrics"]["macro_recall"]["value"] == pytest.approx(rc, abs=1e-12)
        assert result["metrics"]["macro_f1"]["value"] == pytest.approx(f1, abs=1e-12)
    pr, rc, f1, support = precision_recall_fscore_support(y, p, labels=labels, average=None, zero_division=0)
    for i, row in enumerate(result["per_class"]):
        assert row["label"] == labels[i]
        assert row["precision"]["value"] == pytest.approx(pr[i], abs=1e-12)
        assert row["recall"]["value"] == pytest.approx(rc[i], abs=1e-12)
        assert row["f1"]["value"] == pytest.approx(f1[i], abs=1e-12)
        assert row["support"] == support[i]


def test_a_prediction_never_seen_among_labels_is_a_warning_not_a_failure():
    data = csv_bytes(["id", "label", "prediction"], [[1, "a", "a"], [2, "b", "maybe"], [3, "a", "b"]])
    result = evaluate(data, resamples=100)
    assert result["confusion_matrix"]["labels"] == ["a", "b", "maybe"]
    assert result["warnings"] == ["Predicted class never seen among the labels: 'maybe'."]


# --- intervals against scipy.stats.bootstrap -------------------------------------------------------


def _scipy(data, statistic, **kw):
    res = bootstrap(data, statistic, n_resamples=2000, method="percentile", vectorized=True, random_state=12345,
                    **kw)
    return res.confidence_interval.low, res.confidence_interval.high


def _agree(ours: dict, theirs: tuple[float, float]):
    width = theirs[1] - theirs[0]
    assert width > 0
    assert abs(ours["ci_low"] - theirs[0]) <= width / 4, (ours, theirs)
    assert abs(ours["ci_high"] - theirs[1]) <= width / 4, (ours, theirs)


def _macro(y, p, k, what):
    def statistic(a, b, axis=-1):
        cm = np.zeros(a.shape[:-1] + (k, k))
        for i in range(k):
            for j in range(k):
                cm[..., i, j] = ((a == i) & (b == j)).sum(axis=-1)
        return compute.matrix_metrics(cm)[what]

    return statistic


def test_classification_intervals_agree_with_scipy():
    n = 1500
    y, p, seg, lat = classification_rows(n, 7)
    rows = [[i, y[i], p[i], seg[i], lat[i]] for i in range(n)]
    result = evaluate(csv_bytes(["id", "label", "prediction", "segment", "latency_ms"], rows))
    labels = result["confusion_matrix"]["labels"]
    k = len(labels)
    yc = np.array([labels.index(v) for v in y])
    pc = np.array([labels.index(v) for v in p])
    for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
        _agree(result["metrics"][key], _scipy((yc, pc), _macro(yc, pc, k, key), paired=True))
    for i, row in enumerate(result["per_class"][:3]):
        for key in ("precision", "recall", "f1"):
            def per_class(a, b, axis=-1, key=key, i=i):
                return _macro(yc, pc, k, key)(a, b)[..., i]

            _agree(row[key], _scipy((yc, pc), per_class, paired=True))
    for segment in result["segments"]:
        mask = seg == segment["segment"]
        correct = (yc[mask] == pc[mask]).astype(float)
        _agree(segment["metrics"]["accuracy"], _scipy((correct,), lambda x, axis=-1: x.mean(axis=axis)))
    for q in compute.PERCENTILES:
        _agree(result["latency"][f"p{q}"], _scipy((lat,), lambda x, axis=-1, q=q: np.percentile(x, q, axis=axis)))


@pytest.mark.parametrize("scores", ["discrete", "continuous"])
def test_graded_intervals_agree_with_scipy(scores):
    n = 800
    rng = np.random.default_rng(3)
    score = rng.integers(1, 6, n).astype(float) if scores == "discrete" else np.round(rng.beta(2, 5, n), 6)
    passed = rng.random(n) < 0.7
    seg = rng.choice(["x", "y"], n)
    rows = [[i, score[i], "true" if passed[i] else "false", seg[i]] for i in range(n)]
    result = evaluate(csv_bytes(["id", "score", "passed", "segment"], rows))
    assert result["metrics"]["mean_score"]["value"] == pytest.approx(score.mean(), abs=1e-12)
    assert result["metrics"]["pass_rate"]["value"] == pytest.approx(passed.mean(), abs=1e-12)
    _agree(result["metrics"]["mean_score"], _scipy((score,), lambda x, axis=-1: x.mean(axis=axis)))
    _agree(result["metrics"]["pass_rate"], _scipy((passed.astype(float),), lambda x, axis=-1: x.mean(axis=axis)))
    for segment in result["segments"]:
        values = score[seg == segment["segment"]]
        _agree(segment["metrics"]["mean_score"], _scipy((values,), lambda x, axis=-1: x.mean(axis=axis)))


def test_mean_score_of_many_distinct_scores_in_a_large_file_agrees_with_scipy(monkeypatch):
    """Past the index budget the mean is drawn over quantile bins; the interval still agrees."""
    monkeypatch.setattr(compute.intervals, "INDEX_BUDGET", 1000)  # read where the mean is drawn
    rng = np.random.default_rng(5)
    score = rng.gamma(2.0, 1.0, 20_000)
    outcomes = compute.Outcomes(kind="graded", n=score.size, score=score)
    draws = compute.mean_draws(score, 2000, np.random.default_rng(1))
    ours = dict(zip(("ci_low", "ci_high"), np.percentile(draws, [2.5, 97.5]), strict=True))
    _agree(ours, _scipy((score,), lambda x, axis=-1: x.mean(axis=axis)))
    assert compute.compute(outcomes, resamples=200)["metrics"]["mean_score"]["value"] == pytest.approx(score.mean())


def test_percentile_draws_equal_resampling_the_rows_in_distribution():
    """Drawn over a window, the bootstrap percentile has the same distribution as with whole resamples."""
    rng = np.random.default_rng(11)
    x = np.sort(rng.exponential(100, 5000))
    ours = compute.percentile_draws(x, 95, 4000, np.random.default_rng(2))
    plain = np.percentile(x[np.random.default_rng(3).integers(0, x.size, (4000, x.size))], 95, axis=1)
    for q in (2.5, 25, 50, 75, 97.5):
        a, b = np.percentile(ours, q), np.percentile(plain, q)
        assert abs(a - b) <= 0.1 * (np.percentile(plain, 97.5) - np.percentile(plain, 2.5)), (q, a, b)


# --- determinism -----------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_intervals():
    n = 500
    y, p, seg, lat = classification_rows(n, 1)
    ts = [f"2025-01-01T00:{i // 60:02d}:{i % 60:02d}Z" for i in range(n)]
    data = csv_bytes(["id", "label", "prediction", "segment", "latency_ms", "timestamp"],
                     [[i, y[i], p[i], seg[i], lat[i], ts[i]] for i in range(n)])
    first = json.dumps(evaluate(data, seed=4), sort_keys=True)
    assert json.dumps(evaluate(data, seed=4), sort_keys=True) == first
    other = evaluate(data, seed=5)
    assert json.dumps(other, sort_keys=True) != first
    assert other["metrics"]["accuracy"]["value"] == json.loads(first)["metrics"]["accuracy"]["value"]
    assert json.loads(first)["throughput"]["per_s"] == pytest.approx(n / (n - 1))


# --- formats ---------------------------------------------------------------------------------------


def test_jsonl_with_bom_mixed_case_columns_extra_columns_and_numbers_as_labels():
    lines = [json.dumps({"ID": i, "Label": i % 2, "PREDICTION": 1, "note": "x", "Latency_ms": 10 + i})
             for i in range(10)]
    data = codecs.BOM_UTF8 + "\n".join(lines).encode()
    result = evaluate(data, filename="out.jsonl", resamples=100)
    assert result["n"] == 10
    assert result["confusion_matrix"] == {"labels": ["0", "1"], "matrix": [[0, 5], [0, 5]]}
    assert result["latency"]["p50"]["value"] == pytest.approx(14.5)


def test_jsonl_with_mixed_value_types_is_read():
    lines = ['{"id": 1, "label": "a", "prediction": "a"}', '{"id": "two", "label": 3, "prediction": "a"}']
    assert evaluate("\n".join(lines).encode(), filename="x.jsonl", resamples=100)["n"] == 2


def test_graded_with_threshold_and_formula_like_cells_kept_as_text():
    rows = [[1, "0.9", "=cmd|' /C calc'!A0"], [2, "0.2", "+1"], [3, "0.6", "@SUM(A1)"], [4, "0.5", "-2"]]
    result = evaluate(csv_bytes(["id", "score", "segment"], rows), pass_threshold=0.5, resamples=100)
    assert result["metrics"]["pass_rate"]["value"] == 0.75
    assert [s["segment"] for s in result["segments"]] == sorted(["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2"])


def test_graded_without_passed_or_threshold_has_no_pass_rate_and_says_so():
    result = evaluate(csv_bytes(["id", "score"], [[1, 3], [2, 4]]), resamples=100)
    assert result["metrics"]["pass_rate"] is None
    assert "pass rate is not computed" in result["warnings"][0]


def test_failure_modes_are_counted_and_blank_is_no_failure_mode():
    rows = [[1, "a", "b", "truncated input"], [2, "a", "a", ""], [3, "b", "a", "truncated input"], [4, "b", "a", "x"]]
    result = evaluate(csv_bytes(["id", "label", "prediction", "failure_mode"], rows), resamples=100)
    assert result["failure_modes"] == [{"failure_mode": "truncated input", "count": 2},
                                       {"failure_mode": "x", "count": 1}]


def test_segment_error_share():
    rows = [[1, "a", "b", "fr"], [2, "a", "a", "fr"], [3, "b", "a", "de"], [4, "b", "a", "de"], [5, "a", "a", "de"]]
    result = evaluate(csv_bytes(["id", "label", "prediction", "segment"], rows), resamples=100)
    shares = {s["segment"]: s["error_share"] for s in result["segments"]}
    assert shares == {"de": pytest.approx(2 / 3), "fr": pytest.approx(1 / 3)}


# --- bad input -------------------------------------------------------------------------------------

BAD = [
    (b"", "The file is empty."),
    (b"  \n\n", "The file is empty."),
    (b"id,label,prediction\n", "The file has a header but no rows."),
    (b"id,label,prediction\n1,a,\xff\xfe\n", "not UTF-8 text (the encoding tried: UTF-8"),
    (b"id,label,prediction\n1,a,\xff\xfe\n", "on line 2"),
    (b"id,label\n1,a\n", "Missing required column: prediction. A classification file needs id, label, prediction"),
    (b"id,foo\n1,a\n", "Missing required columns: the file needs id, label, prediction (classification) or id, score"),
    (b"label,prediction\n1,a\n", "Missing required column: id."),
    (b"id,score\n1,0.5\n2,abc\n3,\n", "Column score is empty on row 3"),
    (b"id,score\n1,0.5\n2,abc\n", "Column score is not a number on row 2 (row 2: 'abc')"),
    (b"id,score\n1,0.5\n2,NaN\n3,inf\n", "Column score is NaN or infinite on rows 2, 3"),
    (b"id,label,prediction\n1,a,a\n2,a,b\n1,b,b\n", "Column id has duplicates on rows 1, 3 (id '1' is on rows 1, 3)"),
    (b"id,label,prediction\n1,a,a\n,a,b\n", "Column id is empty on row 2."),
    (b"id,label,prediction\n1,a,a\n2,,b\n", "Column label is empty on row 2."),
    (b"id,label,prediction,latency_ms\n1,a,a,3\n2,a,b,-1\n", "Column latency_ms is negative on row 2."),
    (b"id,label,prediction,latency_ms\n1,a,a,nan\n2,a,b,5\n", "Column latency_ms is NaN or infinite on row 1"),
    (b"id,label,prediction,latency_ms\n1,a,a,fast\n", "Column latency_ms is not a number on row 1"),
    (b"id,label,prediction,latency_ms\n1,a,a,\n", "Column latency_ms is empty on row 1"),
    (b"id,score,passed\n1,1,yes\n2,0,maybe\n", "Column passed is not true or false on row 2 (row 2: 'maybe')"),
    (b"id,label,prediction,timestamp\n1,a,a,2025-01-01T00:00:00Z\n2,a,a,yesterday\n",
     "Column timestamp is not an ISO 8601 time on row 2 (row 2: 'yesterday')"),
    (b"id,label,prediction\n1,a,a,extra\n", "The file is not valid CSV"),
    (b"id,label,Label,prediction\n1,a,a,a\n", "The column label appears twice"),
    (b'{"id": 1, "label": "a", "prediction": "a"}\nnot json\n', "Line 2 is not valid JSON"),
    (b'{"id": 1, "label": "a", "prediction": "a"}\n[1]\n', "Line 2 is not a JSON object"),
    (b'{"id": 1, "label": "a", "prediction": {"x": 1}}\n',
     "Column prediction holds an object or a list, not a single value, on row 1."),
    (b"id,label,prediction\n1,a,\x00\n", "NUL byte on line 2"),
]


@pytest.mark.parametrize(("data", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_bad_input_is_refused_with_a_message_naming_rows_and_columns(data, message):
    with pytest.raises(InputRefused) as refused:
        evaluate(data, resamples=100)
    assert message in str(refused.value)


def test_too_many_rows_is_refused_naming_the_setting():
    data = csv_bytes(["id", "label", "prediction"], [[i, "a", "a"] for i in range(11)])
    with pytest.raises(InputRefused, match=r"The file has 11 rows; the limit is 10 \(setting EVAL_MAX_ROWS\)"):
        evaluate(data, max_rows=10)
    assert evaluate(data, max_rows=11, resamples=100)["n"] == 11


def test_many_bad_rows_are_named_five_then_counted():
    data = csv_bytes(["id", "score"], [[i, "x"] for i in range(1, 9)])
    with pytest.raises(InputRefused, match=r"on rows 1, 2, 3, 4, 5 and 3 more"):
        evaluate(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(st.text(max_size=6), min_size=1, max_size=5), max_size=6).map(
        lambda rows: ("id,label,prediction,score,latency_ms\n" + "\n".join(",".join(r) for r in rows)).encode()
    ),
    st.lists(st.dictionaries(st.sampled_from(["id", "label", "prediction", "score", "x"]),
                             st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=4), st.booleans()),
                             max_size=5), max_size=5).map(
        lambda rows: "\n".join(json.dumps(r) for r in rows).encode()
    ),
), st.sampled_from(["", "f.csv", "f.jsonl"]))
def test_any_bytes_give_results_or_a_clear_refusal(data, filename):
    try:
        result = evaluate(data, filename=filename, resamples=100, max_rows=1000)
    except InputRefused as exc:
        assert str(exc) and len(str(exc)) < 1000
    else:
        json.dumps(result, allow_nan=False)
        assert result["n"] >= 1
