"""The asset check on the published file: did it pass disclosure control?

The publish asset already refuses to swap in a new file that fails the audit; this check runs the
same audit (`assets/publish/disclosure_audit.py`) on the file analysts open, so the UI shows the
data team a verdict on every published file, with the findings. It is blocking with severity
ERROR: the area profiles, made from the published file, wait for it.
"""

import dagster as dg
import duckdb

from assets.publish.assets import audit_metadata, published_warehouse
from assets.publish.disclosure_audit import audit_published_file
from assets.resources import DataRoot, Warehouse


@dg.asset_check(
    asset=published_warehouse,
    blocking=True,
    description="Geheimhaltung der veröffentlichten Datei: keine Fallzahl in 1 … k-1, keine "
    "gesperrte Zelle aus einem veröffentlichten Gesamtwert rückrechenbar.",
)
def published_file_passed_disclosure_control(
    data_root: DataRoot, warehouse: Warehouse
) -> dg.AssetCheckResult:
    disclosure = data_root.settings()["disclosure"]
    path = warehouse.published_path
    # the file must not be swapped while it is read
    with warehouse.exclusive():
        if not path.exists():
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"{path.name} fehlt: nichts zu prüfen",
            )
        con = duckdb.connect(str(path), read_only=True)
        try:
            findings, scanned = audit_published_file(con, disclosure)
        finally:
            con.close()
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=audit_metadata(findings, scanned, disclosure),
    )


PUBLISHED_CHECKS = [published_file_passed_disclosure_control]
