"""Gap flags, German reasons and the ranking (needs_action first, then status, then unserved)."""

import datetime as dt
import math

import pandas as pd

from assets.supply.gaps import flag_gaps, rank_gaps, unserved
from assets.supply.table import compute_supply
from tests.test_supply_coverage import AREAS, FACILITIES, KITA_CHILDREN, NO_CELLS
from tests.test_supply_world import AGS, D1, NO_INDEX, SETTINGS, population, social_index, squares

NAN = math.nan
# Municipality: 250 places per 1,000, so the coverage threshold is 0.8 x 250 = 200; reach
# threshold 0.6. unserved = max(0, target x 250 / 1000 - capacity).
ROWS = pd.DataFrame(
    [
        # area, places, share, target, capacity
        ("SR-A", 100.0, NAN, 100.0, 10.0),  # coverage gap; unserved 25 - 10 = 15
        ("SR-B", 150.0, 0.9, 400.0, 60.0),  # coverage gap; unserved 100 - 60 = 40
        ("SR-C", 300.0, 0.5, 200.0, 60.0),  # reach gap only; unserved max(0, 50 - 60) = 0
        ("SR-D", 200.0, 0.6, 200.0, 40.0),  # exactly at both thresholds: no gap
        ("SR-E", NAN, NAN, NAN, 0.0),  # nothing known: no gap
        ("SR-F", 50.0, 0.9, 200.0, 10.0),  # coverage gap; unserved 50 - 10 = 40
        ("SR-G", 0.0, NAN, 400.0, 0.0),  # coverage gap; unserved 100, no social index
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
        ("SR-A", dt.date(2023, 12, 15), 0.5, False),
        ("SR-B", dt.date(2023, 12, 15), 2.0, False),
        ("SR-C", dt.date(2023, 12, 15), 1.2, True),
        ("SR-D", dt.date(2023, 12, 15), 3.0, True),
        ("SR-F", dt.date(2023, 12, 15), 1.2, True),
        ("SR-G", dt.date(2022, 12, 31), 9.9, True),  # other year: does not apply
    ]
)


def flagged() -> pd.DataFrame:
    rows = ROWS.assign(unserved=unserved(ROWS))
    return flag_gaps(rows, SETTINGS).set_index("area_id", drop=False)


def test_unserved_places():
    assert flagged()["unserved"].tolist()[:4] == [15.0, 40.0, 0.0, 10.0]


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


def test_rank_needs_action_first_then_status_then_unserved():
    rows = flagged()
    rank = rank_gaps(rows, INDEX)
    # needs_action: F and C (status 1.2 both; F 40 unserved before C 0), then B (2.0),
    # A (0.5), G (no index of that month: status unknown, last)
    assert rank.dropna().to_dict() == {"SR-F": 1, "SR-C": 2, "SR-B": 3, "SR-A": 4, "SR-G": 5}
    assert rank[["SR-D", "SR-E"]].isna().all()  # no gap, no rank


def test_rank_without_index_by_unserved_only():
    rank = rank_gaps(flagged(), NO_INDEX)
    # G 100, B 40 and F 40 (tie: area_id), A 15, C 0
    assert rank.dropna().to_dict() == {"SR-G": 1, "SR-B": 2, "SR-F": 3, "SR-A": 4, "SR-C": 5}


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
    # unserved: B 200 x 250 / 1000 - 10 = 40, D 20 x 250 / 1000 - 0 = 5
    assert kita_ranks(NO_INDEX) == {"SR-B": 1, "SR-D": 2}
    # D needs action: it comes first although less is missing there
    needs = social_index([("SR-B", D1, 1.4, False), ("SR-D", D1, 0.2, True)])
    assert kita_ranks(needs) == {"SR-D": 1, "SR-B": 2}
