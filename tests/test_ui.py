"""`make ui` for real: `dagster dev` serves the asset graph, the schedule and the sensor."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
QUERY = """{
  assetNodes { assetKey { path } groupName dependencyKeys { path } }
  workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { ... on RepositoryLocation { repositories {
      schedules { name } sensors { name } } } } } } }
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


@pytest.fixture
def dagster_dev(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "pipelines" / "dagster.yaml").read_text())
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SOZIALPLANUNG_WAREHOUSE_DIR": str(tmp_path / "wh"),
    }
    dagster = Path(sys.executable).parent / "dagster"
    log = (tmp_path / "dagster_dev.log").open("wb")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # `dagster dev` ignores SIGTERM unless its whole group gets it
    try:
        yield port, tmp_path / "dagster_dev.log"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)  # it rarely ends on TERM alone; KILL ends the group
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def tail(log: Path) -> str:
    """The end of `dagster dev`'s output, so a failing assertion shows why."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n--- dagster dev (last 3000 characters) ---\n" + text[-3000:]


def test_dagster_dev_serves_the_asset_graph_schedule_and_sensor(dagster_dev):
    port, log = dagster_dev
    deadline = time.monotonic() + 120
    data = None
    while time.monotonic() < deadline:
        try:
            data = graphql(port, QUERY)
            entries = data["workspaceOrError"]["locationEntries"]
            if entries and entries[0]["loadStatus"] == "LOADED" and data["assetNodes"]:
                break
        except OSError:
            pass
        time.sleep(1)
    assert data is not None, "no answer within 120 s" + tail(log)
    assert data["assetNodes"], "the code location did not load within 120 s" + tail(log)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    groups = {key: node["groupName"] for key, node in nodes.items()}
    parents = {
        key: {"/".join(d["path"]) for d in node["dependencyKeys"]} for key, node in nodes.items()
    }
    assert groups["indicator_values"] == "indicators", tail(log)
    assert groups["published_warehouse"] == "publish", tail(log)
    assert "small_area_statistics" in parents["indicator_values"], parents["indicator_values"]
    assert "areas" in parents["small_area_statistics"], parents["small_area_statistics"]
    assert "published_warehouse" in parents["area_profiles"], parents["area_profiles"]
    repo = data["workspaceOrError"]["locationEntries"][0]["locationOrLoadError"]["repositories"][0]
    assert [s["name"] for s in repo["schedules"]] == ["monthly_refresh"], tail(log)
    assert sorted(s["name"] for s in repo["sensors"]) == [
        "landing_files_sensor",
        "refresh_completed",
        "refresh_failure_alert",
    ], tail(log)
