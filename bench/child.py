"""One measured child process and what Dagster recorded about it.

Every run (pipeline or floor) is a child of a fresh `bench.measure` helper, so its peak memory is
its own and not the driver's; per-step times come from the run's own Dagster instance, read in a
separate process (`bench.stats`) so the driver never imports Dagster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.roots import REPO

PY = sys.executable


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
    """A fresh Dagster instance and warehouse under `work`, reading the data root `root`."""
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


def summary(m: dict) -> dict:
    """The headline numbers of one measured run; the log tail only when it failed."""
    return {
        "wall_s": round(m["wall_s"], 2),
        "peak_rss_gib": round(m["peak_kib"] / 1024**2, 3),
        "cpu_s": round(m["user_s"] + m["sys_s"], 1),
        "returncode": m["returncode"],
        "timed_out": m["timed_out"],
        "log_tail": m["log_tail"] if m["returncode"] else "",
    }


def dagster_stats(env: dict) -> dict:
    done = subprocess.run(
        [PY, "-m", "bench.stats"], env=env, cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def run_span(run: dict) -> float | None:
    starts = [s["start"] for s in run["steps"] if s["start"]]
    ends = [s["end"] for s in run["steps"] if s["end"]]
    return round(max(ends) - min(starts), 2) if starts and ends else None


def step_table(run: dict, timeline: list, groups: dict) -> list[dict]:
    """Per Dagster step: wall time and the highest memory sample taken while it ran."""
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


def add_steps(rec: dict, stats: dict, index: int, m: dict) -> None:
    """The step table and Dagster's own run span of the `index`-th run of the instance, if any."""
    if len(stats["runs"]) > index:
        rec["steps"] = step_table(stats["runs"][index], m["rss_timeline"], stats["groups"])
        rec["dagster_run_s"] = run_span(stats["runs"][index])
