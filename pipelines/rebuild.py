"""`make rebuild`: recreate the internal and published files from the archive alone.

For when `internal.duckdb` is lost or damaged, or to prove that the archive holds everything:
the landing folders of the last run are restored from `archive/current.json` into
`rebuild_root/` in the warehouse folder, the old internal file is kept as
`internal.duckdb.before-rebuild`, and the full refresh runs on the restored root. The result
equals the incremental state (tables compared by checksum in the tests).
"""

import shutil
import sys

import dagster as dg

from assets.ingest.archive import restore_root
from pipelines.resources import INTERNAL_DB, WAREHOUSE_DIR_ENV, DataRoot, Warehouse
from pipelines.run import refresh


def rebuild(warehouse: Warehouse) -> int:
    archive = warehouse.path / "archive"
    if not (archive / "current.json").exists():
        print(f"Kein Archiv unter {archive}: zuerst `make run` ausführen.")
        return 1
    root = warehouse.path / "rebuild_root"
    shutil.rmtree(root, ignore_errors=True)
    files = restore_root(archive, root)
    print(f"{files} Dateien aus dem Archiv wiederhergestellt nach {root}")
    if warehouse.internal_path.exists():
        warehouse.internal_path.replace(warehouse.path / f"{INTERNAL_DB}.before-rebuild")
    warehouse.internal_path.with_name(INTERNAL_DB + ".wal").unlink(missing_ok=True)
    try:
        return refresh(DataRoot(data_dir=str(root)), warehouse)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    return rebuild(Warehouse(warehouse_dir=dg.EnvVar(WAREHOUSE_DIR_ENV).get_value()))


if __name__ == "__main__":
    sys.exit(main())
