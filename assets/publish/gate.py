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

import time

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus


def blocking_checks_upstream(
    asset_graph: dg.BaseAssetGraph, key: dg.AssetKey
) -> list[dg.AssetCheckKey]:
    """The blocking checks of `key`'s upstream assets, sorted: not of `key` itself, whose checks
    judge what this materialization writes, after it."""
    upstream = dg.AssetSelection.assets(key).upstream().resolve(asset_graph) - {key}
    return sorted(
        (
            check
            for check in asset_graph.asset_check_keys
            if check.asset_key in upstream and asset_graph.get(check).blocking
        ),
        key=lambda check: check.to_user_string(),
    )


# how long a publish waits for another run that is still checking the same inputs (two
# refreshes started at once: each sees the other's planned or not yet checked materializations)
WAIT_FOR_OTHER_RUNS_S = 900
_POLL_S = 1.0
_EVALUATED = {
    AssetCheckExecutionRecordStatus.SUCCEEDED,
    AssetCheckExecutionRecordStatus.FAILED,
}


def unmet_blocking_checks(
    instance: dg.DagsterInstance,
    asset_graph: dg.BaseAssetGraph,
    key: dg.AssetKey,
    wait_s: float = WAIT_FOR_OTHER_RUNS_S,
    own_run_id: str | None = None,
) -> dict[str, str]:
    """Why `key` must not be published now: check name -> a German/English reason, for each
    blocking check upstream that failed, never ran, or has not run since an asset it reads was
    materialized again.

    A reason that only another run still in progress can settle (it planned the check, or it
    materialized a checked asset and will check it next) is waited for, up to `wait_s`: two
    refreshes started at once then both publish checked data instead of refusing each other.
    """
    deadline = time.monotonic() + wait_s
    while True:
        reasons, pending = _assess(instance, asset_graph, key, own_run_id)
        # a settled refusal does not get better by waiting
        if not pending or reasons or time.monotonic() >= deadline:
            return {**reasons, **pending}
        time.sleep(_POLL_S)


def _assess(instance, asset_graph, key, own_run_id) -> tuple[dict[str, str], dict[str, str]]:
    """(settled reasons, reasons that wait on another run in progress) per blocking check."""
    reasons, pending = {}, {}
    for check in blocking_checks_upstream(asset_graph, key):
        history = instance.event_log_storage.get_asset_check_execution_history(check, limit=20)
        running = [
            r.run_id
            for r in history
            if r.status not in _EVALUATED
            and r.run_id != own_run_id
            and _in_progress(instance, r.run_id)
        ]
        # the latest evaluation; a plan whose run ended before it is no evaluation (an asset that
        # run materialized without the check shows as changed since the evaluation below)
        record = next((r for r in history if r.status in _EVALUATED and r.event), None)
        if record is None:
            target = pending if running else reasons
            target[check.name] = "nicht ausgeführt / did not run"
        elif record.status != AssetCheckExecutionRecordStatus.SUCCEEDED:
            reasons[check.name] = f"fehlgeschlagen / failed (Lauf / run {record.run_id})"
        elif changed := _changed_since(instance, asset_graph.get(check).parent_entity_keys, record):
            text = (
                "seit der letzten Prüfung neu berechnet / materialized since the last "
                f"evaluation: {', '.join(asset for asset, _ in changed)}"
            )
            busy = all(
                run_id != own_run_id and _in_progress(instance, run_id) for _, run_id in changed
            )
            (pending if busy else reasons)[check.name] = text
    return reasons, pending


def _in_progress(instance: dg.DagsterInstance, run_id: str) -> bool:
    run = instance.get_run_by_id(run_id)
    return run is not None and not run.is_finished


def _changed_since(instance: dg.DagsterInstance, assets, record) -> list[tuple[str, str]]:
    """(asset, run id) of the assets of `assets` materialized by another run after the check
    evaluation `record` (within one run a check sees its run's data, also when its asset's step
    reports the check before the materialization)."""
    checked_at = record.event.timestamp
    changed = []
    for asset in sorted(assets, key=lambda asset: asset.to_user_string()):
        event = instance.get_latest_materialization_event(asset)
        if event is not None and event.run_id != record.run_id and event.timestamp > checked_at:
            changed.append((asset.to_user_string(), event.run_id))
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
