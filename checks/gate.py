"""The publish gate: the analysts' file is refreshed only on inputs whose blocking checks passed.

Within one run Dagster already holds back the assets downstream of a blocking check that fails.
That is not enough across runs: a run that leaves the checked asset out (the population
reconciliation checks `small_area_statistics` but reads `genesis_values` too), a publish started
alone from the UI, or a run after one whose check failed would otherwise publish data that no
check has passed. So before it builds anything, the publish asset asks the instance about every
blocking check upstream of it: its latest evaluation must have passed, and it must not be older
than the latest materialization of the asset it checks or of any asset it reads. Otherwise the
publish fails with the reasons, and the previous published file stays.
"""

from __future__ import annotations

import dagster as dg


def blocking_checks_upstream(
    asset_graph: dg.BaseAssetGraph, key: dg.AssetKey
) -> list[dg.AssetCheckKey]:
    """The blocking checks of `key`'s upstream assets (and of `key` itself), sorted."""
    upstream = dg.AssetSelection.assets(key).upstream().resolve(asset_graph)
    return sorted(
        (
            check
            for check in asset_graph.asset_check_keys
            if check.asset_key in upstream and asset_graph.get(check).blocking
        ),
        key=lambda check: check.to_user_string(),
    )


def unmet_blocking_checks(
    instance: dg.DagsterInstance, asset_graph: dg.BaseAssetGraph, key: dg.AssetKey
) -> dict[str, str]:
    """Why `key` must not be published now: check name -> a German/English reason, for each
    blocking check upstream that failed, never ran, or has not run since an asset it reads was
    materialized again."""
    reasons = {}
    for check in blocking_checks_upstream(asset_graph, key):
        # the latest execution: planned only (its run stopped before it), or evaluated
        record = instance.get_latest_asset_check_evaluation_record(check)
        evaluation = record.event.asset_check_evaluation if record and record.event else None
        if evaluation is None:
            reasons[check.name] = "nicht ausgeführt / did not run"
        elif not evaluation.passed:
            reasons[check.name] = f"fehlgeschlagen / failed (Lauf / run {record.run_id})"
        elif stale := _changed_since(instance, asset_graph.get(check).parent_entity_keys, record):
            reasons[check.name] = (
                "seit der letzten Prüfung neu berechnet / materialized since the last "
                f"evaluation: {', '.join(stale)}"
            )
    return reasons


def _changed_since(instance: dg.DagsterInstance, assets, record) -> list[str]:
    """The assets of `assets` materialized by another run after the check evaluation `record`
    (within one run a check sees its run's data, also when its asset's step reports the check
    before the materialization)."""
    checked_at = record.event.timestamp
    changed = []
    for asset in sorted(assets, key=lambda asset: asset.to_user_string()):
        event = instance.get_latest_materialization_event(asset)
        if event is not None and event.run_id != record.run_id and event.timestamp > checked_at:
            changed.append(asset.to_user_string())
    return changed


def gate_message(reasons: dict[str, str], published: str) -> str:
    """The publish failure's text: what stays, and why (the first line names the checks, so the
    alert line does too)."""
    return "\n".join(
        [
            f"Blockierende Prüfungen nicht bestanden / blocking checks not passed: "
            f"{', '.join(reasons)}. {published} nicht veröffentlicht, die bisherige Datei bleibt "
            "/ not published, the previous file stays.",
            *(f"- {name}: {reason}" for name, reason in reasons.items()),
        ]
    )
