"""An audit of a finished published file: did disclosure control hold in every table?

`disclosure.py` and its siblings hide figures on their way into the file; this module reads the
file afterwards, as an analyst would, and looks for what must never be in it:

- a published head count in 1 … k-1 (k = `disclosure.min_count`), in every column that holds
  head counts (`count_columns`), and in the needs survey an n below `min_survey_n`;
- a hidden cell that a published total gives back: in a group of cells whose `ALL` row is
  published, exactly one hidden cell whose value the total minus the published cells recovers
  (a recovered 0 reveals nobody); for the needs survey, whose rule is stricter, hidden cells that
  together hold fewer than `min_survey_n` answers.

It knows only the file and the table registry, so it checks the product's rules independently of
the SQL that applied them. The publish asset runs it on the new file before the swap, the asset
check on the file analysts open (see docs/disclosure.md). Pure DuckDB, no Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from assets.publish.controlling import COUNTS
from assets.publish.queries import COUNT_NUMERATORS
from assets.registry import BY_NAME, PUBLISHED_TABLES
from assets.registry.model import quoted

TOTAL_AREA = "ALL"
# which rows of a column hold head counts: (column, values) limits it to rows whose `column` is
# one of `values`; None means every row
RowFilter = tuple[str, tuple[str, ...]] | None

# Head counts whose text does not carry the count rule's placeholder: the indicator figures (a
# numerator only where it counts people; differences such as population change are exempt), the
# satisfaction n and target populations of the KPIs, the KPI actuals that are counts, and the
# survey n (also a head count, though its text names the stricter survey rule).
FURTHER_COUNTS: dict[str, dict[str, RowFilter]] = {
    "indicator_values": {
        "numerator": ("indicator_id", tuple(sorted(COUNT_NUMERATORS))),
        "denominator": None,
    },
    "measure_kpis": {"satisfaction_n": None, "target_population": None},
    "kpi_status": {"actual": ("kpi", (*COUNTS, "satisfaction_n"))},
    "kpi_status_rolling": {"actual": ("kpi", (*COUNTS, "satisfaction_n"))},
    "needs_survey": {"n": None},
}


@dataclass(frozen=True)
class Finding:
    """One figure the file must not publish: where it is and why, in German."""

    table: str
    column: str
    row: str
    reason: str


def count_columns() -> dict[str, dict[str, RowFilter]]:
    """Published table -> its head-count columns -> the rows where the column is a head count.

    A column whose published text names the count rule (`{small_de}`) is a head count by its
    declaration in the registry; the others are listed in `FURTHER_COUNTS`.
    """
    found: dict[str, dict[str, RowFilter]] = {}
    for table in PUBLISHED_TABLES:
        declared = {c.name: None for c in table.columns_of(published=True) if "{small_de}" in c.de}
        columns = declared | FURTHER_COUNTS.get(table.name, {})
        if columns:
            found[table.name] = columns
    return found


def audit_published_file(
    con: duckdb.DuckDBPyConnection, disclosure: dict, catalog: str | None = None
) -> tuple[list[Finding], list[str]]:
    """The findings in the published file open on `con` (or attached to it as `catalog`), and
    the tables that were scanned; `disclosure` is the settings' `disclosure` section."""
    catalog = catalog or con.execute("SELECT current_database()").fetchone()[0]
    present = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [catalog]
        ).fetchall()
    }
    findings: list[Finding] = []
    scanned = [table for table in count_columns() if table in present]
    for table in scanned:
        relation = f"{quoted(catalog)}.{quoted(table)}"
        columns = _columns(con, catalog, table)
        for column, rows in count_columns()[table].items():
            findings += _small_counts(con, relation, table, column, rows, disclosure)
            if {"area_id", "status"} <= columns:
                findings += _recoverable(con, relation, table, column, disclosure)
    return findings, scanned


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ?",
        [catalog, table],
    ).fetchall()
    return {row[0] for row in rows}


def _row_key(table: str, alias: str = "") -> str:
    """SQL: the row's key as `column=value, …` text, from the table's declared key."""
    parts = [
        f"'{name}=' || coalesce(CAST({alias}{quoted(name)} AS VARCHAR), '(leer)')"
        for name in BY_NAME[table].key
    ]
    return f"concat_ws(', ', {', '.join(parts)})"


def _small_counts(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    table: str,
    column: str,
    rows: RowFilter,
    disclosure: dict,
) -> list[Finding]:
    """Head counts published in 1 … k-1; in a survey table, whose rule needs `min_survey_n`
    answers, also the answer counts below that."""
    limit, rule = disclosure["min_count"], "min_count"
    if BY_NAME[table].disclosure == "survey" and disclosure["min_survey_n"] > limit:
        limit, rule = disclosure["min_survey_n"], "min_survey_n"
    where, params = "true", [limit]
    if rows is not None:
        by, values = rows
        where = f"{quoted(by)} IN ({', '.join('?' for _ in values)})"
        params = [*values, limit]
    keys = con.execute(
        f"SELECT {_row_key(table)} FROM {relation} "
        f"WHERE {where} AND {quoted(column)} > 0 AND {quoted(column)} < ? ORDER BY 1",
        params,
    ).fetchall()
    reason = f"veröffentlichte Fallzahl zwischen 1 und {limit - 1} ({rule} = {limit})"
    return [Finding(table, column, key, reason) for (key,) in keys]


def _recoverable(
    con: duckdb.DuckDBPyConnection, relation: str, table: str, column: str, disclosure: dict
) -> list[Finding]:
    """Hidden cells of `column` that the group's published `ALL` row gives back.

    A group is the table's key without `area_id`; a cell is hidden where it is NULL with status
    `suppressed` (NULL in a `not_computable` row hides nothing). The total minus the published
    cells is what the hidden cells hold together.
    """
    group = [name for name in BY_NAME[table].key if name != "area_id"]
    value = quoted(column)

    def hidden(alias: str) -> str:
        return f"({alias}{value} IS NULL AND {alias}status = 'suppressed')"

    survey = BY_NAME[table].disclosure == "survey"
    if survey:
        min_n = disclosure["min_survey_n"]
        exposed, params = "g._rest > 0 AND g._rest < ?", [TOTAL_AREA, min_n]
        reason = (
            f"gesperrte Zellen der Gruppe halten zusammen weniger als {min_n} Antworten "
            "(min_survey_n) und sind aus dem Gesamtwert (ALL) rückrechenbar"
        )
    else:
        exposed, params = "g._hidden = 1 AND g._rest <> 0", [TOTAL_AREA]
        reason = (
            "einzige gesperrte Zelle ihrer Gruppe, deren Gesamtwert (ALL) veröffentlicht ist: "
            "Gesamtwert minus veröffentlichte Zellen gibt sie zurück"
        )
    on = " AND ".join(f"g.{quoted(k)} IS NOT DISTINCT FROM c.{quoted(k)}" for k in group)
    keys = con.execute(
        f"""
        WITH cells AS (SELECT *, area_id = ? AS _total FROM {relation}),
        g AS (
            SELECT {", ".join(quoted(k) for k in group)},
                   any_value({value}) FILTER (WHERE _total) - coalesce(
                       sum({value}) FILTER (WHERE NOT _total), 0) AS _rest,
                   count(*) FILTER (WHERE NOT _total AND {hidden("")}) AS _hidden
            FROM cells
            GROUP BY ALL
            HAVING count({value}) FILTER (WHERE _total) > 0)
        SELECT {_row_key(table, "c.")}
        FROM cells c JOIN g ON {on}
        WHERE NOT c._total AND {hidden("c.")} AND {exposed}
        ORDER BY 1""",
        params,
    ).fetchall()
    return [Finding(table, column, key, reason) for (key,) in keys]
