"""The floor: the indicator aggregations in plain DuckDB SQL, no Dagster, no pandas.

Reads the same landing files as the pipeline (`areas/*.geojson` for the area → municipality key,
`statistics/small_area/*.csv` as `;`-separated text, every column VARCHAR), parses dates
(`YYYY-MM-DD` or `DD.MM.YYYY`), German numbers and statistical symbols in SQL, and computes every
indicator of the project's catalogue per area and numerator date with the as-of denominator join
(latest population Stichtag at or before the date), `population_change` against the year before,
and the city-wide values from summed numerators and denominators. Results are written to a DuckDB
file, as the pipeline writes its warehouse.

    python -m bench.floor <data_root> <out.duckdb> [YYYY-MM]   # prints JSON timings
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from assets.indicators.catalog import INDICATORS  # the catalogue (plain dataclasses)

SYMBOLS = (".", "x", "/", "...", "*", "–")


def _terms_sql() -> str:
    rows = []
    for ind in INDICATORS:
        if ind.kind != "ratio":
            continue
        for side, terms in (("num", ind.numerator), ("den", ind.denominator)):
            for code, coef in terms.items():
                rows.append(f"('{ind.indicator_id}', '{side}', '{code}', {float(coef)!r})")
    return ", ".join(rows)


def _read_areas(root: Path) -> str:
    """The area → municipality key from the areas GeoJSON, as the pipeline's `areas` asset."""
    return f"""
            CREATE OR REPLACE TABLE areas AS
            SELECT f.properties.municipality_ags AS municipality_ags,
                   f.properties.area_id AS area_id
            FROM (SELECT unnest(from_json(json_extract(content, '$.features'),
                         '[{{"properties": {{"municipality_ags": "VARCHAR",
                                             "area_id": "VARCHAR"}}}}]')) AS f
                  FROM read_text('{root}/areas/*.geojson'))"""


def _read_parse_statistics(root: Path) -> str:
    """The statistics CSVs as text, dates, German numbers and symbols parsed in SQL."""
    symbols = ", ".join(f"'{s}'" for s in SYMBOLS)
    return f"""
            CREATE OR REPLACE TABLE small_area_statistics AS
            WITH raw AS (
                SELECT trim(stichtag) AS stichtag, trim(raum_id) AS area_id,
                       trim(merkmal) AS code, trim(wert) AS wert
                FROM read_csv('{root}/statistics/small_area/*.csv', delim = ';', header = false,
                              skip = 1, encoding = 'latin-1', all_varchar = true, quote = '"',
                              columns = {{'stichtag': 'VARCHAR', 'raum_id': 'VARCHAR',
                                         'merkmal': 'VARCHAR', 'wert': 'VARCHAR'}})
                WHERE stichtag IS NOT NULL),
            parsed AS (
                SELECT area_id, code,
                       coalesce(try_strptime(stichtag, '%Y-%m-%d'),
                                try_strptime(stichtag, '%d.%m.%Y'))::DATE AS reference_date,
                       CASE WHEN wert = '-' THEN 0.0
                            WHEN wert IN ({symbols}) THEN NULL
                            ELSE TRY_CAST(replace(replace(wert, '.', ''), ',', '.') AS DOUBLE)
                       END AS value,
                       wert IN ({symbols}) AS is_symbol
                FROM raw)
            SELECT a.municipality_ags, p.area_id, p.reference_date, p.code, p.value
            FROM parsed p JOIN areas a USING (area_id)
            WHERE p.reference_date IS NOT NULL AND (p.value IS NOT NULL OR p.is_symbol)"""


def _indicator_values(month: str | None) -> str:
    """Every ratio indicator with the as-of denominator join, and `population_change`."""
    month_filter = f"strftime(n.reference_date, '%Y-%m') = '{month}'" if month else "TRUE"
    change_filter = f"strftime(e.reference_date, '%Y-%m') = '{month}'" if month else "TRUE"
    return f"""
            CREATE OR REPLACE TABLE indicator_values AS
            WITH terms AS (SELECT * FROM (VALUES {_terms_sql()}) t(indicator_id, side, code, coef)),
            n_terms AS (
                SELECT indicator_id, count(*) FILTER (side = 'num') AS n_num,
                       count(*) FILTER (side = 'den') AS n_den
                FROM terms GROUP BY indicator_id),
            num AS (
                SELECT t.indicator_id, s.area_id, s.reference_date,
                       sum(t.coef * s.value) AS numerator, count(s.value) AS known
                FROM small_area_statistics s JOIN terms t ON t.code = s.code AND t.side = 'num'
                GROUP BY ALL),
            den AS (
                SELECT t.indicator_id, s.area_id, s.reference_date AS denominator_date,
                       sum(t.coef * s.value) AS denominator, count(s.value) AS known
                FROM small_area_statistics s JOIN terms t ON t.code = s.code AND t.side = 'den'
                GROUP BY ALL),
            dates AS (
                SELECT DISTINCT n.indicator_id, a.municipality_ags, n.reference_date
                FROM num n JOIN areas a USING (area_id) WHERE {month_filter}),
            grid AS (
                SELECT d.indicator_id, a.municipality_ags, a.area_id, d.reference_date
                FROM areas a JOIN dates d USING (municipality_ags)),
            joined AS (
                SELECT g.*, CASE WHEN n.known = k.n_num THEN n.numerator END AS numerator,
                       CASE WHEN d.known = k.n_den THEN d.denominator END AS denominator,
                       d.denominator_date
                FROM grid g JOIN n_terms k USING (indicator_id)
                LEFT JOIN num n ON n.indicator_id = g.indicator_id AND n.area_id = g.area_id
                               AND n.reference_date = g.reference_date
                ASOF LEFT JOIN den d ON d.indicator_id = g.indicator_id AND d.area_id = g.area_id
                                    AND g.reference_date >= d.denominator_date),
            ew AS (SELECT area_id, reference_date, value FROM small_area_statistics
                   WHERE code = 'EW'),
            change AS (
                SELECT a.municipality_ags, e.area_id, e.reference_date,
                       'population_change' AS indicator_id,
                       e.value - p.value AS numerator, p.value AS denominator,
                       p.reference_date AS denominator_date
                FROM ew e JOIN areas a USING (area_id)
                JOIN ew p ON p.area_id = e.area_id
                         AND p.reference_date = CAST(e.reference_date - INTERVAL 1 YEAR AS DATE)
                WHERE {change_filter})
            SELECT municipality_ags, area_id, reference_date, indicator_id, numerator,
                   denominator,
                   CASE WHEN numerator IS NOT NULL AND denominator > 0
                        THEN 100.0 * numerator / denominator END AS value,
                   CASE WHEN numerator IS NOT NULL AND denominator > 0 THEN 'ok'
                        ELSE 'not_computable' END AS status,
                   denominator_date
            FROM (SELECT * FROM joined UNION ALL BY NAME SELECT * FROM change)"""


# city-wide values from the summed numerators and denominators of the areas' computable rows
_CITY_WIDE = """
            INSERT INTO indicator_values
            SELECT municipality_ags, 'ALL', reference_date, indicator_id,
                   sum(numerator) FILTER (status = 'ok') AS numerator,
                   sum(denominator) FILTER (status = 'ok') AS denominator,
                   100.0 * sum(numerator) FILTER (status = 'ok')
                         / nullif(sum(denominator) FILTER (status = 'ok'), 0) AS value,
                   CASE WHEN count(*) FILTER (status = 'ok') > 0 THEN 'ok'
                        ELSE 'not_computable' END AS status,
                   max(denominator_date) FILTER (status = 'ok') AS denominator_date
            FROM indicator_values GROUP BY ALL"""


def steps(root: Path, month: str | None) -> list[tuple[str, str]]:
    """The floor's SQL statements in order, each timed on its own by `run`."""
    return [
        ("read_areas", _read_areas(root)),
        ("read_parse_statistics", _read_parse_statistics(root)),
        ("indicator_values", _indicator_values(month)),
        ("city_wide", _CITY_WIDE),
    ]


def run(root: Path, out: Path, month: str | None = None) -> dict:
    out.unlink(missing_ok=True)
    timings = {}
    t_all = time.perf_counter()
    con = duckdb.connect(str(out))
    try:
        for name, sql in steps(root.resolve(), month):
            t0 = time.perf_counter()
            con.execute(sql)
            timings[name] = time.perf_counter() - t0
        con.execute("CHECKPOINT")
        counts = {
            "statistics_rows": con.execute("SELECT count(*) FROM small_area_statistics").fetchone()[
                0
            ],
            "indicator_rows": con.execute("SELECT count(*) FROM indicator_values").fetchone()[0],
            "indicator_ok": con.execute(
                "SELECT count(*) FROM indicator_values WHERE status = 'ok'"
            ).fetchone()[0],
        }
    finally:
        con.close()
    return {"total_s": time.perf_counter() - t_all, "steps_s": timings, **counts}


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(run(Path(args[0]), Path(args[1]), args[2] if len(args) > 2 else None)))
