"""Resources: where the landing files are and where the warehouse lives.

The code location passes both paths in (`pipelines/definitions.py`: from `SOZIALPLANUNG_DATA_DIR`
and `SOZIALPLANUNG_WAREHOUSE_DIR`, or from a test's own folders); the asset code never sees a
path that did not come from here, and nothing here reads the environment.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from assets.settings import load_settings
from assets.warehouse import ensure_schema, read_every_table

INTERNAL_DB = "internal.duckdb"
LOCK_FILE = "internal.duckdb.lock"
_HELD: dict[str, int] = {}  # lock file -> depth held by this process
PUBLISHED_DB = "sozialplanung.duckdb"


class InternalWarehouseMissing(RuntimeError):
    """The internal warehouse is gone or damaged; only a full refresh can rebuild it."""


class DataRoot(dg.ConfigurableResource):
    """A data root following the input contract (DESIGN §4)."""

    data_dir: str

    @property
    def path(self) -> Path:
        return Path(self.data_dir).resolve()

    def files(self, folder: str, *patterns: str) -> list[Path]:
        """Landing files in `folder` matching any pattern, sorted (deterministic file order).

        Links are left out, also a linked `folder` or parent folder: they could point outside
        the root, and the archive does not keep what is behind them. `links` lists them so that
        the asset reports each one (`unexpected_file`).
        """
        base = self.path / folder
        if self._linked_part(folder) is not None or not base.is_dir():
            return []
        found = {
            p
            for pattern in patterns
            for p in base.glob(pattern)
            if p.is_file() and not p.is_symlink()
        }
        return sorted(found)

    def links(self, folder: str, recursive: bool = True) -> list[str]:
        """Links in `folder` (below it too when `recursive`), as paths relative to the root, sorted;
        a linked `folder` or parent folder is one entry of its own. Links are never followed."""
        linked = self._linked_part(folder)
        if linked is not None:
            return [linked]
        base = self.path / folder
        if not base.is_dir():
            return []
        found = []
        stack = [base]
        while stack:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        found.append(Path(entry.path).relative_to(self.path).as_posix())
                    elif recursive and entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
        return sorted(found)

    def _linked_part(self, folder: str) -> str | None:
        """The first of `folder` and its parents below the root that is a link, else None."""
        current = self.path
        for part in Path(folder).parts:
            current = current / part
            if current.is_symlink():
                return current.relative_to(self.path).as_posix()
        return None

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
        """The internal DuckDB, opened by one writer at a time.

        An exclusive lock file serialises writers across processes (two runs started at once
        wait for each other instead of failing on DuckDB's file lock). A damaged file is moved
        aside and an internal file that vanished while a published one exists is refused: in
        both cases the history of earlier months is gone, and a partial run would publish it
        incomplete; `make run` or `make rebuild` then rebuild everything.
        """
        with self.exclusive():
            if not self.internal_path.exists() and self.published_path.exists():
                raise InternalWarehouseMissing(
                    f"{self.internal_path} fehlt, obwohl {self.published_path} existiert: "
                    "die Monatshistorie ist verloren. Bitte `make rebuild` (aus dem Archiv) "
                    "oder `make run` ausführen."
                )
            try:
                con = duckdb.connect(str(self.internal_path))
            except duckdb.Error as exc:
                aside = self.set_aside_damaged()
                raise InternalWarehouseMissing(
                    f"{self.internal_path} ist beschädigt ({exc}); zur Seite gelegt als "
                    f"{aside.name}. Bitte `make rebuild` oder `make run` ausführen."
                ) from exc
            try:
                ensure_schema(con)
                yield con
            finally:
                con.close()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the warehouse's writer lock (re-entrant within one process).

        Everything that writes into the warehouse folder takes it: the internal DuckDB, the
        published file and the folders swapped in whole (feedback, maps, report).
        """
        key = str(self.path / LOCK_FILE)
        if _HELD.get(key):
            _HELD[key] += 1
            try:
                yield
            finally:
                _HELD[key] -= 1
            return
        self.path.mkdir(parents=True, exist_ok=True)
        with open(key, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _HELD[key] = 1
            try:
                yield
            finally:
                _HELD[key] = 0

    def set_aside_damaged(self) -> Path:
        """Rename the internal file (and its `.wal`) to `internal.duckdb.damaged-<UTC time>`.

        Never deleted: the damaged file may still be wanted to find out what happened. The time
        has microseconds so that a second damaged file never replaces the first.
        """
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.internal_path.with_name(f"{INTERNAL_DB}.damaged-{stamp}")
        self.internal_path.rename(aside)
        wal = self.internal_path.with_name(INTERNAL_DB + ".wal")
        if wal.exists():
            wal.rename(aside.with_name(aside.name + ".wal"))
        return aside

    def damage(self) -> str | None:
        """Why the internal file cannot be trusted (DuckDB's error), None when it reads fully.

        Opening the file is not enough: a corrupted data block only shows when it is read, so
        every table is read once (`read_every_table`).
        """
        with self.exclusive():
            try:
                con = duckdb.connect(str(self.internal_path))
            except duckdb.Error as exc:
                return str(exc)
            try:
                read_every_table(con)
            except duckdb.Error as exc:
                return str(exc)
            finally:
                con.close()
            return None

    def prepare_full_refresh(self) -> str | None:
        """Before a run over all months: make sure the internal file is usable or start afresh.

        A damaged file is set aside and a new one is started, which the run over all months then
        fills from the landing root (`make run`) or from the archive (`make rebuild`). Returns a
        message when a damaged or missing file was replaced.
        """
        with self.exclusive():
            if self.internal_path.exists():
                damage = self.damage()
                if damage is None:
                    return None
                aside = self.set_aside_damaged()
                message = (
                    f"internal.duckdb beschädigt ({damage}); zur Seite gelegt als {aside.name}"
                )
            elif self.published_path.exists():
                message = "internal.duckdb fehlte"
            else:
                return None
            duckdb.connect(str(self.internal_path)).close()
            return message + "; wird vollständig neu aufgebaut."
