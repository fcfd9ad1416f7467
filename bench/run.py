"""`make bench`: time the pipeline on the sample and on ¼, ½ and full NRW-scale data roots.

    .venv/bin/python -m bench.run [--sizes sample,quarter,half,full] [--skip-generate]
                                  [--timeout 1500] [--repeat N]

Per size: a full refresh (`python -m pipelines.run`, all months) in a fresh warehouse and Dagster
instance; then the arrival of a new month (`bench/new_month.py`): a second warehouse is refreshed
fully without the latest month's statistics rows and report files, they land, and the one-month
refresh (`python -m pipelines.run --changed`, what `make update` runs) is timed and its published
tables compared with the full refresh's; and the floor (`bench/floor.py`: the same indicator aggregations in plain DuckDB SQL). Each run is
a child of a fresh `bench.measure` helper, so its peak RSS is its own. Per-asset times come from the
Dagster instance's step stats. Prints tables and PASS/FAIL per target of issue 9 and merges the
numbers into `bench/results.json` (sizes not run this time keep their previous numbers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import duckdb

from bench.new_month import hold_back, let_land
from bench.roots import REPO, ROOTS, SIZES, root_for
from tests.checksums import table_checksums

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"
RESULTS = BENCH / "results.json"
PY = sys.executable
GIB = 1024**3
SCALE = {"nrw_1_40": 1 / 40, "nrw_1_20": 1 / 20, "quarter": 0.25, "half": 0.5, "full": 1.0}

TARGETS = {
    "sample_full_s": 60.0,
    "nrw_full_s": 300.0,
    "nrw_peak_gib": 4.0,
    "one_month_share": 0.10,
    "floor_ratio": 3.0,
}


def log(msg: str) -> None:
    print(msg, flush=True)


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


def measure(cmd: list[str], env: dict, out: Path, timeout: float | None) -> dict:
    """Run `cmd` under a fresh `bench.measure` helper; returns its JSON (wall, maxrss, timeline)."""
    helper = [PY, "-m", "bench.measure", "--out", str(out), "--log", str(out.with_suffix(".log"))]
    if timeout:
        helper += ["--timeout", str(timeout)]
    subprocess.run(helper + ["--", *cmd], env=env, cwd=REPO, check=True)
    result = json.loads(out.read_text())
    result["log_tail"] = out.with_suffix(".log").read_text()[-1500:]
    return result


def instance_env(work: Path, root: Path) -> dict:
    home = work / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(REPO / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ)
    env.update(
        SOZIALPLANUNG_DATA_DIR=str(root),
        SOZIALPLANUNG_WAREHOUSE_DIR=str(work / "warehouse"),
        DAGSTER_HOME=str(home),
        GX_ANALYTICS_ENABLED="False",
        DAGSTER_DISABLE_TELEMETRY="1",
        PYTHONPATH=str(REPO),
    )
    return env


def step_table(run: dict, timeline: list, groups: dict) -> list[dict]:
    rows = []
    for s in run["steps"]:
        if s["start"] is None or s["end"] is None:
            continue
        rss = [kib for t, kib in timeline if s["start"] - 0.2 <= t <= s["end"] + 0.2]
        rows.append(
            {
                "step": s["step_key"],
                "group": groups.get(s["step_key"], "checks" if "check" in s["step_key"] else "?"),
                "status": s["status"],
                "wall_s": round(s["end"] - s["start"], 3),
                "peak_rss_mib": round(max(rss) / 1024, 1) if rss else None,
            }
        )
    return sorted(rows, key=lambda r: -r["wall_s"])


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


def run_floor(root: Path, work: Path, month: str | None, timeout: float) -> dict:
    out = work / ("floor_month.duckdb" if month else "floor.duckdb")
    cmd = [PY, "-m", "bench.floor", str(root), str(out)] + ([month] if month else [])
    m = measure(cmd, dict(os.environ, PYTHONPATH=str(REPO)), work / "floor.json", timeout)
    last = [line for line in m["log_tail"].splitlines() if line.startswith("{")]
    result = json.loads(last[-1]) if last else {"error": m["log_tail"]}
    result.update(process_wall_s=m["wall_s"], peak_rss_mib=round(m["peak_kib"] / 1024, 1))
    return result


def one_repetition(size: str, root: Path, rep: int, timeout: float) -> dict:
    work = WORK / size / f"rep{rep}"
    stash = ROOTS / f"{root.name}.held_back"  # outside `work`, which is wiped below
    let_land(root, stash)  # after an interrupted benchmark
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rec: dict = {}
    floor = [run_floor(root, work, None, timeout) for _ in range(3)]
    rec["floor"] = min(floor, key=lambda f: f["total_s"]) | {
        "total_s_all": [round(f["total_s"], 3) for f in floor],
        "total_s_median": statistics.median(f["total_s"] for f in floor),
    }
    month_key = latest_month(work / "floor.duckdb")
    rec["floor_month"] = run_floor(root, work, month_key[:7], timeout)
    env = instance_env(work, root)
    log(f"  [{size} rep {rep + 1}] full refresh ...")
    full = measure([PY, "-m", "pipelines.run"], env, work / "full.json", timeout)
    rec["full"] = _summary(full)
    log(
        f"    {full['wall_s']:.1f} s, peak {full['peak_kib'] / 1024**2:.2f} GiB, "
        f"rc={full['returncode']}{' TIMEOUT' if full['timed_out'] else ''}"
    )
    stats = _stats(env)
    if stats["runs"]:
        rec["full"]["steps"] = step_table(stats["runs"][0], full["rss_timeline"], stats["groups"])
        rec["full"]["dagster_run_s"] = _run_span(stats["runs"][0])
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
        return {"month": month, "base": _summary(base)}
    log(f"  [{size} rep {rep + 1}] one new month ({month}) ...")
    inc = measure([PY, "-m", "pipelines.run", "--changed"], env, work / "month.json", timeout)
    rec = _summary(inc) | {"month": month, "held_back": held, "base_wall_s": base["wall_s"]}
    published = "sozialplanung.duckdb"
    rec["equals_full_refresh"] = inc["returncode"] == 0 and table_checksums(
        work / "month" / "warehouse" / published
    ) == table_checksums(work / "warehouse" / published)
    log(
        f"    {inc['wall_s']:.1f} s, peak {inc['peak_kib'] / 1024**2:.2f} GiB, "
        f"same tables as the full refresh: {rec['equals_full_refresh']}"
    )
    stats = _stats(env)
    if len(stats["runs"]) > 1:
        rec["steps"] = step_table(stats["runs"][1], inc["rss_timeline"], stats["groups"])
        rec["dagster_run_s"] = _run_span(stats["runs"][1])
    return rec


def _stats(env: dict) -> dict:
    done = subprocess.run(
        [PY, "-m", "bench.stats"], env=env, cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def _run_span(run: dict) -> float | None:
    starts = [s["start"] for s in run["steps"] if s["start"]]
    ends = [s["end"] for s in run["steps"] if s["end"]]
    return round(max(ends) - min(starts), 2) if starts and ends else None


def _summary(m: dict) -> dict:
    return {
        "wall_s": round(m["wall_s"], 2),
        "peak_rss_gib": round(m["peak_kib"] / 1024**2, 3),
        "cpu_s": round(m["user_s"] + m["sys_s"], 1),
        "returncode": m["returncode"],
        "timed_out": m["timed_out"],
        "log_tail": m["log_tail"] if m["returncode"] else "",
    }


def median_record(reps: list[dict]) -> dict:
    """Medians over repetitions of the headline numbers; per-step rows from the median full run."""

    def med(path):
        vals = [_get(r, path) for r in reps if _get(r, path) is not None]
        return statistics.median(vals) if vals else None

    full_walls = [r["full"]["wall_s"] for r in reps]
    median_rep = reps[sorted(range(len(reps)), key=lambda i: full_walls[i])[len(reps) // 2]]
    out = {
        "repetitions": len(reps),
        "full_wall_s": med(("full", "wall_s")),
        "full_wall_s_all": full_walls,
        "full_peak_rss_gib": med(("full", "peak_rss_gib")),
        "full_cpu_s": med(("full", "cpu_s")),
        "full_ok": all(r["full"]["returncode"] == 0 and not r["full"]["timed_out"] for r in reps),
        "full_timed_out": any(r["full"]["timed_out"] for r in reps),
        "one_month_wall_s": med(("one_month", "wall_s")),
        "one_month_wall_s_all": [_get(r, ("one_month", "wall_s")) for r in reps],
        "one_month_peak_rss_gib": med(("one_month", "peak_rss_gib")),
        "one_month_equals_full_refresh": all(
            _get(r, ("one_month", "equals_full_refresh")) for r in reps
        ),
        "one_month_held_back": _get(reps[0], ("one_month", "held_back")),
        "floor_s": med(("floor", "total_s_median")),
        "floor_peak_rss_mib": med(("floor", "peak_rss_mib")),
        "floor_month_s": med(("floor_month", "total_s")),
        "floor_counts": {
            k: reps[0]["floor"].get(k)
            for k in ("statistics_rows", "indicator_rows", "indicator_ok")
        },
        "pipeline_counts": {
            k: reps[0]["published"].get(k) for k in ("indicator_rows", "indicator_ok")
        },
        "rows_in": reps[0]["published"].get("rows_in"),
        "rows_in_by_source": reps[0]["published"].get("rows_in_by_source"),
        "full_steps": median_rep["full"].get("steps", []),
        "one_month_steps": median_rep.get("one_month", {}).get("steps", []),
        "full_dagster_run_s": median_rep["full"].get("dagster_run_s"),
        "failure_log": median_rep["full"].get("log_tail", ""),
    }
    steps = out["full_steps"]
    ingest_s = sum(s["wall_s"] for s in steps if s["group"] == "ingest")
    out["ingest_s"] = round(ingest_s, 2)
    out["ingest_rows_per_s"] = (
        round(out["rows_in"] / ingest_s) if out["rows_in"] and ingest_s else None
    )
    # the part of the pipeline the floor does: areas + small-area statistics ingest + indicators
    same = {"areas", "small_area_statistics", "indicator_values"}
    out["comparable_s"] = round(sum(s["wall_s"] for s in steps if s["step"] in same), 2) or None
    if out["floor_s"]:
        out["ratio_comparable_to_floor"] = (
            round(out["comparable_s"] / out["floor_s"], 1) if out["comparable_s"] else None
        )
        out["ratio_total_to_floor"] = (
            round(out["full_wall_s"] / out["floor_s"], 1) if out["full_ok"] else None
        )
    if out["one_month_wall_s"] and out["full_wall_s"]:
        out["one_month_share"] = round(out["one_month_wall_s"] / out["full_wall_s"], 3)
    return out


def _get(d, path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def fit_exponent(xs: list[float], ys: list[float]) -> float | None:
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x and y]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return round(sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx, 2) if sxx else None


GROWTH_SIZES = ("quarter", "half", "full")  # the growth curve: ¼, ½ and 1× NRW


def growth(sizes: dict) -> dict:
    present = [s for s in SCALE if s in sizes and sizes[s].get("full_ok")]
    if sum(s in GROWTH_SIZES for s in present) >= 2:  # small fractions only when these are missing
        present = [s for s in present if s in GROWTH_SIZES]
    rows = [sizes[s]["rows_in"] or SCALE[s] for s in present]
    floors = [s for s in SCALE if sizes.get(s, {}).get("floor_only_s")]
    floor_growth = {
        "note": "floor-only runs (--floor-only), one after the other",
        "sizes": floors,
        "scale": [SCALE[s] for s in floors],
        "floor_s": [sizes[s]["floor_only_s"] for s in floors],
        "floor_s_exponent": fit_exponent(
            [SCALE[s] for s in floors], [sizes[s]["floor_only_s"] for s in floors]
        ),
    }
    if len(present) < 2:
        return {"sizes": present, "floor": floor_growth}
    out = {"sizes": present, "rows_in": rows, "floor": floor_growth}
    # CPU seconds are less disturbed than wall time by other load on a shared machine
    for key in ("full_wall_s", "full_cpu_s", "full_peak_rss_gib", "one_month_wall_s", "floor_s"):
        out[key] = [sizes[s].get(key) for s in present]
        out[f"{key}_exponent"] = fit_exponent(rows, out[key])
    # peak memory has a constant base (Python, Dagster, GX imports); fit the part above it too
    base = sizes.get("sample", {}).get("full_peak_rss_gib")
    if base:
        above = [max(m - base, 1e-3) for m in out["full_peak_rss_gib"]]
        out["full_peak_rss_above_sample_exponent"] = fit_exponent(rows, above)
    return out


def check_targets(sizes: dict) -> list[dict]:
    t = []

    def add(name, size, value, limit, unit, note=""):
        ok = value is not None and value <= limit
        t.append(
            {
                "target": name,
                "size": size,
                "value": value,
                "limit": limit,
                "unit": unit,
                "pass": ok,
                "by": None if value is None else round(value / limit, 2),
                "note": note,
            }
        )

    s = sizes.get("sample")
    if s:
        add(
            "sample full refresh",
            "sample",
            s["full_wall_s"] if s["full_ok"] else None,
            TARGETS["sample_full_s"],
            "s",
        )
    n = sizes.get("full") if "full_wall_s" in sizes.get("full", {}) else None
    if n is None:
        # not measured: a timed-out smaller fraction is a lower bound (FAIL for certain) ...
        for k in ("half", "quarter"):
            if sizes.get(k, {}).get("full_timed_out"):
                add(
                    "NRW full refresh time",
                    f"full (lower bound from {k})",
                    sizes[k]["full_wall_s"],
                    TARGETS["nrw_full_s"],
                    "s",
                    f"NOT MEASURED: the {k} refresh alone was stopped after this many seconds",
                )
                break
        # ... and a linear extrapolation from the largest NRW fraction that finished, flagged
        base = next(
            (
                k
                for k in ("half", "quarter", "nrw_1_20", "nrw_1_40")
                if sizes.get(k, {}).get("full_ok")
            ),
            None,
        )
        if base:
            b = sizes[base]
            factor = 1 / SCALE[base]
            note = (
                f"NOT MEASURED: extrapolated linearly from {base} x{factor:g} "
                f"(full NRW run skipped, it would exceed the time budget)"
            )
            add(
                "NRW full refresh time",
                "full (extrapolated)",
                round(b["full_wall_s"] * factor, 1),
                TARGETS["nrw_full_s"],
                "s",
                note,
            )
            base_mem = sizes.get("sample", {}).get("full_peak_rss_gib", 0.0)
            mem = base_mem + (b["full_peak_rss_gib"] - base_mem) * factor
            add(
                "NRW full refresh peak memory",
                "full (extrapolated)",
                round(mem, 2),
                TARGETS["nrw_peak_gib"],
                "GiB",
                note + "; memory above the sample's base",
            )
    if n:
        timeout_note = "timed out (value = elapsed)" if n["full_timed_out"] else ""
        add(
            "NRW full refresh time",
            "full",
            n["full_wall_s"],
            TARGETS["nrw_full_s"],
            "s",
            timeout_note,
        )
        add(
            "NRW full refresh peak memory",
            "full",
            n["full_peak_rss_gib"] if n["full_ok"] else n["full_peak_rss_gib"],
            TARGETS["nrw_peak_gib"],
            "GiB",
            timeout_note,
        )
    for name, rec in sizes.items():
        if rec.get("one_month_share") is not None:
            add(
                "one month / full refresh",
                name,
                rec["one_month_share"],
                TARGETS["one_month_share"],
                "",
            )
        if rec.get("ratio_comparable_to_floor") is not None:
            add(
                "pipeline / floor (areas+statistics ingest+indicator_values steps)",
                name,
                rec["ratio_comparable_to_floor"],
                TARGETS["floor_ratio"],
                "x",
            )
        if rec.get("ratio_total_to_floor") is not None:
            add(
                "pipeline / floor (whole refresh wall time)",
                name,
                rec["ratio_total_to_floor"],
                TARGETS["floor_ratio"],
                "x",
                "informational: the pipeline does far more than the floor",
            )
    return t


def print_size(name: str, r: dict) -> None:
    if r.get("floor_only_s"):
        log(
            f"\n=== {name}: floor only (--floor-only): {r['floor_only_s']:.2f} s "
            f"(runs {r.get('floor_only_s_all')}), peak {r.get('floor_only_peak_rss_mib')} MiB, "
            f"rows {r.get('floor_only_counts')}"
        )
    if "full_steps" not in r:
        return
    log(
        f"\n=== {name}: full refresh {r['full_wall_s']} s (runs: {r['full_wall_s_all']}), "
        f"peak {r['full_peak_rss_gib']} GiB, CPU {r['full_cpu_s']} s"
    )
    steps = r["full_steps"]
    total = r["full_wall_s"] or 1
    log(f"{'asset / check':<52}{'group':<12}{'wall s':>9}{'share':>8}{'peak MiB':>10}")
    for s in steps:
        log(
            f"{s['step'][:51]:<52}{s['group'][:11]:<12}{s['wall_s']:>9.2f}"
            f"{100 * s['wall_s'] / total:>7.1f}%{s['peak_rss_mib'] or 0:>10.0f}"
        )
    in_steps = sum(s["wall_s"] for s in steps)
    log(f"{'(steps total)':<64}{in_steps:>9.2f}{100 * in_steps / total:>7.1f}%")
    log(
        f"{'(outside steps: start-up, imports, month scan, Dagster)':<64}"
        f"{total - in_steps:>9.2f}{100 * (total - in_steps) / total:>7.1f}%"
    )
    log(
        f"ingest: {r['rows_in']} rows in {r['ingest_s']} s of ingest steps = "
        f"{r['ingest_rows_per_s']} rows/s"
    )
    log(
        f"floor (plain DuckDB SQL): {r['floor_s']:.2f} s, peak {r['floor_peak_rss_mib']} MiB; "
        f"one month {r['floor_month_s']:.2f} s; rows {r['floor_counts']} vs pipeline "
        f"{r['pipeline_counts']}"
    )
    log(
        f"pipeline/floor: comparable steps {r.get('ratio_comparable_to_floor')}x, "
        f"whole refresh {r.get('ratio_total_to_floor')}x"
    )
    if r["one_month_wall_s"]:
        log(
            f"one month: {r['one_month_wall_s']} s (runs: {r['one_month_wall_s_all']}), peak "
            f"{r['one_month_peak_rss_gib']} GiB = {100 * r.get('one_month_share', 0):.1f} % of full; "
            f"held back and landed: {r.get('one_month_held_back')}; published tables equal "
            f"the full refresh's: {r.get('one_month_equals_full_refresh')}"
        )
        top = r["one_month_steps"][:6]
        log("  one-month top steps: " + ", ".join(f"{s['step']} {s['wall_s']:.1f}s" for s in top))
    if r["failure_log"]:
        log(f"full refresh failed:\n{r['failure_log']}")


def main(argv: list[str] | None = None) -> int:
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
            work = WORK / size / "floor_only"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            floors = [run_floor(root, work, None, a.timeout) for _ in range(3)]
            rec = results["sizes"].setdefault(size, {"full_ok": False, "floor_only": True})
            # separate keys: the floor measured next to the pipeline run stays as it was
            rec.update(
                floor_only_s=statistics.median(f["total_s"] for f in floors),
                floor_only_s_all=[round(f["total_s"], 3) for f in floors],
                floor_only_peak_rss_mib=statistics.median(f["peak_rss_mib"] for f in floors),
                floor_only_counts={
                    k: floors[0].get(k)
                    for k in ("statistics_rows", "indicator_rows", "indicator_ok")
                },
            )
            log(f"  floor {size}: {rec['floor_only_s_all']} s")
            RESULTS.write_text(json.dumps(results, indent=1, default=str))
            continue
        repeat = a.repeat or (3 if size == "sample" else 1)
        log(f"\n## {size}: {root} ({repeat} repetition(s))")
        reps = [one_repetition(size, root, i, a.timeout) for i in range(repeat)]
        rec = median_record(reps)
        rec.update(
            root=str(root.relative_to(REPO)),
            params=info["params"],
            measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        results["sizes"][size] = rec
        RESULTS.write_text(json.dumps(results, indent=1, default=str))
    for size in [s for s in SIZES if s in results["sizes"]]:
        print_size(size, results["sizes"][size])
    results["growth"] = growth(results["sizes"])
    g = results["growth"]
    log("\n=== growth (log-log exponent against ingested rows; <= 1.1 is linear)")
    log(json.dumps(g))
    results["targets"] = check_targets(results["sizes"])
    log("\n=== targets")
    for t in results["targets"]:
        mark = "PASS" if t["pass"] else "FAIL"
        log(
            f"{mark}  {t['target']} [{t['size']}]: {t['value']} {t['unit']} (limit {t['limit']}, "
            f"{t['by']}x of limit) {t['note']}"
        )
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    log(f"\nwritten: {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
