"""Indicator values per area and reference date, computed in DuckDB SQL.

Works on any connection that has the tables `small_area_statistics` and `areas` (the internal
warehouse, or a test's in-memory database). A value is `ok` only when every numerator code and
every denominator code is known; a missing or secret input gives `not_computable` with a note,
never 0.
"""

from __future__ import annotations

import duckdb

from assets.indicators.catalog import Indicator

COLUMNS = [
    "municipality_ags",
    "area_id",
    "reference_date",
    "indicator_id",
    "numerator",
    "denominator",
    "value",
    "status",
    "denominator_date",
    "note",
]

_RATIO_SQL = """
WITH num_terms AS (SELECT * FROM (VALUES {num_terms}) t(code, coef)),
den_terms AS (SELECT * FROM (VALUES {den_terms}) t(code, coef)),
num AS (
    SELECT s.area_id, s.reference_date, SUM(t.coef * s.value) AS numerator,
           COUNT(s.value) AS known, COUNT(*) AS present
    FROM small_area_statistics s JOIN num_terms t USING (code)
    GROUP BY ALL),
dates AS (
    SELECT DISTINCT a.municipality_ags, n.reference_date
    FROM num n JOIN areas a USING (area_id)
    WHERE {month_filter}),
grid AS (
    SELECT a.municipality_ags, a.area_id, d.reference_date
    FROM areas a JOIN dates d USING (municipality_ags)),
den AS (
    SELECT s.area_id, s.reference_date AS denominator_date,
           SUM(t.coef * s.value) AS denominator, COUNT(s.value) AS known, COUNT(*) AS present
    FROM small_area_statistics s JOIN den_terms t USING (code)
    GROUP BY ALL),
joined AS (
    SELECT g.municipality_ags, g.area_id, g.reference_date,
           CASE WHEN n.known = {n_num} THEN n.numerator END AS numerator,
           CASE WHEN d.known = {n_den} THEN d.denominator END AS denominator,
           d.denominator_date, n.present AS num_present, n.known AS num_known,
           d.present AS den_present
    FROM grid g
    LEFT JOIN num n ON n.area_id = g.area_id AND n.reference_date = g.reference_date
    -- a month's figures share one population: the latest Stichtag at or before its last day
    ASOF LEFT JOIN den d
        ON d.area_id = g.area_id AND last_day(g.reference_date) >= d.denominator_date)
SELECT municipality_ags, area_id, reference_date, ? AS indicator_id, numerator, denominator,
       CASE WHEN numerator IS NOT NULL AND denominator > 0
            THEN 100.0 * numerator / denominator END AS value,
       CASE WHEN numerator IS NOT NULL AND denominator > 0 THEN 'ok'
            ELSE 'not_computable' END AS status,
       denominator_date,
       CASE WHEN num_present IS NULL THEN 'Zähler fehlt'
            WHEN num_known < {n_num} THEN 'Zähler fehlt teilweise oder ist geheim'
            WHEN denominator_date IS NULL THEN 'kein Bevölkerungsstichtag am oder vor dem Datum'
            WHEN denominator IS NULL THEN 'Nenner fehlt teilweise oder ist geheim'
            WHEN denominator <= 0 THEN 'Nenner ist 0'
       END AS note
FROM joined
"""

_CHANGE_SQL = """
WITH ew AS (
    SELECT area_id, reference_date, value FROM small_area_statistics WHERE code = 'EW'),
dates AS (
    SELECT DISTINCT a.municipality_ags, e.reference_date
    FROM ew e JOIN areas a USING (area_id)
    WHERE {month_filter}
      AND EXISTS (SELECT 1 FROM ew p JOIN areas pa USING (area_id)
                  WHERE pa.municipality_ags = a.municipality_ags
                    AND p.reference_date = e.reference_date - INTERVAL 1 YEAR)),
grid AS (
    SELECT a.municipality_ags, a.area_id, d.reference_date
    FROM areas a JOIN dates d USING (municipality_ags)),
joined AS (
    SELECT g.*, cur.value AS current, prev.value AS previous,
           cur.area_id IS NOT NULL AS has_current, prev.area_id IS NOT NULL AS has_previous
    FROM grid g
    LEFT JOIN ew cur ON cur.area_id = g.area_id AND cur.reference_date = g.reference_date
    LEFT JOIN ew prev ON prev.area_id = g.area_id
                     AND prev.reference_date = CAST(g.reference_date - INTERVAL 1 YEAR AS DATE))
SELECT municipality_ags, area_id, reference_date, ? AS indicator_id,
       current - previous AS numerator, previous AS denominator,
       CASE WHEN previous > 0 THEN 100.0 * (current - previous) / previous END AS value,
       CASE WHEN previous > 0 AND current IS NOT NULL THEN 'ok' ELSE 'not_computable' END AS status,
       CAST(reference_date - INTERVAL 1 YEAR AS DATE) AS denominator_date,
       CASE WHEN current IS NULL THEN 'Einwohnerzahl fehlt oder ist geheim'
            WHEN previous IS NULL THEN 'Einwohnerzahl des Vorjahres fehlt oder ist geheim'
            WHEN previous <= 0 THEN 'Vorjahres-Einwohnerzahl ist 0'
       END AS note
FROM joined
"""


def _values_sql(terms: dict[str, float]) -> str:
    return ", ".join(f"('{code}', {float(coef)!r})" for code, coef in terms.items())


def _scope_filter(
    months: list[str] | None, municipalities: list[str] | None, column: str
) -> tuple[str, list]:
    """SQL condition on the numerator's date column (and the area's `a.municipality_ags`)."""
    conditions, params = ["TRUE"], []
    if months is not None:
        conditions.append(f"list_contains(?, strftime({column}, '%Y-%m'))")
        params.append(list(months))
    if municipalities is not None:
        conditions.append("list_contains(?, a.municipality_ags)")
        params.append(list(municipalities))
    return " AND ".join(conditions), params


def _indicator_sql(
    indicator: Indicator, months: list[str] | None, municipalities: list[str] | None
) -> tuple[str, list]:
    """The SELECT of one indicator for the areas of `municipalities` (None: all), at the
    numerator's dates within `months` (None: all)."""
    if indicator.kind == "yearly_change":
        month_filter, params = _scope_filter(months, municipalities, "e.reference_date")
        sql = _CHANGE_SQL.format(month_filter=month_filter)
    else:
        month_filter, params = _scope_filter(months, municipalities, "n.reference_date")
        sql = _RATIO_SQL.format(
            num_terms=_values_sql(indicator.numerator),
            den_terms=_values_sql(indicator.denominator),
            n_num=len(indicator.numerator),
            n_den=len(indicator.denominator),
            month_filter=month_filter,
        )
    return sql, params + [indicator.indicator_id]


CITY_WIDE = "ALL"
_SCHEMA = (
    "municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, indicator_id VARCHAR, "
    "numerator DOUBLE, denominator DOUBLE, value DOUBLE, status VARCHAR, "
    "denominator_date DATE, note VARCHAR"
)

_CITY_WIDE_SQL = """
WITH sums AS (
    SELECT municipality_ags, reference_date, indicator_id, count(*) AS areas,
           count(*) FILTER (WHERE status = 'ok') AS used,
           sum(numerator) FILTER (WHERE status = 'ok') AS numerator,
           sum(denominator) FILTER (WHERE status = 'ok') AS denominator,
           max(denominator_date) FILTER (WHERE status = 'ok') AS denominator_date
    FROM {table} GROUP BY ALL),
flagged AS (SELECT *, used > 0 AND coalesce(denominator > 0, false) AS computable FROM sums)
SELECT municipality_ags, '{city}' AS area_id, reference_date, indicator_id,
       CASE WHEN computable THEN numerator END AS numerator,
       CASE WHEN computable THEN denominator END AS denominator,
       CASE WHEN computable THEN 100.0 * numerator / denominator END AS value,
       CASE WHEN computable THEN 'ok' ELSE 'not_computable' END AS status,
       denominator_date,
       CASE WHEN NOT computable THEN 'kein Sozialraum mit Wert'
            WHEN areas - used = 1 THEN '1 Sozialraum ohne Wert nicht enthalten'
            WHEN areas > used THEN (areas - used) || ' Sozialräume ohne Wert nicht enthalten'
       END AS note
FROM flagged
"""


def build_indicator_values(
    con: duckdb.DuckDBPyConnection,
    indicators: list[Indicator],
    months: list[str] | None = None,
    table: str = "_new_indicator_values",
    municipalities: list[str] | None = None,
) -> int:
    """Compute every indicator into the temporary `table`, city-wide rows included; row count.

    `months` (`YYYY-MM`) and `municipalities` (AGS) restrict the slice; None means all.

    Everything stays inside DuckDB: a state-wide run has millions of values, and a round trip
    through pandas would hold them all in Python memory twice.

    The city-wide value (`area_id = 'ALL'`) comes from summed numerators and denominators;
    rates are never averaged. Areas whose value is not computable are left out of both sums, and
    the note says how many; without any computable area it is not computable.
    """
    areas = f"{table}_areas"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {areas} ({_SCHEMA})")
    for indicator in indicators:
        sql, params = _indicator_sql(indicator, months, municipalities)
        con.execute(f"INSERT INTO {areas} BY NAME {sql}", params)
    columns = ", ".join(COLUMNS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        f"SELECT {columns} FROM {areas} UNION ALL "
        f"SELECT {columns} FROM ({_CITY_WIDE_SQL.format(table=areas, city=CITY_WIDE)}) "
        "ORDER BY municipality_ags, area_id, indicator_id, reference_date"
    )
    con.execute(f"DROP TABLE {areas}")
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
