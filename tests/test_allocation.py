"""Needs-based allocation against hand-computed amounts (DESIGN §6)."""

import datetime as dt

import pandas as pd
import pytest

from assets.indicators.allocation import compute_allocation, largest_remainder
from assets.settings import DEFAULTS

M1, M2 = "05999000", "05888000"
STICHTAG = dt.date(2024, 12, 31)
SETTINGS = {**DEFAULTS["allocation"], "budget_eur": 1000}


def social_index(rows):
    return pd.DataFrame(
        [(ags, area, STICHTAG, status_class) for ags, area, status_class in rows],
        columns=["municipality_ags", "area_id", "reference_date", "status_class"],
    )


def basis_counts(rows, date=STICHTAG):
    return pd.DataFrame(
        [(ags, area, date, count) for ags, area, count in rows],
        columns=["municipality_ags", "area_id", "reference_date", "basis_count"],
    )


@pytest.fixture
def allocation():
    index = social_index(
        [
            (M1, "A", "low"),
            (M1, "B", "medium"),
            (M1, "C", "very_low"),
            (M1, "D", "high"),
            (M1, "E", None),  # too few inhabitants: no class
            (M1, "F", "medium"),  # count secret
        ]
    )
    # the child-poverty numerator carries the Bundesagentur's date, matched by month
    counts = basis_counts(
        [(M1, "A", 10), (M1, "B", 20), (M1, "C", 5), (M1, "D", 20), (M1, "E", 30), (M1, "F", None)],
        date=dt.date(2024, 12, 15),
    )
    return compute_allocation(index, counts, SETTINGS).set_index("area_id")


def test_weights_are_count_times_class_weight(allocation):
    # A 10 × 1.5 = 15, B 20 × 1.0 = 20, C 5 × 2.0 = 10, D 20 × 0.5 = 10; sum 55
    assert allocation.weight.to_dict() == {"A": 15, "B": 20, "C": 10, "D": 10, "E": 0, "F": 0}
    assert allocation.class_weight["C"] == 2.0
    assert allocation.share["A"] == pytest.approx(100 * 15 / 55)  # percent
    assert allocation.share.sum() == pytest.approx(100.0)
    assert set(allocation.basis) == {"child_poverty"}


def test_largest_remainder_makes_the_sum_exact(allocation):
    # exact: A 272.73, B 363.64, C 181.82, D 181.82 → plain rounding 273 + 364 + 182 + 182 = 1001.
    # Floors 272 + 363 + 181 + 181 = 997; the 3 euros left go to the largest remainders
    # C .818, D .818, A .727 (B .636 gets none): 273 + 363 + 182 + 182 = 1000.
    assert allocation.amount_eur.to_dict() == {
        "A": 273,
        "B": 363,
        "C": 182,
        "D": 182,
        "E": 0,
        "F": 0,
    }
    assert allocation.amount_eur.sum() == 1000


def test_areas_without_class_or_count_get_nothing_and_a_note(allocation):
    assert allocation.note["E"] == "keine Statusklasse"
    assert allocation.note["F"] == "keine Bedarfszahl (basis_count fehlt oder ist geheim)"
    assert allocation.share["E"] == 0 and allocation.share["F"] == 0
    assert allocation.note["A"] is None


def test_ties_go_to_the_smaller_area_id_whatever_the_row_order():
    # 1000 / 3 = 333.33 each; floors give 999, the one euro left goes to "A"
    weights = pd.Series([1.0, 1.0, 1.0], index=["C", "A", "B"])
    assert largest_remainder(weights, 1000).to_dict() == {"C": 333, "A": 334, "B": 333}


def test_each_municipality_gets_the_full_budget():
    index = social_index([(M1, "A", "medium"), (M1, "B", "low"), (M2, "X", "medium")])
    counts = basis_counts([(M1, "A", 3), (M1, "B", 2), (M2, "X", 7)])
    result = compute_allocation(index, counts, SETTINGS)
    assert result.groupby("municipality_ags").amount_eur.sum().to_dict() == {M1: 1000, M2: 1000}
    # M1: A 3 × 1.0 = 3, B 2 × 1.5 = 3 → 500 each
    assert result.set_index("area_id").amount_eur.to_dict() == {"A": 500, "B": 500, "X": 1000}


def test_all_weights_zero_distributes_nothing():
    index = social_index([(M1, "A", None), (M1, "B", "medium")])
    counts = basis_counts([(M1, "A", 4), (M1, "B", 0)])
    result = compute_allocation(index, counts, SETTINGS).set_index("area_id")
    assert result.share.isna().all()
    assert result.amount_eur.to_dict() == {"A": 0, "B": 0}
    assert result.note["A"] == "keine Statusklasse; alle Gewichte 0: Budget nicht verteilt"
    assert result.note["B"] == "alle Gewichte 0: Budget nicht verteilt"


def test_a_class_without_weight_is_a_settings_error():
    settings = {**SETTINGS, "class_weights": {"low": 2.0}}
    index = social_index([(M1, "A", "medium")])
    with pytest.raises(ValueError, match="kein Gewicht"):
        compute_allocation(index, basis_counts([(M1, "A", 1)]), settings)
