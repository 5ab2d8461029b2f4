"""What the cost model does when an input kept by another app changes: recompute, in the background."""

from __future__ import annotations


def inputs_changed(sender, *, poc, user, **kwargs) -> None:
    from apps.costs.services import cost_model_inputs_changed

    cost_model_inputs_changed(poc=poc, user=user)


def fill_demo(sender, *, poc, user, stage, **kwargs) -> None:
    from apps.costs.demo import seed_demo_costs

    seed_demo_costs(poc=poc, user=user, stage=stage)
