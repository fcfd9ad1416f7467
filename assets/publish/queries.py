"""The queries of the published tables (DESIGN §8), disclosure control included.

Each is a SQL query over the internal file whose rows go straight into the new published file
(`INSERT INTO pub.t SELECT`): no table passes through pandas except the two small ones made in
Python (`measures`, `metadata`), so publishing needs little memory at any size. Rows keep the
order of each query's `ORDER BY`. Which query fills which table is declared in
`assets/registry/`; `assets/publish/tables.py` writes them.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from assets.indicators.catalog import INDICATORS
from assets.planning import Goals
from assets.publish.disclosure import (
    SHARED_COUNTS_SQL,
    SUPPRESSED,
    blanked,
    in_hidden,
    primary_counts_sql,
    secondary_suppression,
    small_count,
    status_of,
    suppressed_indicator_values,
)


def areas_sql(min_count: int, hidden_counts: str) -> str:
    """SQL: areas with their latest register population, small counts and populations the
    indicator values hide (their `foreign_nationals` denominator, say) suppressed.

    The areas' populations add up to the municipal total that `indicator_values` publishes as
    the `ALL` denominator; the partner cells its secondary suppression hides come in through
    `hidden_counts`, so that total gives nothing back here either.
    """
    hidden = f"({small_count('p.value', min_count)} OR {in_hidden(hidden_counts, 'p', 'value')})"
    return f"""
        SELECT a.municipality_ags, a.area_id, a.area_name, a.district_name, a.area_km2,
               CASE WHEN {hidden} THEN NULL ELSE p.value END AS population,
               p.reference_date AS population_date, a.geometry_wkt
        FROM areas a
        LEFT JOIN (
            SELECT municipality_ags, area_id, value, reference_date FROM small_area_statistics
            WHERE code = 'EW'
            QUALIFY row_number() OVER (PARTITION BY municipality_ags, area_id
                                       ORDER BY reference_date DESC) = 1
        ) p USING (municipality_ags, area_id)
        ORDER BY a.municipality_ags, a.area_id"""


ALLOCATION_GROUP = "municipality_ags, reference_date"
COUNT_NUMERATORS = {i.indicator_id for i in INDICATORS if i.kind == "ratio"}
BATCH_ROWS = 250_000
VALUES_ORDER = "municipality_ags, area_id, indicator_id, reference_date"


def municipality_batches(
    con: duckdb.DuckDBPyConnection, rows_per_batch: int = BATCH_ROWS
) -> list[list[str | None]]:
    """The municipalities of `indicator_values` in key order, grouped into batches of about
    `rows_per_batch` rows (a municipality is never split).

    Suppression groups never cross a municipality, so each batch is protected on its own; sorting
    one batch at a time instead of all values keeps the memory small at state scale.
    """
    batches: list[list[str | None]] = []
    size = rows_per_batch
    for ags, rows in con.execute(
        "SELECT municipality_ags, count(*) FROM indicator_values GROUP BY ALL "
        "ORDER BY municipality_ags"
    ).fetchall():
        if size + rows > rows_per_batch:
            batches.append([])
            size = 0
        batches[-1].append(ags)
        size += rows
    return batches


def protect_consistently(
    con: duckdb.DuckDBPyConnection,
    source: str,
    disclosure: dict,
    count_numerators: set[str] = COUNT_NUMERATORS,
    max_rounds: int = 20,
) -> int:
    """Protect `source` into the temporary table `_protected` so that a count hidden in one
    indicator row is hidden in every row of the area that shows the same count at the same date
    (see `suppressed_indicator_values`; `source` names its counts as `SHARED_COUNTS_SQL` does).

    Before the first round, every count that primary suppression hides anywhere is known
    (`primary_counts_sql`), so the first round already hides those everywhere. Each round hides,
    besides the small figures, every count an earlier round hid, and secondary suppression then
    protects those as well; the rounds end when no row shows a count hidden elsewhere (another
    round would then hide nothing new). A later round recomputes only the municipalities where a
    row still shows such a count (suppression groups never cross a municipality). The set of
    hidden counts only grows, so this ends. Returns the number of rounds.
    """
    k, min_denominator = disclosure["min_count"], disclosure["min_denominator"]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hidden_elsewhere AS "
        + primary_counts_sql(source, k, min_denominator, count_numerators)
    )
    in_redo = (
        "EXISTS (SELECT 1 FROM _redo r "
        "WHERE r.municipality_ags IS NOT DISTINCT FROM {}.municipality_ags)"
    )
    try:
        for rounds in range(1, max_rounds + 1):
            rows = (
                source if rounds == 1 else f"(SELECT * FROM {source} s WHERE {in_redo.format('s')})"
            )
            protected = suppressed_indicator_values(
                rows, k, min_denominator, count_numerators, hidden_elsewhere="_hidden_elsewhere"
            )
            if rounds == 1:
                con.execute(f"CREATE OR REPLACE TEMP TABLE _protected AS {protected}")
            else:
                con.execute(f"DELETE FROM _protected WHERE {in_redo.format('_protected')}")
                con.execute(f"INSERT INTO _protected BY NAME SELECT * FROM ({protected})")
            con.execute("""
                INSERT INTO _hidden_elsewhere
                SELECT municipality_ags, area_id, _numerator_count, reference_date
                FROM _protected WHERE _hidden_numerator
                UNION
                SELECT municipality_ags, area_id, _denominator_count, denominator_date
                FROM _protected WHERE _hidden_denominator
                EXCEPT SELECT * FROM _hidden_elsewhere""")
            showing = " UNION ".join(
                f"""SELECT DISTINCT p.municipality_ags FROM _protected p JOIN _hidden_elsewhere h
                        ON h.municipality_ags IS NOT DISTINCT FROM p.municipality_ags
                       AND h.area_id = p.area_id AND h.count = p.{count}
                       AND h.count_date = p.{date}
                    WHERE p.{figure} IS NOT NULL"""
                for count, date, figure in [
                    ("_numerator_count", "reference_date", "numerator"),
                    ("_denominator_count", "denominator_date", "denominator"),
                ]
            )
            con.execute(f"CREATE OR REPLACE TEMP TABLE _redo AS {showing}")
            if con.execute("SELECT count(*) FROM _redo").fetchone()[0] == 0:
                return rounds
        raise RuntimeError(f"disclosure control did not settle within {max_rounds} rounds")
    finally:
        con.execute("DROP TABLE _hidden_elsewhere")
        con.execute("DROP TABLE IF EXISTS _redo")


def write_indicator_values(
    con: duckdb.DuckDBPyConnection, table: str, disclosure: dict
) -> tuple[int, dict[str, int]]:
    """Protect and write the indicator values batch by batch into `table` (in key order).

    Each batch is protected once into a temporary table, from which its rows are written and the
    suppression counts are taken. Returns the rows written and how many numerator cells primary
    and secondary suppression hid (for the run's metadata).
    """
    rows, primary, secondary, rates = 0, 0, 0, 0
    for batch in municipality_batches(con):
        # the batch's keys go in as a parameter, never spliced into the SQL text
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _batch AS SELECT unnest(?::VARCHAR[]) AS municipality_ags",
            [batch],
        )
        batch_values = """(
            SELECT v.municipality_ags, v.area_id, v.reference_date, v.indicator_id, v.numerator,
                   v.denominator, v.value, v.status, v.note, v.denominator_date
            FROM indicator_values v
            SEMI JOIN _batch b ON v.municipality_ags IS NOT DISTINCT FROM b.municipality_ags)"""
        source = f"({SHARED_COUNTS_SQL.format(values=batch_values)})"
        protect_consistently(con, source, disclosure)
        try:
            rows += con.execute(f"""
                INSERT INTO {table} BY NAME
                SELECT * EXCLUDE (_primary, _secondary, _hidden_numerator, _hidden_denominator,
                                  _numerator_count, _denominator_count, denominator_date)
                FROM _protected
                ORDER BY {VALUES_ORDER}""").fetchone()[0]
            counts = con.execute(f"""
                SELECT count(*) FILTER (WHERE _primary), count(*) FILTER (WHERE _secondary),
                       count(*) FILTER (WHERE status = '{SUPPRESSED}')
                FROM _protected""").fetchone()
        finally:
            con.execute("DROP TABLE _protected")
            con.execute("DROP TABLE _batch")
        primary, secondary, rates = primary + counts[0], secondary + counts[1], rates + counts[2]
    return rows, {"primary": primary, "secondary": secondary, "rates_suppressed": rates}


# one row per landing file; checks are the source's latest expectation results
DATA_QUALITY = """
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
    ORDER BY f.source, f.file"""


def allocation_sql(min_count: int, hidden_counts: str) -> str:
    """SQL: the allocation with basis counts protected and everything that gives them back hidden.

    Decision: the amount of an area whose basis count is hidden is not published. weight = basis
    count × class weight, and share = weight / Σ weight with Σ weight = weight / share of any
    published area, so share and amount (≈ budget × share) give the basis count back. The budget
    is a published total (Σ amounts), so secondary suppression acts per municipality and Stichtag
    on the weights: budget − Σ published amounts must never be one area's amount. A group whose
    only weighted area is hidden reveals nothing (the other shares are 0), so nothing more is
    hidden there. Amounts are budget decisions, but the council sees them in the internal file.
    """
    flagged = f"""(
        SELECT *, NOT _total AS _cell,
               NOT _total AND ({small_count("basis_count", min_count)}
                               OR {in_hidden(hidden_counts, "a", "basis_count")})
                   AS _weight_primary
        FROM (SELECT *, false AS _total FROM allocation
              UNION ALL BY NAME
              SELECT {ALLOCATION_GROUP}, 'ALL' AS area_id, true AS _total, sum(weight) AS weight
              FROM allocation GROUP BY {ALLOCATION_GROUP}) a)"""
    hidden = "_weight_hidden"
    masks = dict.fromkeys(["basis_count", "weight", "share", "amount_eur"], hidden)
    return f"""
        SELECT * EXCLUDE (_total, _cell, _weight_primary, _weight_hidden)
                 REPLACE ({blanked(masks)}), {status_of(hidden)}
        FROM ({secondary_suppression(flagged, ["weight"], ALLOCATION_GROUP)})
        WHERE NOT _total
        ORDER BY municipality_ags, reference_date, area_id"""


def goal_progress_sql(published_values: str) -> str:
    """SQL: goal progress with area figures blanked where the underlying value is suppressed.

    `current` follows the published status (in `published_values`) of the indicator value at the
    same reference date, `baseline` that of the goal's first reference date (the baseline month
    itself whenever the data has it). `target` follows `baseline`: an area's target is derived from
    its baseline (× the city's change, which the `ALL` row shows), so it would give it back; the
    note says whether baseline and current value meet the target, so it follows both.
    """
    return f"""
        WITH hidden AS (
            SELECT DISTINCT municipality_ags, area_id, indicator_id, reference_date, true AS hit
            FROM {published_values} WHERE status = '{SUPPRESSED}'),
        flagged AS (
            SELECT g.*, coalesce(c.hit, false) AS _current, coalesce(b.hit, false) AS _baseline
            FROM goal_progress g
            LEFT JOIN (SELECT goal_id, min(reference_date) AS baseline_date FROM goal_progress
                       GROUP BY goal_id) d USING (goal_id)
            LEFT JOIN hidden c
                   ON c.municipality_ags = g.municipality_ags AND c.area_id = g.area_id
                  AND c.indicator_id = g.indicator_id AND c.reference_date = g.reference_date
            LEFT JOIN hidden b
                   ON b.municipality_ags = g.municipality_ags AND b.area_id = g.area_id
                  AND b.indicator_id = g.indicator_id AND b.reference_date = d.baseline_date)
        SELECT * EXCLUDE (_current, _baseline) REPLACE (
                   CASE WHEN _current THEN NULL ELSE current END AS current,
                   CASE WHEN _baseline THEN NULL ELSE baseline END AS baseline,
                   CASE WHEN _baseline THEN NULL ELSE target END AS target,
                   CASE WHEN _current OR _baseline THEN NULL ELSE progress END AS progress,
                   CASE WHEN _current OR _baseline THEN NULL ELSE on_track END AS on_track,
                   CASE WHEN _current OR _baseline THEN NULL ELSE note END AS note),
               CASE WHEN _current OR _baseline THEN '{SUPPRESSED}' ELSE 'ok' END AS status
        FROM flagged ORDER BY goal_id, municipality_ags, area_id, reference_date"""


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
