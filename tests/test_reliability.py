"""Nothing lost, nothing half-written: archive and rebuild, damaged files, kills, concurrency."""

import inspect
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from assets.ingest.archive import archive_landing_files
from assets.resources import DataRoot, InternalWarehouseMissing, Warehouse
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from pipelines.run import refresh
from tests.checksums import table_checksums
from tests.conftest import add_provider_files, dagster_cli, make_tiny_root, write

REPO = Path(__file__).resolve().parent.parent


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


def test_archive_keeps_every_version_of_an_overwritten_file(tmp_path, root):
    archive = tmp_path / "archive"
    first = archive_landing_files(root, archive)
    report = root / "providers" / "TR-01" / "reports" / "2024-06.csv"
    report.write_text(report.read_text(encoding="utf-8").replace(";25;", ";5;"), encoding="utf-8")
    second = archive_landing_files(root, archive)
    rel = "providers/TR-01/reports/2024-06.csv"
    versions = second[second["path"] == rel]
    assert len(first[first["path"] == rel]) == 1 and len(versions) == 2
    assert versions["current"].tolist() == [False, True]
    assert versions["provider_id"].unique().tolist() == ["TR-01"]
    for digest in versions["sha256"]:
        assert (archive / "objects" / digest[:2] / digest).exists()
    current = json.loads((archive / "current.json").read_text())
    assert current[rel] == versions["sha256"].iloc[1]


@pytest.mark.slow
def test_damaged_internal_file_is_detected_and_rebuilt(tmp_path, root, instance_home):
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
    reference = table_checksums(warehouse.published_path)
    warehouse.internal_path.write_bytes(b"this is not a database" * 1000)
    with pytest.raises(InternalWarehouseMissing, match="beschädigt"), warehouse.connect():
        pass
    assert list(warehouse.path.glob("internal.duckdb.damaged-*"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
    assert table_checksums(warehouse.published_path) == reference


@pytest.mark.slow
def test_missing_internal_file_refuses_a_partial_run(tmp_path, root, instance_home):
    import dagster as dg

    from pipelines.definitions import defs

    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
    before = warehouse.published_path.read_bytes()
    warehouse.internal_path.unlink()
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def(REFRESH_JOB_NAME).execute_in_process(
            instance=instance,
            tags=range_tags("2024-06-01", "2024-06-01"),
            raise_on_error=False,
            resources={"data_root": DataRoot(data_dir=str(root)), "warehouse": warehouse},
        )
    assert not result.success
    assert warehouse.published_path.read_bytes() == before  # nothing incomplete was published
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0  # the full refresh rebuilds


@pytest.mark.slow
def test_a_failing_refresh_leaves_the_published_file_untouched(tmp_path, root, instance_home):
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
    before = warehouse.published_path.read_bytes()
    genesis = root / "statistics" / "genesis" / "12411.csv"
    genesis.write_text(
        genesis.read_text(encoding="utf-8").replace(";4380;", ";9000;"), encoding="utf-8"
    )
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 1
    assert warehouse.published_path.read_bytes() == before


@pytest.mark.slow
def test_same_months_twice_give_identical_tables_everywhere(tmp_path, root, instance_home):
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    sums = []
    for _ in range(2):
        assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
        sums.append(
            (table_checksums(warehouse.published_path), table_checksums(warehouse.internal_path))
        )
    assert sums[0] == sums[1]
    assert len(sums[0][0]) >= 15 and len(sums[0][1]) >= 20


# --- slow: real processes killed and raced ------------------------------------------------------


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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


REPORT = "providers/TR-01/reports/2024-06.csv"


def publishing(warehouse: Path) -> bool:
    """Whether the new published file is being written (the temporary file of the swap)."""
    return any(warehouse.glob(".sozialplanung.duckdb.*.tmp"))


@pytest.mark.slow  # 22 kills or more, each followed by a complete run: about 8 minutes
def test_sigkill_at_random_points_never_damages_the_published_file(
    tmp_path, root, instance_home, capsys
):
    """Each trial flips one provider report between two versions, so that the run being killed
    would publish a different state than the one before it: after the kill the published file
    must hold one of the two complete states, and the next run must equal an uninterrupted one.
    Every other trial waits for the publish step (its temporary file) and kills it there."""
    warehouse = tmp_path / "wh"
    report = root / REPORT
    versions = [report.read_text(encoding="utf-8")]
    versions.append(versions[0].replace(";25;", ";5;"))  # SR-B's row becomes valid
    states = {}
    for version in (0, 1, 0):  # uninterrupted; from the 2nd run on the archive knows both
        report.write_text(versions[version], encoding="utf-8")
        started = time.monotonic()
        assert start_run(root, warehouse, instance_home).wait(timeout=600) == 0
        duration = time.monotonic() - started
        states[version] = (
            table_checksums(warehouse / "sozialplanung.duckdb"),
            table_checksums(warehouse / "internal.duckdb"),
        )
    assert states[0][0] != states[1][0]
    rng = random.Random(20261125)
    # trials go on until 22 runs were really killed (a run may finish before its kill comes)
    kills, in_publish, finished_first, survived = 0, 0, 0, 0
    for trial in range(32):
        if kills >= 22:
            break
        before, target = states[trial % 2], states[(trial + 1) % 2]
        report.write_text(versions[(trial + 1) % 2], encoding="utf-8")
        proc = start_run(root, warehouse, instance_home)
        if trial % 2:
            while proc.poll() is None and not publishing(warehouse):
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.04))  # the swap takes a fraction of a second
        else:  # anywhere in the whole run, publish at the end included
            time.sleep(rng.uniform(0.2, duration * 1.05))
        if proc.poll() is None:  # only `poll` reaps it, so the group still exists here
            in_publish += publishing(warehouse)
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        else:
            finished_first += 1
        proc.wait()
        published = table_checksums(warehouse / "sozialplanung.duckdb")
        assert published in (before[0], target[0]), trial  # opens, and complete
        assert start_run(root, warehouse, instance_home).wait(timeout=600) == 0, trial
        assert table_checksums(warehouse / "sozialplanung.duckdb") == target[0], trial
        assert table_checksums(warehouse / "internal.duckdb") == target[1], trial
        survived += 1
    assert not publishing(warehouse)
    with capsys.disabled():
        print(
            f"\nSIGKILL-Versuche: {survived}, davon abgebrochen: {kills}, während der "
            f"Veröffentlichung: {in_publish}, Lauf schon fertig: {finished_first}, "
            f"überstanden: {survived}"
        )
    assert kills >= 20 and in_publish >= 6


@pytest.mark.slow
def test_published_file_stays_readable_for_a_reader_during_a_refresh(tmp_path, root, instance_home):
    """An analyst's process holds one read-only connection and queries every table again and
    again while a full refresh runs and swaps a new file in: the refresh succeeds, the reader
    never errors and sees the complete old state throughout; a new connection sees the new one."""
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "wh"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse.published_path), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        old = json.loads(reader.stdout.readline())
        assert len(old) >= 15  # every published table
        write(
            root / "statistics" / "small_area" / "ba_2025.csv",
            "Stichtag;Raum_ID;Merkmal;Wert\n2024-05-31;SR-A;ALO;20\n",
        )
        assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
        stop.touch()
        seen = json.loads(reader.stdout.readline())
    finally:
        stop.touch()
        assert reader.wait(timeout=60) == 0
    assert seen["changed"] == 0 and seen["queries"] >= 2  # every query saw the old state
    con = duckdb.connect(str(warehouse.published_path), read_only=True)
    new = {table: list(sums) for table, sums in state_of(con).items()}
    con.close()
    assert new != old and new["indicator_values"][0] > old["indicator_values"][0]


def state_of(con) -> dict[str, tuple]:
    """table -> (rows, order-independent sum of row hashes) over one connection."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    return {
        t: con.execute(
            f'SELECT count(*), coalesce(sum(hash(x)), 0)::VARCHAR FROM "{t}" x'
        ).fetchone()
        for t in tables
    }


# an analyst: one connection for the whole refresh, every table queried until told to stop
READER = (
    "import json, pathlib, sys, duckdb\n"
    + inspect.getsource(state_of)
    + """
con = duckdb.connect(sys.argv[1], read_only=True)
first = {table: list(sums) for table, sums in state_of(con).items()}
print(json.dumps(first), flush=True)
queries = changed = 0
while not pathlib.Path(sys.argv[2]).exists():
    queries += 1
    changed += {table: list(sums) for table, sums in state_of(con).items()} != first
print(json.dumps({"queries": queries, "changed": changed}), flush=True)
"""
)


@pytest.mark.slow  # every step starts its own Python process: about two minutes
def test_the_same_assets_run_with_the_multiprocess_executor(tmp_path, root, instance_home):
    """The configuration switch of docs/scaling.md: parallel step processes, one writer."""
    warehouse = Warehouse(warehouse_dir=str(tmp_path / "reference"))
    assert refresh(DataRoot(data_dir=str(root)), warehouse) == 0
    reference = table_checksums(warehouse.published_path)
    done = dagster_cli(
        "job",
        "execute",
        "-m",
        "pipelines.definitions",
        "-a",
        "defs",
        "-j",
        REFRESH_JOB_NAME,
        "--tags",
        json.dumps(range_tags("2023-12-01", "2024-06-01")),
        env={
            "SOZIALPLANUNG_EXECUTOR": "multiprocess",
            "SOZIALPLANUNG_DATA_DIR": str(root),
            "SOZIALPLANUNG_WAREHOUSE_DIR": str(tmp_path / "mp"),
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "multiprocess" in done.stdout + done.stderr
    assert table_checksums(tmp_path / "mp" / "sozialplanung.duckdb") == reference


def test_archive_reads_again_only_files_that_may_have_changed(tmp_path, root, monkeypatch):
    from assets.ingest import archive as archiving

    monkeypatch.setattr(archiving, "SETTLED_NS", 0)  # the root was written a moment ago
    read, store = [], archiving._store
    monkeypatch.setattr(archiving, "_store", lambda *a: read.append(a[0]) or store(*a))
    archive = tmp_path / "archive"
    first = archive_landing_files(root, archive)
    assert len(read) == len(first) > 0
    read.clear()
    assert archive_landing_files(root, archive).equals(first)
    assert read == []  # nothing changed: size, mtime, ctime and inode as recorded
    time.sleep(0.05)
    report = root / "providers" / "TR-01" / "reports" / "2024-06.csv"
    before, text = report.stat(), report.read_text(encoding="utf-8")
    report.write_text(text.replace(";25;", ";52;"), encoding="utf-8")  # same size
    os.utime(report, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` would
    (archive / "objects" / first["sha256"][0][:2] / first["sha256"][0]).unlink()  # lost object
    second = archive_landing_files(root, archive)
    assert sorted(read) == sorted([str(report), str(root / first["path"][0])])
    versions = second[second["path"] == "providers/TR-01/reports/2024-06.csv"]
    assert versions["current"].tolist() == [False, True]
    assert (archive / "objects" / first["sha256"][0][:2] / first["sha256"][0]).exists()


def test_archive_keeps_no_stat_record_of_files_changed_just_before_the_run(tmp_path, root):
    archive = tmp_path / "archive"
    archive_landing_files(root, archive)  # every file was written within the last seconds
    assert json.loads((archive / "stat_records.json").read_text(encoding="utf-8")) == {}


def test_landing_files_are_ordered_like_paths_and_never_reached_through_links(tmp_path):
    from assets.ingest.archive import landing_paths

    root = tmp_path / "root"
    for rel in ["surveys/a/b.csv", "surveys/a-b/c.csv", "surveys/a/.hidden", "surveys/ab.csv"]:
        write(root / rel, "x")
    os.symlink(root / "surveys" / "a-b", root / "surveys" / "a" / "linked")
    os.symlink(root / "surveys" / "ab.csv", root / "surveys" / "a" / "link.csv")
    os.mkfifo(root / "surveys" / "a" / "pipe")
    base = root / "surveys"
    expected = sorted(p for p in base.rglob("*") if p.is_file() and not p.is_symlink())
    assert landing_paths(root) == [p.relative_to(root).as_posix() for p in expected]
    assert [p.relative_to(base).as_posix() for p in expected] == [
        "a/.hidden",
        "a/b.csv",
        "a-b/c.csv",
        "ab.csv",
    ]
