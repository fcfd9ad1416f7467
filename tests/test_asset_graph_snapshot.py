"""Snapshot of the asset graph: keys, groups, dependencies, checks, partitions, owners and kinds.

A refactoring must not change the graph a data team sees in the UI (asset keys and check names
are contracts: sensors, schedules and bookmarks name them). A deliberate change rewrites the
snapshot with `SOZIALPLANUNG_UPDATE_SNAPSHOTS=1 pytest tests/test_asset_graph_snapshot.py`; the
diff then shows in review what changed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _partitions(partitions_def: dg.PartitionsDefinition | None) -> str | None:
    if partitions_def is None:
        return None
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        return "multi:" + ",".join(d.name for d in partitions_def.partitions_defs)
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
        return f"{partitions_def.cron_schedule}:{partitions_def.start.date()}:{partitions_def.timezone}"
    return type(partitions_def).__name__


def graph_snapshot(definitions: dg.Definitions) -> dict:
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitions": _partitions(node.partitions_def),
            "owners": sorted(node.owners),
            "kinds": sorted(node.kinds),
            "checks": sorted(k.name for k in node.check_keys),
        }
    checks = {}
    for key in sorted(graph.asset_check_keys, key=lambda k: k.to_user_string()):
        spec = graph.get(key)
        checks[key.to_user_string()] = {
            "blocking": spec.blocking,
            "additional_deps": sorted(
                k.to_user_string() for k in spec.parent_entity_keys if k != key.asset_key
            ),
        }
    return {
        "assets": assets,
        "checks": checks,
        "jobs": sorted(job.name for job in definitions.jobs or []),
        "schedules": sorted(s.name for s in definitions.schedules or []),
        "sensors": sorted(s.name for s in definitions.sensors or []),
    }


def test_asset_graph_matches_snapshot():
    current = graph_snapshot(defs)
    if os.environ.get("SOZIALPLANUNG_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert current == expected
