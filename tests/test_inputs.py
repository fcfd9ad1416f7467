"""Inputs fingerprints (`assets/inputs.py`): what lets supply and the index skip a new month."""

import duckdb
import pytest

from assets import inputs
from assets.warehouse import ensure_schema

QUERY = ("SELECT area_id, value FROM t WHERE value > ?", [0])


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('A', 1.0), ('B', 2.0)) v(area_id, value)")
    yield con
    con.close()


def test_the_same_rows_in_another_order_give_the_same_fingerprint(con):
    before = inputs.fingerprint(con, [QUERY], {"k": 1})
    con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM t ORDER BY area_id DESC")
    assert inputs.fingerprint(con, [QUERY], {"k": 1}) == before


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE t SET value = 2.5 WHERE area_id = 'B'",
        "INSERT INTO t VALUES ('C', 3.0)",
        "DELETE FROM t WHERE area_id = 'A'",
        "INSERT INTO t VALUES ('A', 1.0)",  # a duplicate row counts
    ],
)
def test_any_changed_row_changes_the_fingerprint(con, change):
    before = inputs.fingerprint(con, [QUERY], {})
    con.execute(change)
    assert inputs.fingerprint(con, [QUERY], {}) != before


def test_settings_are_part_of_the_fingerprint(con):
    assert inputs.fingerprint(con, [QUERY], {"budget": 1}) != inputs.fingerprint(
        con, [QUERY], {"budget": 2}
    )


def test_an_output_counts_as_current_only_for_the_recorded_inputs(con):
    key = inputs.fingerprint(con, [QUERY], {})
    assert not inputs.unchanged(con, "supply", key)
    inputs.record(con, "supply", key)
    assert inputs.unchanged(con, "supply", key)
    assert not inputs.unchanged(con, "social_index", key)
    con.execute("UPDATE t SET value = 9 WHERE area_id = 'A'")
    assert not inputs.unchanged(con, "supply", inputs.fingerprint(con, [QUERY], {}))
    inputs.forget(con, "supply")
    assert not inputs.unchanged(con, "supply", key)
