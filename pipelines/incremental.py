"""Incremental refresh: which assets a set of changed landing files requires to run.

Each landing folder is read by one source asset; a changed file re-runs that asset and everything
downstream of it, and the archive (`landing_archive`) always runs so that every new file version
is kept. Tables of the assets left out stay as the last run wrote them, which is correct because
their input files did not change. A change to the area polygons or to `planning/` (settings,
goals) can touch any figure, so it — like any file outside the known folders — runs everything.

The partitioned assets run from the earliest month a change touches through the data root's last
month: population figures are the denominators of every later month (as-of join), and the
rolling KPI view looks two months back. A changed satisfaction survey can concern any quarter,
so it runs every month.

The same code version is assumed: after an update of the pipeline itself, run a full refresh
(`make run`), which rebuilds every table.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from assets.ingest.providers import _classify
from pipelines.landing import months_in_statistics, statistics_files

REPO = Path(__file__).resolve().parent.parent
# what decides the tables besides the landing files: the code and the pinned dependencies
CODE = ("assets", "checks", "pipelines", "requirements.lock")
ARCHIVE_ASSET = "landing_archive"
_PROVIDER_KINDS = {
    "facilities": "facilities",
    "report": "measure_reports",
    "survey": "satisfaction_responses",
}
_FOLDERS = {
    ("statistics", "small_area"): "small_area_statistics",
    ("statistics", "genesis"): "genesis_values",
    ("statistics", "zensus"): "zensus_grid",
    ("surveys", "needs"): "needs_survey_responses",
}


def code_version() -> str:
    """SHA-256 over the pipeline's source files and the lock file (not the sample or tests)."""
    digest = hashlib.sha256()
    for entry in CODE:
        path = REPO / entry
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(file.relative_to(REPO).as_posix().encode() + b"\0")
                digest.update(file.read_bytes())
    return digest.hexdigest()


def source_assets(changed: list[str]) -> set[str] | None:
    """The source assets that read the changed landing files; None when everything must run."""
    sources = set()
    for rel in changed:
        parts = tuple(rel.split("/"))
        if parts[0] == "providers" and len(parts) >= 3:
            kind, _ = _classify(parts[2:])
            sources.add("provider_files")  # the inventory of every provider file
            if kind in _PROVIDER_KINDS:
                sources.add(_PROVIDER_KINDS[kind])
        elif parts[:2] in _FOLDERS and len(parts) == 3:
            sources.add(_FOLDERS[parts[:2]])
        else:
            return None
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


def months_to_refresh(root: Path, changed: list[str]) -> list[str]:
    """`YYYY-MM` months the partitioned assets recompute for `changed` (maybe none)."""
    all_months = months_in_statistics(statistics_files(root))
    touched: list[str] = []
    for rel in changed:
        parts = tuple(rel.split("/"))
        if parts[:2] == ("statistics", "small_area"):
            path = root / rel
            touched.extend(months_in_statistics([path]) if path.is_file() else all_months[:1])
        elif parts[0] == "providers" and len(parts) >= 3:
            kind, month = _classify(parts[2:])
            if kind == "report":
                touched.append(month)
            elif kind == "survey":
                touched.extend(all_months[:1])
        elif source_assets([rel]) is None:  # areas, planning: everything
            touched.extend(all_months[:1])
    if not touched:
        return []
    first, last = min(touched), max([*touched, *all_months[-1:]])
    return sorted({m for m in all_months if first <= m <= last} | {first, last})
