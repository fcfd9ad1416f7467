"""Per-municipality partitions: `SOZIALPLANUNG_PARTITIONS=month_municipality` (docs/scaling.md §3).

The partitions are fixed when the definitions are built: the fast tests build them in process
for their own root (`build_definitions`); the slow ones run `make run`'s entry point and the
Dagster command line in processes of their own with the switch set.
"""

from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import LocationSettings, build_definitions
from pipelines.jobs import range_tags
from tests.checksums import table_checksums
from tests.conftest import dagster_cli, generate_root, run_pipeline

SWITCH = {"SOZIALPLANUNG_PARTITIONS": "month_municipality"}
LAST_MONTH = "2026-10"  # the generator's last Bundesagentur month
MONTHLY_ASSETS = {"measure_reports", "indicator_values", "measure_kpis", "kpi_status"}


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


def switched(root: Path, tmp_path: Path) -> LocationSettings:
    return LocationSettings(
        data_dir=str(root), warehouse_dir=str(tmp_path / "wh"), partitions="month_municipality"
    )


def test_the_switch_partitions_the_monthly_assets_by_month_and_municipality(
    two_municipalities, tmp_path
):
    defs = build_definitions(switched(two_municipalities, tmp_path))
    partitions = defs.resolve_job_def("refresh").partitions_def
    first, second = ags_of_area_files(two_municipalities)
    # the months start with the root's first month: the generator's reports begin in November
    # 2023, a month before its first population Stichtag (31.12.2023)
    assert {
        d.name: d.partitions_def.get_partition_keys()[:3] for d in partitions.partitions_defs
    } == {
        "ags": [first, second],
        "month": ["2023-11-01", "2023-12-01", "2024-01-01"],
    }
    graph = defs.resolve_asset_graph()
    partitioned = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).partitions_def is not None
    }
    assert partitioned == MONTHLY_ASSETS
    for name in MONTHLY_ASSETS:
        assert graph.get(dg.AssetKey(name)).partitions_def == partitions, name
    # one run covers every municipality (the range is a rectangle of municipalities x months)
    assert range_tags("2026-05-01", "2026-10-01", partitions) == {
        "dagster/asset_partition_range_start": f"{first}|2026-05-01",
        "dagster/asset_partition_range_end": f"{second}|2026-10-01",
    }


def test_the_environment_chooses_the_same_partitions(two_municipalities, tmp_path, monkeypatch):
    """`range_tags` without partitions (the planner's call) follows the environment, as `defs`."""
    monkeypatch.setenv("SOZIALPLANUNG_DATA_DIR", str(two_municipalities))
    monkeypatch.setenv("SOZIALPLANUNG_PARTITIONS", "month_municipality")
    first, second = ags_of_area_files(two_municipalities)
    assert range_tags("2026-05-01", "2026-10-01") == {
        "dagster/asset_partition_range_start": f"{first}|2026-05-01",
        "dagster/asset_partition_range_end": f"{second}|2026-10-01",
    }
    monkeypatch.delenv("SOZIALPLANUNG_PARTITIONS")
    assert range_tags("2026-05-01", "2026-10-01") == {
        "dagster/asset_partition_range_start": "2026-05-01",
        "dagster/asset_partition_range_end": "2026-10-01",
    }


def test_a_configured_first_month_starts_the_months_of_every_municipality(
    two_municipalities, tmp_path
):
    settings = replace(switched(two_municipalities, tmp_path), first_month="2025-01")
    partitions = build_definitions(settings).resolve_job_def("refresh").partitions_def
    months = partitions.get_partitions_def_for_dimension("month").get_partition_keys()
    assert months[:2] == ["2025-01-01", "2025-02-01"]
    # two municipalities for each month from January 2025 to the month that has just closed
    assert len(partitions.get_partition_keys()) == 2 * len(months)


def test_an_unknown_partitioning_is_refused_when_the_definitions_are_built(tmp_path, monkeypatch):
    monkeypatch.setenv("SOZIALPLANUNG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOZIALPLANUNG_PARTITIONS", "weekly")
    settings = LocationSettings.from_env()
    with pytest.raises(ValueError, match="SOZIALPLANUNG_PARTITIONS must be month or month_muni"):
        build_definitions(settings)


def test_per_municipality_partitions_need_a_municipality(tmp_path):
    (tmp_path / "areas").mkdir()
    with pytest.raises(ValueError, match="no municipality in the area files"):
        build_definitions(switched(tmp_path, tmp_path))


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
