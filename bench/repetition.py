"""One repetition of one size: the floor, the full refresh, a new month arriving.

The floor runs first and three times (its median is the reference the pipeline is compared
with); the latest month it finds is the one the one-month scenario holds back and lets land.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from pathlib import Path

import duckdb

from bench.child import PY, add_steps, dagster_stats, instance_env, measure, summary
from bench.new_month import hold_back, let_land
from bench.report import log
from bench.roots import REPO, ROOTS
from tests.checksums import table_checksums

WORK = Path(__file__).resolve().parent / "work"


def run_floor(root: Path, work: Path, month: str | None, timeout: float) -> dict:
    out = work / ("floor_month.duckdb" if month else "floor.duckdb")
    cmd = [PY, "-m", "bench.floor", str(root), str(out)] + ([month] if month else [])
    m = measure(cmd, dict(os.environ, PYTHONPATH=str(REPO)), work / "floor.json", timeout)
    last = [line for line in m["log_tail"].splitlines() if line.startswith("{")]
    result = json.loads(last[-1]) if last else {"error": m["log_tail"]}
    result.update(process_wall_s=m["wall_s"], peak_rss_mib=round(m["peak_kib"] / 1024, 1))
    return result


def run_floors(root: Path, work: Path, timeout: float) -> list[dict]:
    """Three floor runs over all months: one alone is too noisy on a shared machine."""
    return [run_floor(root, work, None, timeout) for _ in range(3)]


def latest_month(floor_db: Path) -> str:
    con = duckdb.connect(str(floor_db), read_only=True)
    try:
        last = con.execute(
            "SELECT max(reference_date) FROM small_area_statistics WHERE code LIKE 'SGB2%'"
        ).fetchone()[0]
    finally:
        con.close()
    return f"{last:%Y-%m}-01"


def published_numbers(warehouse: Path) -> dict:
    """Rows ingested (from `data_quality`) and indicator rows, to compare with the floor's."""
    out = {}
    pub = warehouse / "sozialplanung.duckdb"
    if pub.exists():
        con = duckdb.connect(str(pub), read_only=True)
        try:
            out["rows_in"] = int(con.execute("SELECT sum(rows_in) FROM data_quality").fetchone()[0])
            out["rows_in_by_source"] = dict(
                con.execute("SELECT source, sum(rows_in) FROM data_quality GROUP BY 1").fetchall()
            )
        finally:
            con.close()
    internal = warehouse / "internal.duckdb"
    if internal.exists():
        con = duckdb.connect(str(internal), read_only=True)
        try:
            out["indicator_rows"] = con.execute("SELECT count(*) FROM indicator_values").fetchone()[
                0
            ]
            out["indicator_ok"] = con.execute(
                "SELECT count(*) FROM indicator_values WHERE status = 'ok'"
            ).fetchone()[0]
        finally:
            con.close()
    return out


def one_repetition(size: str, root: Path, rep: int, timeout: float) -> dict:
    work = WORK / size / f"rep{rep}"
    stash = ROOTS / f"{root.name}.held_back"  # outside `work`, which is wiped below
    let_land(root, stash)  # after an interrupted benchmark
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rec: dict = {}
    floor = run_floors(root, work, timeout)
    rec["floor"] = min(floor, key=lambda f: f["total_s"]) | {
        "total_s_all": [round(f["total_s"], 3) for f in floor],
        "total_s_median": statistics.median(f["total_s"] for f in floor),
    }
    month_key = latest_month(work / "floor.duckdb")
    rec["floor_month"] = run_floor(root, work, month_key[:7], timeout)
    env = instance_env(work, root)
    log(f"  [{size} rep {rep + 1}] full refresh ...")
    full = measure([PY, "-m", "pipelines.run"], env, work / "full.json", timeout)
    rec["full"] = summary(full)
    log(
        f"    {full['wall_s']:.1f} s, peak {full['peak_kib'] / 1024**2:.2f} GiB, "
        f"rc={full['returncode']}{' TIMEOUT' if full['timed_out'] else ''}"
    )
    add_steps(rec["full"], dagster_stats(env), 0, full)
    if full["returncode"] == 0 and not full["timed_out"]:
        rec["one_month"] = new_month(size, rep, root, work, stash, month_key[:7], timeout)
    rec["published"] = published_numbers(work / "warehouse")
    return rec


def new_month(size: str, rep: int, root: Path, work: Path, stash: Path, month: str, timeout):
    """The latest month arrives: base refresh without it, then `pipelines.run --changed`."""
    if size == "sample":  # the committed sample is never edited: a copy of it is
        shutil.copytree(root, work / "sample_root")
        root, stash = work / "sample_root", work / "held_back"
    env = instance_env(work / "month", root)
    held = hold_back(root, month, stash)
    try:
        log(f"  [{size} rep {rep + 1}] base refresh without {month} ({held}) ...")
        base = measure([PY, "-m", "pipelines.run"], env, work / "base.json", timeout)
    finally:
        let_land(root, stash)
    if base["returncode"] != 0 or base["timed_out"]:
        return {"month": month, "base": summary(base)}
    log(f"  [{size} rep {rep + 1}] one new month ({month}) ...")
    inc = measure([PY, "-m", "pipelines.run", "--changed"], env, work / "month.json", timeout)
    rec = summary(inc) | {"month": month, "held_back": held, "base_wall_s": base["wall_s"]}
    published = "sozialplanung.duckdb"
    rec["equals_full_refresh"] = inc["returncode"] == 0 and table_checksums(
        work / "month" / "warehouse" / published
    ) == table_checksums(work / "warehouse" / published)
    log(
        f"    {inc['wall_s']:.1f} s, peak {inc['peak_kib'] / 1024**2:.2f} GiB, "
        f"same tables as the full refresh: {rec['equals_full_refresh']}"
    )
    add_steps(rec, dagster_stats(env), 1, inc)
    return rec
