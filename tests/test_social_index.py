"""Social index against a hand-computed example (DESIGN §6).

Municipality M1, Stichtag 31.12.2024, areas A … G valid, H too small, I without child poverty.
With the pattern p = (-2, -1, -1, -1, 0, 2, 3) for A … G:

    unemployment  u = 6 + p   = 4, 5, 5, 5, 6, 8, 9         mean 6,  deviations p
    sgb2_quota    s = 15 + 2p = 11, 13, 13, 13, 15, 19, 21  mean 15, deviations 2p
    child_poverty c = 20 + 5q = 10, 20, 15, 15, 15, 30, 35  mean 20, deviations 5q,
                  q = (-2, 0, -1, -1, -1, 2, 3)   (p with B and E swapped)

    sum p² = sum q² = 4 + 1 + 1 + 1 + 0 + 4 + 9 = 20, SD(p) = sqrt(20 / 6) = sqrt(10 / 3) = 1.8257
    z_u = z_s = p / 1.8257, z_c = q / 1.8257  (scale and offset drop out)
    mean z = (2p + q) / (3 * 1.8257); standardising again drops the factor, so with
    r = 2p + q = (-6, -2, -3, -3, -1, 6, 9), sum r = 0, sum r² = 176,
    SD(r) = sqrt(176 / 6) = 5.4160:
    status_index = r / 5.4160 = -1.1078 (A high), -0.3693 (B), -0.5539 (C, D), -0.1846 (E) medium,
                                 1.1078 (F low), 1.6617 (G very_low)

Dynamics (31.12.2022 → 31.12.2024, same change c for all three indicators, F has no 2022 values):
    c = (1, 1, 1, 1, 4, -2) for A, B, C, D, E, G; mean 1, deviations (0, 0, 0, 0, 3, -3),
    SD = sqrt(18 / 5) = 1.8974, z = 3 / 1.8974 = 1.5811 → E negative, G positive, A … D stable.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.indicators.social_index import (
    DYNAMICS_CLASSES,
    STATUS_CLASSES,
    classify,
    compute_social_index,
)
from assets.settings import DEFAULTS

M1, M2 = "05999000", "05888000"
INDEX = DEFAULTS["index"]
STATUS = ["unemployment", "sgb2_quota", "child_poverty"]

P = [-2, -1, -1, -1, 0, 2, 3]
Q = [-2, 0, -1, -1, -1, 2, 3]
CHANGE = {"A": 1, "B": 1, "C": 1, "D": 1, "E": 4, "G": -2}


def value_rows(ags, area, date, u, s, c, status=("ok", "ok", "ok")):
    return [
        (ags, area, date, indicator, value if ok == "ok" else np.nan, ok)
        for indicator, value, ok in zip(STATUS, (u, s, c), status, strict=True)
    ]


def frames():
    rows, population = [], []
    for area, p, q in zip("ABCDEFG", P, Q, strict=True):
        u, s, c = 6 + p, 15 + 2 * p, 20 + 5 * q
        rows += value_rows(M1, area, "2024-12-31", u, s, c)
        # November values must not be used for the December Stichtag
        rows += value_rows(M1, area, "2024-11-30", 50, 50, 50)
        if area in CHANGE:
            d = CHANGE[area]
            rows += value_rows(M1, area, "2022-12-31", u - d, s - d, c - d)
        population.append((M1, area, "2024-12-31", 300 if area == "G" else 1000))
    rows += value_rows(M1, "H", "2024-12-31", 30, 30, 30)
    rows += value_rows(M1, "I", "2024-12-31", 6, 15, None, ("ok", "ok", "not_computable"))
    rows += value_rows(M1, "ALL", "2024-12-31", 99, 99, 99)
    population += [(M1, "H", "2024-12-31", 250), (M1, "I", "2024-12-31", 800)]
    # M2: z exactly (1, 1, -1, -1, 0) for every indicator (mean 4, 10, 20; SD 1, 2, 5);
    # Bundesagentur values stamped mid-month, matched to the 31.12. Stichtag by month.
    for area, u, s, c in zip(
        ["X1", "X2", "X3", "X4", "X5"],
        [5, 5, 3, 3, 4],
        [12, 12, 8, 8, 10],
        [25, 25, 15, 15, 20],
        strict=True,
    ):
        rows += value_rows(M2, area, "2024-12-15", u, s, c)
        population.append((M2, area, "2024-12-31", 500))
    values = pd.DataFrame(
        rows,
        columns=[
            "municipality_ags",
            "area_id",
            "reference_date",
            "indicator_id",
            "value",
            "status",
        ],
    )
    values["reference_date"] = pd.to_datetime(values["reference_date"]).dt.date
    population = pd.DataFrame(
        population, columns=["municipality_ags", "area_id", "reference_date", "population"]
    )
    population["reference_date"] = pd.to_datetime(population["reference_date"])
    return values, population


@pytest.fixture(scope="module")
def result():
    values, population = frames()
    return compute_social_index(values, population, INDEX)


def row(frame, ags, area):
    match = frame[(frame.municipality_ags == ags) & (frame.area_id == area)]
    assert len(match) == 1
    return match.iloc[0]


def test_one_row_per_area_and_stichtag(result):
    index, _ = result
    assert sorted(index.area_id) == list("ABCDEFGHI") + ["X1", "X2", "X3", "X4", "X5"]
    assert set(index.reference_date.astype(str)) == {"2024-12-31"}


def test_z_scores_of_status_indicators(result):
    _, parts = result
    status = parts[(parts.municipality_ags == M1) & (parts.component == "status")]
    sd = math.sqrt(10 / 3)
    z = status.set_index(["area_id", "indicator_id"])["z"]
    for area, p, q in zip("ABCDEFG", P, Q, strict=True):
        assert z[(area, "unemployment")] == pytest.approx(p / sd)
        assert z[(area, "sgb2_quota")] == pytest.approx(p / sd)
        assert z[(area, "child_poverty")] == pytest.approx(q / sd)
    assert z[("A", "unemployment")] == pytest.approx(-1.0954, abs=1e-4)
    assert set(status.area_id) == set("ABCDEFG")  # H and I are not standardised


def test_status_index_and_classes(result):
    index, _ = result
    expected = {
        "A": (-6, "high"),
        "B": (-2, "medium"),
        "C": (-3, "medium"),
        "D": (-3, "medium"),
        "E": (-1, "medium"),
        "F": (6, "low"),
        "G": (9, "very_low"),  # exactly 300 inhabitants is enough
    }
    for area, (r, status_class) in expected.items():
        got = row(index, M1, area)
        assert got.status_index == pytest.approx(r / math.sqrt(176 / 6))
        assert got.status_class == status_class
    assert row(index, M1, "F").status_index == pytest.approx(1.1078, abs=1e-4)
    assert row(index, M1, "G").status_index == pytest.approx(1.6617, abs=1e-4)


def test_dynamics_and_needs_action(result):
    index, parts = result
    z = 3 / math.sqrt(18 / 5)
    expected = {
        "A": (0.0, "stable", False),  # high status
        "B": (0.0, "stable", False),
        "C": (0.0, "stable", False),
        "D": (0.0, "stable", False),
        "E": (z, "negative", True),  # medium status getting worse
        "G": (-z, "positive", True),  # very low status, even if improving
    }
    for area, (dynamics, dynamics_class, action) in expected.items():
        got = row(index, M1, area)
        assert got.dynamics_index == pytest.approx(dynamics, abs=1e-12)
        assert got.dynamics_class == dynamics_class
        assert got.needs_action == action
    change = parts[(parts.component == "dynamics") & (parts.area_id == "E")]
    assert list(change.value) == [4.0, 4.0, 4.0]  # percentage points
    assert z == pytest.approx(1.5811, abs=1e-4)


def test_missing_past_values_leave_status_but_not_dynamics(result):
    index, _ = result
    f = row(index, M1, "F")
    assert f.status_class == "low" and f.needs_action == True  # noqa: E712
    assert pd.isna(f.dynamics_index) and f.dynamics_class is None
    assert f.note == "keine Werte vor 2 Jahren für die Dynamik"


def test_excluded_areas_get_null_and_a_note(result):
    index, _ = result
    h, i = row(index, M1, "H"), row(index, M1, "I")
    for got in (h, i):
        assert pd.isna(got.status_index) and pd.isna(got.dynamics_index)
        assert got.status_class is None and got.dynamics_class is None
        assert got.needs_action is pd.NA
    assert h.note == "weniger als 300 Einwohner"
    assert i.note == "Indikator fehlt oder nicht berechenbar: child_poverty"
    assert row(index, M1, "A").note is None


def test_municipalities_are_standardised_separately(result):
    index, _ = result
    # M2 alone: z = (1, 1, -1, -1, 0) exactly; ±1.0 lies on the cutoffs and stays medium
    for area, z in zip(["X1", "X2", "X3", "X4", "X5"], [1.0, 1.0, -1.0, -1.0, 0.0], strict=True):
        got = row(index, M2, area)
        assert got.status_index == z
        assert got.status_class == "medium"
        assert got.needs_action == False  # noqa: E712 (medium, no dynamics without 2022 values)
    # M1's results do not change when M2 is left out
    values, population = frames()
    alone, _ = compute_social_index(
        values[values.municipality_ags == M1], population[population.municipality_ags == M1], INDEX
    )
    pd.testing.assert_frame_equal(alone, index[index.municipality_ags == M1].reset_index(drop=True))


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (-1.0001, "high"),
        (-1.0, "medium"),
        (1.0, "medium"),
        (1.0001, "low"),
        (1.5, "low"),
        (1.5001, "very_low"),
        (float("nan"), None),
    ],
)
def test_status_cutoffs(z, expected):
    assert classify(z, INDEX["cutoffs_status"], STATUS_CLASSES) == expected


@pytest.mark.parametrize(
    ("z", "expected"),
    [(-1.0001, "positive"), (-1.0, "stable"), (1.0, "stable"), (1.01, "negative")],
)
def test_dynamics_cutoffs(z, expected):
    assert classify(z, INDEX["cutoffs_dynamics"], DYNAMICS_CLASSES) == expected


def test_too_few_areas_or_no_spread_give_null_with_note():
    values, population = frames()
    one = compute_social_index(
        values[values.area_id.isin(["A", "H"])],
        population[population.area_id.isin(["A", "H"])],
        INDEX,
    )[0]
    assert pd.isna(row(one, M1, "A").status_index)
    assert row(one, M1, "A").note == (
        "Status nicht berechenbar: weniger als 2 vergleichbare Gebiete (1); "
        "Dynamik nicht berechenbar: weniger als 2 vergleichbare Gebiete (1)"
    )
    # the same SGB II quota everywhere in 2024: no status, but its change still varies
    same = (values.indicator_id == "sgb2_quota") & (
        values.reference_date.astype(str) == "2024-12-31"
    )
    flat = values.assign(value=values.value.mask(same, 10.0))
    index, parts = compute_social_index(flat, population, INDEX)
    assert index[index.municipality_ags == M1].status_index.isna().all()
    assert row(index, M1, "A").note.startswith(
        "Status nicht berechenbar: keine Streuung zwischen den Gebieten: sgb2_quota"
    )
    assert set(parts[parts.municipality_ags == M1].component) == {"dynamics"}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 1000)] * 3), min_size=2, max_size=12))
def test_z_has_mean_zero_and_sd_one(triples):
    rows, population = [], []
    for i, triple in enumerate(triples):
        rows += value_rows(M1, f"A{i}", "2024-12-31", *(v / 10 for v in triple))
        population.append((M1, f"A{i}", "2024-12-31", 1000))
    values = pd.DataFrame(
        rows,
        columns=[
            "municipality_ags",
            "area_id",
            "reference_date",
            "indicator_id",
            "value",
            "status",
        ],
    )
    population = pd.DataFrame(
        population, columns=["municipality_ags", "area_id", "reference_date", "population"]
    )
    index, parts = compute_social_index(values, population, INDEX)
    for _, group in parts.groupby(["component", "indicator_id"]):
        assert abs(group.z.mean()) < 1e-9
        assert abs(group.z.std(ddof=1) - 1) < 1e-9
    if index.status_index.notna().any():
        assert abs(index.status_index.mean()) < 1e-9
        assert abs(index.status_index.std(ddof=1) - 1) < 1e-9
