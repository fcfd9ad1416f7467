"""Resources: where the landing files are and where the warehouse lives, both from env vars.

`SOZIALPLANUNG_DATA_DIR` (default: the shipped sample `data/sample`) and
`SOZIALPLANUNG_WAREHOUSE_DIR` (default: `data/warehouse`) choose the data root and the output
folder; the asset code never sees a path that did not come from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from assets.settings import load_settings
from assets.warehouse import ensure_schema

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "SOZIALPLANUNG_DATA_DIR"
WAREHOUSE_DIR_ENV = "SOZIALPLANUNG_WAREHOUSE_DIR"
os.environ.setdefault(DATA_DIR_ENV, str(REPO_ROOT / "data" / "sample"))
os.environ.setdefault(WAREHOUSE_DIR_ENV, str(REPO_ROOT / "data" / "warehouse"))

INTERNAL_DB = "internal.duckdb"
PUBLISHED_DB = "sozialplanung.duckdb"


class DataRoot(dg.ConfigurableResource):
    """A data root following the input contract (DESIGN §4)."""

    data_dir: str

    @property
    def path(self) -> Path:
        return Path(self.data_dir).resolve()

    def files(self, folder: str, *patterns: str) -> list[Path]:
        """Landing files in `folder` matching any pattern, sorted (deterministic file order)."""
        base = self.path / folder
        if not base.is_dir():
            return []
        found = {p for pattern in patterns for p in base.glob(pattern) if p.is_file()}
        return sorted(found)

    def settings(self) -> dict:
        return load_settings(self.path / "planning" / "settings.yaml")


class Warehouse(dg.ConfigurableResource):
    """The internal DuckDB (pipeline only) and the folder the published file is swapped into."""

    warehouse_dir: str

    @property
    def path(self) -> Path:
        return Path(self.warehouse_dir).resolve()

    @property
    def internal_path(self) -> Path:
        return self.path / INTERNAL_DB

    @property
    def published_path(self) -> Path:
        return self.path / PUBLISHED_DB

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.internal_path))
        try:
            ensure_schema(con)
            yield con
        finally:
            con.close()


def default_resources() -> dict:
    return {
        "data_root": DataRoot(data_dir=dg.EnvVar(DATA_DIR_ENV)),
        "warehouse": Warehouse(warehouse_dir=dg.EnvVar(WAREHOUSE_DIR_ENV)),
    }
