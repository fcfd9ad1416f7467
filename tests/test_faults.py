"""Faults that must not cost data: a damaged internal file, a half-written manifest line,
re-runs of months already loaded, a rebuild from the archive, two runs at once."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.ingest.archive import _entries, archive_landing_files, restore_root
from assets.ingest.providers import discover
from assets.resources import DataRoot, Warehouse
from pipelines.definitions import defs
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from pipelines.rebuild import rebuild
from pipelines.run import refresh, refresh_changed
from tests.checksums import table_checksums
from tests.conftest import add_provider_files, make_tiny_root, write

REPO = Path(__file__).resolve().parent.parent
REPORT = "providers/TR-01/reports/2024-06.csv"


@pytest.fixture
def instance_home(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def root(tmp_path):
    root = make_tiny_root(tmp_path / "root")
    add_provider_files(root)
    return root


def state(warehouse: Warehouse) -> tuple[dict, dict]:
    """Checksums of every table of the published and of the internal file."""
    return table_checksums(warehouse.published_path), table_checksums(warehouse.internal_path)


# --- a corrupted block in the middle of internal.duckdb ----------------------------------------


def corrupt_a_data_block(path: Path) -> int:
    """Flip 64 bytes of table data in the middle one of the blocks that hold any; its block id.

    DuckDB's file starts with three 4 KiB headers, then fixed-size blocks, each starting with an
    8-byte checksum of its used bytes (bytes past them are not data, so the flip goes to the
    first column segment in the block). Metadata blocks are left alone: the file still opens.
    """
    con = duckdb.connect(str(path), read_only=True)
    try:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        segments = sorted(
            row
            for table in tables
            for row in con.execute(
                f"SELECT block_id, block_offset FROM pragma_storage_info('{table}') "
                "WHERE block_id >= 0"
            ).fetchall()
        )
    finally:
        con.close()
    blocks = sorted({block for block, _ in segments})
    block = blocks[len(blocks) // 2]
    first = min(offset for b, offset in segments if b == block)
    position = 3 * 4096 + block * block_size + 8 + first
    with open(path, "r+b") as handle:
        handle.seek(position)
        data = handle.read(64)
        handle.seek(position)
        handle.write(bytes(b ^ 0xFF for b in data))
    return block


@pytest.mark.slow
def test_a_corrupted_block_is_found_set_aside_and_rebuilt_from_the_archive_alone(
    tmp_path, root, instance_home, capsys
):
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
    good = state(warehouse)
    corrupt_a_data_block(warehouse.internal_path)
    damaged = warehouse.internal_path.read_bytes()
    con = duckdb.connect(str(warehouse.internal_path))  # what the old check saw: all fine
    assert con.execute("SELECT count(*) FROM indicator_values").fetchone()[0] > 0
    con.close()
    assert "checksum" in warehouse.damage()  # only reading the data shows the damage

    shutil.rmtree(root)  # the landing folders are gone: only the archive is left
    capsys.readouterr()
    assert rebuild(warehouse) == 0
    assert "beschädigt" in capsys.readouterr().out
    aside = list(warehouse.path.glob("internal.duckdb.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # set aside, not deleted
    assert not (warehouse.path / "internal.duckdb.before-rebuild").exists()
    assert warehouse.damage() is None
    assert state(warehouse) == good
    assert good[0]["indicator_values"][0] > 0 and good[1]["measure_reports"][0] > 0


def test_every_full_refresh_reads_the_internal_file_before_building_on_it(tmp_path, root):
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    warehouse.path.mkdir()
    con = duckdb.connect(str(warehouse.internal_path))
    con.execute("CREATE TABLE t AS SELECT range AS i, 'Zeile ' || range AS s FROM range(200000)")
    con.close()
    assert warehouse.prepare_full_refresh() is None  # a sound file is kept
    corrupt_a_data_block(warehouse.internal_path)
    message = warehouse.prepare_full_refresh()
    assert "beschädigt" in message and "checksum" in message
    assert len(list(warehouse.path.glob("internal.duckdb.damaged-*"))) == 1
    assert warehouse.damage() is None  # a new, empty file to rebuild into
    corrupt_a_data_block(next(warehouse.path.glob("internal.duckdb.damaged-*")))
    warehouse.internal_path.write_bytes(b"kein DuckDB" * 100)
    assert "beschädigt" in warehouse.prepare_full_refresh()
    assert len(list(warehouse.path.glob("internal.duckdb.damaged-*"))) == 2  # none replaced


# --- manifest.jsonl: a run killed while appending ----------------------------------------------


def test_a_partial_last_manifest_line_is_ignored_and_cut_off_by_the_next_run(tmp_path, root):
    archive = tmp_path / "archive"
    first = archive_landing_files(root, archive)
    manifest = archive / "manifest.jsonl"
    complete = manifest.read_bytes()
    manifest.write_bytes(complete + b'{"path": "providers/TR-01/rep')  # SIGKILL mid-write
    report = root / REPORT
    report.write_text(report.read_text(encoding="utf-8").replace(";25;", ";5;"), encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="unvollständige letzte Zeile"):
        second = archive_landing_files(root, archive)
    assert len(second) == len(first) + 1  # the new version of the report
    text = manifest.read_text(encoding="utf-8")
    assert text.startswith(complete.decode()) and text.endswith("\n")
    assert [json.loads(line) for line in text.splitlines()] == _entries(manifest)
    versions = second[second["path"] == REPORT]
    assert versions["current"].tolist() == [False, True]


def test_a_partial_manifest_line_that_was_a_new_version_is_recorded_again(tmp_path, root):
    archive = tmp_path / "archive"
    archive_landing_files(root, archive)
    manifest = archive / "manifest.jsonl"
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(b"".join(lines[:-1]) + lines[-1][:-1])  # only the newline missing
    with pytest.warns(RuntimeWarning):
        assert len(_entries(manifest)) == len(lines) - 1
    with pytest.warns(RuntimeWarning):
        frame = archive_landing_files(root, archive)
    assert len(frame) == len(lines)  # the lost line's version is back
    assert manifest.read_bytes().count(b"\n") == len(lines)
    assert len(_entries(manifest)) == len(lines)  # and the file is clean again (no warning)


def test_a_damaged_line_inside_the_manifest_is_not_silently_skipped(tmp_path, root):
    archive = tmp_path / "archive"
    archive_landing_files(root, archive)
    manifest = archive / "manifest.jsonl"
    manifest.write_bytes(b'{"path": "x"\n' + manifest.read_bytes())
    with pytest.raises(json.JSONDecodeError):
        _entries(manifest)


# --- the archive holds everything: rebuild equals the incremental state ------------------------


@pytest.mark.slow
def test_rebuild_equals_the_incremental_state_with_the_overwritten_file_winning(
    tmp_path, root, instance_home
):
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    data_root = DataRoot(data_dir=str(root))
    assert refresh(data_root, warehouse) == 0
    # the provider corrects its June report: SR-B's target group 25 > 20 participants becomes 5
    report = root / REPORT
    report.write_text(report.read_text(encoding="utf-8").replace(";25;", ";5;"), encoding="utf-8")
    assert refresh_changed(data_root, warehouse) == 0  # `python -m pipelines.run --changed`
    incremental = state(warehouse)
    assert sb_target_group(warehouse) == [(5.0,)]  # the newer version is the one loaded

    shutil.rmtree(root)
    assert rebuild(warehouse) == 0
    assert state(warehouse) == incremental
    assert sb_target_group(warehouse) == [(5.0,)]
    assert len(incremental[0]) >= 15 and len(incremental[1]) >= 20


def sb_target_group(warehouse: Warehouse) -> list[tuple]:
    con = duckdb.connect(str(warehouse.internal_path), read_only=True)
    try:
        return con.execute(
            "SELECT target_group_participants FROM measure_reports WHERE area_id = 'SR-B'"
        ).fetchall()
    finally:
        con.close()


# --- idempotency: months already loaded, run again ---------------------------------------------


@pytest.mark.slow  # two full refreshes in subprocesses (about 35 s)
def test_a_backfill_over_months_already_loaded_changes_no_table(tmp_path, root, instance_home):
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    data_root = DataRoot(data_dir=str(root))
    assert refresh(data_root, warehouse) == 0  # months 2023-12 … 2024-06
    before = state(warehouse)
    job = defs.resolve_job_def(REFRESH_JOB_NAME)
    with dg.DagsterInstance.get() as instance:
        for first, last in [("2024-06-01", "2024-06-01"), ("2024-01-01", "2024-04-01")]:
            result = job.execute_in_process(
                instance=instance,
                tags=range_tags(first, last),
                raise_on_error=False,
                resources={"data_root": data_root, "warehouse": warehouse},
            )
            assert result.success, (first, last)
            assert state(warehouse) == before, (first, last)
    assert before[0]["indicator_values"][0] > 0 and before[1]["kpi_status"][0] > 0


# --- two runs started at once -----------------------------------------------------------------


def start_run(root: Path, warehouse: Path, home: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SOZIALPLANUNG_DATA_DIR": str(root),
        "SOZIALPLANUNG_WAREHOUSE_DIR": str(warehouse),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.run"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kernel_locks() -> list[tuple[str, bool, int, int]]:
    """The kernel's record of file locks: (FLOCK or POSIX, waiting?, pid, inode) per lock."""
    locks = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()  # 1: [->] POSIX ADVISORY WRITE <pid> <major>:<minor>:<inode> …
        waiting = fields[1] == "->"
        if waiting:
            del fields[1]
        locks.append((fields[1], waiting, int(fields[4]), int(fields[5].rsplit(":", 1)[1])))
    return locks


def inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


@pytest.mark.slow  # two concurrent full refreshes (about 45 s)
@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux's /proc/locks")
def test_two_runs_started_at_once_both_succeed_one_writer_at_a_time(tmp_path, root, instance_home):
    """Observed from outside: DuckDB's own lock on internal.duckdb (POSIX) is only ever held by
    the process holding the warehouse's writer lock (FLOCK on internal.duckdb.lock)."""
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    with dg.DagsterInstance.get():  # the instance's storage exists, as after any earlier run
        pass
    runs = [start_run(root, warehouse.path, instance_home) for _ in range(2)]
    pids = {run.pid for run in runs}
    samples, done = [], threading.Event()

    def watch() -> None:
        while not done.is_set():
            lock_file, internal = (
                inode(warehouse.path / "internal.duckdb.lock"),
                inode(warehouse.internal_path),
            )
            locks = kernel_locks()
            samples.append(
                (
                    {p for k, w, p, i in locks if k == "FLOCK" and not w and i == lock_file},
                    {p for k, w, p, i in locks if k == "FLOCK" and w and i == lock_file},
                    {p for k, w, p, i in locks if k == "POSIX" and not w and i == internal},
                )
            )
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outputs = [run.communicate(timeout=120)[0] for run in runs]
    finally:
        done.set()
        watcher.join()
    assert [run.returncode for run in runs] == [0, 0], outputs
    for holders, _, writers in samples:
        assert len(holders) <= 1 and writers <= holders  # never two writers, never unlocked
    assert set().union(*(s[2] for s in samples)) == pids  # both runs wrote …
    assert any(s[1] & pids for s in samples)  # … and one waited for the other's lock
    assert table_checksums(warehouse.published_path)["indicator_values"][0] > 0


def test_restore_gives_each_file_its_archived_modification_time(tmp_path):
    """Of a month delivered as CSV and as XLSX the newer file counts, so a rebuild must see the
    same order: here the CSV is the later correction, although `.xlsx` sorts after `.csv`."""
    root = tmp_path / "root"
    reports = root / "providers" / "TR-01" / "reports"
    xlsx = write(reports / "2025-03.xlsx", "erste Lieferung")
    csv = write(reports / "2025-03.csv", "Korrektur")
    os.utime(xlsx, ns=(1_700_000_000_000_000_000,) * 2)
    os.utime(csv, ns=(1_700_000_100_000_000_000,) * 2)
    archive_landing_files(root, tmp_path / "archive")
    restored = tmp_path / "restored"
    restore_root(tmp_path / "archive", restored)
    for original in (xlsx, csv):
        copy = restored / original.relative_to(root)
        assert copy.read_text(encoding="utf-8") == original.read_text(encoding="utf-8")
        assert copy.stat().st_mtime_ns == original.stat().st_mtime_ns
    kept = discover(restored).of_kind("report")
    assert [f.rel for f in kept] == ["providers/TR-01/reports/2025-03.csv"]
