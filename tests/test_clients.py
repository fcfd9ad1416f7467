"""The published file in the DuckDB clients analysts have, not only in the one that wrote it.

The file is built the way the publish asset builds it (the hand-made rows of `test_exports.py`,
`publish_atomically`, `document_published_file`) and opened by other DuckDB releases, each in its
own environment made by uv (`uv run --isolated --with duckdb==…`, so nothing of this venv leaks
in): the documented Python example, every SQL query of docs/queries.md and every table and view
must give the same rows as the DuckDB here, with every comment intact. uv needs PyPI once per
version (it caches the wheels); when it cannot download, the test skips and says so.
"""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy
import pandas
import pytest

from tests.test_exports import build, settings

# the oldest release that runs every documented query (1.0 lacks the thousands separator of
# format() for decimals, which v_red_kpis_latest uses), and the newest 1.x release
CLIENTS = ["1.1.3", "1.5.6"]
CLI = "1.4.4"  # the oldest `duckdb-cli` on PyPI
UV = Path(sys.executable).with_name("uv")
DOC = Path(__file__).parents[1] / "docs" / "queries.md"
DOCUMENTED_PATH = "data/warehouse/sozialplanung.duckdb"
NETWORK_ERRORS = ("Failed to fetch", "error sending request", "dns error", "network was disabled")

CLIENT = textwrap.dedent("""
    import json, sys
    import duckdb

    job = json.load(sys.stdin)
    example = {}
    exec(job["python_example"], example)
    con = duckdb.connect(job["path"], read_only=True)
    answers, errors = {}, {}
    for query in job["queries"]:
        try:
            answers[query] = json.dumps(con.execute(query).fetchall(), default=str)
        except duckdb.Error as error:
            errors[query] = f"{type(error).__name__}: {error}"
    print(json.dumps({
        "version": duckdb.__version__,
        "example": [len(example["df"]), list(example["df"].columns)],
        "answers": answers,
        "errors": errors,
        "comments": con.execute(job["comments"]).fetchall(),
    }))
""")
COMMENTS = """SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal
UNION ALL SELECT table_name, NULL, comment FROM duckdb_tables()
UNION ALL SELECT view_name, NULL, comment FROM duckdb_views() WHERE NOT internal ORDER BY ALL"""


def documented(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def documented_queries() -> list[str]:
    return [s.query.strip() for s in duckdb.extract_statements("\n".join(documented("sql")))]


def uv(args: list[str], stdin: str = "") -> str:
    """Run uv; skip when it cannot reach PyPI, fail on any other error."""
    done = subprocess.run(
        [str(UV), *args], input=stdin, capture_output=True, text=True, timeout=600
    )
    if done.returncode and any(marker in done.stderr for marker in NETWORK_ERRORS):
        pytest.skip(f"uv cannot download from PyPI (no network?): {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def rows(answer: str) -> list[str]:
    """A query's rows in a comparable form, independent of the order of equal sort keys."""
    return sorted(json.dumps(row) for row in json.loads(answer))


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("clients") / "sozialplanung.duckdb", settings())


@pytest.fixture(scope="module")
def job(published) -> dict:
    """What a client runs: the documented examples and a `SELECT *` of every table and view."""
    con = duckdb.connect(str(published), read_only=True)
    relations = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
        ).fetchall()
    ]
    con.close()
    (example,) = [block for block in documented("python") if "v_area_profile" in block]
    return {
        "path": str(published),
        "python_example": example.replace(DOCUMENTED_PATH, str(published)),
        "queries": documented_queries() + [f'SELECT * FROM "{name}"' for name in relations],
        "comments": COMMENTS,
    }


def test_the_documentation_has_its_examples():
    queries = documented_queries()
    assert len(queries) == 10  # the ten questions
    assert (
        queries[5]
        == "-- 6. Which measures are red this month, and why?\nSELECT * FROM v_red_kpis_latest;"
    )
    assert any("SELECT * FROM v_area_profile" in block for block in documented("python"))


def test_the_file_is_written_in_the_oldest_storage_format(published):
    con = duckdb.connect(str(published), read_only=True)
    tags = con.execute(
        "SELECT tags FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    con.close()
    assert tags["storage_version"] == "v1.0.0+"


@pytest.mark.parametrize("version", CLIENTS)
def test_an_older_duckdb_answers_every_documented_query_like_this_one(published, job, version):
    pins = [f"duckdb=={version}", f"pandas=={pandas.__version__}", f"numpy=={numpy.__version__}"]
    script = published.with_name(f"client_{version}.py")
    script.write_text(CLIENT, encoding="utf-8")
    args = ["run", "--isolated", "--no-project", *(f"--with={pin}" for pin in pins)]
    out = json.loads(uv([*args, "python", str(script)], json.dumps(job)))
    assert out["version"] == version  # the client's own DuckDB, not this venv's

    con = duckdb.connect(str(published), read_only=True)
    profile = con.execute("SELECT * FROM v_area_profile").fetchall()
    assert out["example"] == [len(profile), [d[0] for d in con.description]]
    assert out["example"][0] > 0  # the areas of test_exports.py, each with its profile
    assert out["errors"] == {}
    for query in job["queries"]:
        here = json.dumps(con.execute(query).fetchall(), default=str)
        assert rows(out["answers"][query]) == rows(here), query
    comments = con.execute(COMMENTS).fetchall()
    con.close()
    assert [tuple(c) for c in out["comments"]] == comments
    assert [
        "areas",
        "area_id",
        "Sozialraum-ID ('ALL' = gesamte Kommune) | area id ('ALL' = whole municipality)",
    ] in out["comments"]


def test_the_duckdb_cli_from_pypi_opens_the_file(published):
    sql = "\n".join(documented("sql")) + "\nSELECT count(*) AS profiles FROM v_area_profile;"
    out = uv(["tool", "run", "--isolated", "--from", f"duckdb-cli=={CLI}", "duckdb", "-readonly",
              "-csv", str(published), "-c", sql])  # fmt: skip
    assert "Error" not in out
    assert out.rstrip().endswith("profiles\n2")
