"""Incremental refresh: what the landing files changed since the last completed refresh require.

Base: `archive/refreshed.json`, the landing state (path -> SHA-256) of the last refresh that
completed and the pipeline's code version then. Every refresh saves its own landing state when
it archives the files (`landing_archive`, metadata `landing_state`); when a planned refresh has
succeeded, `complete_refresh` makes that state the new base: `pipelines/run.py` does so for
`make run` and `make update`, the `refresh_completed` sensor for runs started by the landing
sensor. A run that fails leaves the base where it was, so its changes are planned again; a run
started another way (the schedule, the UI) does not move it.

Which assets: each delivery format names the source asset that reads it (`assets/ingest/
formats.py`); a changed file re-runs that asset and everything downstream of it, and the archive (`landing_archive`) always runs so that every
new file version is kept. Tables of the assets left out stay as the last run wrote them, which
is correct because their input files did not change. A change to the area polygons or to
`planning/` (settings, goals) can touch any figure, so it — like any file of no known
format — runs everything, and so does a changed code version.

Which checks: every asset check whose asset or additional input the run selects, e.g. the
population reconciliation (on `small_area_statistics`, reading `genesis_values` too) when only the
GENESIS control totals changed. A blocking check thus runs again on the new data, and the assets
downstream of it (the published file) wait for it and stay as they are when it fails; the publish
asset also refuses to run when a blocking check on its inputs failed or did not run since its
asset changed (`assets/publish/gate.py`).

Which months: each delivery format declares the months a change of one of its files touches
(its month impact, `assets/ingest/formats.py`; the rules and why in
`assets/ingest/month_impacts.py`): for statistics from the first changed month through the last
month, for a report its month and the rolling months after it, for a survey its quarters and the
rolling months after them, for facilities, areas, `planning/` and unknown files every month, for
the needs survey, Zensus and GENESIS none. The run's result thus equals a full refresh. Planning
never reads a file the ingest refuses (above `limits.max_file_mb`, or a link): its months run as
if it could hold any.

A run covers one range of partitions, from the first to the last affected month; months in
between that no change affects are rewritten unchanged. The range is clipped to the partitions of
the code location the run is for (`plan_changes`: those of its asset graph), so a run never asks
for a month that has no partition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from assets.fingerprint import code_fingerprint
from assets.ingest.archive import (
    LANDING_STATE,
    changed_since_refresh,
    mark_refreshed,
    refreshed_contents,
    refreshed_state,
)
from assets.ingest.formats import FORMATS, Format, format_of
from assets.ingest.month_impacts import Change, every_month
from pipelines.jobs import environment_partitions, range_tags
from pipelines.landing import months_in_root, partition_range, size_limit
from pipelines.partitions import partitions_of

ARCHIVE_ASSET = "landing_archive"
PLAN_TAG = "sozialplanung/plan"  # `full` or `changes`: a run planned here
BASE_TAG = "sozialplanung/base_state"  # the refreshed state a `changes` run was planned from


def source_assets(changed: list[str], formats: tuple[Format, ...] = FORMATS) -> set[str] | None:
    """The source assets that read the changed landing files (by their declared `formats`);
    None when everything must run (areas, `planning/`, an unknown file)."""
    sources = set()
    for rel in changed:
        fmt = format_of(rel, formats)
        if fmt is None or fmt.runs_everything:
            return None
        sources |= {fmt.asset, fmt.inventory} - {None}
    return sources


def assets_to_refresh(
    changed: list[str], asset_graph: dg.BaseAssetGraph
) -> list[dg.AssetKey] | None:
    """Asset keys an incremental refresh of `changed` runs, sorted; None for all assets."""
    sources = source_assets(changed)
    if sources is None:
        return None
    selected = dg.AssetSelection.assets(*sources).downstream() | dg.AssetSelection.assets(
        ARCHIVE_ASSET
    )
    return sorted(selected.resolve(asset_graph), key=lambda key: key.to_user_string())


def checks_to_run(
    selection: list[dg.AssetKey], asset_graph: dg.BaseAssetGraph
) -> list[dg.AssetCheckKey]:
    """The asset checks a run of `selection` runs: those of a selected asset and those that read
    a selected asset as an additional input (the checked asset may then be left out)."""
    selected = set(selection)
    return sorted(
        (
            key
            for key in asset_graph.asset_check_keys
            if asset_graph.get(key).parent_entity_keys & selected
        ),
        key=lambda key: key.to_user_string(),
    )


def months_to_refresh(
    root: Path,
    changed: list[str],
    previous: Callable[[str], bytes | None] | None = None,
    all_months: list[str] | None = None,
    limit: float | None = None,
    formats: tuple[Format, ...] = FORMATS,
) -> list[str]:
    """`YYYY-MM` months the partitioned assets recompute for `changed` (maybe none): the union
    of the month impacts the changed files' `formats` declare (an unknown file: every month).

    `previous` gives a file's content as of the last run (None: the file is new), so that only
    what differs counts; without it every changed file counts as new. `all_months` are the data
    root's months if the caller has scanned them already (a state's statistics are hundreds of
    megabytes). Files above `limit` bytes (default: the root's `size_limit`) are never read: the
    ingest refuses them, and unread they count like a file whose content is unknown.
    """
    limit = size_limit(root) if limit is None else limit
    if all_months is None:
        all_months = months_in_root(root, limit)
    months: set[str] = set()
    since: list[str] = []  # months from which every later month of the data root runs
    for rel in changed:
        fmt = format_of(rel, formats)
        old = previous(rel) if previous else None
        change = Change(root, rel, fmt, old, all_months, limit)
        impact = every_month(change) if fmt is None else fmt.months(change)
        months |= impact.months
        since.extend([impact.since] if impact.since else [])
    if since:
        first = min(since)
        months |= {first, *(m for m in all_months if m >= first)}
    return sorted(months)


@dataclass(frozen=True)
class RefreshPlan:
    """One refresh run: its assets (None: all), its months, its tags and its asset checks
    (None: all, with all assets)."""

    changed: list[str]
    selection: list[dg.AssetKey] | None
    bounds: tuple[str, str] | None
    tags: dict[str, str]
    checks: list[dg.AssetCheckKey] | None = None


def plan_full(
    root: Path,
    all_months: list[str] | None = None,
    partitions_def: dg.PartitionsDefinition | None = None,
) -> RefreshPlan:
    """Every asset over every month of the data root (`make run`) that has a partition in
    `partitions_def` (the monthly assets'; default: the location the environment chooses)."""
    if partitions_def is None:
        partitions_def = environment_partitions()
    if all_months is None:
        all_months = months_in_root(root, size_limit(root), partitions_def)
    bounds = partition_range(all_months, partitions_def)
    tags = {**(range_tags(*bounds, partitions_def) if bounds else {}), PLAN_TAG: "full"}
    return RefreshPlan([], None, bounds, tags)


def plan_changes(root: Path, archive: Path, asset_graph: dg.BaseAssetGraph) -> RefreshPlan:
    """The run the changes since the last completed refresh require (`changed` may be empty),
    in the code location of `asset_graph`.

    A full plan when there is no completed refresh of this code version to start from.
    """
    partitions_def = partitions_of(asset_graph)
    limit = size_limit(root)
    all_months = months_in_root(root, limit, partitions_def)
    changed = changed_since_refresh(root, archive, code_fingerprint(), limit)
    if changed is None:
        return plan_full(root, all_months, partitions_def)
    selection = assets_to_refresh(changed, asset_graph)
    if selection is None:
        full = plan_full(root, all_months, partitions_def)
        return RefreshPlan(changed, None, full.bounds, full.tags)
    months = months_to_refresh(root, changed, refreshed_contents(archive), all_months, limit)
    # the job's partitioned assets need a range even when none of them runs
    bounds = partition_range(months or all_months[-1:], partitions_def)
    tags = {
        **(range_tags(*bounds, partitions_def) if bounds else {}),
        PLAN_TAG: "changes",
        BASE_TAG: refreshed_state(archive) or "",
    }
    return RefreshPlan(changed, selection, bounds, tags, checks_to_run(selection, asset_graph))


def complete_refresh(instance: dg.DagsterInstance, run: dg.DagsterRun, archive: Path) -> bool:
    """After `run` succeeded: make its landing state the base of the next incremental refresh.

    Only runs planned here count: a full plan always, a plan of changes only while the base it
    was planned from is still the base (otherwise another run has moved it, and what changed
    since is planned again). Returns whether the base moved.
    """
    plan = run.tags.get(PLAN_TAG)
    if plan is None or (
        plan == "changes" and run.tags.get(BASE_TAG) != (refreshed_state(archive) or "")
    ):
        return False
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    states = [
        materialization.metadata[LANDING_STATE].value
        for record in records
        if (materialization := record.event_log_entry.asset_materialization) is not None
        and materialization.asset_key == dg.AssetKey(ARCHIVE_ASSET)
        and LANDING_STATE in materialization.metadata
    ]
    if not states:
        return False
    return mark_refreshed(archive, code_fingerprint(), states[-1])


def plan_key(plan: RefreshPlan, root: Path) -> str:
    """A run key for `plan`: the same changes (paths, sizes, mtimes) give the same key."""
    stats = []
    for rel in plan.changed:
        path = root / rel
        stat = path.stat() if path.is_file() else None
        stats.append([rel, stat.st_size if stat else None, stat.st_mtime_ns if stat else None])
    return hashlib.sha256(json.dumps([plan.tags, stats]).encode()).hexdigest()[:16]
