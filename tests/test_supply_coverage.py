"""Coverage against hand-computed numbers: validity dates, places per 1,000, municipality value."""

import datetime as dt
import math

import pandas as pd

from assets.supply.table import COLUMNS, compute_supply
from tests.test_supply_world import (
    D1,
    D2,
    NO_INDEX,
    SETTINGS,
    facilities,
    facility,
    grid,
    population,
    squares,
)

AREAS = ["SR-A", "SR-B", "SR-C", "SR-D"]  # x 380–381 km, 381–382, 382–383, 383–384
KITA_CHILDREN = {  # EW_U3, EW_3_5 (NaN = secret) -> kita target population
    "SR-A": {"EW_U3": 40, "EW_3_5": 60, "EW": 1000},  # 100
    "SR-B": {"EW_U3": 100, "EW_3_5": 100, "EW": 2000},  # 200
    "SR-C": {"EW_U3": 50, "EW_3_5": math.nan, "EW": 500},  # NULL (secret part)
    "SR-D": {"EW_U3": 10, "EW_3_5": 10, "EW": 100},  # 20
}
FACILITIES = facilities(
    [
        facility("K1", "kita", 380_500, 5_700_500, 50, "SR-A"),
        # on the A/B border; upstream gave it the smaller area_id
        facility("K2", "kita", 381_000, 5_700_500, 20, "SR-A"),
        facility(
            "K3", "kita", 381_500, 5_700_500, 100, "SR-B", dt.date(2015, 1, 1), dt.date(2023, 6, 30)
        ),
        facility("K4", "kita", 381_500, 5_700_700, 30, "SR-B", valid_from=dt.date(2024, 1, 1)),
        facility("K5", "kita", 379_600, 5_700_500, 10, None),  # outside every area
        facility("K6", "kita", 382_500, 5_700_500, 25, "SR-C"),
        facility("K7", "kita", 381_500, 5_700_300, 10, "SR-B", valid_to=D1),  # closes on D1
        facility("M1", "musikschule", 380_200, 5_700_200, 5, "SR-A"),  # no target group
    ]
)
NO_CELLS = grid([])


def supply(social_index=NO_INDEX) -> pd.DataFrame:
    return compute_supply(
        squares(AREAS),
        FACILITIES,
        population(KITA_CHILDREN, dates=(D1, D2)),
        NO_CELLS,
        social_index,
        SETTINGS,
    )


def row(frame, area, date, offer_type) -> pd.Series:
    found = frame[
        (frame["area_id"] == area)
        & (frame["reference_date"] == date)
        & (frame["offer_type"] == offer_type)
    ]
    assert len(found) == 1
    return found.iloc[0]


def test_columns_and_one_row_per_area_date_and_type():
    result = supply()
    assert list(result.columns) == COLUMNS
    # 6 types of the settings + musikschule delivered by a provider = 7; 4 areas x 2 dates x 7
    assert len(result) == 56
    assert set(result["offer_type"]) == {*SETTINGS["target_groups"], "musikschule"}
    assert not result.duplicated(["area_id", "reference_date", "offer_type"]).any()
    assert set(result["reference_date"]) == {D1, D2}


def test_validity_dates_and_places_per_1000_at_first_stichtag():
    result = supply()
    a, b, c, d = (row(result, area, D1, "kita") for area in AREAS)
    # A: K1 50 + K2 20 (border facility counts where upstream put it) = 70 for 100 children
    assert (a.facilities, a.capacity, a.target_population) == (2, 70.0, 100.0)
    assert a.places_per_1000 == 700.0  # 70 / 100 * 1000
    # B: K3 closed 30.06.2023 and K4 opens 01.01.2024 are excluded; K7 closes on D1 and counts
    assert (b.facilities, b.capacity, b.target_population) == (1, 10.0, 200.0)
    assert b.places_per_1000 == 50.0  # 10 / 200 * 1000
    # C: EW_3_5 is secret -> target population and rate NULL, the facility still counts
    assert (c.facilities, c.capacity) == (1, 25.0)
    assert pd.isna(c.target_population) and pd.isna(c.places_per_1000)
    # D: no facility -> 0 places for 20 children
    assert (d.facilities, d.capacity, d.places_per_1000) == (0, 0.0, 0.0)
    # municipality: areas with known values only, sums not means: (70 + 10 + 0) / (100 + 200 + 20)
    assert {r.municipality_places_per_1000 for r in (a, b, c, d)} == {250.0}


def test_validity_dates_at_second_stichtag():
    result = supply()
    b = row(result, "SR-B", D2, "kita")
    # K7 closed on 31.12.2023, K4 (30 places) open since 01.01.2024
    assert (b.facilities, b.capacity, b.places_per_1000) == (1, 30.0, 150.0)
    # (70 + 30 + 0) / 320 * 1000 = 312.5
    assert b.municipality_places_per_1000 == 312.5


def test_types_without_target_group_or_without_facilities():
    result = supply()
    music = row(result, "SR-A", D1, "musikschule")
    assert (music.facilities, music.capacity) == (1, 5.0)
    assert pd.isna(music.target_population) and pd.isna(music.places_per_1000)
    assert not music.gap and pd.isna(music.gap_rank)
    advice = row(result, "SR-B", D1, "beratung")  # EW target, no facility anywhere
    assert (advice.target_population, advice.facilities, advice.places_per_1000) == (2000, 0, 0.0)
    # the municipality has 0 places too: 0 < 0.8 x 0 is false, and beratung has no walking
    # distance, so nothing flags a gap
    assert advice.municipality_places_per_1000 == 0.0 and not advice.gap
    family = row(result, "SR-A", D1, "familienzentrum")  # EW_U15 not delivered
    assert pd.isna(family.target_population)


def test_unknown_capacity_makes_the_area_capacity_unknown():
    unknown = facilities([facility("K9", "kita", 380_500, 5_700_500, None, "SR-A")])
    result = compute_supply(
        squares(AREAS), unknown, population(KITA_CHILDREN), NO_CELLS, NO_INDEX, SETTINGS
    )
    a = row(result, "SR-A", D1, "kita")
    assert a.facilities == 1 and pd.isna(a.capacity) and pd.isna(a.places_per_1000)
    # B and D (A left out, C secret): 0 places / 220 children
    assert a.municipality_places_per_1000 == 0.0


def test_without_cells_accessibility_is_null():
    assert supply()["share_within_distance"].isna().all()
