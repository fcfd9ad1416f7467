"""The published tables (DESIGN §8): their DDL and how each is derived from the internal file.

Every table is a SQL query over the internal file, disclosure control included, and is written
straight into the new published file attached to the same connection (`INSERT INTO pub.t SELECT`):
no table passes through pandas except the two small ones made in Python (`measures`, `metadata`),
so publishing needs little memory at any size. Rows keep the order of each query's `ORDER BY`.
"""

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
    goal_measure_status_sql,
    kpi_status_rolling_sql,
    kpi_status_sql,
    measure_kpis_sql,
    needs_survey_sql,
    supply_sql,
)
from assets.publish.disclosure import (
    SHARED_COUNTS_SQL,
    SUPPRESSED,
    blanked,
    hidden_counts_sql,
    in_hidden,
    primary_counts_sql,
    secondary_suppression,
    small_count,
    status_of,
    suppressed_indicator_values,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

# DESIGN §8: counts are integers (BIGINT; the internal file keeps them as DOUBLE, the inserts
# cast the whole numbers the readers admit), rates and shares DOUBLE in percent (12.3 = 12.3 %)
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
        numerator BIGINT, denominator BIGINT, value DOUBLE, status VARCHAR, note VARCHAR""",
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
        share DOUBLE, amount_eur BIGINT, note VARCHAR, status VARCHAR""",
    "goal_progress": """
        goal_id VARCHAR, municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE,
        indicator_id VARCHAR, baseline DOUBLE, current DOUBLE, target DOUBLE, progress DOUBLE,
        on_track BOOLEAN, note VARCHAR, status VARCHAR""",
    "data_quality": """
        source VARCHAR, file VARCHAR, rows_in BIGINT, rows_loaded BIGINT,
        rows_quarantined BIGINT, checks_passed BIGINT, checks_failed BIGINT,
        loaded_at TIMESTAMP""",
    "metadata": "key VARCHAR, value VARCHAR",
    "supply": """
        municipality_ags VARCHAR, area_id VARCHAR, reference_date DATE, offer_type VARCHAR,
        target_population BIGINT, facilities BIGINT, capacity BIGINT, places_per_1000 DOUBLE,
        share_within_distance DOUBLE, gap BOOLEAN, gap_rank BIGINT,
        municipality_places_per_1000 DOUBLE, unserved BIGINT, gap_reason VARCHAR,
        status VARCHAR""",
    "measures": """
        measure_id VARCHAR, provider_id VARCHAR, title VARCHAR, areas VARCHAR, age_from BIGINT,
        age_to BIGINT, capacity BIGINT, goal_ids VARCHAR""",
    "measure_kpis": """
        measure_id VARCHAR, month DATE, provider_id VARCHAR, report_status VARCHAR,
        participants BIGINT, target_group_participants BIGINT, new_participants BIGINT,
        hours DOUBLE, cost_eur DOUBLE, capacity BIGINT, utilisation DOUBLE, reach DOUBLE,
        cost_per_participant DOUBLE, satisfaction_mean DOUBLE, satisfaction_top2 DOUBLE,
        satisfaction_n BIGINT, target_population BIGINT, note VARCHAR, status VARCHAR""",
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


# the published tables other than `indicator_values` whose rows say when they hide something
SUPPRESSION_STATUS = [
    "allocation",
    "goal_progress",
    "supply",
    "measure_kpis",
    "kpi_status",
    "kpi_status_rolling",
    "needs_survey",
]
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


def published_columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[str]]:
    """Table name -> column names of every table in `database`."""
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? "
        "ORDER BY table_name, column_index",
        [database],
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def write_published_tables(
    con: duckdb.DuckDBPyConnection,
    pub: str,
    settings: dict,
    goals: Goals,
    metadata: pd.DataFrame,
) -> tuple[dict[str, int], dict[str, int]]:
    """Create and fill every published table in the attached database `pub`, one at a time.

    Returns the rows per table and the suppression counts. Tables that depend on what is already
    published (`goal_progress` on the suppressed indicator values, `kpi_status` on the shown
    KPIs) read it back from `pub`, so they follow exactly what analysts see.
    """
    disclosure = settings["disclosure"]
    k, min_denominator = disclosure["min_count"], disclosure["min_denominator"]
    min_survey_n = disclosure["min_survey_n"]
    rows: dict[str, int] = {}

    def put(table: str, source: str | pd.DataFrame) -> None:
        con.execute(f"CREATE TABLE {pub}.{table} ({PUBLISHED_DDL[table]})")
        if isinstance(source, pd.DataFrame):
            rows[table] = len(source)
            if not source.empty:
                con.register("_incoming", source)
                con.execute(f"INSERT INTO {pub}.{table} BY NAME SELECT * FROM _incoming")
                con.unregister("_incoming")
            return
        rows[table] = con.execute(f"INSERT INTO {pub}.{table} BY NAME {source}").fetchone()[0]

    con.execute(f"CREATE TABLE {pub}.indicator_values ({PUBLISHED_DDL['indicator_values']})")
    rows["indicator_values"], suppressed = write_indicator_values(
        con, f"{pub}.indicator_values", disclosure
    )
    # what the published indicator values hide is hidden in every other table too
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hidden_counts AS "
        + hidden_counts_sql(f"{pub}.indicator_values", "indicator_values")
    )
    put("areas", areas_sql(k, "_hidden_counts"))
    put("indicator_catalog", "SELECT * FROM indicator_catalog ORDER BY indicator_id")
    put(
        "facilities",
        """SELECT facility_id, provider_id, name, offer_type, municipality_ags, area_id,
                  capacity, lon, lat, valid_from, valid_to, address
           FROM facilities ORDER BY facility_id""",
    )
    put(
        "social_index",
        "SELECT * FROM social_index ORDER BY municipality_ags, area_id, reference_date",
    )
    put("allocation", allocation_sql(k, "_hidden_counts"))
    put("goal_progress", goal_progress_sql(f"{pub}.indicator_values"))
    put("data_quality", DATA_QUALITY)
    put("supply", supply_sql(k, min_denominator, "_hidden_counts"))
    con.execute("DROP TABLE _hidden_counts")
    put("measures", measures_frame(goals))
    put("measure_kpis", measure_kpis_sql(k, min_survey_n, min_denominator))
    kpi_columns = published_columns(con, pub)["measure_kpis"]
    put("kpi_status", kpi_status_sql(f"{pub}.measure_kpis", kpi_columns))
    put(
        "kpi_status_rolling",
        kpi_status_rolling_sql(f"{pub}.kpi_status", k, min_survey_n, min_denominator),
    )
    put("goal_measure_status", goal_measure_status_sql(f"{pub}.kpi_status"))
    put("needs_survey", needs_survey_sql(k, min_survey_n))
    put("metadata", metadata)
    for table in SUPPRESSION_STATUS:
        suppressed[f"{table}_rows"] = con.execute(
            f"SELECT count(*) FROM {pub}.{table} WHERE status = '{SUPPRESSED}'"
        ).fetchone()[0]
    return rows, suppressed
