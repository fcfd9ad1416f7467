"""Dagster asset checks: one Great Expectations suite per ingested source, plus reconciliation.

Severity says what a failure means for the run:
- ERROR and blocking: the GX suites of every source, the population reconciliation, shares in
  0 … 100 and standardised z-scores. Rows that break them would flow into every indicator, the
  social index and the KPIs, so downstream assets wait and nothing wrong is published.
- WARN, not blocking: `valid_areas_have_status_class`. An area without a class is shown as
  "keine Angabe" in the maps and profiles; every other area's figures stay right, so the refresh
  publishes and the data team follows the warning up.

Each GX check records its expectation results in the internal `check_results` table (they feed
`data_quality`) and shows the failing expectations with sample values, and sample failing rows
(source file, row number, the row's key) in its metadata.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from assets.indicators.assets import indicator_values, social_index
from assets.ingest.assets import (
    areas,
    facilities,
    genesis_values,
    measure_reports,
    needs_survey_responses,
    satisfaction_responses,
    small_area_statistics,
    zensus_grid,
)
from assets.metadata import markdown_table
from assets.resources import DataRoot, Warehouse
from assets.warehouse import insert_frame
from checks import indicator_checks
from checks.published_checks import PUBLISHED_CHECKS
from checks.reconciliation import population_reconciliation

# What identifies an offending row for the data team: where it came from and its key.
ROW_KEYS = {
    "areas": ["source_file", "area_id"],
    "small_area_statistics": ["source_file", "row_number", "area_id", "reference_date", "code"],
    "genesis_values": [
        "source_file",
        "row_number",
        "municipality_ags",
        "reference_date",
        "variable_code",
    ],
    "zensus_grid": ["source_file", "row_number", "cell_id"],
    "facilities": ["source_file", "row_number", "provider_id", "facility_id"],
    "measure_reports": [
        "source_file",
        "row_number",
        "provider_id",
        "measure_id",
        "month",
        "area_id",
    ],
    "satisfaction_responses": ["source_file", "row_number", "provider_id", "measure_id"],
    "needs_survey_responses": ["source_file", "row_number", "survey_id", "area_id"],
}


def _gx_check(warehouse: Warehouse, source: str, table: str, build_suite) -> dg.AssetCheckResult:
    from checks.gx_runner import run_suite  # lazy: importing GX takes seconds

    with warehouse.connect() as con:
        expectations = build_suite(con)
        frame = _validated_columns(con, table, expectations, ROW_KEYS[table])
        keys = [c for c in ROW_KEYS[table] if c in frame.columns]
        outcomes = run_suite(frame, f"{table}_suite", expectations, keys)
        results = pd.DataFrame(
            [
                {
                    "source": source,
                    "check_name": f"{table}_expectations",
                    "expectation": o.expectation,
                    "success": o.success,
                    "unexpected_count": o.unexpected_count,
                    "details": ", ".join(map(str, o.sample)) or None,
                }
                for o in outcomes
            ]
        ).assign(checked_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        con.execute("DELETE FROM check_results WHERE source = ?", [source])
        insert_frame(con, "check_results", results)
    failed = results[~results["success"]]
    return dg.AssetCheckResult(
        passed=failed.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows_validated": len(frame),
            "expectations_passed": int(results["success"].sum()),
            "expectations_failed": len(failed),
            "failed_expectations": dg.MetadataValue.md(
                markdown_table(failed[["expectation", "unexpected_count", "details"]])
            ),
            "sample_failing_rows": dg.MetadataValue.md(
                markdown_table(failing_rows(outcomes, keys))
            ),
        },
    )


def failing_rows(outcomes: list, keys: list[str]) -> pd.DataFrame:
    """The sample offending rows of every failed expectation: its name, the row's source file,
    row number and key, and the values the expectation checked."""
    rows = [
        {
            "expectation": o.expectation.split("(")[0],
            **{k: _text(row.get(k)) for k in keys},
            "checked_values": ", ".join(f"{c}={_text(row.get(c))}" for c in o.columns),
        }
        for o in outcomes
        if not o.success
        for row in o.rows
    ]
    return pd.DataFrame(rows, columns=["expectation", *keys, "checked_values"])


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return f"{value:%Y-%m-%d}"
    return str(value)


def _validated_columns(con, table: str, expectations: list, keys: list[str]) -> pd.DataFrame:
    """The table's columns that the suite reads and the row keys, text columns as categories.

    A state-wide table has millions of rows; loading only what the expectations look at (and
    what names an offending row), with repeated texts (area ids, codes, file names) stored once
    per distinct value, cuts the check's memory about 15x and its time about 7x, for the same
    expectation results over every row. A column an expectation names but the table lacks is
    left out, so that expectation fails.
    """
    wanted: list[str] = list(keys)
    for expectation in expectations:
        for attribute in ("column", "column_A", "column_B"):
            if name := getattr(expectation, attribute, None):
                wanted.append(name)
        wanted.extend(getattr(expectation, "column_list", None) or [])
    present = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    columns = [c for c in dict.fromkeys(wanted) if c in present] or sorted(present)[:1]
    frame = con.execute(f"SELECT {', '.join(columns)} FROM {table}").df()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("category")
    return frame


NEEDS_AREA_IDS = {"small_area_statistics", "facilities", "measure_reports", "needs_survey"}


def _suite(name: str):
    def build(con):
        from checks import suites

        suite = getattr(suites, f"{name}_suite")
        if name in NEEDS_AREA_IDS:
            return suite(sorted(r[0] for r in con.execute("SELECT area_id FROM areas").fetchall()))
        return suite()

    return build


@dg.asset_check(asset=areas, blocking=True, description="GX suite: unique ids, AGS, geometry.")
def areas_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(warehouse, "areas", "areas", _suite("areas"))


@dg.asset_check(
    asset=small_area_statistics,
    blocking=True,
    description="GX suite: known areas and codes, no negative or duplicate values.",
)
def small_area_statistics_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(
        warehouse, "small_area_statistics", "small_area_statistics", _suite("small_area_statistics")
    )


@dg.asset_check(
    asset=genesis_values,
    blocking=True,
    description="GX suite: AGS format, dates, non-negative unique control totals.",
)
def genesis_values_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(warehouse, "genesis", "genesis_values", _suite("genesis"))


@dg.asset_check(
    asset=zensus_grid,
    blocking=True,
    description="GX suite: unique cells, coordinates in Germany, population >= 0.",
)
def zensus_grid_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(warehouse, "zensus", "zensus_grid", _suite("zensus"))


@dg.asset_check(
    asset=small_area_statistics,
    blocking=True,
    additional_deps=[genesis_values],
    description="Area population sums match the GENESIS control totals within the "
    "tolerance from settings (reconciliation.population_tolerance_pct).",
)
def population_matches_control_totals(
    data_root: DataRoot, warehouse: Warehouse
) -> dg.AssetCheckResult:
    settings = data_root.settings()["reconciliation"]
    with warehouse.connect() as con:
        frame = population_reconciliation(
            con, settings["population_variable"], settings["population_tolerance_pct"]
        )
    outside = frame[~frame["within_tolerance"]]
    shown = frame.assign(
        reference_date=frame["reference_date"].astype(str),
        deviation_pct=frame["deviation_pct"].round(2),
    )
    return dg.AssetCheckResult(
        passed=outside.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "compared": len(frame),
            "outside_tolerance": len(outside),
            "tolerance_pct": settings["population_tolerance_pct"],
            "max_abs_deviation_pct": float(frame["deviation_pct"].abs().max())
            if len(frame)
            else 0.0,
            "comparison": dg.MetadataValue.md(markdown_table(shown)),
        },
        description=None if len(frame) else "keine GENESIS-Kontrollsummen zum Vergleich vorhanden",
    )


@dg.asset_check(
    asset=facilities,
    blocking=True,
    description="GX suite: unique facility ids, located in a known area, capacity >= 0.",
)
def facilities_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(warehouse, "facilities", "facilities", _suite("facilities"))


@dg.asset_check(
    asset=measure_reports,
    blocking=True,
    description="GX suite: one row per measure, month and area; counts >= 0; "
    "target group and new participants not above participants.",
)
def measure_reports_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(warehouse, "measure_reports", "measure_reports", _suite("measure_reports"))


@dg.asset_check(
    asset=satisfaction_responses,
    blocking=True,
    description="GX suite: answers 1 … 5 with measure and date.",
)
def satisfaction_responses_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(
        warehouse,
        "satisfaction_responses",
        "satisfaction_responses",
        _suite("satisfaction_responses"),
    )


@dg.asset_check(
    asset=needs_survey_responses,
    blocking=True,
    description="GX suite: ratings 1 … 5, known respondent groups and areas, survey id and topic.",
)
def needs_survey_responses_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    return _gx_check(warehouse, "needs_survey", "needs_survey_responses", _suite("needs_survey"))


def _violations(
    frame: pd.DataFrame, what: str, severity: dg.AssetCheckSeverity, **metadata
) -> dg.AssetCheckResult:
    shown = frame.head(20).astype(str)
    return dg.AssetCheckResult(
        passed=frame.empty,
        severity=severity,
        metadata={
            what: len(frame),
            "examples": dg.MetadataValue.md(markdown_table(shown)),
            **metadata,
        },
    )


@dg.asset_check(
    asset=indicator_values,
    blocking=True,
    description="Share indicators (numerator part of the denominator) lie in [0, 100].",
)
def shares_within_0_100(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        return _violations(
            indicator_checks.shares_outside_0_100(con),
            "values_outside",
            dg.AssetCheckSeverity.ERROR,
        )


@dg.asset_check(
    asset=social_index,
    blocking=False,
    description="Every area with enough inhabitants and all status indicators has a status class "
    "(a warning: the area is shown without a class, the other areas' figures stay right).",
)
def valid_areas_have_status_class(data_root: DataRoot, warehouse: Warehouse) -> dg.AssetCheckResult:
    settings = data_root.settings()["index"]
    with warehouse.connect() as con:
        return _violations(
            indicator_checks.valid_areas_without_status_class(con, settings),
            "areas_without_class",
            dg.AssetCheckSeverity.WARN,
            min_population=settings["min_population"],
        )


@dg.asset_check(
    asset=social_index,
    blocking=True,
    description="z-scores of each status indicator, and both indices, have mean 0 "
    "and SD 1 across the valid areas (tolerance 1e-9).",
)
def z_scores_standardised(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        groups = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT municipality_ags, "
            "reference_date, component, indicator_id "
            "FROM social_index_components)"
        ).fetchone()[0]
        return _violations(
            indicator_checks.z_scores_not_standardised(con),
            "groups_not_standardised",
            dg.AssetCheckSeverity.ERROR,
            groups_checked=groups,
        )


ASSET_CHECKS = [
    shares_within_0_100,
    valid_areas_have_status_class,
    z_scores_standardised,
    facilities_expectations,
    measure_reports_expectations,
    satisfaction_responses_expectations,
    needs_survey_responses_expectations,
    areas_expectations,
    small_area_statistics_expectations,
    genesis_values_expectations,
    zensus_grid_expectations,
    population_matches_control_totals,
    *PUBLISHED_CHECKS,
]
