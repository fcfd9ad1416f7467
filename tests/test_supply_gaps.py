"""Gap flags, German reasons, unserved persons and the ranking (needs_action, class, unserved)."""

import datetime as dt
import math

import pandas as pd
import pytest

from assets.supply.gaps import flag_gaps, rank_gaps, unserved
from assets.supply.table import compute_supply
from tests.test_supply_coverage import AREAS, FACILITIES, KITA_CHILDREN, NO_CELLS
from tests.test_supply_world import AGS, D1, NO_INDEX, SETTINGS, population, social_index, squares

NAN = math.nan
# Municipality: 250 places per 1,000, so the coverage threshold is 0.8 x 250 = 200; reach
# threshold 0.6 in the settings, i.e. 60 % (shares are in percent). unserved (persons) =
# max(target x (1 - places / 250), target x (1 - share / 100)).
ROWS = pd.DataFrame(
    [
        # area, places, share, target, capacity
        # coverage gap; 100 x (1 - 100/250) = 60, reach unknown -> 60
        ("SR-A", 100.0, NAN, 100.0, 10.0),
        # coverage gap; 400 x (1 - 175/250) = 120 > 400 x (1 - 0.9) = 40 -> 120
        ("SR-B", 175.0, 90.0, 400.0, 70.0),
        # reach gap only; 200 x (1 - 300/250) = -40 < 200 x (1 - 0.5) = 100 -> 100
        ("SR-C", 300.0, 50.0, 200.0, 60.0),
        # exactly at both thresholds: no gap; 200 x (1 - 200/250) = 40 < 200 x 0.4 = 80 -> 80
        ("SR-D", 200.0, 60.0, 200.0, 40.0),
        # nothing known: no gap, unserved NULL
        ("SR-E", NAN, NAN, NAN, 0.0),
        # coverage gap; 200 x (1 - 50/250) = 160 > 200 x (1 - 0.9) = 20 -> 160
        ("SR-F", 50.0, 90.0, 200.0, 10.0),
        # coverage gap; 400 x (1 - 0/250) = 400, no social index
        ("SR-G", 0.0, NAN, 400.0, 0.0),
    ],
    columns=[
        "area_id",
        "places_per_1000",
        "share_within_distance",
        "target_population",
        "capacity",
    ],
).assign(
    municipality_ags=AGS,
    reference_date=pd.Timestamp(D1),
    offer_type="kita",
    municipality_places_per_1000=250.0,
)
INDEX = social_index(
    [  # the index Stichtag only has to share the month with the supply Stichtag
        ("SR-A", dt.date(2023, 12, 15), "high", False),
        ("SR-B", dt.date(2023, 12, 15), "low", True),
        ("SR-C", dt.date(2023, 12, 15), "very_low", True),
        ("SR-D", dt.date(2023, 12, 15), "very_low", True),
        ("SR-F", dt.date(2023, 12, 15), "low", True),
        ("SR-G", dt.date(2022, 12, 31), "very_low", True),  # other year: does not apply
    ]
)


def flagged() -> pd.DataFrame:
    rows = ROWS.assign(unserved=unserved(ROWS))
    return flag_gaps(rows, SETTINGS).set_index("area_id", drop=False)


def test_unserved_target_population():
    served = flagged()["unserved"]
    assert served.drop("SR-E").to_dict() == pytest.approx(
        {
            "SR-A": 60.0,
            "SR-B": 120.0,
            "SR-C": 100.0,  # a reach-only gap still leaves people unserved
            "SR-D": 80.0,
            "SR-F": 160.0,
            "SR-G": 400.0,
        }
    )
    assert pd.isna(served["SR-E"])


def test_unserved_without_municipal_rate_counts_reach_only():
    # No place of the type in the whole municipality: no rate to compare with, but the
    # 300 x (1 - 25 %) = 225 people beyond the walking distance are still unserved.
    rows = ROWS.head(1).assign(
        places_per_1000=0.0, municipality_places_per_1000=0.0, share_within_distance=25.0
    )
    assert rows.assign(target_population=300.0).pipe(unserved).tolist() == [225.0]


def test_unserved_is_a_whole_number_of_persons():
    # 333 x (1 - 50 %) = 166.5 persons beyond the walking distance: 167 (halves round up);
    # 101 x (1 - 100/250) = 60.6 by places: 61
    rows = ROWS.head(2).assign(
        target_population=[333.0, 101.0],
        places_per_1000=[NAN, 100.0],
        share_within_distance=[50.0, NAN],
    )
    assert unserved(rows).tolist() == [167.0, 61.0]


def test_share_threshold_of_the_settings_is_a_fraction_compared_in_percent():
    # gap_min_share_within 0.29 means 29 %: a share of exactly 29 % is no gap, 28.9 % is one
    # (0.29 * 100 is 28.999999999999996 in floating point: the threshold is rounded first)
    rows = ROWS.head(2).assign(places_per_1000=NAN, share_within_distance=[29.0, 28.9])
    rows = flag_gaps(rows, {**SETTINGS, "gap_min_share_within": 0.29})
    assert rows["gap"].tolist() == [False, True]
    assert rows["gap_reason"].iloc[1] == (
        "nur 28,9 % der Bevölkerung wohnen höchstens 500 m entfernt (Schwelle 29 %)"
    )


def test_gap_flags_and_german_reasons():
    rows = flagged()
    assert rows["gap"].to_dict() == {
        "SR-A": True,
        "SR-B": True,
        "SR-C": True,
        "SR-D": False,
        "SR-E": False,
        "SR-F": True,
        "SR-G": True,
    }
    assert rows.loc["SR-A", "gap_reason"] == (
        "Versorgungsquote 100,0 Plätze je 1.000 unter 80 % des Gemeindewerts (250,0)"
    )
    assert rows.loc["SR-C", "gap_reason"] == (
        "nur 50,0 % der Bevölkerung wohnen höchstens 500 m entfernt (Schwelle 60 %)"
    )
    assert rows.loc[["SR-D", "SR-E"], "gap_reason"].isna().all()


def test_rank_needs_action_first_then_status_class_then_unserved():
    rows = flagged()
    rank = rank_gaps(rows, INDEX)
    # needs_action: C (very_low, 100) before F and B (low) although fewer are unserved there;
    # within low F (160) before B (120); then A (high, no need to act); G last (no index of
    # that month: class unknown)
    assert rank.dropna().to_dict() == {"SR-C": 1, "SR-F": 2, "SR-B": 3, "SR-A": 4, "SR-G": 5}
    assert rank[["SR-D", "SR-E"]].isna().all()  # no gap, no rank


def test_rank_without_index_by_unserved_only():
    rank = rank_gaps(flagged(), NO_INDEX)
    # G 400, F 160, B 120, C 100, A 60
    assert rank.dropna().to_dict() == {"SR-G": 1, "SR-F": 2, "SR-B": 3, "SR-C": 4, "SR-A": 5}


def test_rank_ties_in_class_and_unserved_go_by_area_id():
    rows = flagged().assign(unserved=100.0)
    index = INDEX.assign(status_class="medium", needs_action=False)
    # all equal but G (no index): A, B, C, F by area_id, G last
    assert rank_gaps(rows, index).dropna().to_dict() == {
        "SR-A": 1,
        "SR-B": 2,
        "SR-C": 3,
        "SR-F": 4,
        "SR-G": 5,
    }


def test_compute_supply_ranks_gaps_per_stichtag_and_type():
    def kita_ranks(index):
        result = compute_supply(
            squares(AREAS),
            FACILITIES,
            population(KITA_CHILDREN),
            NO_CELLS,
            index,
            SETTINGS,
        )
        kita = result[(result["offer_type"] == "kita") & result["gap"]]
        return dict(zip(kita["area_id"], kita["gap_rank"], strict=True))

    # municipality 250 -> threshold 200: B (50) and D (0) are gaps, A (700) is not, C unknown.
    # unserved (no cells, so by places only): B 200 x (1 - 50/250) = 160, D 20 x (1 - 0) = 20
    assert kita_ranks(NO_INDEX) == {"SR-B": 1, "SR-D": 2}
    # D needs action: it comes first although fewer are unserved there
    needs = social_index([("SR-B", D1, "medium", False), ("SR-D", D1, "low", True)])
    assert kita_ranks(needs) == {"SR-D": 1, "SR-B": 2}
