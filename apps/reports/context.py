"""What the report shows, gathered from the evidence document and the other apps' selectors.

The report is a reading of one document: the snapshot of the evidence that signing freezes
(``decisions.selectors.snapshot_bytes``). Before signing it is built now; for a signed PoC it is
the frozen bytes, so the signed report shows exactly what was signed. What the snapshot does not
carry (a run's confusion matrix and failure modes, the leaderboard, the stall risk, the
integration diagram, the activity log) is read through the apps' selectors; a decided PoC refuses
every write, so those reads cannot have moved since the signature. The activity log of a signed
report ends with the signing itself.

Every chart is the SVG the pages draw, from the same chart functions. Every user-entered text is
handed to the template as text, and Django's template escaping keeps it text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.audit import selectors as audit
from apps.audit.models import AuditEvent
from apps.checklists import selectors as kickoff
from apps.costs import charts as cost_charts
from apps.costs import selectors as costs
from apps.decisions import selectors as decisions
from apps.evaluations import charts as eval_charts
from apps.evaluations import selectors as evaluations
from apps.integrations import selectors as integrations
from apps.pocs.models import EDITABLE_FIELDS, DataSensitivity, PoC, Stage
from apps.pocs.selectors import people_on_poc

# The report's sections in order: (anchor, heading). The table of contents and the tests read this.
SECTIONS = (
    ("summary", "Summary"),
    ("validations", "The four validation questions"),
    ("limits", "What this PoC cannot tell"),
    ("quality", "Quality envelope"),
    ("latency", "Latency and throughput"),
    ("costs", "Production cost"),
    ("integration", "Integration architecture"),
    ("checklist", "Kickoff checklist and accepted risks"),
    ("criteria", "Graduation criteria"),
    ("decision", "Decision and signature"),
    ("appendix", "Appendix: activity log and file hashes"),
)
NOT_BUILT = "This part of the portal is not available yet, so the report has nothing to show here."
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "macro_precision": "Macro precision",
    "macro_recall": "Macro recall",
    "macro_f1": "Macro F1",
    "mean_score": "Mean score",
    "pass_rate": "Pass rate",
}
ACTIVITY_LIMIT = 5000  # events listed in the appendix (the newest); the count says when more exist

Progress = Callable[[int, str], None]


def document_for(poc: PoC) -> tuple[bytes, dict]:
    """The evidence as it stands now: the snapshot signing would freeze, as bytes and parsed."""
    content = decisions.snapshot_bytes(poc)
    return content, json.loads(content)


def _number(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _when(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_datetime(value) if isinstance(value, str) else None


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value or "")


def _interval_rows(metrics: dict | None) -> list[dict]:
    return [{"label": METRIC_LABELS.get(k, k), **v} for k, v in (metrics or {}).items() if isinstance(v, dict)]


# --- Sections ------------------------------------------------------------------------------------


def _cover(poc_part: dict) -> dict:
    people = {}
    for field in ("sponsor", "lead", "production_owner", "decision_maker"):
        person = poc_part.get(field)
        people[field] = person["name"] if person else None
    if not people["sponsor"]:
        people["sponsor"] = poc_part.get("sponsor_name") or None
    unit = poc_part.get("business_unit")
    fields = [
        (label, None if poc_part.get(name) == "" else poc_part.get(name))
        for name, label in EDITABLE_FIELDS.items()
        if name
        not in (
            "name",
            "description",
            "business_unit",
            "sponsor",
            "sponsor_name",
            "lead",
            "production_owner",
            "decision_maker",
            "data_sensitivity",
        )
    ]
    return {
        "name": poc_part.get("name") or "",
        "description": poc_part.get("description") or "",
        "business_unit": unit["name"] if unit else None,
        "people": people,
        "stage": _label(Stage, poc_part.get("stage")),
        "data_sensitivity": _label(DataSensitivity, poc_part.get("data_sensitivity")),
        "fields": fields,
        "created_at": _when(poc_part.get("created_at")),
    }


def _validations(part: dict | None) -> list[dict]:
    if part is None:
        return []
    return [
        {
            "label": _label(kickoff.ValidationKind, v["kind"]),
            "hypothesis": v.get("hypothesis") or "",
            "target": v.get("target") or "",
            "answer": v.get("answer") or "",
            "evidence_url": v.get("evidence_url") or "",
        }
        for v in part.get("validations") or []
    ]


def _limits(part: dict | None) -> list[dict]:
    if part is None:
        return []
    return [
        {
            "label": _label(kickoff.LimitKind, a["kind"]),
            "acknowledged": a.get("acknowledged"),
            "where": a.get("answered_where") or "",
            "notes": a.get("notes") or "",
        }
        for a in part.get("acknowledgements") or []
    ]


def _checklist(part: dict | None, people: dict[int, str]) -> list[dict]:
    if part is None:
        return []
    groups: dict[int, dict] = {}
    for item in sorted(part.get("items") or [], key=lambda i: (i["reason"], i.get("position") or 0, i["id"])):
        group = groups.setdefault(
            item["reason"],
            {
                "reason": item["reason"],
                "label": _label(kickoff.Reason, item["reason"]),
                "items": [],
                "accepted": [],
            },
        )
        row = {
            **item,
            "status_label": _label(kickoff.Status, item["status"]),
            "owner_name": people.get(item.get("owner")) if item.get("owner") else None,
        }
        group["items"].append(row)
        if item["status"] == kickoff.Status.ACCEPTED_RISK:
            group["accepted"].append(row)
    return list(groups.values())


def _run_rows(poc: PoC, part: dict, targets) -> tuple[list[dict], list[dict]]:
    """Each run from the snapshot, its extra results (confusion matrix, failure modes) read from the run."""
    datasets = {d["id"]: d for d in part.get("datasets") or []}
    models = {m["id"]: m for m in part.get("model_versions") or []}
    # The runs' stored results hold what the snapshot leaves out; ``runs_for`` defers them.
    live = {run.pk: run for run in evaluations.runs_for(poc).defer(None)}
    quality, latency = [], []
    for index, snap in enumerate(part.get("runs") or []):
        dataset = datasets.get(snap.get("dataset")) or {}
        model = models.get(snap.get("model_version")) or {}
        title = f"Run {snap['id']}: {model.get('name', '?')} on {dataset.get('name', '?')}"
        kind = dataset.get("kind") or ""
        run = live.get(snap["id"])
        extra = (run.results or {}) if run is not None else {}
        matrix = extra.get("confusion_matrix") if snap.get("kind") == "classification" else None
        segments = snap.get("segments") or []
        segment_rows = []
        for s in segments:
            name, value = next(iter((s.get("metrics") or {}).items()), (None, {}))
            segment_rows.append(
                {
                    "label": s["segment"],
                    **(value or {}),
                    "note": f"n = {s['n']}",
                    "metric": METRIC_LABELS.get(name, name),
                    "error_share": s.get("error_share"),
                    "n": s["n"],
                }
            )
        metric_name = next(iter(segments[0].get("metrics") or {}), "accuracy") if segments else "accuracy"
        quality.append(
            {
                "id": snap["id"],
                "title": title,
                "dataset_kind": kind,
                "n": snap.get("n"),
                "computed_at": _when(snap.get("computed_at")),
                "metrics": _interval_rows(snap.get("metrics")),
                "per_class": extra.get("per_class") if snap.get("kind") == "classification" else None,
                "matrix": matrix,
                "heatmap": eval_charts.heatmap(f"heatmap-{index}", matrix["labels"], matrix["matrix"])
                if matrix and matrix.get("matrix")
                else None,
                "segments": segment_rows,
                "segment_chart": eval_charts.interval_chart(
                    f"segments-{index}",
                    f"{METRIC_LABELS.get(metric_name, metric_name)} per segment",
                    segment_rows,
                    bars=True,
                    unit_interval=metric_name != "mean_score",
                )
                if segment_rows
                else None,
                "failure_modes": extra.get("failure_modes") or [],
            }
        )
        if snap.get("latency") or snap.get("throughput"):
            lat = snap.get("latency") or {}
            latency.append(
                {
                    "id": snap["id"],
                    "title": title,
                    "rows": [{"label": k, **v} for k, v in lat.items()],
                    "throughput": snap.get("throughput"),
                    "chart": eval_charts.latency_chart(
                        f"latency-{index}",
                        lat,
                        max_ms=getattr(targets, "latency_max_ms", None)
                        if getattr(targets, "latency_percentile", None)
                        else None,
                        percentile=getattr(targets, "latency_percentile", None) or None,
                    )
                    if lat
                    else None,
                }
            )
    return quality, latency


def _quality_section(poc: PoC, part: dict | None) -> dict:
    if part is None:
        return {"available": False}
    targets = evaluations.targets_for(poc)
    targets = targets if targets.pk else None
    runs, latency = _run_rows(poc, part, targets)
    board = evaluations.leaderboard(poc, targets=targets)
    board_chart = None
    if board["rows"]:
        metric = board["metric"]
        rows = [
            {
                "label": r["model_version_name"],
                "value": r["value"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "note": "best" if r["best"] else "",
            }
            for r in board["rows"]
        ]
        threshold = targets.quality_threshold if targets and targets.quality_metric == metric else None
        board_chart = eval_charts.interval_chart(
            "leaderboard",
            f"{METRIC_LABELS.get(metric, metric)} by model version on {board['dataset_name']}",
            rows,
            target=threshold,
            unit_interval=metric != "mean_score",
        )
    gap = evaluations.quality_gap(poc, targets=targets)
    gap_rows = []
    for row in gap["rows"]:
        for kind in ("curated", "production"):
            side = row[kind]
            gap_rows.append(
                {
                    "label": f"{row['model_version_name']}, {kind}",
                    "value": side["value"],
                    "ci_low": side["ci_low"],
                    "ci_high": side["ci_high"],
                    "note": "lower beyond the intervals" if kind == "production" and row["warning"] else "",
                }
            )
    return {
        "available": True,
        "targets": part.get("targets") or {},
        "measured": part.get("measured_quality"),
        "runs": runs,
        "latency": latency,
        "leaderboard": board,
        "leaderboard_metric": METRIC_LABELS.get(board["metric"], board["metric"]),
        "leaderboard_chart": board_chart,
        "gap": gap,
        "gap_chart": eval_charts.interval_chart(
            "gap", "Curated vs production sample", gap_rows, unit_interval=gap["metric"] != "mean_score"
        )
        if gap_rows
        else None,
        "files": [
            {
                "name": r.get("file_name"),
                "sha256": r.get("stored_file_sha256") or r.get("file_sha256"),
                "size": r.get("file_size"),
                "what": f"Results of run {r['id']}",
            }
            for r in part.get("runs") or []
        ],
    }


def _costs_section(poc: PoC, part: dict | None) -> dict:
    if part is None:
        return {"available": False}
    currency = part.get("currency") or ""
    stored = costs.stored_results(poc) or {}
    histograms = {
        (name, str(row.get("scale"))): row.get("histogram")
        for name, rows in (stored.get("scenarios") or {}).items()
        for row in rows
    }
    scenarios = []
    for name, rows in (part.get("scenarios") or {}).items():
        if not rows:
            continue
        categories = sorted(
            {c for r in rows for c in (r.get("by_category") or {})},
            key=lambda c: list(costs.CATEGORY_LABELS).index(c) if c in costs.CATEGORY_LABELS else 99,
        )
        scenarios.append(
            {
                "label": costs.SCENARIO_LABELS.get(name, name),
                "rows": rows,
                "categories": [(c, costs.CATEGORY_LABELS.get(c, c)) for c in categories],
                "bars": cost_charts.cost_bars(rows, categories, costs.CATEGORY_LABELS, currency),
                "per_scale": [
                    {
                        "row": r,
                        "tornado": cost_charts.tornado(r.get("tornado") or [], currency, scale=r["scale"]),
                        "distribution": cost_charts.distribution(histograms.get((name, str(r["scale"]))), r, currency),
                    }
                    for r in rows
                ],
            }
        )
    return {
        "available": True,
        "body": part,
        "currency": currency,
        "scenarios": scenarios,
        "category_labels": costs.CATEGORY_LABELS,
        "computed": bool(part.get("results")),
        "on_premises": poc.data_sensitivity == DataSensitivity.ON_PREMISES,
    }


def _integration_section(poc: PoC, part: dict | None) -> dict:
    if part is None:
        return {"available": False}
    return {
        "available": True,
        "summary": part.get("summary") or {},
        "integrations": part.get("integrations") or [],
        "concerns": part.get("concerns") or [],
        "diagram": integrations.diagram_svg(poc),
    }


def _people(poc: PoC) -> dict[int, str]:
    return {p.user_id: p.name for p in people_on_poc(poc)}


def _activity(poc: PoC, *, upto: int | None) -> tuple[list, int]:
    events = audit.events_for_poc(poc.pk)
    if upto is not None:
        events = events.filter(pk__lte=upto)
    rows = audit.describe(list(events[:ACTIVITY_LIMIT]))
    total = len(rows) if len(rows) < ACTIVITY_LIMIT else events.count()
    return rows, total


def signing_event_id(poc: PoC) -> int | None:
    """The last audit event of the signing: the PoC's move to decided (the activity log ends there)."""
    return (
        AuditEvent.objects.filter(poc_id=poc.pk, table_name="pocs_poc", op="UPDATE", new_data__stage=Stage.DECIDED)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def _decision(poc: PoC, signed: bool) -> dict | None:
    if not signed:
        return None
    decision = decisions.decision_for(poc)
    if decision is None:
        return None
    signature = decisions.signature_of(decision)
    return {"decision": decision, "signature": signature, "snapshot_sha256": decision.snapshot.sha256}


def build(
    poc: PoC, document: dict, *, signed: bool, generated_at: datetime | None = None, progress: Progress | None = None
) -> dict:
    """The template context of the report of ``poc`` read from ``document`` (the evidence snapshot)."""
    tick = progress or (lambda percent, message: None)
    generated_at = generated_at or timezone.now()
    poc_part = document.get("poc") or {}
    cover = _cover(poc_part)
    tick(10, "Reading the kickoff")
    checklist_part = document.get("checklist")
    people = _people(poc)
    risks = kickoff.stall_risk(poc)
    criteria = document.get("criteria") or []
    tick(25, "Reading the evaluations")
    quality = _quality_section(poc, document.get("evaluations"))
    tick(45, "Reading the cost model")
    cost = _costs_section(poc, document.get("costs"))
    tick(55, "Reading the integrations")
    integration = _integration_section(poc, document.get("integrations"))
    decision = _decision(poc, signed)
    if decision is not None:  # the snapshot was taken a moment before the move to decided
        cover["stage"] = f"{Stage.DECIDED.label} ({decision['decision'].get_outcome_display()})"
    tick(65, "Reading the activity log")
    activity, activity_total = _activity(poc, upto=signing_event_id(poc) if signed else None)
    files = [
        {
            "what": f"Evidence of checklist item {i['id']}",
            "name": i.get("evidence_file_name"),
            "sha256": i.get("evidence_file_sha256"),
            "size": None,
        }
        for i in (checklist_part or {}).get("items") or []
        if i.get("evidence_file_name")
    ] + (quality.get("files") or [])
    summary_numbers = []
    if quality.get("measured"):
        m = quality["measured"]
        metric = METRIC_LABELS.get(m.get("metric"), m.get("metric") or "")
        value = m.get("value")
        shown = f"{float(value):.3f}" if isinstance(value, int | float) else str(value)
        summary_numbers.append(("Measured quality (production sample)", f"{metric} {shown} (run {m.get('run')})"))
    for row in (document.get("costs") or {}).get("results") or []:
        summary_numbers.append(
            (f"Monthly cost at {row['scale']}×", f"{row.get('monthly_cost')} {cost.get('currency', '')}".strip())
        )
    summary = (document.get("integrations") or {}).get("summary") or {}
    if summary:
        summary_numbers.append(
            (
                "Integrations",
                f"{summary.get('integrations', 0)}, estimated "
                f"{summary.get('estimate_days')} days and {summary.get('estimate_cost')}",
            )
        )
    return {
        "poc": poc,
        "cover": cover,
        "document": document,
        "signed": signed,
        "draft": not signed,
        "generated_at": generated_at,
        "sections": SECTIONS,
        "not_built": NOT_BUILT,
        "criteria": criteria,
        "criteria_met": document.get("criteria_met", sum(1 for c in criteria if c.get("met"))),
        "criteria_total": decisions.TOTAL,
        "risks": risks,
        "summary_numbers": summary_numbers,
        "validations": _validations(checklist_part),
        "limits": _limits(checklist_part),
        "checklist": _checklist(checklist_part, people),
        "checklist_available": checklist_part is not None,
        "business_case": (checklist_part or {}).get("business_case"),
        "quality": quality,
        "costs": cost,
        "integration": integration,
        "decision": decision,
        "activity": activity,
        "activity_total": activity_total,
        "files": files,
    }
