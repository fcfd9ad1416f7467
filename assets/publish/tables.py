"""The published tables (DESIGN §8): their DDL and how each is derived from the internal file."""

from __future__ import annotations

import datetime as dt
import subprocess
import tomllib
from pathlib import Path

import duckdb
import pandas as pd

from assets.indicators.catalog import INDICATORS
from assets.planning import Goals
from assets.publish.controlling import (
    suppress_kpi_status,
    suppress_measure_kpis,
    suppress_rolling,
    suppress_supply,
)
from assets.publish.disclosure import (
    is_small_count,
    suppress_counts,
    suppress_indicator_values,
    suppression_counts,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

PUBLISHED_DDL = {
    "areas": """
        municipality_ags VARCHAR, area_id VARCHAR, area_name VARCHAR, district_name VARCHAR,
        area_km2 DOUBLE, population BIGINT, population_date DATE, geometry_wkt VARCHAR""",
    "indicator_catalog": """
        indicator_id VARCHAR, label_de VARCHAR, definition_de VARCHAR, numerator VARCHAR,
        denominator VARCHAR, unit VARCHAR, polarity VARCHAR, source VARCHAR, frequency VARCHAR,
        is_share BOOLEAN""",
    "indicator_values": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, indicator_id VARCHAR,
        numerator DOUBLE, denominator DOUBLE, value DOUBLE, status VARCHAR, note VARCHAR""",
    "facilities": """
        facility_id VARCHAR, provider_id VARCHAR, name VARCHAR, offer_type VARCHAR,
        municipality_ags VARCHAR, area_id VARCHAR, capacity BIGINT, lon DOUBLE, lat DOUBLE,
        valid_from DATE, valid_to DATE, address VARCHAR""",
    "social_index": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, status_index DOUBLE,
        status_class VARCHAR, dynamics_index DOUBLE, dynamics_class VARCHAR,
        needs_action BOOLEAN, note VARCHAR""",
    "allocation": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, basis VARCHAR,
        basis_count BIGINT, status_class VARCHAR, class_weight DOUBLE, weight DOUBLE,
        share DOUBLE, amount_eur BIGINT, note VARCHAR""",
    "goal_progress": """
        goal_id VARCHAR, municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE,
        indicator_id VARCHAR, baseline DOUBLE, current DOUBLE, target DOUBLE, progress DOUBLE,
        on_track BOOLEAN, status VARCHAR""",
    "data_quality": """
        source VARCHAR, file VARCHAR, rows_in BIGINT, rows_loaded BIGINT,
        rows_quarantined BIGINT, checks_passed BIGINT, checks_failed BIGINT,
        loaded_at TIMESTAMP""",
    "metadata": "key VARCHAR, value VARCHAR",
    "supply": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, offer_type VARCHAR,
        target_population BIGINT, facilities BIGINT, capacity DOUBLE, places_per_1000 DOUBLE,
        share_within_distance DOUBLE, gap BOOLEAN, gap_rank BIGINT,
        municipality_places_per_1000 DOUBLE, unserved DOUBLE, gap_reason VARCHAR,
        status VARCHAR""",
    "measures": """
        measure_id VARCHAR, provider_id VARCHAR, title VARCHAR, areas VARCHAR, age_from BIGINT,
        age_to BIGINT, capacity DOUBLE, goal_ids VARCHAR""",
    "measure_kpis": """
        measure_id VARCHAR, month DATE, provider_id VARCHAR, report_status VARCHAR,
        participants DOUBLE, target_group_participants DOUBLE, new_participants DOUBLE,
        hours DOUBLE, cost_eur DOUBLE, capacity DOUBLE, utilisation DOUBLE, reach DOUBLE,
        cost_per_participant DOUBLE, satisfaction_mean DOUBLE, satisfaction_top2 DOUBLE,
        satisfaction_n BIGINT, target_population DOUBLE, note VARCHAR, status VARCHAR""",
    "kpi_status": """
        measure_id VARCHAR, month DATE, kpi VARCHAR, actual DOUBLE, target DOUBLE,
        target_kind VARCHAR, attainment DOUBLE, traffic_light VARCHAR, note VARCHAR,
        status VARCHAR""",
    "kpi_status_rolling": """
        measure_id VARCHAR, month DATE, kpi VARCHAR, actual DOUBLE, target DOUBLE,
        target_kind VARCHAR, attainment DOUBLE, traffic_light VARCHAR, note VARCHAR,
        window_months BIGINT, status VARCHAR""",
    "goal_measure_status": """
        goal_id VARCHAR, goal_title VARCHAR, indicator_id VARCHAR, measure_id VARCHAR,
        month DATE, green BIGINT, yellow BIGINT, red BIGINT, "none" BIGINT,
        worst_light VARCHAR""",
    "needs_survey": """
        municipality_ags VARCHAR, area_id VARCHAR, topic VARCHAR, respondent_group VARCHAR,
        n BIGINT, mean_rating DOUBLE, share_high_need DOUBLE, status VARCHAR, note VARCHAR""",
}


def published_areas(con: duckdb.DuckDBPyConnection, min_count: int) -> pd.DataFrame:
    """Areas with their latest register population (small counts suppressed)."""
    frame = con.execute("""
        SELECT a.municipality_ags, a.area_id, a.area_name, a.district_name, a.area_km2,
               p.value AS population, p.reference_date AS population_date, a.geometry_wkt
        FROM areas a
        LEFT JOIN (
            SELECT area_id, value, reference_date FROM small_area_statistics
            WHERE code = 'EW'
            QUALIFY row_number() OVER (PARTITION BY area_id ORDER BY reference_date DESC) = 1
        ) p USING (area_id)
        ORDER BY a.municipality_ags, a.area_id""").df()
    frame["population"] = suppress_counts(frame["population"], min_count)
    return frame


COUNT_NUMERATORS = {i.indicator_id for i in INDICATORS if i.kind == "ratio"}


def published_indicator_values(
    con: duckdb.DuckDBPyConnection, disclosure: dict
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Indicator values after disclosure control, and how many cells it suppressed."""
    values = con.execute("""
        SELECT municipality_ags, area_id, reference_date, indicator_id, numerator, denominator,
               value, status, note
        FROM indicator_values
        ORDER BY municipality_ags, area_id, indicator_id, reference_date""").df()
    args = (disclosure["min_count"], disclosure["min_denominator"], COUNT_NUMERATORS)
    published = suppress_indicator_values(values, *args)
    return published, suppression_counts(values, published, *args)


def published_data_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per landing file; checks are the source's latest expectation results."""
    return con.execute("""
        WITH latest AS (
            SELECT source, check_name, expectation, success FROM check_results
            QUALIFY rank() OVER (PARTITION BY source ORDER BY checked_at DESC) = 1),
        checks AS (
            SELECT source, count(*) FILTER (WHERE success) AS checks_passed,
                   count(*) FILTER (WHERE NOT success) AS checks_failed
            FROM latest GROUP BY source)
        SELECT f.source, f.file, f.rows_in, f.rows_loaded, f.rows_quarantined,
               coalesce(c.checks_passed, 0) AS checks_passed,
               coalesce(c.checks_failed, 0) AS checks_failed, f.loaded_at
        FROM ingest_files f LEFT JOIN checks c USING (source)
        ORDER BY f.source, f.file""").df()


def published_allocation(con: duckdb.DuckDBPyConnection, min_count: int) -> pd.DataFrame:
    """Amounts are budget decisions and always published; a small basis count and the weight
    derived from it are suppressed."""
    frame = con.execute(
        "SELECT * FROM allocation ORDER BY municipality_ags, reference_date, area_id"
    ).df()
    small = is_small_count(frame["basis_count"], min_count)
    frame.loc[small, ["basis_count", "weight"]] = None
    return frame


def published_goal_progress(
    con: duckdb.DuckDBPyConnection, published_values: pd.DataFrame
) -> pd.DataFrame:
    """Goal progress with area figures blanked where the underlying value is suppressed.

    `current` follows the published status of the indicator value at the same reference date,
    `baseline` that of the goal's first reference date (the baseline month itself whenever the
    data has it).
    """
    frame = con.execute("""
        SELECT g.*, b.baseline_date FROM goal_progress g
        LEFT JOIN (SELECT goal_id, min(reference_date) AS baseline_date FROM goal_progress
                   GROUP BY goal_id) b USING (goal_id)
        ORDER BY goal_id, municipality_ags, area_id, reference_date""").df()
    keys = ["municipality_ags", "area_id", "indicator_id"]
    suppressed = (
        published_values.loc[published_values["status"] == "suppressed", [*keys, "reference_date"]]
        .drop_duplicates()
        .assign(hidden=True)
    )

    def is_suppressed(date_column: str) -> pd.Series:
        """Whether the published value of the row's area, indicator and `date_column` is hidden."""
        found = frame[[*keys, date_column]].merge(
            suppressed.rename(columns={"reference_date": date_column}), how="left"
        )
        return pd.Series(found["hidden"].notna().to_numpy(), index=frame.index)

    current = is_suppressed("reference_date")
    baseline = is_suppressed("baseline_date")
    hidden = current | baseline
    frame.loc[current, "current"] = None
    frame.loc[baseline, "baseline"] = None
    frame.loc[hidden, ["progress", "on_track"]] = None
    frame["status"] = ["suppressed" if h else "ok" for h in hidden]
    return frame.drop(columns="baseline_date")


def code_version() -> str:
    """Project version and, where the code is a git checkout, its commit."""
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+{commit.strip()}"


def published_metadata(con: duckdb.DuckDBPyConnection, run_id: str, data_root: str) -> pd.DataFrame:
    """Key/value facts about the refresh and how current each source is."""

    def latest(sql: str) -> str:
        value = con.execute(sql).fetchone()[0]
        return "" if value is None else str(value)

    rows = {
        "run_id": run_id,
        "published_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "data_root": data_root,
        "code_version": code_version(),
        "population_as_of": latest(
            "SELECT max(reference_date) FROM small_area_statistics WHERE code = 'EW'"
        ),
        "bundesagentur_as_of": latest(
            "SELECT max(reference_date) FROM small_area_statistics WHERE code LIKE 'SGB2%' "
            "OR code LIKE 'ALO%'"
        ),
        "control_totals_as_of": latest("SELECT max(reference_date) FROM genesis_values"),
        "provider_reports_as_of": latest("SELECT max(month) FROM measure_reports"),
        "social_index_as_of": latest("SELECT max(reference_date) FROM social_index"),
    }
    return pd.DataFrame(list(rows.items()), columns=["key", "value"])


def measures_frame(goals: Goals) -> pd.DataFrame:
    """The measures of goals.yaml with the goals they serve (titles are not in any data file)."""
    serves = {
        m: [g.id for g in goals.goals if m in g.measures] for m in {m.id for m in goals.measures}
    }
    return pd.DataFrame(
        [
            (
                m.id,
                m.provider,
                m.title,
                ",".join(m.areas),
                m.age_from,
                m.age_to,
                m.capacity,
                ",".join(serves[m.id]),
            )
            for m in goals.measures
        ],
        columns=[
            "measure_id",
            "provider_id",
            "title",
            "areas",
            "age_from",
            "age_to",
            "capacity",
            "goal_ids",
        ],
    )


def published_controlling(
    con: duckdb.DuckDBPyConnection, settings: dict, goals: Goals
) -> dict[str, pd.DataFrame]:
    disclosure = settings["disclosure"]
    k = disclosure["min_count"]
    kpis = suppress_measure_kpis(
        con.execute(
            "SELECT * EXCLUDE (population_date) FROM measure_kpis ORDER BY measure_id, month"
        ).df(),
        k,
        disclosure["min_survey_n"],
    )
    shown = kpis.drop(columns=["provider_id", "report_status", "note", "status"])
    return {
        "supply": suppress_supply(
            con.execute(
                "SELECT * FROM supply ORDER BY municipality_ags, reference_date, offer_type, "
                "area_id"
            ).df(),
            k,
        ),
        "measures": measures_frame(goals),
        "measure_kpis": kpis,
        "kpi_status": suppress_kpi_status(
            con.execute("SELECT * FROM kpi_status ORDER BY measure_id, month, kpi").df(), shown
        ),
        "kpi_status_rolling": suppress_rolling(
            con.execute("SELECT * FROM kpi_status_rolling ORDER BY measure_id, month, kpi").df(), k
        ),
        "goal_measure_status": con.execute(
            "SELECT * FROM goal_measure_status ORDER BY goal_id, measure_id, month"
        ).df(),
        "needs_survey": con.execute(
            "SELECT * FROM needs_survey ORDER BY municipality_ags, area_id, topic, respondent_group"
        ).df(),
    }


def build_published_tables(
    con: duckdb.DuckDBPyConnection, settings: dict, goals: Goals
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Every published table (after disclosure control) and the suppression counts."""
    disclosure = settings["disclosure"]
    values, suppressed = published_indicator_values(con, disclosure)
    return {
        "areas": published_areas(con, disclosure["min_count"]),
        "indicator_catalog": con.execute(
            "SELECT * FROM indicator_catalog ORDER BY indicator_id"
        ).df(),
        "indicator_values": values,
        "facilities": con.execute("""
            SELECT facility_id, provider_id, name, offer_type, municipality_ags, area_id,
                   capacity, lon, lat, valid_from, valid_to, address
            FROM facilities ORDER BY facility_id""").df(),
        "social_index": con.execute(
            "SELECT * FROM social_index ORDER BY municipality_ags, area_id, reference_date"
        ).df(),
        "allocation": published_allocation(con, disclosure["min_count"]),
        "goal_progress": published_goal_progress(con, values),
        "data_quality": published_data_quality(con),
        **published_controlling(con, settings, goals),
    }, suppressed
