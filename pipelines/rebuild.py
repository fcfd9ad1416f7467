"""`make rebuild`: recreate the internal and published files from the archive alone.

For when `internal.duckdb` is lost or damaged, or to prove that the archive holds everything:
the landing folders of the last run are restored from `archive/current.json` into
`rebuild_root/` in the warehouse folder, the old internal file is kept as
`internal.duckdb.before-rebuild` (a damaged one, found by reading every table, as
`internal.duckdb.damaged-<UTC time>`), and the full refresh runs on the restored root. The result
equals the incremental state (tables compared by checksum in the tests). A rebuild that fails
alerts like `make run` (`pipelines/alerts.py`).
"""

import shutil
import sys

import duckdb

from assets.ingest.archive import restore_root
from assets.resources import INTERNAL_DB, DataRoot, Warehouse
from assets.wording import counted
from pipelines.alerts import alert_on_error, alert_refresh_failure
from pipelines.definitions import LocationSettings
from pipelines.run import refresh


def rebuild(warehouse: Warehouse) -> int:
    archive = warehouse.path / "archive"
    if not (archive / "current.json").exists():
        message = f"Kein Archiv unter {archive}: zuerst `make run` ausführen."
        print(message)
        alert_refresh_failure(warehouse.path, message)
        return 1
    # held throughout, so that no other run writes while the files are swapped and refilled
    with warehouse.exclusive():
        root = warehouse.path / "rebuild_root"
        shutil.rmtree(root, ignore_errors=True)
        files = restore_root(archive, root)
        print(f"{counted(files, 'Datei', 'Dateien')} aus dem Archiv wiederhergestellt nach {root}")
        print(keep_old_internal(warehouse))
        try:
            return refresh(DataRoot(data_dir=str(root)), warehouse)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def keep_old_internal(warehouse: Warehouse) -> str:
    """Move the old internal file out of the way and start an empty one; a message saying where.

    A readable file becomes `internal.duckdb.before-rebuild` (replacing an older one: it can be
    rebuilt from the archive); a damaged one is set aside under its own time stamp and never
    replaced, so that the damage can still be examined.
    """
    internal = warehouse.internal_path
    if not internal.exists():
        message = "Keine alte internal.duckdb vorhanden."
    elif (damage := warehouse.damage()) is not None:
        aside = warehouse.set_aside_damaged()
        message = f"internal.duckdb beschädigt ({damage}); zur Seite gelegt als {aside.name}."
    else:
        kept = internal.with_name(f"{INTERNAL_DB}.before-rebuild")
        internal.replace(kept)
        message = f"Bisherige internal.duckdb aufbewahrt als {kept.name}."
    duckdb.connect(str(internal)).close()
    return message


def main() -> int:
    warehouse = Warehouse(warehouse_dir=str(LocationSettings.from_env().warehouse_path))
    with alert_on_error(warehouse.path):
        return rebuild(warehouse)


if __name__ == "__main__":
    sys.exit(main())
