"""The printed report: per size the step table and headline numbers, growth, PASS/FAIL."""

from __future__ import annotations

import json


def log(msg: str) -> None:
    print(msg, flush=True)


def _print_floor_only(name: str, r: dict) -> None:
    log(
        f"\n=== {name}: floor only (--floor-only): {r['floor_only_s']:.2f} s "
        f"(runs {r.get('floor_only_s_all')}), peak {r.get('floor_only_peak_rss_mib')} MiB, "
        f"rows {r.get('floor_only_counts')}"
    )


def _print_steps(steps: list[dict], total: float) -> None:
    """The full refresh's steps, longest first, and the time spent outside any step."""
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


def _print_one_month(r: dict) -> None:
    log(
        f"one month: {r['one_month_wall_s']} s (runs: {r['one_month_wall_s_all']}), peak "
        f"{r['one_month_peak_rss_gib']} GiB = {100 * r.get('one_month_share', 0):.1f} % of full; "
        f"held back and landed: {r.get('one_month_held_back')}; published tables equal "
        f"the full refresh's: {r.get('one_month_equals_full_refresh')}"
    )
    top = r["one_month_steps"][:6]
    log("  one-month top steps: " + ", ".join(f"{s['step']} {s['wall_s']:.1f}s" for s in top))


def print_size(name: str, r: dict) -> None:
    if r.get("floor_only_s"):
        _print_floor_only(name, r)
    if "full_steps" not in r:
        return
    log(
        f"\n=== {name}: full refresh {r['full_wall_s']} s (runs: {r['full_wall_s_all']}), "
        f"peak {r['full_peak_rss_gib']} GiB, CPU {r['full_cpu_s']} s"
    )
    _print_steps(r["full_steps"], r["full_wall_s"] or 1)
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
        _print_one_month(r)
    if r["failure_log"]:
        log(f"full refresh failed:\n{r['failure_log']}")


def print_growth(g: dict) -> None:
    log("\n=== growth (log-log exponent against ingested rows; <= 1.1 is linear)")
    log(json.dumps(g))


def print_targets(targets: list[dict]) -> None:
    log("\n=== targets")
    for t in targets:
        mark = "PASS" if t["pass"] else "FAIL"
        log(
            f"{mark}  {t['target']} [{t['size']}]: {t['value']} {t['unit']} (limit {t['limit']}, "
            f"{t['by']}x of limit) {t['note']}"
        )
