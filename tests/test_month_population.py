"""A report month's population (issue 15, item 2): the month's reference date is its last day.

The Bundesagentur's monthly figures carry the month's last day, so `child_poverty` for December
2024 divides by the population of 31.12.2024. Reach for the same month must use the same
Stichtag: the latest population Stichtag at or before the month's last day. Hand-computed:
Stichtage 31.12.2023 (SR-A EW_U3 = 100) and 31.12.2024 (SR-A EW_U3 = 200); 10 target-group
participants give a reach of 10 % in November 2024 and 5 % in December 2024.
"""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from assets.controlling.kpis import FACILITY_COLUMNS, compute_measure_kpis
from assets.controlling.target_population import (
    measure_terms,
    population_at,
    target_population_by_date,
)
from assets.indicators.catalog import BY_ID
from assets.planning import Goals, Measure
from assets.warehouse import ensure_schema, insert_frame
from tests.test_indicator_values import compute_indicator_values

AGS = "05999000"
MEASURE = Measure("M-1", "TR-01", "Krabbelgruppe", ["SR-A"], 0, 2, 20.0, {})


def _population() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (AGS, "SR-A", dt.date(2023, 12, 31), "EW_U3", 100.0),
            (AGS, "SR-A", dt.date(2024, 12, 31), "EW_U3", 200.0),
        ],
        columns=["municipality_ags", "area_id", "reference_date", "code", "value"],
    )


def _report(month: str) -> dict:
    return dict(
        provider_id="TR-01",
        measure_id="M-1",
        month=dt.date.fromisoformat(f"{month}-01"),
        area_id="SR-A",
        municipality_ags=AGS,
        participants=12.0,
        target_group_participants=10.0,
        new_participants=1.0,
        hours=10.0,
        cost_eur=100.0,
    )


def test_population_at_takes_the_latest_stichtag_at_or_before_the_months_last_day():
    by_date = target_population_by_date(_population(), measure_terms([MEASURE]))
    keys = pd.DataFrame(
        {
            "measure_id": ["M-1"] * 4,
            "month": pd.to_datetime(["2024-12-01", "2024-11-01", "2025-01-01", "2023-11-01"]),
        }
    )
    found = population_at(by_date, keys)
    assert found["reference_date"].dt.date.tolist()[:3] == [
        dt.date(2024, 12, 31),  # December's last day is the Stichtag itself
        dt.date(2023, 12, 31),  # November: 31.12.2024 lies after 30.11.2024
        dt.date(2024, 12, 31),
    ]
    assert found["value"].tolist()[:3] == [200.0, 100.0, 200.0]
    assert pd.isna(found["reference_date"].iloc[3])  # before any Stichtag: none


def test_reach_of_december_uses_the_population_of_its_31_december():
    reports = pd.DataFrame([_report("2024-11"), _report("2024-12")])
    responses = pd.DataFrame(columns=["measure_id", "survey_date", "answer"])
    kpis = compute_measure_kpis(
        reports,
        responses,
        _population(),
        pd.DataFrame(columns=FACILITY_COLUMNS),
        Goals(measures=[MEASURE]),
        ["2024-11", "2024-12"],
    ).set_index("month")
    november, december = kpis.loc[dt.date(2024, 11, 1)], kpis.loc[dt.date(2024, 12, 1)]
    assert november["population_date"] == dt.date(2023, 12, 31)
    assert november["target_population"] == 100
    assert november["reach"] == pytest.approx(10.0)  # 10 / 100 × 100
    assert december["population_date"] == dt.date(2024, 12, 31)
    assert december["target_population"] == 200
    assert december["reach"] == pytest.approx(5.0)  # 10 / 200 × 100


def test_reach_and_child_poverty_of_one_month_share_the_stichtag():
    """The indicator values divide the Bundesagentur's month-end figures by the population of the
    latest Stichtag at or before that date; the KPIs of the same month must name the same one."""
    con = duckdb.connect()
    ensure_schema(con)
    insert_frame(
        con,
        "areas",
        pd.DataFrame({"municipality_ags": [AGS], "area_id": ["SR-A"], "area_name": ["A"]}),
    )
    rows = [
        (AGS, "SR-A", dt.date(2023, 12, 31), "EW_U15", 1000.0),
        (AGS, "SR-A", dt.date(2024, 12, 31), "EW_U15", 800.0),
        (AGS, "SR-A", dt.date(2024, 11, 30), "SGB2_NEF_U15", 80.0),
        (AGS, "SR-A", dt.date(2024, 12, 31), "SGB2_NEF_U15", 80.0),
    ]
    frame = pd.DataFrame(
        rows, columns=["municipality_ags", "area_id", "reference_date", "code", "value"]
    )
    insert_frame(con, "small_area_statistics", frame)
    values = compute_indicator_values(con, [BY_ID["child_poverty"]])
    values = values[values["area_id"] == "SR-A"].set_index("reference_date")
    indicator_dates = {
        pd.Timestamp(day).strftime("%Y-%m"): pd.Timestamp(values.loc[day, "denominator_date"])
        for day in values.index
    }
    by_date = target_population_by_date(_population(), measure_terms([MEASURE]))
    keys = pd.DataFrame(
        {"measure_id": ["M-1", "M-1"], "month": pd.to_datetime(["2024-11-01", "2024-12-01"])}
    )
    found = population_at(by_date, keys)["reference_date"].tolist()
    assert indicator_dates == {"2024-11": found[0], "2024-12": found[1]}
    assert found == [pd.Timestamp("2023-12-31"), pd.Timestamp("2024-12-31")]
