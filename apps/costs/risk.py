"""Stall risk reason 1 (the business case), read from the cost model's last results.

Registered with ``checklists.risk.register_signal`` from ``CostsConfig.ready()`` beside the
built-in "economics" signal (which still says when no ceiling or value is set): high when the
economics threshold fails at 1× or 5× the PoC scale, or when P(net value > 0) at 1× is under 50%;
the "why" names the scale and the dominant cost.
"""

from __future__ import annotations

from apps.checklists.risk import HIGH, Finding, RiskInputs
from apps.costs import selectors

ECONOMICS_REASON = 1  # checklists' Reason.BUSINESS_CASE
SOURCE = "cost_model"
CHECKED_SCALES = (1, 5)


def _label(category: str | None) -> str:
    return selectors.CATEGORY_LABELS.get(category or "", category or "none").lower()


def cost_model_economics(inputs: RiskInputs) -> list[Finding]:
    results = selectors.stored_results(inputs.poc)
    if not results:
        return []
    rows = {str(r["scale"]): r for r in results.get("results") or []}
    findings = []
    for scale in CHECKED_SCALES:
        row = rows.get(str(scale))
        if row is not None and row.get("threshold_met") is False:
            findings.append(Finding(
                HIGH,
                f"At {scale}× the PoC scale the cost ceiling is broken: {row['monthly_cost']} a month, "
                f"{row['cost_per_unit']} a unit; {_label(row.get('dominant_category'))} costs dominate.",
                f"Cut the {_label(row.get('dominant_category'))} cost on the Costs tab, or revisit the ceiling "
                "in the business case.",
                SOURCE,
            ))
            break
    one = rows.get("1")
    if one is not None and one.get("p_net_positive") is not None and float(one["p_net_positive"]) < 0.5:
        findings.append(Finding(
            HIGH,
            f"At the PoC scale the net value is more likely negative than positive "
            f"(P(net > 0) = {float(one['p_net_positive']):.0%}); {_label(one.get('dominant_category'))} costs "
            "dominate.",
            "Narrow the uncertain cost lines (see the tornado on the Costs tab) or raise the value per unit.",
            SOURCE,
        ))
    return findings
