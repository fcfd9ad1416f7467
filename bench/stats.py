"""Step timings of the runs recorded in a Dagster instance, as JSON on stdout.

    DAGSTER_HOME=... python -m bench.stats

Run in a subprocess with the benchmark's DAGSTER_HOME, so the orchestrator needs no Dagster
import. Also maps each step to its asset group (from the project's definitions).
"""

from __future__ import annotations

import json
import sys

import dagster as dg


def groups() -> dict[str, str]:
    from pipelines.definitions import defs

    out = {}
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        out[key.to_user_string()] = node.group_name or "default"
    for check_key in graph.asset_check_keys:
        out[f"{check_key.asset_key.to_user_string()}_{check_key.name}"] = "checks"
    return out


def main() -> int:
    runs = []
    with dg.DagsterInstance.get() as instance:
        for run in reversed(instance.get_runs()):  # oldest first
            stats = instance.get_run_step_stats(run.run_id)
            record = instance.get_run_record_by_id(run.run_id)
            runs.append(
                {
                    "run_id": run.run_id,
                    "status": run.status.value,
                    "tags": {k: v for k, v in run.tags.items() if "partition" in k},
                    "start": record.start_time,
                    "end": record.end_time,
                    "steps": [
                        {
                            "step_key": s.step_key,
                            "status": s.status.value if s.status else None,
                            "start": s.start_time,
                            "end": s.end_time,
                        }
                        for s in stats
                    ],
                }
            )
    try:
        group_map = groups()
    except Exception as exc:  # groups are a nicety; timings must not depend on them
        group_map = {"_error": repr(exc)}
    json.dump({"runs": runs, "groups": group_map}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
