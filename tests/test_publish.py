"""Publishing: primary suppression rules and the atomic swap of the analysts' file."""

import subprocess
import sys
import textwrap

import duckdb
import pandas as pd
import pytest

from assets.publish.queries import goal_progress_sql
from assets.publish.swap import publish_atomically, run_inside
from tests.test_disclosure import protect


def publish(target, frame: pd.DataFrame, token: str) -> None:
    """Publish `frame` as table `t` (with a view on it) the way the asset publishes."""
    con = duckdb.connect()
    with publish_atomically(con, target, token) as pub:
        con.execute(f"CREATE TABLE {pub}.t (x INTEGER)")
        con.register("incoming", frame)
        con.execute(f"INSERT INTO {pub}.t SELECT * FROM incoming")
        run_inside(con, pub, ["CREATE VIEW v AS SELECT sum(x) AS total FROM t"])
    con.close()


def test_primary_suppression_of_small_numerators_and_denominators():
    values = pd.DataFrame(
        {
            "municipality_ags": "05999000",
            "area_id": ["A", "B", "C", "D", "E", "A"],  # no 'ALL' total: primary rules only
            "reference_date": "2025-12-31",
            "indicator_id": ["a", "a", "a", "a", "a", "change"],
            "numerator": [0.0, 2.0, 3.0, 5.0, None, -2.0],
            "denominator": [100.0, 100.0, 100.0, 19.0, 100.0, 50.0],
            "value": [0.0, 2.0, 3.0, 26.3, None, -4.0],
            "status": ["ok", "ok", "ok", "ok", "not_computable", "ok"],
        }
    )
    out = protect(values, min_count=3, min_denominator=20, count_numerators={"a"})
    assert out["status"].tolist() == [
        "ok",
        "suppressed",
        "ok",
        "suppressed",
        "not_computable",
        "ok",
    ]
    assert out["value"].isna().tolist() == [False, True, False, True, True, False]
    assert pd.isna(out.loc[1, "numerator"])  # the count 2 itself is not published either
    # 5 is publishable as a count, but with the denominator 19 it would give the rate back
    assert pd.isna(out.loc[3, "numerator"]) and out.loc[3, "denominator"] == 19.0
    assert out.loc[5, "numerator"] == -2.0  # a difference is not a head count


READER = textwrap.dedent("""
    import pathlib, sys, duckdb

    def state(con):
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1")
                  .fetchall()]
        return {t: con.execute(f"SELECT count(*), sum(hash(x)) FROM {t} x").fetchone()
                for t in tables}

    con = duckdb.connect(sys.argv[1], read_only=True)
    stop = pathlib.Path(sys.argv[2])
    old = state(con)
    print(sorted(old), flush=True)
    queries = 0
    while not stop.exists():  # query over and over while the refresh runs
        assert state(con) == old, "saw a changed or partial state"
        queries += 1
    print(queries, flush=True)
""")


def test_swap_succeeds_while_an_analyst_queries_the_old_file_throughout(tmp_path):
    target, stop = tmp_path / "sozialplanung.duckdb", tmp_path.parent / f"{tmp_path.name}.stop"
    publish(target, pd.DataFrame({"x": [1, 2]}), "first")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "['t']"  # every table of the old state
        for round_ in range(5):  # several refreshes, each swapped in under the reader
            publish(target, pd.DataFrame({"x": [10, 20 + round_]}), f"second{round_}")
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err  # the complete old state at every query, never an error
    assert int(out.strip()) > 0
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("SELECT sum(x) FROM t").fetchone()[0] == 34  # a new connection: new state
    assert con.execute("SELECT total FROM v").fetchone()[0] == 34  # the view reads this file
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sozialplanung.duckdb"]  # no tmp, no .wal


def test_failed_publish_leaves_the_previous_file_untouched(tmp_path):
    target = tmp_path / "sozialplanung.duckdb"
    publish(target, pd.DataFrame({"x": [1]}), "first")
    before = target.read_bytes()
    with pytest.raises(duckdb.Error):
        publish(target, pd.DataFrame({"x": ["not a number"]}), "broken")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sozialplanung.duckdb"]


def test_goal_progress_hides_figures_whose_indicator_value_is_suppressed():
    con = duckdb.connect()
    con.execute("""
        CREATE TABLE goal_progress AS SELECT * FROM (VALUES
            ('G1', '05999000', 'A', DATE '2024-12-31', 'child_poverty', 20.0, 20.0, 10.0, 0.0, true, NULL),
            ('G1', '05999000', 'A', DATE '2025-12-31', 'child_poverty', 20.0, 18.0, 10.0, 20.0, true, NULL),
            ('G1', '05999000', 'B', DATE '2024-12-31', 'child_poverty', 30.0, 30.0, 10.0, 0.0, true, NULL),
            ('G1', '05999000', 'B', DATE '2025-12-31', 'child_poverty', 30.0, 25.0, 10.0, 25.0, true, NULL)
        ) t(goal_id, municipality_ags, area_id, reference_date, indicator_id, baseline, current,
            target, progress, on_track, note)""")
    con.execute("""
        CREATE TABLE published_values AS SELECT * FROM (VALUES
            ('05999000', 'A', DATE '2024-12-31', 'child_poverty', 'ok'),
            ('05999000', 'A', DATE '2025-12-31', 'child_poverty', 'suppressed'),
            ('05999000', 'B', DATE '2024-12-31', 'child_poverty', 'suppressed'),
            ('05999000', 'B', DATE '2025-12-31', 'child_poverty', 'ok'),
            ('05111000', 'A', DATE '2024-12-31', 'child_poverty', 'suppressed')
        ) t(municipality_ags, area_id, reference_date, indicator_id, status)""")
    out = con.execute(goal_progress_sql("published_values")).df()
    out = out.set_index(["area_id", "reference_date"])
    a_now = out.loc[("A", pd.Timestamp("2025-12-31"))]  # the current value is suppressed
    assert a_now["status"] == "suppressed" and a_now["baseline"] == 20.0
    assert pd.isna(a_now["current"]) and pd.isna(a_now["progress"]) and pd.isna(a_now["on_track"])
    b_now = out.loc[("B", pd.Timestamp("2025-12-31"))]  # its baseline value is suppressed
    assert b_now["status"] == "suppressed" and b_now["current"] == 25.0
    assert pd.isna(b_now["baseline"]) and pd.isna(b_now["progress"])
    # same area id in another municipality: not this row's value
    assert out.loc[("A", pd.Timestamp("2024-12-31")), "status"] == "ok"
