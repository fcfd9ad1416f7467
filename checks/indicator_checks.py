"""Plausibility rules for indicators and the social index, as SQL over the internal warehouse.

Each function returns the violating rows (empty = passed). They recompute what they check from
the inputs instead of trusting the code that produced the tables.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from assets.indicators.as_of import MAX_AGE_MONTHS
from assets.indicators.catalog import INDICATORS

TOLERANCE = 1e-9


def shares_outside_0_100(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Values of share indicators (numerator part of the denominator) outside [0, 100]."""
    shares = [i.indicator_id for i in INDICATORS if i.share]
    return con.execute(
        f"""
        SELECT municipality_ags, area_id, reference_date, indicator_id, numerator, denominator,
               value
        FROM indicator_values
        WHERE status = 'ok' AND indicator_id IN ({", ".join("?" for _ in shares)})
          AND (value < 0 OR value > 100)
        ORDER BY indicator_id, area_id, reference_date""",
        shares,
    ).df()


def valid_areas_without_status_class(
    con: duckdb.DuckDBPyConnection, index_settings: dict
) -> pd.DataFrame:
    """Areas with enough inhabitants and all status indicators ok, but no status class.

    Each status indicator counts at its latest date at most `MAX_AGE_MONTHS` before the
    Stichtag's month, the value the index uses (quarterly Bundesagentur data)."""
    indicators = list(index_settings["status_indicators"])
    return con.execute(
        f"""
        WITH latest AS (
            SELECT s.area_id, s.reference_date, v.indicator_id,
                   arg_max(v.status, v.reference_date) AS status
            FROM social_index s
            JOIN indicator_values v
              ON v.area_id = s.area_id
             AND v.reference_date <= last_day(s.reference_date)
             AND v.reference_date >= date_trunc('month', s.reference_date) - to_months(?)
            WHERE v.indicator_id IN ({", ".join("?" for _ in indicators)})
            GROUP BY ALL),
        status AS (
            SELECT area_id, reference_date, count(*) FILTER (WHERE status = 'ok') AS ok
            FROM latest GROUP BY ALL)
        SELECT s.municipality_ags, s.area_id, s.reference_date, p.value AS population, s.note
        FROM social_index s
        JOIN small_area_statistics p
          ON p.area_id = s.area_id AND p.reference_date = s.reference_date AND p.code = 'EW'
        JOIN status st ON st.area_id = s.area_id AND st.reference_date = s.reference_date
        WHERE p.value >= ? AND st.ok = ? AND s.status_class IS NULL
        ORDER BY s.reference_date, s.area_id""",
        [MAX_AGE_MONTHS, *indicators, index_settings["min_population"], len(indicators)],
    ).df()


def z_scores_not_standardised(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Groups whose z-scores (per indicator, and the indices) miss mean 0 or SD 1."""
    return con.execute(
        """
        WITH z AS (
            SELECT municipality_ags, reference_date, component, indicator_id, z
            FROM social_index_components
            UNION ALL
            SELECT municipality_ags, reference_date, 'status', 'status_index', status_index
            FROM social_index WHERE status_index IS NOT NULL
            UNION ALL
            SELECT municipality_ags, reference_date, 'dynamics', 'dynamics_index', dynamics_index
            FROM social_index WHERE dynamics_index IS NOT NULL),
        stats AS (
            SELECT municipality_ags, reference_date, component, indicator_id, count(*) AS areas,
                   avg(z) AS mean, stddev_samp(z) AS sd
            FROM z GROUP BY ALL)
        SELECT * FROM stats WHERE abs(mean) > ? OR abs(sd - 1) > ?
        ORDER BY reference_date, component, indicator_id""",
        [TOLERANCE, TOLERANCE],
    ).df()
