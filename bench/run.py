"""`make bench`: time the pipeline on the sample and on ¼, ½ and full NRW-scale data roots.

    .venv/bin/python -m bench.run [--sizes sample,quarter,half,full] [--skip-generate]
                                  [--timeout 1500] [--repeat N]

Per size: a full refresh (`python -m pipelines.run`, all months) in a fresh warehouse and Dagster
instance; then the arrival of a new month (`bench/new_month.py`): a second warehouse is refreshed
fully without the latest month's statistics rows and report files, they land, and the one-month
refresh (`python -m pipelines.run --changed`, what `make update` runs) is timed and its published
tables compared with the full refresh's; and the floor (`bench/floor.py`: the same indicator
aggregations in plain DuckDB SQL). Each run is a child of a fresh `bench.measure` helper, so its
peak RSS is its own. Per-asset times come from the Dagster instance's step stats. Prints tables
and PASS/FAIL per target of issue 9 and merges the numbers into `bench/results.json` (sizes not
run this time keep their previous numbers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import duckdb

from bench.aggregate import FLOOR_COUNTS, growth, median_record
from bench.repetition import WORK, one_repetition, run_floors
from bench.report import log, print_growth, print_size, print_targets
from bench.roots import REPO, SIZES, root_for
from bench.targets import check_targets

RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict:
    mem_kib = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cpu_count": os.cpu_count(),
        "mem_total_gib": round(mem_kib / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "duckdb": duckdb.__version__,
        "git_head": _git("rev-parse", "HEAD"),
        "git_dirty_files": len(_git("status", "--porcelain").splitlines()),
    }


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip()


def _write(results: dict) -> None:
    RESULTS.write_text(json.dumps(results, indent=1, default=str))


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="Scale benchmark (issue 9)")
    ap.add_argument("--sizes", default="sample,quarter,half,full")
    ap.add_argument("--skip-generate", action="store_true")
    ap.add_argument("--timeout", type=float, default=1500.0, help="seconds per pipeline run")
    ap.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="repetitions per size (default: 3 for sample, 1 otherwise)",
    )
    ap.add_argument(
        "--floor-only",
        action="store_true",
        help="time only the floor for --sizes (keeps the pipeline numbers)",
    )
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing; print tables and targets from bench/results.json",
    )
    return ap


def floor_only(results: dict, size: str, root: Path, timeout: float) -> None:
    """Time only the floor; the size's pipeline numbers stay as they were."""
    work = WORK / size / "floor_only"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    floors = run_floors(root, work, timeout)
    rec = results["sizes"].setdefault(size, {"full_ok": False, "floor_only": True})
    # separate keys: the floor measured next to the pipeline run stays as it was
    rec.update(
        floor_only_s=statistics.median(f["total_s"] for f in floors),
        floor_only_s_all=[round(f["total_s"], 3) for f in floors],
        floor_only_peak_rss_mib=statistics.median(f["peak_rss_mib"] for f in floors),
        floor_only_counts={k: floors[0].get(k) for k in FLOOR_COUNTS},
    )
    log(f"  floor {size}: {rec['floor_only_s_all']} s")


def measure_size(size: str, root: Path, info: dict, repeat: int, timeout: float) -> dict:
    """All repetitions of one size, reduced to its record in `results.json`."""
    log(f"\n## {size}: {root} ({repeat} repetition(s))")
    reps = [one_repetition(size, root, i, timeout) for i in range(repeat)]
    rec = median_record(reps)
    rec.update(
        root=str(root.relative_to(REPO)),
        params=info["params"],
        measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    return rec


def report(results: dict) -> None:
    """Print every size, then growth and targets, recomputed from all stored sizes."""
    for size in [s for s in SIZES if s in results["sizes"]]:
        print_size(size, results["sizes"][size])
    results["growth"] = growth(results["sizes"])
    print_growth(results["growth"])
    results["targets"] = check_targets(results["sizes"])
    print_targets(results["targets"])


def main(argv: list[str] | None = None) -> int:
    ap = _parser()
    a = ap.parse_args(argv)
    sizes = [] if a.report_only else [s.strip() for s in a.sizes.split(",") if s.strip()]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        ap.error(f"unknown sizes {sorted(unknown)}; choose from {list(SIZES)}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not a.report_only:
        results["machine"] = machine()
    results.setdefault("sizes", {})
    for size in sizes:
        root, info = root_for(size, generate=not a.skip_generate, log=log)
        if a.floor_only:
            floor_only(results, size, root, a.timeout)
        else:
            repeat = a.repeat or (3 if size == "sample" else 1)
            results["sizes"][size] = measure_size(size, root, info, repeat, a.timeout)
        _write(results)  # after every size: an interrupted benchmark keeps what it measured
    report(results)
    _write(results)
    log(f"\nwritten: {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
