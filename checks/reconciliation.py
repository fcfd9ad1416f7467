"""Cross-source reconciliation: register population per municipality vs. GENESIS control totals.

The municipal register and the official update of the population (Fortschreibung) differ by
design, typically by one or two percent; a larger gap means areas or rows are missing or doubled.
"""

from __future__ import annotations

import duckdb
import pandas as pd


def population_reconciliation(
    con: duckdb.DuckDBPyConnection, variable_code: str, tolerance_pct: float
) -> pd.DataFrame:
    """Per municipality and Stichtag with both figures: register sum, control total, deviation."""
    frame = con.execute(
        """
        WITH register AS (
            SELECT municipality_ags, reference_date, sum(value) AS register_population,
                   count(*) FILTER (WHERE value IS NULL) AS unknown_areas
            FROM small_area_statistics WHERE code = 'EW' GROUP BY ALL),
        control AS (
            SELECT municipality_ags, reference_date, value AS official_population
            FROM genesis_values
            WHERE variable_code = ? AND breakdown = '' AND value IS NOT NULL)
        SELECT municipality_ags, reference_date, register_population, official_population,
               unknown_areas,
               100.0 * (register_population - official_population) / official_population
                   AS deviation_pct
        FROM register JOIN control USING (municipality_ags, reference_date)
        ORDER BY municipality_ags, reference_date""",
        [variable_code],
    ).df()
    frame["within_tolerance"] = frame["deviation_pct"].abs() <= tolerance_pct
    return frame
