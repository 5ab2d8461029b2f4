"""Charts are valid SVG with the numbers as text, a text alternative, and escaped labels; the pages show them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from apps.evaluations import charts
from tests.evaluations.builders import classification_rows, computed_run, setup_evaluations

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def texts(root: ET.Element) -> str:
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_the_interval_chart_writes_every_number_and_escapes_labels():
    svg = charts.interval_chart("c", "Macro F1 by model version", [
        {"label": "<script>alert(1)</script> & co", "value": 0.871, "ci_low": 0.85, "ci_high": 0.893, "note": "best"},
        {"label": "Model B", "value": 0.8, "ci_low": 0.77, "ci_high": 0.83},
    ], target=0.85)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = parsed(svg)
    drawn = texts(root)
    for number in ("0.871 [0.850, 0.893]", "0.800 [0.770, 0.830]", "target 0.850"):
        assert number in drawn
    desc = root.find(f"{SVG}desc").text
    assert "<script>alert(1)</script> & co (best): 0.871 [0.850, 0.893]" in desc and "target: 0.850" in desc
    assert 'style=' not in svg  # the Content-Security-Policy allows no inline style


def test_the_latency_chart_and_the_heat_map_write_their_numbers():
    latency = parsed(charts.latency_chart("l", {"p50": {"value": 120, "ci_low": 110, "ci_high": 130},
                                                "p95": {"value": 640, "ci_low": 600, "ci_high": 700}},
                                          max_ms=800, percentile="p95"))
    assert "640 ms [600, 700]" in texts(latency) and "maximum for p95 800 ms" in texts(latency)
    heat = parsed(charts.heatmap("h", ["a", "b<"], [[50, 3], [7, 40]]))
    assert [t for t in texts(heat).split() if t.isdigit()] == ["50", "3", "7", "40"]
    assert "true b<: 7 predicted a, 40 predicted b<" in heat.find(f"{SVG}desc").text


@pytest.mark.django_db
def test_the_run_page_and_the_leaderboard_show_their_charts(team, private_media, client):
    poc, people = team
    production, curated, model_a, model_b = setup_evaluations(poc, people["lead"])
    run = computed_run(poc, people["lead"], production, model_a, classification_rows(200, 0.9, latency_ms=300))
    computed_run(poc, people["lead"], production, model_b, classification_rows(200, 0.7, seed=3))
    computed_run(poc, people["lead"], curated, model_a, classification_rows(200, 0.9, seed=4))
    client.force_login(people["viewer"])
    page = client.get(reverse("evaluations:run", args=[poc.pk, run.pk])).content.decode()
    assert 'id="heatmap-chart"' in page and 'id="latency-chart"' in page
    board = client.get(reverse("evaluations:compare", args=[poc.pk]), {"metric": "accuracy",
                       "model_version": [model_a.pk, model_b.pk]}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="leaderboard-chart"' in board and "(best)" in board and "Model A 1" in board
    index = client.get(reverse("evaluations:index", args=[poc.pk])).content.decode()
    assert 'id="gap-chart"' in index and 'id="quality-gap"' in index
