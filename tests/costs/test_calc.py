"""The cost model's arithmetic against examples worked out by hand, and the Monte Carlo's behaviour.

Each expected figure below was computed on paper from the README's likely-case rules (a month is
30 days = 2,592,000 s), not by calling the code.
"""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np

from apps.costs import calc


def line(name, category, behaviour, low, likely, high, **extra):
    return calc.Line(name=name, category=category, behaviour=behaviour, low=D(low), likely=D(likely), high=D(high),
                     key=name, **extra)


def by_scale(result, scenario="hosted"):
    return {r["scale"]: r for r in result["scenarios"][scenario]}


def test_fixed_and_per_unit_lines_with_a_value_per_unit_and_an_assumed_quality():
    """10,000 units a month; people 1,200 fixed; inference 0.015 × 2 units per request; value 2.00 × 0.9.

    1×: cost 1,200 + 0.015 × 2 × 10,000 = 1,500; value 2 × 10,000 × 0.9 = 18,000; net 16,500; ROI 11;
    per unit 0.15. 5×: 1,200 + 1,500 = 2,700; value 90,000; net 87,300; ROI 32.3333; per unit 0.054.
    20×: 1,200 + 6,000 = 7,200; value 360,000; net 352,800; ROI 49. Break-even: 1,200 ÷ (1.8 − 0.03)
    = 677.97 units a month.
    """
    inputs = calc.Inputs(
        volume_per_month=D(10_000), value_per_unit=D("2.00"), quality=D("0.9"), max_cost_per_unit=D("0.10"),
        lines=[line("people", "people", "fixed", 1000, 1200, 1500),
               line("inference", "inference", "per_unit", "0.01", "0.015", "0.02", units_per_request=D(2))],
        draws=2000,
    )
    result = calc.compute(inputs)
    rows = by_scale(result)
    assert [r["scale"] for r in result["results"]] == [1, 5, 20]
    one, five, twenty = rows[1], rows[5], rows[20]
    assert (one["monthly_cost"], one["value"], one["net_value"], one["roi"], one["cost_per_unit"]) == (
        "1500.00", "18000.00", "16500.00", "11.0000", "0.150000")
    assert one["by_category"] == {"inference": "300.00", "people": "1200.00"}
    assert one["dominant_category"] == "people"
    assert one["threshold_met"] is False  # 0.15 a unit over the 0.10 ceiling
    assert (five["monthly_cost"], five["value"], five["net_value"], five["roi"], five["cost_per_unit"]) == (
        "2700.00", "90000.00", "87300.00", "32.3333", "0.054000")
    assert five["threshold_met"] is True
    assert (twenty["monthly_cost"], twenty["net_value"], twenty["roi"]) == ("7200.00", "352800.00", "49.0000")
    assert twenty["dominant_category"] == "inference"
    assert result["break_even_volume"] == "677.97"
    assert result["crossover_volume"] is None


def test_a_stepped_capacity_line_against_a_fixed_monthly_benefit():
    """1,000,000 units a month, peak 4× the average, 0.5 requests/s a node at 800 a month; benefit 20,000.

    1×: 1,000,000 ÷ 2,592,000 × 4 ÷ 0.5 = 3.09 → 4 nodes = 3,200; net 16,800; ROI 5.25.
    5×: 15.43 → 16 nodes = 12,800; net 7,200; ROI 0.5625. 20×: 61.73 → 62 nodes = 49,600; net −29,600;
    ROI −0.5968; over the 15,000 monthly ceiling. Break-even: 25 nodes (20,000) are needed above
    24 × 0.5 × 2,592,000 ÷ 4 = 7,776,000 units a month.
    """
    inputs = calc.Inputs(
        volume_per_month=D(1_000_000), monthly_benefit=D(20_000), max_monthly_cost=D(15_000),
        lines=[line("gpu nodes", "gpu", "stepped", 600, 800, 1000, capacity_per_node=D("0.5"),
                    peak_to_average=D(4))],
        draws=2000,
    )
    result = calc.compute(inputs)
    rows = by_scale(result)
    assert [rows[k]["monthly_cost"] for k in (1, 5, 20)] == ["3200.00", "12800.00", "49600.00"]
    assert [rows[k]["value"] for k in (1, 5, 20)] == ["20000.00"] * 3
    assert [rows[k]["net_value"] for k in (1, 5, 20)] == ["16800.00", "7200.00", "-29600.00"]
    assert [rows[k]["roi"] for k in (1, 5, 20)] == ["5.2500", "0.5625", "-0.5968"]
    assert [rows[k]["threshold_met"] for k in (1, 5, 20)] == [True, True, False]
    assert rows[20]["cost_per_unit"] == "0.002480"
    assert result["break_even_volume"] == "7776000.00"


def test_an_amortised_one_off_line_and_the_crossover_to_own_hardware():
    """100,000 units a month, value 0.10 a unit (quality 1). Hosted: inference 0.02 a unit, ops 500 fixed.
    Own hardware: a 48,000 server amortised over 24 months (2,000 a month) and 300 of power.

    Hosted 1×: 2,000 + 500 = 2,500; value 10,000; net 7,500; ROI 3. Own 1×: 2,300; net 7,700.
    Crossover: 500 + 0.02 v = 2,300 → v = 90,000. Break-even (hosted): 500 ÷ 0.08 = 6,250.
    Hosted 5×: 10,500; net 39,500. Own 20×: 2,300; value 200,000; net 197,700; ROI 85.9565.
    """
    inputs = calc.Inputs(
        volume_per_month=D(100_000), value_per_unit=D("0.10"),
        lines=[line("api", "inference", "per_unit", "0.015", "0.02", "0.03"),
               line("ops", "people", "fixed", 400, 500, 700),
               line("server", "hardware", "one_off", 40_000, 48_000, 60_000, scenario="own_hardware",
                    amortisation_months=24),
               line("power", "hardware", "fixed", 200, 300, 400, scenario="own_hardware")],
        draws=2000,
    )
    result = calc.compute(inputs)
    hosted, own = by_scale(result), by_scale(result, "own_hardware")
    assert (hosted[1]["monthly_cost"], hosted[1]["net_value"], hosted[1]["roi"]) == ("2500.00", "7500.00", "3.0000")
    assert (own[1]["monthly_cost"], own[1]["net_value"]) == ("2300.00", "7700.00")
    assert own[1]["by_category"] == {"hardware": "2300.00"}
    assert (hosted[5]["monthly_cost"], hosted[5]["net_value"]) == ("10500.00", "39500.00")
    assert (own[20]["monthly_cost"], own[20]["value"], own[20]["net_value"], own[20]["roi"]) == (
        "2300.00", "200000.00", "197700.00", "85.9565")
    assert hosted[1]["threshold_met"] is None  # no ceiling set
    assert result["crossover_volume"] == "90000.00"
    assert result["break_even_volume"] == "6250.00"
    assert result["results"] == result["scenarios"]["hosted"]


def test_the_tornado_moves_each_line_from_low_to_high_and_sorts_by_effect():
    """At 1× of the first example: people 1,000–1,500 moves net 16,700 → 16,200 (swing 500); inference
    0.01–0.02 × 2 × 10,000 moves it 16,600 → 16,400 (swing 200). People first."""
    inputs = calc.Inputs(
        volume_per_month=D(10_000), value_per_unit=D("2.00"), quality=D("0.9"),
        lines=[line("inference", "inference", "per_unit", "0.01", "0.015", "0.02", units_per_request=D(2)),
               line("people", "people", "fixed", 1000, 1200, 1500)],
        draws=1000,
    )
    bars = calc.compute(inputs)["results"][0]["tornado"]
    assert [(b["name"], b["net_at_low"], b["net_at_high"], b["swing"]) for b in bars] == [
        ("people", "16700.00", "16200.00", "500.00"),
        ("inference", "16600.00", "16400.00", "200.00"),
    ]


def uncertain(seed: int, draws: int = 10_000) -> calc.Inputs:
    """A model whose net value at 1× is positive about half the time (likely net ≈ 0)."""
    return calc.Inputs(
        volume_per_month=D(50_000), value_per_unit=D("0.16"), seed=seed, draws=draws,
        lines=[line("api", "inference", "per_unit", "0.02", "0.05", "0.09"),
               line("team", "people", "fixed", 500, 2000, 4000),
               line("gpu", "gpu", "stepped", 100, 300, 900, capacity_per_node=D("0.01"), peak_to_average=D(3)),
               line("setup", "integration", "one_off", 3000, 6000, 15000, amortisation_months=12)],
    )


def test_the_monte_carlo_is_reproducible_with_its_seed():
    first, again, other = (calc.compute(uncertain(seed))["results"] for seed in (7, 7, 8))
    keys = ("p10", "p50", "p90", "p_net_positive")
    assert [[r[k] for k in keys] for r in first] == [[r[k] for k in keys] for r in again]
    assert [[r[k] for k in keys] for r in first] != [[r[k] for k in keys] for r in other]


def test_two_seeds_agree_on_p_net_positive_within_one_point_at_10000_draws():
    for seeds in ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10)):
        a, b = (calc.compute(uncertain(seed))["results"][0] for seed in seeds)
        pa, pb = float(a["p_net_positive"]), float(b["p_net_positive"])
        assert 0.2 < pa < 0.8, "the example must be uncertain for the check to mean anything"
        assert abs(pa - pb) <= 0.01, (seeds, pa, pb)


def test_triangular_draws_stay_in_range_and_centre_on_the_mean():
    low, likely, high = np.array([1.0, 5.0, 2.0]), np.array([2.0, 5.0, 8.0]), np.array([6.0, 5.0, 8.0])
    draws = calc.triangular_draws(low, likely, high, 20_000, seed=3)
    assert draws.shape == (20_000, 3)
    assert (draws >= low).all() and (draws <= high).all()
    assert np.allclose(draws.mean(axis=0), (low + likely + high) / 3, atol=0.02)
    assert (draws[:, 1] == 5.0).all()  # low = likely = high: no spread


def test_no_value_figure_leaves_value_net_and_probabilities_empty():
    inputs = calc.Inputs(volume_per_month=D(100), lines=[line("x", "compute", "fixed", 1, 2, 3)], draws=1000)
    row = calc.compute(inputs)["results"][0]
    assert (row["monthly_cost"], row["value"], row["net_value"], row["roi"], row["p_net_positive"]) == (
        "2.00", None, None, None, None)
    assert calc.compute(inputs)["break_even_volume"] is None


def test_break_even_none_when_each_unit_costs_more_than_it_brings():
    inputs = calc.Inputs(volume_per_month=D(100), value_per_unit=D("0.01"),
                         lines=[line("api", "inference", "per_unit", "0.02", "0.02", "0.02")], draws=1000)
    assert calc.compute(inputs)["break_even_volume"] is None
