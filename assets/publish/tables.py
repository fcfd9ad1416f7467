"""Writing the published tables (DESIGN §8): every table the registry declares as published, in
its publish order, created from its declaration and filled by its query.

The queries are SQL over the internal file (`assets/publish/queries.py`, `controlling.py`), so
their rows go straight into the new published file attached to the same connection. A table
whose query reads another published table back (`goal_progress` the suppressed indicator values,
`kpi_status` the shown KPIs) declares it in `reads` and is written after it, so it follows
exactly what analysts see.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from assets.planning import Goals
from assets.publish.disclosure import SUPPRESSED, hidden_counts_sql
from assets.registry import PUBLISHED_TABLES, Table

REPO_ROOT = Path(__file__).resolve().parents[2]
HIDDEN_COUNTS = "_hidden_counts"


@dataclass
class PublishContext:
    """What a published table's query may use: the connection with the internal file and the
    new published file `pub` attached, the settings, goals.yaml and the run's metadata frame.

    `table` is the table being written. A query reads a published table only through
    `published()`, which refuses one the table does not declare in `reads` (and so might not be
    written yet).
    """

    con: duckdb.DuckDBPyConnection
    pub: str
    settings: dict
    goals: Goals
    metadata: pd.DataFrame
    table: Table | None = None
    # suppression counts for the run's metadata, filled by the queries that count them
    suppressed: dict[str, int] = field(default_factory=dict)
    _hidden_counts_made: bool = False

    @property
    def target(self) -> str:
        """The published table being written (for a query that writes its rows itself)."""
        return f"{self.pub}.{self.table.name}"

    @property
    def disclosure(self) -> dict:
        return self.settings["disclosure"]

    @property
    def min_count(self) -> int:
        return self.disclosure["min_count"]

    @property
    def min_denominator(self) -> float:
        return self.disclosure["min_denominator"]

    @property
    def min_survey_n(self) -> int:
        return self.disclosure["min_survey_n"]

    def published(self, table: str) -> str:
        if table not in self.table.reads:
            raise ValueError(
                f"{self.table.name} reads the published table {table}, "
                "which its declaration does not list in `reads`"
            )
        return f"{self.pub}.{table}"

    def hidden_counts(self) -> str:
        """The temporary table of the counts the published indicator values hide, made on first
        use: what they hide is hidden in every other table too."""
        values = self.published("indicator_values")
        if not self._hidden_counts_made:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {HIDDEN_COUNTS} AS "
                + hidden_counts_sql(values, "indicator_values")
            )
            self._hidden_counts_made = True
        return HIDDEN_COUNTS

    def close(self) -> None:
        if self._hidden_counts_made:
            self.con.execute(f"DROP TABLE {HIDDEN_COUNTS}")
            self._hidden_counts_made = False


def write_published_tables(
    con: duckdb.DuckDBPyConnection,
    pub: str,
    settings: dict,
    goals: Goals,
    metadata: pd.DataFrame,
) -> tuple[dict[str, int], dict[str, int]]:
    """Create and fill every published table in the attached database `pub`, one at a time.

    Returns the rows per table and the suppression counts: those of the indicator values and,
    for every other table with a `status`, its rows that hide something.
    """
    context = PublishContext(con, pub, settings, goals, metadata)
    rows: dict[str, int] = {}
    try:
        for table in PUBLISHED_TABLES:
            context.table = table
            con.execute(f"CREATE TABLE {context.target} ({table.ddl(published=True)})")
            rows[table.name] = _fill(context, table)
    finally:
        context.close()
    suppressed = dict(context.suppressed)
    for table in PUBLISHED_TABLES:
        # the indicator values count their suppressed cells while they are protected
        if table.name != "indicator_values" and "status" in _names(table):
            suppressed[f"{table.name}_rows"] = con.execute(
                f"SELECT count(*) FROM {pub}.{table.name} WHERE status = '{SUPPRESSED}'"
            ).fetchone()[0]
    return rows, suppressed


def _names(table: Table) -> list[str]:
    return [c.name for c in table.columns_of(published=True)]


def _fill(context: PublishContext, table: Table) -> int:
    """Run the table's query into it; returns the rows written."""
    source = table.query(context) if callable(table.query) else table.query
    if isinstance(source, int):  # the query wrote its rows itself
        return source
    if isinstance(source, pd.DataFrame):
        if not source.empty:
            context.con.register("_incoming", source)
            context.con.execute(f"INSERT INTO {context.target} BY NAME SELECT * FROM _incoming")
            context.con.unregister("_incoming")
        return len(source)
    return context.con.execute(f"INSERT INTO {context.target} BY NAME {source}").fetchone()[0]


def release_version() -> str:
    """Project version and, where the code is a git checkout, its commit (the `code_version`
    of the `metadata` table; not the code fingerprint the incremental planner compares)."""
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
        "code_version": release_version(),
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
