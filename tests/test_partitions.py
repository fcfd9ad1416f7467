"""Per-municipality partitions: `SOZIALPLANUNG_PARTITIONS=month_municipality` (docs/scaling.md §3).

The partitions are fixed when the definitions load, so every test here loads them in a process
of its own with the switch set.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.checksums import table_checksums
from tests.conftest import REPO, dagster_cli, generate_root, run_pipeline

SWITCH = {"SOZIALPLANUNG_PARTITIONS": "month_municipality"}
LAST_MONTH = "2026-10"  # the generator's last Bundesagentur month


@pytest.fixture(scope="module")
def two_municipalities(tmp_path_factory) -> Path:
    """Two municipalities, twelve areas, six Bundesagentur months, three population Stichtage."""
    root = tmp_path_factory.mktemp("two") / "root"
    return generate_root(
        root, municipalities=2, areas=12, population=40000, providers=3, months=6, years=3
    )


def ags_of_area_files(root: Path) -> list[str]:
    """The generator names its area files `sozialraeume_<AGS>.geojson`."""
    return sorted(p.stem.rsplit("_", 1)[1] for p in (root / "areas").glob("*.geojson"))


def python(code: str, root: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "SOZIALPLANUNG_DATA_DIR": str(root), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


DESCRIBE = """
import json
import dagster as dg
from pipelines.definitions import defs
from pipelines.jobs import range_tags
job = defs.resolve_job_def("refresh")
partitions = job.partitions_def
print(json.dumps({
    "dimensions": {d.name: d.partitions_def.get_partition_keys()[:3]
                   for d in partitions.partitions_defs},
    "tags": range_tags("2026-05-01", "2026-10-01"),
}))
"""


def test_the_switch_partitions_the_monthly_assets_by_month_and_municipality(two_municipalities):
    done = python(DESCRIBE, two_municipalities, SWITCH)
    assert done.returncode == 0, done.stderr[-3000:]
    described = json.loads(done.stdout.strip().splitlines()[-1])
    first, second = ags_of_area_files(two_municipalities)
    assert described["dimensions"] == {
        "ags": [first, second],
        "month": ["2010-01-01", "2010-02-01", "2010-03-01"],
    }
    # one run covers every municipality (the range is a rectangle of municipalities x months)
    assert described["tags"] == {
        "dagster/asset_partition_range_start": f"{first}|2026-05-01",
        "dagster/asset_partition_range_end": f"{second}|2026-10-01",
    }


def test_an_unknown_partitioning_is_refused_when_the_definitions_load(two_municipalities):
    done = python(DESCRIBE, two_municipalities, {"SOZIALPLANUNG_PARTITIONS": "weekly"})
    assert done.returncode != 0
    assert "SOZIALPLANUNG_PARTITIONS must be month or month_municipality" in done.stderr


@pytest.mark.slow  # two refreshes of a two-municipality root with per-municipality partitions
def test_one_municipality_partition_rewrites_only_that_municipality(tmp_path, two_municipalities):
    """Indicator values of (first AGS, last month) are recomputed; the other AGS and months are
    left exactly as they were, even when they were wrong."""
    first, second = ags_of_area_files(two_municipalities)
    run_pipeline(two_municipalities, tmp_path / "wh", tmp_path, SWITCH)
    internal = tmp_path / "wh" / "internal.duckdb"
    con = duckdb.connect(str(internal))
    in_month = f"strftime(reference_date, '%Y-%m') = '{LAST_MONTH}'"
    expected = con.execute(
        f"SELECT count(*), sum(hash(area_id, indicator_id, value)) FROM indicator_values "
        f"WHERE municipality_ags = ? AND {in_month}",
        [first],
    ).fetchone()
    assert expected[0] > 0
    # wrong, but within 0..100 so that the blocking share check lets the run through
    con.execute(f"UPDATE indicator_values SET value = 42.5 WHERE {in_month}")
    con.execute("UPDATE indicator_values SET value = 43.5 WHERE reference_date < DATE '2026-10-01'")
    con.close()

    done = dagster_cli(
        "asset",
        "materialize",
        "-m",
        "pipelines.definitions",
        "--select",
        "indicator_values",
        "--partition",
        f"{first}|{LAST_MONTH}-01",
        env={
            **SWITCH,
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
            "SOZIALPLANUNG_DATA_DIR": str(two_municipalities),
            "SOZIALPLANUNG_WAREHOUSE_DIR": str(tmp_path / "wh"),
        },
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    con = duckdb.connect(str(internal), read_only=True)
    recomputed = con.execute(
        f"SELECT count(*), sum(hash(area_id, indicator_id, value)) FROM indicator_values "
        f"WHERE municipality_ags = ? AND {in_month}",
        [first],
    ).fetchone()
    untouched = con.execute(
        f"SELECT count(*) FILTER (WHERE value <> 42.5) FROM indicator_values "
        f"WHERE municipality_ags = ? AND {in_month}",
        [second],
    ).fetchone()[0]
    older = con.execute(
        "SELECT count(DISTINCT value) FROM indicator_values WHERE reference_date < '2026-10-01'"
    ).fetchone()[0]
    con.close()
    assert recomputed == expected
    assert untouched == 0
    assert older == 1


@pytest.mark.slow  # two full refreshes, one of them with every step in its own process
def test_the_same_assets_run_per_municipality_with_the_multiprocess_executor(
    tmp_path, two_municipalities
):
    """Both switches of docs/scaling.md together give the published tables of a default run."""
    run_pipeline(two_municipalities, tmp_path / "reference", tmp_path)
    run_pipeline(
        two_municipalities,
        tmp_path / "switched",
        tmp_path,
        {**SWITCH, "SOZIALPLANUNG_EXECUTOR": "multiprocess"},
    )
    reference = table_checksums(tmp_path / "reference" / "sozialplanung.duckdb")
    assert "indicator_values" in reference
    assert table_checksums(tmp_path / "switched" / "sozialplanung.duckdb") == reference
