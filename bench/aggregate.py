"""From repetitions to one record per size, and the growth curve over the sizes.

Pure functions over the dicts `bench.repetition` returns and `results.json` holds: nothing here
runs a process, so `--report-only` recomputes growth and targets from the stored numbers alone.
"""

from __future__ import annotations

import math
import statistics

SCALE = {"nrw_1_40": 1 / 40, "nrw_1_20": 1 / 20, "quarter": 0.25, "half": 0.5, "full": 1.0}
GROWTH_SIZES = ("quarter", "half", "full")  # the growth curve: ¼, ½ and 1× NRW
FLOOR_COUNTS = ("statistics_rows", "indicator_rows", "indicator_ok")
# the part of the pipeline the floor does: areas + small-area statistics ingest + indicators
COMPARABLE_STEPS = {"areas", "small_area_statistics", "indicator_values"}


def _get(d, path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


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
        "floor_counts": {k: reps[0]["floor"].get(k) for k in FLOOR_COUNTS},
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
    _add_ratios(out)
    return out


def _add_ratios(out: dict) -> None:
    """Ingest throughput, pipeline/floor and one-month/full ratios of a size's record."""
    steps = out["full_steps"]
    ingest_s = sum(s["wall_s"] for s in steps if s["group"] == "ingest")
    out["ingest_s"] = round(ingest_s, 2)
    out["ingest_rows_per_s"] = (
        round(out["rows_in"] / ingest_s) if out["rows_in"] and ingest_s else None
    )
    comparable = sum(s["wall_s"] for s in steps if s["step"] in COMPARABLE_STEPS)
    out["comparable_s"] = round(comparable, 2) or None
    if out["floor_s"]:
        out["ratio_comparable_to_floor"] = (
            round(out["comparable_s"] / out["floor_s"], 1) if out["comparable_s"] else None
        )
        out["ratio_total_to_floor"] = (
            round(out["full_wall_s"] / out["floor_s"], 1) if out["full_ok"] else None
        )
    if out["one_month_wall_s"] and out["full_wall_s"]:
        out["one_month_share"] = round(out["one_month_wall_s"] / out["full_wall_s"], 3)


def fit_exponent(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of log y against log x (1.0 = linear growth)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x and y]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return round(sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx, 2) if sxx else None


def _floor_growth(sizes: dict) -> dict:
    floors = [s for s in SCALE if sizes.get(s, {}).get("floor_only_s")]
    return {
        "note": "floor-only runs (--floor-only), one after the other",
        "sizes": floors,
        "scale": [SCALE[s] for s in floors],
        "floor_s": [sizes[s]["floor_only_s"] for s in floors],
        "floor_s_exponent": fit_exponent(
            [SCALE[s] for s in floors], [sizes[s]["floor_only_s"] for s in floors]
        ),
    }


def growth(sizes: dict) -> dict:
    present = [s for s in SCALE if s in sizes and sizes[s].get("full_ok")]
    if sum(s in GROWTH_SIZES for s in present) >= 2:  # small fractions only when these are missing
        present = [s for s in present if s in GROWTH_SIZES]
    rows = [sizes[s]["rows_in"] or SCALE[s] for s in present]
    floor_growth = _floor_growth(sizes)
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
