"""Expectation suites per ingested source (what must hold for loaded rows).

The readers already quarantine row-level defects; these suites guard the loaded tables as a whole
(schema, keys, value domains), so that a reader bug or an unforeseen delivery cannot poison the
indicators unnoticed.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from assets.ingest.statistics import CODES
from assets.ingest.zensus import X_RANGE, Y_RANGE

MAX_AREA_KM2 = 1000.0


def areas_suite() -> list:
    return [
        *[
            gxe.ExpectColumnToExist(column=c)
            for c in ("municipality_ags", "area_id", "area_name", "district_name", "geometry_wkt")
        ],
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="area_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="area_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="municipality_ags", regex=r"^\d{8}$"),
        # Berlin, the largest municipality, has 891 km²: no Sozialraum can be larger
        gxe.ExpectColumnValuesToBeBetween(
            column="area_km2", min_value=0, strict_min=True, max_value=MAX_AREA_KM2
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="area_km2"),  # NaN: coordinates not finite
        # the reader refuses these; a polygon at Infinity must never pass unseen again
        gxe.ExpectColumnValuesToNotMatchRegex(column="geometry_wkt", regex=r"Infinity|NaN"),
    ]


def small_area_statistics_suite(area_ids: list[str]) -> list:
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="reference_date"),
        gxe.ExpectColumnValuesToBeInSet(column="area_id", value_set=area_ids),
        gxe.ExpectColumnValuesToBeInSet(column="code", value_set=sorted(CODES)),
        gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["area_id", "reference_date", "code"]),
        gxe.ExpectColumnValuesToNotBeNull(column="municipality_ags"),
    ]


def genesis_suite() -> list:
    return [
        gxe.ExpectColumnValuesToMatchRegex(column="municipality_ags", regex=r"^\d{8}$"),
        gxe.ExpectColumnValuesToNotBeNull(column="reference_date"),
        gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=[
                "municipality_ags",
                "reference_date",
                "statistics_code",
                "variable_code",
                "breakdown",
            ]
        ),
    ]


def zensus_suite() -> list:
    return [
        gxe.ExpectColumnValuesToBeUnique(column="cell_id"),
        gxe.ExpectColumnValuesToBeBetween(
            column="x_3035", min_value=X_RANGE[0], max_value=X_RANGE[1]
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="y_3035", min_value=Y_RANGE[0], max_value=Y_RANGE[1]
        ),
        gxe.ExpectColumnValuesToBeBetween(column="population", min_value=0),
    ]


def facilities_suite(area_ids: list[str]) -> list:
    return [
        gxe.ExpectColumnValuesToBeUnique(column="facility_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="area_id"),
        gxe.ExpectColumnValuesToBeInSet(column="area_id", value_set=area_ids),
        gxe.ExpectColumnValuesToBeBetween(column="lon", min_value=-180, max_value=180),
        gxe.ExpectColumnValuesToBeBetween(column="lat", min_value=-90, max_value=90),
        gxe.ExpectColumnValuesToBeBetween(column="capacity", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="valid_from"),
    ]


def measure_reports_suite(area_ids: list[str]) -> list:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["measure_id", "month", "area_id"]),
        gxe.ExpectColumnValuesToBeInSet(column="area_id", value_set=area_ids),
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0)
            for c in (
                "participants",
                "target_group_participants",
                "new_participants",
                "hours",
                "cost_eur",
            )
        ],
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="participants", column_B="target_group_participants", or_equal=True
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="participants", column_B="new_participants", or_equal=True
        ),
    ]


def satisfaction_responses_suite() -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="answer", value_set=[1, 2, 3, 4, 5]),
        gxe.ExpectColumnValuesToNotBeNull(column="measure_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="survey_date"),
    ]


def needs_survey_suite(area_ids: list[str]) -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="rating", value_set=[1, 2, 3, 4, 5]),
        gxe.ExpectColumnValuesToBeInSet(
            column="respondent_group", value_set=["residents", "professionals"]
        ),
        gxe.ExpectColumnValuesToBeInSet(column="area_id", value_set=area_ids),
        gxe.ExpectColumnValuesToNotBeNull(column="survey_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="topic"),
    ]
