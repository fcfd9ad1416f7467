"""The `areas` asset's own blocking check: every delivered area loaded.

It runs inside the asset, so every run that reads the areas also runs it (no job or sensor can
select the asset without its check). A failure stops everything downstream of `areas`, the
publish step included, so the analysts keep the previous published file rather than one with a
Sozialraum silently missing; the run fails and the failure alert names the check.
"""

from __future__ import annotations

import dagster as dg

from assets.ingest.areas import refusals_blocking_publication
from assets.ingest.quarantine import IngestResult
from assets.metadata import markdown_table
from assets.wording import counted

NO_AREA_REFUSED = "no_area_refused"
SHOWN = 50  # refusals listed in the check's metadata; all are in the quarantine table

NO_AREA_REFUSED_SPEC = dg.AssetCheckSpec(
    NO_AREA_REFUSED,
    asset="areas",
    blocking=True,
    description="Every delivered area loaded: no areas file unreadable and no feature refused "
    "(CRS, coordinates, geometry, attributes); links are only reported. Otherwise nothing "
    "downstream runs and the published file stays as it was.",
)


def no_area_refused(result: IngestResult) -> dg.AssetCheckResult:
    """Fails (ERROR, blocking) when the areas reader refused a feature or a whole file."""
    refused = refusals_blocking_publication(result.quarantine)
    return dg.AssetCheckResult(
        check_name=NO_AREA_REFUSED,
        passed=refused.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "areas_refused": len(refused),
            "refused": dg.MetadataValue.md(markdown_table(refused.head(SHOWN).astype(str))),
        },
        description=None
        if refused.empty
        else f"{counted(len(refused), 'Gebiet oder Flächendatei', 'Gebiete oder Flächendateien')} "
        "abgelehnt; der veröffentlichte "
        "Stand bleibt, bis die Flächen korrigiert sind",
    )
