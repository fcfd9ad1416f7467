"""Walking-distance accessibility against distances computed by hand (EPSG:25832 metres)."""

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.supply.accessibility import accessibility
from assets.supply.table import compute_supply
from tests.test_supply_world import (
    D1,
    D2,
    NO_INDEX,
    SETTINGS,
    X0,
    Y0,
    facilities,
    facility,
    grid,
    population,
    squares,
)

AREAS = ["SR-A", "SR-B", "SR-C"]  # x 380–381 km, 381–382, 382–383 (SR-C has no cells)
WALKING = {"kita": 500, "familienzentrum": 1000}  # beratung: no walking distance
FACILITIES = facilities(
    [
        facility("K5", "kita", 379_600, 5_700_500, 10, None),  # 400 m west of SR-A, in no area
        facility("K2", "kita", 381_000, 5_700_500, 20, "SR-A"),  # on the A/B border
        # closed before D1, right on cell b2: must not count
        facility(
            "K3", "kita", 381_900, 5_700_900, 10, "SR-B", dt.date(2015, 1, 1), dt.date(2023, 6, 30)
        ),
        # opens after D1, right on cell a2
        facility("K4", "kita", 380_400, 5_700_900, 10, "SR-A", valid_from=dt.date(2024, 1, 1)),
        facility("B1", "beratung", 380_500, 5_700_500, 5, "SR-A"),
    ]
)
CELLS = grid(
    [
        (380_100, 5_700_500, 10),  # a1: K5 exactly 500 m west -> within
        (380_400, 5_700_900, 30),  # a2: K2 sqrt(600² + 400²) = 721 m, K5 894 m -> outside
        (381_400, 5_700_500, 20),  # b1: K2 400 m (facility of the neighbouring area) -> within
        (381_900, 5_700_900, 20),  # b2: K2 sqrt(900² + 400²) = 985 m -> outside
        (381_300, 5_700_300, math.nan),  # b3: secret, 361 m from K2 but counts as 0 inhabitants
        (378_500, 5_700_500, 100),  # in no area: ignored
    ]
)
CHILDREN = {area: {"EW_U3": 10, "EW_3_5": 10, "EW": 100} for area in AREAS}


def shares(date) -> dict[tuple[str, str], float]:
    result = compute_supply(
        squares(AREAS),
        FACILITIES,
        population(CHILDREN, dates=(D1, D2)),
        CELLS,
        NO_INDEX,
        {**SETTINGS, "walking_distance_m": WALKING},
    )
    at = result[result["reference_date"] == date]
    return {(r.area_id, r.offer_type): r.share_within_distance for r in at.itertuples()}


def test_share_within_walking_distance_by_hand():
    share = shares(D1)
    # SR-A: a1 (10, exactly at 500 m of the outside facility) within, a2 (30) not: 10 / 40 = 25 %
    assert share["SR-A", "kita"] == 25.0  # percent
    # SR-B: b1 (20) within thanks to the border facility of SR-A, b2 (20) not (its kita closed),
    # the secret cell adds nobody: 20 / 40 = 50 %
    assert share["SR-B", "kita"] == 50.0


def test_area_without_cells_is_null():
    share = shares(D1)
    assert all(pd.isna(share["SR-C", offer_type]) for offer_type in ("kita", "familienzentrum"))


def test_type_without_facility_is_zero_and_type_without_distance_is_null():
    share = shares(D1)
    assert share["SR-A", "familienzentrum"] == 0.0 and share["SR-B", "familienzentrum"] == 0.0
    assert pd.isna(share["SR-A", "beratung"]) and pd.isna(share["SR-B", "beratung"])


def test_facility_opening_later_counts_from_its_date():
    # K4 opens on 01.01.2024 right on a2: at D2 all 40 inhabitants of SR-A are within 500 m
    assert shares(D2)["SR-A", "kita"] == 100.0


coordinates = st.floats(min_value=0.0, max_value=2000.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(
        st.tuples(coordinates, st.floats(0.0, 1000.0), st.sampled_from([0.0, 1.0, 7.0, math.nan])),
        min_size=1,
        max_size=25,
    ),
    sites=st.lists(st.tuples(st.floats(-500.0, 2500.0), st.floats(-500.0, 1500.0)), max_size=5),
    distances=st.tuples(st.floats(0.0, 3000.0), st.floats(0.0, 3000.0)),
)
def test_share_is_a_percentage_and_grows_with_the_walking_distance(cells, sites, distances):
    polygons = squares(["SR-A", "SR-B"])
    cell_grid = grid([(X0 + x, Y0 + y, people) for x, y, people in cells])
    valid = facilities(
        [facility(f"F{i}", "kita", X0 + x, Y0 + y, 1, None) for i, (x, y) in enumerate(sites)]
    ).assign(reference_date=pd.Timestamp(D1))
    near, far = sorted(distances)
    low, high = (
        accessibility(polygons, cell_grid, valid, [pd.Timestamp(D1)], {"kita": walking}).set_index(
            "area_id"
        )["share_within_distance"]
        for walking in (near, far)
    )
    assert ((low >= 0) & (low <= 100) & (high >= 0) & (high <= 100)).all()
    assert (low <= high).all()
    assert low.index.equals(high.index)
    assert np.isfinite(low).all()
