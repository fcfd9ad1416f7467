"""The indicator and index checks find what they look for (and pass on good data)."""

import duckdb
import pandas as pd
import pytest

from assets.settings import DEFAULTS
from assets.warehouse import ensure_schema, insert_frame
from checks import indicator_checks


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    return con


def test_share_above_100_is_found_but_dependency_ratios_may_exceed_it(con):
    insert_frame(
        con,
        "indicator_values",
        pd.DataFrame(
            {
                "area_id": ["A", "A", "B"],
                "reference_date": pd.to_datetime(["2025-12-31"] * 3),
                "indicator_id": ["child_poverty", "old_age_dependency", "child_poverty"],
                "value": [104.0, 140.0, 20.0],
                "status": ["ok"] * 3,
            }
        ),
    )
    found = indicator_checks.shares_outside_0_100(con)
    assert found[["area_id", "indicator_id"]].values.tolist() == [["A", "child_poverty"]]


def test_valid_area_without_class_is_found(con):
    date = pd.Timestamp("2025-12-31")
    insert_frame(
        con,
        "small_area_statistics",
        pd.DataFrame(
            {
                "area_id": ["A", "B"],
                "reference_date": [date, date],
                "code": ["EW", "EW"],
                "value": [5000.0, 200.0],
            }
        ),
    )
    status = DEFAULTS["index"]["status_indicators"]
    insert_frame(
        con,
        "indicator_values",
        pd.DataFrame(
            {
                "area_id": ["A"] * 3 + ["B"] * 3,
                "reference_date": [date] * 6,
                "indicator_id": status * 2,
                "value": [5.0] * 6,
                "status": ["ok"] * 6,
            }
        ),
    )
    insert_frame(
        con,
        "social_index",
        pd.DataFrame(
            {"area_id": ["A", "B"], "reference_date": [date, date], "status_class": [None, None]}
        ),
    )
    found = indicator_checks.valid_areas_without_status_class(con, DEFAULTS["index"])
    assert found["area_id"].tolist() == ["A"]  # B has fewer than 300 inhabitants
    con.execute("UPDATE social_index SET status_class = 'medium' WHERE area_id = 'A'")
    assert indicator_checks.valid_areas_without_status_class(con, DEFAULTS["index"]).empty


def test_z_scores_must_have_mean_0_and_sd_1(con):
    date = pd.Timestamp("2025-12-31")
    z = [-1.0, 0.0, 1.0]  # mean 0, sample SD 1
    insert_frame(
        con,
        "social_index_components",
        pd.DataFrame(
            {
                "municipality_ags": "1",
                "area_id": ["A", "B", "C"],
                "reference_date": date,
                "component": "status",
                "indicator_id": "unemployment",
                "z": z,
            }
        ),
    )
    assert indicator_checks.z_scores_not_standardised(con).empty
    con.execute("UPDATE social_index_components SET z = z + 0.001")
    found = indicator_checks.z_scores_not_standardised(con)
    assert found["mean"].round(6).tolist() == [0.001]
