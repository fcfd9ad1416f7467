"""Planning a refresh (the month scan of `make run`, `make update` and the landing sensor) never
reads a landing file that the ingest refuses: none above `limits.max_file_mb`, none reached
through a link. A 50 MB file against a 1 MB limit must cost no 50 MB of memory."""

import os
import tracemalloc
from pathlib import Path

import pytest

from assets.fingerprint import code_fingerprint
from assets.ingest.archive import archive_landing_files, mark_refreshed, save_state
from pipelines.definitions import defs
from pipelines.incremental import plan_changes, plan_full
from pipelines.landing import months_in_root
from tests.conftest import make_tiny_root, write

MB = 1024 * 1024
BIG = 50 * MB  # sparse: no disk space, but 50 MB in memory if read
PEAK_LIMIT = 10 * MB  # what reading the tiny root's small files may cost at most


def sparse(path: Path, size: int = BIG) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.fixture
def limited_root(tmp_path) -> Path:
    """The tiny root (months 2023-12 and 2024-06) with a 1 MB size limit."""
    root = make_tiny_root(tmp_path / "root")
    write(root / "planning" / "settings.yaml", "limits:\n  max_file_mb: 1\n")
    return root


def peak_bytes(call) -> tuple[object, int]:
    """`call()`'s result and the peak of Python memory allocated while it ran."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def big_files(root: Path, outside: Path) -> None:
    """Files above the limit in every folder planning reads, and a link to one outside."""
    sparse(root / "statistics" / "small_area" / "riesig.csv")
    sparse(root / "providers" / "TR-01" / "reports" / "2024-06.csv")
    sparse(root / "providers" / "TR-01" / "surveys" / "2024-Q2.csv")
    os.symlink(sparse(outside / "fremd.csv"), root / "statistics" / "small_area" / "link.csv")


def test_the_month_scan_reads_no_file_above_the_limit_nor_through_a_link(limited_root, tmp_path):
    big_files(limited_root, tmp_path / "outside")
    months, peak = peak_bytes(lambda: months_in_root(limited_root))
    assert peak < PEAK_LIMIT, f"{peak / MB:.0f} MB"
    # the refused files hold no months; the report's month counts from its name alone
    assert months == ["2023-12", "2024-06"]
    plan, peak = peak_bytes(lambda: plan_full(limited_root))
    assert peak < PEAK_LIMIT, f"{peak / MB:.0f} MB"
    assert plan.bounds == ("2023-12-01", "2024-06-01")


def test_planning_the_changes_reads_no_file_above_the_limit(limited_root, tmp_path):
    archive = tmp_path / "wh" / "archive"
    archive_landing_files(limited_root, archive)
    assert mark_refreshed(archive, code_fingerprint(), save_state(archive))
    big_files(limited_root, tmp_path / "outside")
    graph = defs.resolve_asset_graph()
    plan, peak = peak_bytes(lambda: plan_changes(limited_root, archive, graph))
    assert peak < PEAK_LIMIT, f"{peak / MB:.0f} MB"
    assert "statistics/small_area/riesig.csv" in plan.changed
    # unread, the refused files may have changed anything: every month runs
    assert plan.bounds == ("2023-12-01", "2024-06-01")
