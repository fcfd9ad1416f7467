"""0-byte files in the statistics and survey folders are reported, not passed over (issue 15
item 10): the one who delivered believes the data arrived."""

import dagster as dg
import duckdb

from assets.ingest.assets import (
    genesis_values,
    needs_survey_responses,
    small_area_statistics,
    zensus_grid,
)
from assets.resources import DataRoot, Warehouse
from tests.conftest import make_tiny_root

EMPTY = {
    "small_area_statistics": "statistics/small_area/leer_2024.csv",
    "genesis": "statistics/genesis/leer.csv",
    "zensus": "statistics/zensus/leer.csv",
    "needs_survey": "surveys/needs/leer.csv",
}


def test_0_byte_files_of_every_folder_source_are_reported_and_the_rest_loads(tmp_path):
    root = make_tiny_root(tmp_path / "root")
    for rel in EMPTY.values():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"")
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    result = dg.materialize(
        [small_area_statistics, genesis_values, zensus_grid, needs_survey_responses],
        resources={"data_root": DataRoot(data_dir=str(root)), "warehouse": warehouse},
    )
    assert result.success
    con = duckdb.connect(str(warehouse.internal_path), read_only=True)
    entries = con.execute(
        "SELECT source, file, row_number, reason_code, reason FROM quarantine "
        "WHERE file LIKE '%leer%' ORDER BY source"
    ).fetchall()
    files = con.execute(
        "SELECT file, rows_in FROM ingest_files WHERE file LIKE '%leer%' ORDER BY file"
    ).fetchall()
    loaded = con.execute("SELECT count(*) FROM zensus_grid").fetchone()[0]
    con.close()
    assert [e[:4] for e in entries] == [
        (source, rel, None, "empty_file") for source, rel in sorted(EMPTY.items())
    ]
    assert all(e[4].startswith("Datei ist leer (0 Byte)") for e in entries)
    assert files == sorted((rel, 0) for rel in EMPTY.values())
    assert loaded > 0  # the real Zensus file next to the empty one still loads
