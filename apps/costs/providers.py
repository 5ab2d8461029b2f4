"""What costs offers to evaluations (registered in ``CostsConfig.ready``; evaluations never imports costs)."""

from __future__ import annotations


def peak_volumes(poc) -> list[dict] | None:
    """The cost model's volume at each scale (1×, 5×, 20× by default) as ``{"label", "volume_per_month"}``;
    None when the PoC has no cost model or no volume yet."""
    from apps.costs.models import CostModel

    model = CostModel.objects.filter(poc_id=poc.pk).only("volume_per_month", "scales").first()
    if model is None or model.volume_per_month is None:
        return None
    return [
        {"label": f"{float(scale):g}×", "volume_per_month": float(model.volume_per_month) * float(scale)}
        for scale in model.scales
    ]
