"""The Great Expectations checks, called directly on a real internal DuckDB with planted defects.

The readers quarantine such rows, so a pipeline run never shows these checks failing; here the
tables are written by hand to prove the suites (which load only the columns they read, as
categories) still see every row.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from assets.resources import Warehouse
from assets.warehouse import insert_frame
from checks.asset_checks import (
    measure_reports_expectations,
    needs_survey_responses_expectations,
    small_area_statistics_expectations,
)


def report(measure: str, area: str, participants: float, target_group: float, row: int = 2) -> dict:
    return dict(
        provider_id="TR-01",
        measure_id=measure,
        month=dt.date(2025, 3, 1),
        area_id=area,
        municipality_ags="05999000",
        participants=participants,
        target_group_participants=target_group,
        new_participants=0.0,
        hours=10.0,
        cost_eur=100.0,
        source_file="providers/TR-01/reports/2025-03.csv",
        row_number=row,
    )


def warehouse_with(tmp_path, **tables: pd.DataFrame) -> Warehouse:
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    areas = pd.DataFrame({"municipality_ags": "05999000", "area_id": ["SR-A", "SR-B"]})
    with warehouse.connect() as con:
        insert_frame(con, "areas", areas)
        for name, frame in tables.items():
            insert_frame(con, name, frame)
    return warehouse


def failed(result: dg.AssetCheckResult) -> str:
    return result.metadata["failed_expectations"].value


def sample_rows(result: dg.AssetCheckResult) -> pd.Series:
    """The Markdown table `sample_failing_rows` read back: expectation -> its rows' cells."""
    lines = result.metadata["sample_failing_rows"].value.splitlines()[2:]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return pd.Series([c[1:] for c in cells], index=[c[0] for c in cells]).groupby(level=0).agg(list)


def test_measure_report_suite_fails_on_a_repeated_key_an_unknown_area_and_a_too_big_target_group(
    tmp_path,
):
    rows = [report("M-1", "SR-A", 10, 5)] * 2  # the same measure, month and area twice
    rows += [report("M-2", "SR-Z", 10, 5, row=7), report("M-3", "SR-B", 4, 9, row=8)]
    rows += [report(f"M-{i}", "SR-B", 20, 3) for i in range(10, 60)]  # 50 good rows
    result = measure_reports_expectations(
        warehouse_with(tmp_path, measure_reports=pd.DataFrame(rows))
    )
    assert result.passed is False
    assert result.metadata["rows_validated"].value == 54
    text = failed(result)
    assert "expect_compound_columns_to_be_unique" in text
    assert "expect_column_values_to_be_in_set" in text and "SR-Z" in text
    assert "expect_column_pair_values_a_to_be_greater_than_b" in text
    sample = sample_rows(result)
    # the unknown area and the too big target group, each named by file, row and key
    assert sample.loc["expect_column_values_to_be_in_set"] == [
        [
            "providers/TR-01/reports/2025-03.csv",
            "7",
            "TR-01",
            "M-2",
            "2025-03-01",
            "SR-Z",
            "area_id=SR-Z",
        ]
    ]
    assert sample.loc["expect_column_pair_values_a_to_be_greater_than_b"] == [
        [
            "providers/TR-01/reports/2025-03.csv",
            "8",
            "TR-01",
            "M-3",
            "2025-03-01",
            "SR-B",
            "participants=4.0, target_group_participants=9.0",
        ]
    ]
    assert len(sample.loc["expect_compound_columns_to_be_unique"]) == 2  # both rows of the key


def test_small_area_statistics_suite_passes_on_clean_rows_and_fails_on_a_negative_value(tmp_path):
    def stats(values):
        return pd.DataFrame(
            {
                "municipality_ags": "05999000",
                "area_id": ["SR-A", "SR-B", "SR-A"],
                "reference_date": dt.date(2025, 12, 31),
                "code": ["EW", "EW", "HH"],
                "value": values,
                "symbol": None,
                "source_file": "statistics/small_area/a.csv",
                "row_number": [2, 3, 4],
            }
        )

    clean = small_area_statistics_expectations(
        warehouse_with(tmp_path / "clean", small_area_statistics=stats([100.0, 200.0, 50.0]))
    )
    assert clean.passed is True
    negative = small_area_statistics_expectations(
        warehouse_with(tmp_path / "bad", small_area_statistics=stats([100.0, -3.0, 50.0]))
    )
    assert negative.passed is False
    assert "expect_column_values_to_be_between" in failed(negative) and "-3" in failed(negative)


def test_needs_survey_suite_passes_on_clean_answers_and_names_a_rating_of_six(tmp_path):
    def answers(ratings):
        return pd.DataFrame(
            {
                "survey_id": ["B-1", "B-2", "B-3"],
                "respondent_group": ["residents", "professionals", "residents"],
                "municipality_ags": "05999000",
                "area_id": ["SR-A", "SR-B", "SR-A"],
                "topic": "Kinderbetreuung",
                "rating": ratings,
                "source_file": "surveys/needs/2025.csv",
                "row_number": [2, 3, 4],
            }
        )

    clean = needs_survey_responses_expectations(
        warehouse_with(tmp_path / "clean", needs_survey_responses=answers([1.0, 5.0, 3.0]))
    )
    assert clean.passed is True
    bad = needs_survey_responses_expectations(
        warehouse_with(tmp_path / "bad", needs_survey_responses=answers([1.0, 6.0, 3.0]))
    )
    assert bad.passed is False
    assert sample_rows(bad).loc["expect_column_values_to_be_in_set"] == [
        ["surveys/needs/2025.csv", "3", "B-2", "SR-B", "rating=6.0"]
    ]
