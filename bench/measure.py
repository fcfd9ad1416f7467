"""Run one command as a child and report wall time, peak memory and an RSS timeline as JSON.

Used as a fresh helper process per measurement, so `getrusage(RUSAGE_CHILDREN).ru_maxrss` is the
peak of exactly this one run's largest process (on Linux in KiB). The memory of the child's whole
process tree is also sampled from /proc every 0.2 s with epoch timestamps, so the benchmark can
attribute a peak to the Dagster step that was running at that moment. The tree is summed as PSS
(`smaps_rollup`: each shared page counted once, split between its processes), because forked
workers (the area profiles) share most of their parent's pages and a sum of RSS would count
them twice. `peak_kib` is the larger of the two peaks.

    python -m bench.measure --timeout 1500 --out result.json -- python -m pipelines.run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

SAMPLE_S = 0.2


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return pids


def _pss_kib(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--log", type=Path, default=None, help="child's stdout+stderr go here")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    with open(a.log or os.devnull, "w") as log:
        return _run(cmd, a, log)


def _run(cmd: list[str], a: argparse.Namespace, log) -> int:
    started_epoch = time.time()
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    timeline, timed_out = [], False
    while child.poll() is None:
        timeline.append((round(time.time(), 3), _pss_kib(child.pid)))
        if a.timeout and time.perf_counter() - t0 > a.timeout:
            timed_out = True
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
            break
        time.sleep(SAMPLE_S)
    returncode = child.wait()
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "cmd": cmd,
        "started_epoch": started_epoch,
        "wall_s": wall,
        "returncode": returncode,
        "timed_out": timed_out,
        "maxrss_kib": usage.ru_maxrss,  # Linux: KiB
        "peak_kib": max([usage.ru_maxrss, *(kib for _, kib in timeline)]),
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "rss_timeline": timeline,
    }
    a.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
