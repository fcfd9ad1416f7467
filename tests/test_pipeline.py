"""End to end: the real Definitions materialized into a temporary warehouse, tables queried."""

import dagster as dg
import duckdb
import pytest

from assets.resources import DataRoot, Warehouse
from pipelines.definitions import defs
from pipelines.incremental import plan_full
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from tests.conftest import add_provider_files, make_tiny_root, write

# the tests reading the one refresh of `refreshed` share a pytest worker (and so that refresh)
pytestmark = pytest.mark.xdist_group("tiny_refresh")


def run_refresh(root, warehouse_dir, first="2023-12-01", last="2024-06-01"):
    job = defs.resolve_job_def(REFRESH_JOB_NAME)
    resources = {
        "data_root": DataRoot(data_dir=str(root)),
        "warehouse": Warehouse(warehouse_dir=str(warehouse_dir)),
    }
    with dg.instance_for_test() as instance:
        return job.execute_in_process(
            instance=instance,
            tags=range_tags(first, last),
            resources=resources,
            raise_on_error=False,
        )


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """One refresh of the tiny root, read (never changed) by the tests that take it."""
    tmp = tmp_path_factory.mktemp("tiny_refresh")
    result = run_refresh(make_tiny_root(tmp / "root"), tmp / "wh")
    assert result.success
    return result, tmp / "wh"


@pytest.fixture
def published(refreshed):
    result, warehouse = refreshed
    con = duckdb.connect(str(warehouse / "sozialplanung.duckdb"), read_only=True)
    yield con, result
    con.close()


def test_tiny_root_publishes_contract_tables(published):
    con, _ = published
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert {"areas", "indicator_catalog", "indicator_values", "data_quality"} <= tables
    assert con.execute("SELECT count(*) FROM areas").fetchone()[0] == 5
    # SR-C child poverty: SGB2_NEF_U15 is `-` (exactly zero) -> 0 / 400 = 0 %, published
    row = con.execute("""SELECT value, status FROM indicator_values WHERE area_id = 'SR-C'
                         AND indicator_id = 'child_poverty'""").fetchone()
    assert row == (0.0, "ok")
    # SR-C SGB II quota: 1.020 (German thousands point) / (2000 - 300) = 60 %
    row = con.execute("""SELECT numerator, value FROM indicator_values WHERE area_id = 'SR-C'
                         AND indicator_id = 'sgb2_quota'""").fetchone()
    assert row == (1020.0, 60.0)


def test_small_numbers_are_suppressed_in_the_published_file_only(published, refreshed):
    con, _ = published
    # SR-E: SGB2_LB = 2 -> a count below 3 is never published
    row = con.execute("""SELECT numerator, value, status FROM indicator_values
                         WHERE area_id = 'SR-E' AND indicator_id = 'sgb2_quota'""").fetchone()
    assert row == (None, None, "suppressed")
    internal = duckdb.connect(str(refreshed[1] / "internal.duckdb"), read_only=True)
    exact = internal.execute("""SELECT numerator, status FROM indicator_values
                                WHERE area_id = 'SR-E' AND indicator_id = 'sgb2_quota'""").fetchone()
    internal.close()
    assert exact == (2.0, "ok")


def test_every_row_is_loaded_or_quarantined_and_counts_add_up(published, refreshed):
    con, _ = published
    rows = con.execute("""SELECT source, file, rows_in, rows_loaded, rows_quarantined, checks_passed
                          FROM data_quality ORDER BY file""").fetchall()
    by_file = {r[1]: r for r in rows}
    assert by_file["statistics/small_area/ba_2024.csv"][2:5] == (14, 13, 1)
    assert by_file["statistics/small_area/bevoelkerung_2023.csv"][2:5] == (21, 20, 1)
    assert by_file["statistics/zensus/grid.csv"][2:5] == (3, 2, 1)
    assert all(r[2] == r[3] + r[4] for r in rows)
    assert all(r[5] > 0 for r in rows)  # the GX suites ran and were counted
    internal = duckdb.connect(str(refreshed[1] / "internal.duckdb"), read_only=True)
    reasons = internal.execute("""SELECT file, row_number, "column", value, reason_code
                                  FROM quarantine ORDER BY file""").fetchall()
    internal.close()
    assert ("statistics/small_area/ba_2024.csv", 15, "Raum_ID", "SR-Z", "unknown_area") in reasons
    assert (
        "statistics/small_area/bevoelkerung_2023.csv",
        22,
        "Merkmal",
        "EW_TYPO",
        "unknown_code",
    ) in reasons
    assert ("statistics/zensus/grid.csv", 4, "Einwohner", "zwölf", "invalid_value") in reasons


def test_checks_pass_and_reconciliation_compares_control_totals(published):
    _, result = published
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) >= {
        "areas_expectations",
        "small_area_statistics_expectations",
        "population_matches_control_totals",
    }
    assert all(e.passed for e in evaluations.values())
    reconciliation = evaluations["population_matches_control_totals"]
    assert reconciliation.metadata["compared"].value == 1


def test_reconciliation_blocks_indicators_when_population_is_off(tiny_root, tmp_path):
    genesis = tiny_root / "statistics" / "genesis" / "12411.csv"
    genesis.write_text(
        genesis.read_text(encoding="utf-8").replace(";4380;", ";9000;"), encoding="utf-8"
    )
    result = run_refresh(tiny_root, tmp_path / "wh")
    assert not result.success
    evaluation = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluation["population_matches_control_totals"].passed
    assert not (tmp_path / "wh" / "sozialplanung.duckdb").exists()


def test_provider_files_load_quarantine_and_produce_feedback(tiny_root, tmp_path):
    add_provider_files(tiny_root)
    result = run_refresh(tiny_root, tmp_path / "wh")
    assert result.success
    con = duckdb.connect(str(tmp_path / "wh" / "sozialplanung.duckdb"), read_only=True)
    facilities = con.execute("SELECT facility_id, area_id FROM facilities").fetchall()
    quality = con.execute("""SELECT file, rows_in, rows_loaded, rows_quarantined FROM data_quality
                             WHERE source IN ('facilities', 'measure_reports') ORDER BY file""").fetchall()
    con.close()
    assert facilities == [("E-1", "SR-A")]
    assert quality == [
        ("providers/TR-01/facilities.csv", 2, 1, 1),
        ("providers/TR-01/reports/2024-06.csv", 2, 1, 1),
    ]
    feedback = tmp_path / "wh" / "feedback" / "TR-01"
    assert sorted(p.name for p in feedback.iterdir()) == [
        "2024-06.csv",
        "2024-06.xlsx",
        "allgemein.csv",
        "allgemein.xlsx",
    ]
    assert "davon_Zielgruppe ist größer als Teilnehmende" in (feedback / "2024-06.csv").read_text(
        encoding="utf-8-sig"
    )


@pytest.mark.slow
def test_a_corrected_report_replaces_the_month_and_never_adds_twice(tiny_root, tmp_path):
    add_provider_files(tiny_root)
    assert run_refresh(tiny_root, tmp_path / "wh", "2024-06-01", "2024-06-01").success
    report = tiny_root / "providers" / "TR-01" / "reports" / "2024-06.csv"
    report.write_text(
        report.read_text(encoding="utf-8").replace(";20;25;3;", ";20;5;3;"), encoding="utf-8"
    )
    assert run_refresh(tiny_root, tmp_path / "wh", "2024-06-01", "2024-06-01").success
    internal = duckdb.connect(str(tmp_path / "wh" / "internal.duckdb"), read_only=True)
    rows = internal.execute("SELECT area_id FROM measure_reports ORDER BY 1").fetchall()
    quarantined = internal.execute(
        "SELECT count(*) FROM quarantine WHERE source = 'measure_reports'"
    ).fetchone()[0]
    internal.close()
    assert rows == [("SR-A",), ("SR-B",)] and quarantined == 0
    assert not (tmp_path / "wh" / "feedback" / "TR-01" / "2024-06.xlsx").exists()


def test_reports_beyond_the_statistics_load_and_reports_without_a_month_are_reported(
    tiny_root, tmp_path
):
    """Providers deliver before the Bundesagentur: a full refresh spans their report months too,
    and a report whose month has no partition (not over yet, or before the first partition) is
    never silently skipped."""
    add_provider_files(tiny_root)
    header = "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;Stunden;Kosten_EUR\n"
    reports = tiny_root / "providers" / "TR-01" / "reports"
    write(reports / "2024-08.csv", header + "M-1;2024-08;SR-A;22;11;2;40;900\n")
    write(reports / "2999-01.csv", header + "M-1;2999-01;SR-A;1;1;1;1;1\n")
    write(reports / "2009-12.csv", header + "M-1;2009-12;SR-A;1;1;1;1;1\n")
    bounds = plan_full(tiny_root).bounds
    assert bounds == ("2023-12-01", "2024-08-01")  # the statistics end in June 2024
    result = run_refresh(tiny_root, tmp_path / "wh", *bounds)
    assert result.success
    con = duckdb.connect(str(tmp_path / "wh" / "internal.duckdb"), read_only=True)
    loaded = con.execute(
        "SELECT strftime(month, '%Y-%m'), participants FROM measure_reports ORDER BY 1"
    ).fetchall()
    refused = con.execute(
        "SELECT file, reason_code, reason FROM quarantine WHERE reason_code = 'month_not_open' "
        "ORDER BY file"
    ).fetchall()
    con.close()
    assert loaded == [("2024-06", 20), ("2024-08", 22)]
    assert [(f, code) for f, code, _ in refused] == [
        ("providers/TR-01/reports/2009-12.csv", "month_not_open"),
        ("providers/TR-01/reports/2999-01.csv", "month_not_open"),
    ]
    first = defs.resolve_job_def(REFRESH_JOB_NAME).partitions_def.get_first_partition_key()[:7]
    assert f"vor dem ersten Auswertungsmonat {first}" in refused[0][2]
    assert "noch nicht abgeschlossen" in refused[1][2]
