"""Every run that publishes is gated by the blocking checks on its inputs (issue 15, item 4).

A changed GENESIS control total alone must re-run the population reconciliation, which checks
`small_area_statistics` but reads `genesis_values`; and the published file is never refreshed
while a blocking check on its inputs failed or did not run on the current data."""

from pathlib import Path

import dagster as dg
import pytest

from assets.ingest.archive import archive_landing_files, mark_refreshed, save_state
from checks.gate import blocking_checks_upstream, unmet_blocking_checks
from pipelines.definitions import defs
from pipelines.incremental import code_version, plan_changes
from pipelines.jobs import REFRESH_JOB_NAME
from pipelines.resources import DataRoot, Warehouse
from pipelines.sensors import landing_files_sensor
from tests.conftest import add_provider_files, make_tiny_root

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
    assert mark_refreshed(archive, code_version(), save_state(archive))
    return root


def test_a_changed_control_total_plans_the_reconciliation(refreshed_root, tmp_path):
    raise_control_total(refreshed_root)
    plan = plan_changes(refreshed_root, tmp_path / "wh" / "archive", GRAPH)
    assert plan.changed == [GENESIS]
    assert "small_area_statistics" not in {k.to_user_string() for k in plan.selection}
    # the check of the changed source, and the check that reads it as an additional input
    assert names(plan.checks) == {"genesis_values_expectations", RECONCILIATION.name}
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
    # every blocking check of the pipeline checks an input of the published file
    gating = blocking_checks_upstream(GRAPH, dg.AssetKey("published_warehouse"))
    assert set(gating) == {k for k in GRAPH.asset_check_keys if GRAPH.get(k).blocking}
    assert RECONCILIATION in gating and "valid_areas_have_status_class" not in names(gating)


def test_the_gate_refuses_a_check_that_did_not_run_failed_or_is_older_than_its_inputs():
    with dg.DagsterInstance.ephemeral() as instance:
        [reason] = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED)
        assert "raw_matches_control" in reason and "nicht ausgeführt" in reason
        VERDICT["raw"] = True
        assert toy_run(instance, ["control", "raw"], ["raw_matches_control"]).success
        assert unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED) == []
        # the additional input changed after the check: not checked on the current data
        assert toy_run(instance, ["control"]).success
        [reason] = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED)
        assert "control" in reason and "seit der letzten Prüfung" in reason
        # the checked asset itself, materialized without its check
        assert toy_run(instance, ["raw"], []).success
        [reason] = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED)
        assert reason.endswith("evaluation: control, raw")
        VERDICT["raw"] = False
        toy_run(instance, [], ["raw_matches_control"])
        [reason] = unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED)
        assert "fehlgeschlagen" in reason
        VERDICT["raw"] = True
        assert toy_run(instance, [], ["raw_matches_control"]).success
        assert unmet_blocking_checks(instance, TOY_GRAPH, PUBLISHED) == []
