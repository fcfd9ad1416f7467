"""Every run that publishes is gated by the blocking checks on its inputs (issue 15, item 4).

A changed GENESIS control total alone must re-run the population reconciliation, which checks
`small_area_statistics` but reads `genesis_values`; and the published file is never refreshed
while a blocking check on its inputs failed or did not run on the current data."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from assets.fingerprint import code_fingerprint
from assets.ingest.archive import archive_landing_files, mark_refreshed, save_state
from assets.publish import gate
from assets.publish.gate import blocking_checks_upstream, unmet_blocking_checks
from assets.resources import DataRoot, Warehouse
from pipelines.alerts import ALERT_COMMAND_ENV, ALERTS_LOG, refresh_failure_alert
from pipelines.definitions import WAREHOUSE_DIR_ENV, defs
from pipelines.incremental import plan_changes
from pipelines.jobs import REFRESH_JOB_NAME
from pipelines.sensors import landing_files_sensor
from tests.conftest import REPO, add_provider_files, make_tiny_root, run_pipeline

GRAPH = defs.resolve_asset_graph()
RECONCILIATION = dg.AssetCheckKey(
    dg.AssetKey("small_area_statistics"), "population_matches_control_totals"
)
GENESIS = "statistics/genesis/12411.csv"


def names(keys) -> set[str]:
    return {key.name for key in keys}


def raise_control_total(root: Path, factor: float = 1.1) -> None:
    """Change only the GENESIS control total of the tiny root (4380) by `factor`."""
    path = root / GENESIS
    old = ";4380;"
    assert old in path.read_text(encoding="utf-8")
    path.write_text(
        path.read_text(encoding="utf-8").replace(old, f";{round(4380 * factor)};"),
        encoding="utf-8",
    )


@pytest.fixture
def refreshed_root(tmp_path) -> Path:
    """The tiny root with a completed refresh state of its current files (no run needed)."""
    root = make_tiny_root(tmp_path / "root")
    archive = tmp_path / "wh" / "archive"
    archive_landing_files(root, archive)
    assert mark_refreshed(archive, code_fingerprint(), save_state(archive))
    return root


def test_a_changed_control_total_plans_the_reconciliation(refreshed_root, tmp_path):
    raise_control_total(refreshed_root)
    plan = plan_changes(refreshed_root, tmp_path / "wh" / "archive", GRAPH)
    assert plan.changed == [GENESIS]
    assert "small_area_statistics" not in {k.to_user_string() for k in plan.selection}
    # the check of the changed source, the check that reads it as an additional input, and the
    # audit of the published file the run rewrites
    assert names(plan.checks) == {
        "genesis_values_expectations",
        RECONCILIATION.name,
        "published_file_passed_disclosure_control",
    }
    # the published file waits for the reconciliation in that run
    job = defs.resolve_job_def(REFRESH_JOB_NAME).get_subset(
        asset_selection=set(plan.selection), asset_check_selection=set(plan.checks)
    )
    publish_inputs = job.graph.dependencies[dg.NodeInvocation("published_warehouse")]
    upstream = {dep.node for d in publish_inputs.values() for dep in d.get_node_dependencies()}
    assert "small_area_statistics_population_matches_control_totals" in upstream


def test_the_landing_sensor_requests_the_checks_of_the_changed_inputs(refreshed_root, tmp_path):
    resources = {
        "data_root": DataRoot(data_dir=str(refreshed_root)),
        "warehouse": Warehouse(warehouse_dir=str(tmp_path / "wh")),
    }
    before = (refreshed_root / GENESIS).read_bytes()
    raise_control_total(refreshed_root)
    with dg.build_sensor_context(definitions=defs, resources=resources) as context:
        request = landing_files_sensor(context)
    assert isinstance(request, dg.RunRequest)
    assert RECONCILIATION in request.asset_check_keys
    # a provider report: its source's check, not the reconciliation
    (refreshed_root / GENESIS).write_bytes(before)
    add_provider_files(refreshed_root)
    plan = plan_changes(refreshed_root, tmp_path / "wh" / "archive", GRAPH)
    assert "measure_reports_expectations" in names(plan.checks)
    assert RECONCILIATION not in plan.checks


# --- the publish gate, on a small graph of its own -------------------------------------------

VERDICT = {"raw": True}


@dg.asset
def control():
    return 1


@dg.asset
def raw():
    return 1


@dg.asset_check(asset=raw, blocking=True, additional_deps=[control])
def raw_matches_control() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=VERDICT["raw"])


@dg.asset_check(asset=raw, blocking=False)
def raw_warning() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


@dg.asset(deps=[raw])
def published():
    return 1


TOY = dg.Definitions(
    assets=[control, raw, published], asset_checks=[raw_matches_control, raw_warning]
)
TOY_GRAPH = TOY.resolve_asset_graph()
PUBLISHED = dg.AssetKey("published")


def toy_run(instance, assets, checks=()):
    job = TOY.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection={dg.AssetKey(a) for a in assets},
        asset_check_selection={dg.AssetCheckKey(dg.AssetKey("raw"), c) for c in checks},
    )
    return job.execute_in_process(instance=instance, raise_on_error=False)


def test_only_blocking_checks_upstream_gate_the_publish():
    assert [k.name for k in blocking_checks_upstream(TOY_GRAPH, PUBLISHED)] == [
        "raw_matches_control"
    ]
    # every blocking check of the pipeline but the published file's own checks an input of it
    published = dg.AssetKey("published_warehouse")
    gating = blocking_checks_upstream(GRAPH, published)
    assert set(gating) == {
        k for k in GRAPH.asset_check_keys if GRAPH.get(k).blocking and k.asset_key != published
    }
    assert any(GRAPH.get(k).blocking for k in GRAPH.asset_check_keys if k.asset_key == published)
    assert RECONCILIATION in gating and "valid_areas_have_status_class" not in names(gating)


def test_the_gate_refuses_a_check_that_did_not_run_failed_or_is_older_than_its_inputs():
    with dg.DagsterInstance.ephemeral() as instance:
        reasons = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED)
        assert reasons == {"raw_matches_control": "nicht ausgeführt / did not run"}
        VERDICT["raw"] = True
        assert toy_run(instance, ["control", "raw"], ["raw_matches_control"]).success
        assert unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED) == {}
        # the additional input changed after the check: not checked on the current data
        assert toy_run(instance, ["control"]).success
        [reason] = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED).values()
        assert reason.startswith("seit der letzten Prüfung") and reason.endswith(": control")
        # the checked asset itself, materialized without its check
        assert toy_run(instance, ["raw"], []).success
        [reason] = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED).values()
        assert reason.endswith(": control, raw")
        VERDICT["raw"] = False
        failed = toy_run(instance, [], ["raw_matches_control"])
        [reason] = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED).values()
        assert reason == f"fehlgeschlagen / failed (Lauf / run {failed.run_id})"
        VERDICT["raw"] = True
        assert toy_run(instance, [], ["raw_matches_control"]).success
        assert unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED) == {}


# --- end to end: a completed refresh, then only the control total changes -------------------


@pytest.fixture(scope="module")
def refreshed_base(tmp_path_factory) -> Path:
    """One real `make run` of the tiny root (its Dagster home, warehouse and root), copied by
    every test that changes it."""
    base = tmp_path_factory.mktemp("gating")
    make_tiny_root(base / "root")
    run_pipeline(base / "root", base / "wh", base)
    return base


@pytest.fixture
def refreshed(refreshed_base, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(refreshed_base, copy, symlinks=True)
    monkeypatch.setenv("DAGSTER_HOME", str(copy / "dagster_home"))
    monkeypatch.setenv(WAREHOUSE_DIR_ENV, str(copy / "wh"))  # `make update` runs in a subprocess
    monkeypatch.setenv(ALERT_COMMAND_ENV, f"sh -c 'cat >> {copy / 'hook.txt'}'")
    raise_control_total(copy / "root")  # 4380 -> 4818: the register's 4340 is 9.9 % below
    return copy


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_ino


def reconciliation_failed_in(instance: dg.DagsterInstance, run_id: str) -> bool:
    record = instance.get_latest_asset_check_evaluation_record(RECONCILIATION)
    return record.run_id == run_id and not record.event.asset_check_evaluation.passed


def alert_lines(folder: Path) -> list[list[str]]:
    lines = (folder / "wh" / ALERTS_LOG).read_text(encoding="utf-8").splitlines()
    hooked = (folder / "hook.txt").read_text(encoding="utf-8").splitlines()
    assert hooked == lines  # every line reached the alert command, once
    return [line.split("\t") for line in lines]


@pytest.mark.slow  # a full refresh of the tiny root, then `make update` in its own process
def test_make_update_reruns_the_reconciliation_and_keeps_the_published_file(refreshed):
    published = refreshed / "wh" / "sozialplanung.duckdb"
    before = fingerprint(published)
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.run", "--changed"],
        cwd=REPO,
        env={**os.environ, "SOZIALPLANUNG_DATA_DIR": str(refreshed / "root")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert RECONCILIATION.name in done.stdout  # "Prüfungen: ..." of the planned run
    assert fingerprint(published) == before
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        assert run.status == dg.DagsterRunStatus.FAILURE
        assert reconciliation_failed_in(instance, run.run_id)
    [[_, job, run_id, message]] = alert_lines(refreshed)
    assert (job, run_id) == (REFRESH_JOB_NAME, run.run_id)
    assert RECONCILIATION.name in message


@pytest.mark.slow  # a full refresh of the tiny root, then the sensor's run and a publish alone
def test_the_sensors_run_reruns_the_reconciliation_and_a_publish_alone_is_refused(refreshed):
    published = refreshed / "wh" / "sozialplanung.duckdb"
    before = fingerprint(published)
    resources = {
        "data_root": DataRoot(data_dir=str(refreshed / "root")),
        "warehouse": Warehouse(warehouse_dir=str(refreshed / "wh")),
    }
    job = defs.resolve_job_def(REFRESH_JOB_NAME)
    with dg.DagsterInstance.get() as instance:
        with dg.build_sensor_context(
            instance=instance, definitions=defs, resources=resources
        ) as context:
            request = landing_files_sensor(context)
        # the run the daemon starts for the request: its assets and its checks
        result = job.get_subset(
            asset_selection=set(request.asset_selection),
            asset_check_selection=set(request.asset_check_keys),
        ).execute_in_process(
            instance=instance, tags=request.tags, resources=resources, raise_on_error=False
        )
        assert not result.success
        assert reconciliation_failed_in(instance, result.run_id)
        assert fingerprint(published) == before
        # publishing alone (as from the UI) is refused while the reconciliation has failed
        alone = job.get_subset(
            asset_selection={dg.AssetKey("published_warehouse")}, asset_check_selection=set()
        ).execute_in_process(instance=instance, resources=resources, raise_on_error=False)
        assert not alone.success
        [failure] = [e for e in alone.all_events if e.is_step_failure]
        error = failure.step_failure_data.error.to_string()
        assert "nicht veröffentlicht" in error and RECONCILIATION.name in error
        assert fingerprint(published) == before
        # the daemon's failure sensor alerts each failed run once
        for run_id in (result.run_id, alone.run_id, result.run_id):
            [record] = instance.get_records_for_run(
                run_id, of_type=dg.DagsterEventType.RUN_FAILURE
            ).records
            refresh_failure_alert(
                dg.build_run_status_sensor_context(
                    sensor_name=refresh_failure_alert.name,
                    dagster_event=record.event_log_entry.dagster_event,
                    dagster_instance=instance,
                    dagster_run=instance.get_run_by_id(run_id),
                    resources=resources,
                ).for_run_failure()
            )
    alerted = alert_lines(refreshed)
    assert [fields[2] for fields in alerted] == [result.run_id, alone.run_id]
    assert RECONCILIATION.name in alerted[0][3] and RECONCILIATION.name in alerted[1][3]


# --- two refreshes at once: a reason only another run in progress can settle is waited for -----


class _Runs:
    """A stand-in for the instance: check history, run states and materializations, changing
    as the other run proceeds (one step per poll)."""

    def __init__(self, steps):
        self.steps, self.polls = steps, 0
        self.event_log_storage = self

    def _now(self):
        return self.steps[min(self.polls - 1, len(self.steps) - 1)]  # the poll under way

    def get_asset_check_execution_history(self, check, limit):
        self.polls += 1
        return self._now()["history"]

    def get_run_by_id(self, run_id):
        return SimpleNamespace(is_finished=run_id not in self._now()["running"])

    def get_latest_materialization_event(self, asset):
        return self._now()["materialized"].get(asset.to_user_string())


def _record(run_id, status, timestamp):
    return SimpleNamespace(run_id=run_id, status=status, event=SimpleNamespace(timestamp=timestamp))


def _materialized(run_id, timestamp):
    return SimpleNamespace(run_id=run_id, timestamp=timestamp)


PASSED, PLANNED = AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.PLANNED


def test_a_publish_waits_for_the_other_run_to_check_what_it_materialized(monkeypatch):
    monkeypatch.setattr(gate, "_POLL_S", 0)
    mine = _record("A", PASSED, 10.0)
    before = {
        "history": [_record("B", PLANNED, 9.0), mine],
        "running": {"A", "B"},
        "materialized": {"raw": _materialized("B", 12.0)},
    }  # B re-ran raw, not checked yet
    after = {
        "history": [_record("B", PASSED, 13.0), mine],
        "running": {"A", "B"},
        "materialized": {"raw": _materialized("B", 12.0)},
    }
    runs = _Runs([before, before, after])
    assert unmet_blocking_checks(runs, TOY_GRAPH, PUBLISHED, own_run_id="A") == {}
    assert runs.polls == 3  # waited two polls for B's evaluation


def test_a_run_that_ended_without_checking_what_it_materialized_is_refused_at_once(monkeypatch):
    monkeypatch.setattr(gate, "_POLL_S", 0)
    ended = {
        "history": [_record("B", PLANNED, 9.0), _record("A", PASSED, 10.0)],
        "running": {"A"},
        "materialized": {"raw": _materialized("B", 12.0)},
    }
    runs = _Runs([ended])
    [reason] = unmet_blocking_checks(runs, TOY_GRAPH, PUBLISHED, own_run_id="A").values()
    assert reason.startswith("seit der letzten Prüfung") and runs.polls == 1


def test_waiting_for_another_run_ends_with_a_refusal_after_the_limit(monkeypatch):
    monkeypatch.setattr(gate, "_POLL_S", 0)
    stuck = {"history": [_record("B", PLANNED, 9.0)], "running": {"B"}, "materialized": {}}
    reasons = unmet_blocking_checks(_Runs([stuck]), TOY_GRAPH, PUBLISHED, wait_s=0)
    assert reasons == {"raw_matches_control": "nicht ausgeführt / did not run"}
