"""Nothing lost: every landing file is kept under its content hash before it is parsed.

Layout in the warehouse folder: `archive/objects/<2 hex>/<sha256>` (the bytes, written once),
`archive/manifest.jsonl` (append-only: one line per new version of a path, with provider and first
arrival time; a partial last line left by a killed run is ignored and cut off by the next append)
and `archive/current.json` (path -> sha256: the landing folders as of the last run).
A provider overwriting a file adds a version and keeps the old one. `restore_root` rebuilds a data
root from `current.json` alone, which is what `make rebuild` runs the pipeline on.
`archive/stat_records.json` (path -> size, mtime, ctime, inode, sha256) lets the next run skip
reading files that have not changed (see `_version`); losing it only costs time.
A file above `limits.max_file_mb` is never read, so it is not copied either: it is listed under
a stand-in for its hash (`oversized-<size>-<mtime_ns>`, see `oversized_digest`), and
`restore_root` recreates it as an empty sparse file of its size, which the ingest assets refuse
again with the same `file_too_large` entry.
`archive/states/<sha256>.json` keeps each run's `current.json`; `archive/refreshed.json` is the
state of the last run that completed, with the code version: an incremental refresh
(`pipelines/incremental.py`) runs what changed since then.

A state's root holds ~120,000 files, so the per-file work is kept small: the object folders are
listed once instead of probed per file, each file is read once (hashed from the bytes read, which
are also what a new object is written from), reads run in a thread pool (file I/O and hashlib
release the GIL), and a file unchanged since the last run is not read at all (see `_version`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import shutil
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from assets.ingest.quarantine import OVERSIZED, file_sha256, oversized_digest

WATCHED = ("areas", "statistics", "providers", "surveys", "planning", "geodata")
COLUMNS = ["sha256", "path", "provider_id", "size_bytes", "first_seen_utc", "current"]
# path -> [size, mtime_ns, ctime_ns, inode, sha256] of files whose hash may be reused next run
STAT_RECORDS = "stat_records.json"
REFRESHED = "refreshed.json"  # the landing state of the last complete refresh
STATES = "states"  # landing states of runs, by content hash, until one is promoted
LANDING_STATE = "landing_state"  # the `landing_archive` metadata entry naming a run's state
SETTLED_NS = 2 * 10**9  # a file changed less than this before a run is hashed again next run
IN_MEMORY = 64 * 1024 * 1024  # larger files are streamed into a temporary object while hashed
THREADS = 4  # more only contend for the GIL and for directory locks when objects are created
BATCH = 512  # files per task: one future per file would cost more than a cached file


def max_bytes(max_file_mb: float) -> float:
    """`limits.max_file_mb` of the settings in bytes (the limit the ingest assets apply)."""
    return max_file_mb * 1_048_576


def landing_paths(root: Path) -> list[str]:
    """Relative paths of the regular files in the watched folders, sorted by path parts per
    folder; links are never followed (they could leave the root).

    A linked folder is neither listed nor entered, so no file is reached through a link; the
    directory listing (`os.scandir`) tells links and file types apart without a call per file.
    """
    found = []
    for folder in WATCHED:
        base = root / folder
        if base.is_dir() and not base.is_symlink():
            files = _regular_files(str(root), folder)
            found.extend(sorted(files, key=lambda rel: rel.split("/")))
    return found


def _regular_files(root: str, folder: str) -> list[str]:
    files, pending = [], [folder]
    while pending:
        directory = pending.pop()
        try:
            listing = os.scandir(os.path.join(root, directory))
        except PermissionError:  # skipped like `Path.rglob` skips it
            continue
        with listing as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(f"{directory}/{entry.name}")
                elif entry.is_file(follow_symlinks=False):
                    files.append(f"{directory}/{entry.name}")
    return files


def archive_landing_files(
    root: Path, archive: Path, now: dt.datetime | None = None, limit: float = float("inf")
) -> pd.DataFrame:
    """Copy new file versions into the archive and return the whole manifest as a frame.

    Files larger than `limit` bytes are listed but neither read nor copied (`oversized_digest`).
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started_ns = time.time_ns()
    manifest = archive / "manifest.jsonl"
    archive.mkdir(parents=True, exist_ok=True)
    entries = _entries(manifest)
    known = {(e["path"], e["sha256"]) for e in entries}
    records = _read_records(archive / STAT_RECORDS)
    objects = _Objects(archive / "objects")
    rels = landing_paths(root)
    batches = [rels[i : i + BATCH] for i in range(0, len(rels), BATCH)]
    with ThreadPoolExecutor(THREADS) as pool:
        versions = [
            version
            for batch in pool.map(
                lambda batch: [
                    _version(os.path.join(root, rel), records.get(rel), objects, started_ns, limit)
                    for rel in batch
                ],
                batches,
            )
            for version in batch
        ]
    current: dict[str, str] = {}
    new_records, new_lines = {}, []
    for rel, (digest, size, record, mtime_ns) in zip(rels, versions, strict=True):
        current[rel] = digest
        if record:
            new_records[rel] = record
        if (rel, digest) not in known:
            parts = rel.split("/")
            new_lines.append(
                {
                    "sha256": digest,
                    "path": rel,
                    "provider_id": parts[1] if parts[0] == "providers" else None,
                    "size_bytes": size,
                    "first_seen_utc": now.strftime("%Y-%m-%d %H:%M:%S"),
                    "mtime_ns": mtime_ns,
                }
            )
            known.add((rel, digest))
    if new_lines:
        _append_lines(manifest, [json.dumps(line, sort_keys=True) for line in new_lines])
    _write_json(archive / "current.json", current)
    _write_json(archive / STAT_RECORDS, new_records, indent=None)
    frame = pd.DataFrame(entries + new_lines, columns=COLUMNS[:-1])
    frame["current"] = [
        current.get(p) == s for p, s in zip(frame["path"], frame["sha256"], strict=True)
    ]
    return frame[COLUMNS]


def changed_since_refresh(
    root: Path, archive: Path, code_version: str, limit: float = float("inf")
) -> list[str] | None:
    """Landing paths added, changed or removed since the last complete refresh, sorted.

    The state of that refresh is `archive/refreshed.json` (written by `mark_refreshed` once a run
    has succeeded; `current.json` is already advanced when a run starts, so a failed run's files
    count as changed again). None when there is no such state or it was made by another
    `code_version`: then there is nothing to compare with. Unchanged files are recognised by
    their stat record like in `archive_landing_files`; the others are hashed, not stored
    (storing is the `landing_archive` asset's job).
    """
    refreshed = _refreshed(archive)
    if refreshed is None or refreshed.get("code_version") != code_version:
        return None
    previous: dict[str, str] = refreshed["landing"]
    records = _read_records(archive / STAT_RECORDS)
    rels = landing_paths(root)
    changed = []
    for rel in rels:
        path = os.path.join(root, rel)
        stat = os.stat(path)
        record = records.get(rel)
        identity = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        if stat.st_size > limit:
            digest = oversized_digest(stat)
        elif record and record[:4] == identity:
            digest = record[4]
        else:
            digest = file_sha256(Path(path))
        if previous.get(rel) != digest:
            changed.append(rel)
    changed.extend(set(previous) - set(rels))
    return sorted(changed)


def refreshed_contents(archive: Path) -> Callable[[str], bytes | None]:
    """A lookup of each landing path's content as of the last complete refresh (None: none)."""
    landing = (_refreshed(archive) or {}).get("landing", {})

    def content(rel: str) -> bytes | None:
        digest = landing.get(rel)
        path = archive / "objects" / digest[:2] / digest if digest else None
        return path.read_bytes() if path and path.is_file() else None

    return content


def save_state(archive: Path) -> str:
    """Keep this run's landing state (`current.json`) as `states/<sha256>.json`; its id.

    A run that completes promotes its own state with `mark_refreshed`, even when another run has
    archived newer files in the meantime.
    """
    data = (archive / "current.json").read_bytes()
    state = hashlib.sha256(data).hexdigest()
    path = archive / STATES / f"{state}.json"
    if not path.is_file():
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return state


def mark_refreshed(archive: Path, code_version: str, state: str) -> bool:
    """Record the landing state `state` (from `save_state`) and the code version of a run that
    has completed; states saved before it are no longer needed. False when the state is gone
    (a later one was recorded already)."""
    path = archive / STATES / f"{state}.json"
    if not path.is_file():
        return False
    landing = json.loads(path.read_text(encoding="utf-8"))
    _write_json(
        archive / REFRESHED, {"code_version": code_version, "landing": landing, "state": state}
    )
    saved = path.stat().st_mtime_ns
    for other in (archive / STATES).glob("*.json"):
        if other != path and other.stat().st_mtime_ns < saved:
            other.unlink(missing_ok=True)
    return True


def refreshed_state(archive: Path) -> str | None:
    """The id of the landing state of the last completed refresh, None without one."""
    return (_refreshed(archive) or {}).get("state")


def _refreshed(archive: Path) -> dict | None:
    """`refreshed.json`, None if missing or damaged (then the next refresh is a full one)."""
    try:
        stat = (archive / REFRESHED).stat()
    except OSError:
        return None
    return _read_refreshed(str(archive / REFRESHED), stat.st_mtime_ns, stat.st_size, stat.st_ino)


@functools.lru_cache(maxsize=2)
def _read_refreshed(path: str, mtime_ns: int, size: int, inode: int) -> dict | None:
    """Parsed once per version of the file: a state's landing list is megabytes of JSON, and
    planning a refresh asks for it three times. Callers must not modify the result."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _version(
    path: str, record: list | None, objects: _Objects, started_ns: int, limit: float
) -> tuple[str, int, list | None, int]:
    """(sha256, size, record to keep, mtime_ns) of one landing file, reading it only if it may
    have changed.

    The hash of the last run is reused when size, mtime, ctime and inode equal its record. A write
    always sets ctime to the current time (user space cannot set it back, unlike mtime, which
    `cp -p`, `touch -d` or rsync restore), and a replaced file has a new inode. The danger is a
    write landing in the same timestamp tick as the recorded one (timestamps are coarse: kernel
    ticks, 1-2 s on some file systems). So a record is kept only if the file's last change was at
    least `SETTLED_NS` before the run started and its stat was taken before it was read: any later
    write then carries a newer ctime. Files changed just before a run are hashed again next run.
    A lost object (e.g. a damaged archive) is never assumed: the file is read and stored again.
    """
    stat = os.stat(path)  # before reading, so a change during the read shows next run
    if stat.st_size > limit:
        return oversized_digest(stat), stat.st_size, None, stat.st_mtime_ns
    identity = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
    if record and record[:4] == identity and record[4] in objects:
        return record[4], stat.st_size, record, stat.st_mtime_ns
    digest, size = _store(path, stat.st_size, objects)
    settled = max(stat.st_mtime_ns, stat.st_ctime_ns) < started_ns - SETTLED_NS
    return digest, size, [*identity, digest] if settled else None, stat.st_mtime_ns


def _store(path: str, size: int, objects: _Objects) -> tuple[str, int]:
    """Hash a file from one read and archive it if its content is new; returns (sha256, size).

    `size` is the stat size: a file within `IN_MEMORY` is read whole (one byte more shows whether
    it grew since); a larger one, or one whose size changed meanwhile, is streamed.
    """
    with open(path, "rb") as handle:
        data = handle.read(size + 1) if size <= IN_MEMORY else b""
        if len(data) != size:
            return objects.add_stream(data, handle)
    digest = hashlib.sha256(data).hexdigest()
    if digest not in objects:
        objects.add_bytes(digest, data)
    return digest, len(data)


class _Objects:
    """`archive/objects/`, listed once; adds objects atomically (temporary file, then rename).

    Safe for the thread pool: two threads adding the same content write different temporary files
    and rename the same bytes into place.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.subfolders = {name for name in os.listdir(folder) if len(name) == 2}
        self.present = {name for sub in self.subfolders for name in os.listdir(folder / sub)}

    def __contains__(self, digest: str) -> bool:
        return digest in self.present

    def add_bytes(self, digest: str, data: bytes) -> None:
        tmp = self._temporary(digest[:2])
        with open(tmp, "wb") as out:
            out.write(data)
        self._adopt(tmp, digest)

    def add_stream(self, head: bytes, handle: BinaryIO) -> tuple[str, int]:
        """Copy `head` and the rest of `handle` to a new object while hashing it."""
        digest, size, tmp = hashlib.sha256(), 0, self._temporary("")
        with open(tmp, "wb") as out:
            for chunk in itertools.chain([head], iter(lambda: handle.read(1 << 20), b"")):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        if digest.hexdigest() in self:
            os.unlink(tmp)
        else:
            self._adopt(tmp, digest.hexdigest())
        return digest.hexdigest(), size

    def _temporary(self, subfolder: str) -> str:
        """A file name of this thread, in the object's own folder if known (a rename within one
        folder is cheaper, and threads then rarely lock the same folder)."""
        if subfolder and subfolder not in self.subfolders:
            os.makedirs(os.path.join(self.folder, subfolder), exist_ok=True)
            self.subfolders.add(subfolder)
        name = f"{os.getpid()}-{threading.get_ident()}.tmp"
        return os.path.join(self.folder, subfolder, name)

    def _adopt(self, tmp: str, digest: str) -> None:
        self._temporary(digest[:2])  # creates the folder if needed
        os.replace(tmp, os.path.join(self.folder, digest[:2], digest))
        self.present.add(digest)


def restore_root(archive: Path, target: Path) -> int:
    """Recreate the landing folders of the last run from the archive alone; returns file count.

    Each file gets back the modification time it had when it was archived: of a month delivered
    both as CSV and as XLSX, the newer file counts (`providers._resolve_resubmissions`).
    """
    current = json.loads((archive / "current.json").read_text(encoding="utf-8"))
    mtimes = {
        (e["path"], e["sha256"]): e.get("mtime_ns") for e in _entries(archive / "manifest.jsonl")
    }
    for rel, digest in sorted(current.items()):
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        if digest.startswith(OVERSIZED):
            with destination.open("wb") as handle:  # sparse: takes no disk space
                handle.truncate(int(digest.split("-")[1]))
        else:
            shutil.copyfile(archive / "objects" / digest[:2] / digest, destination)
        if mtime := mtimes.get((rel, digest)):
            os.utime(destination, ns=(mtime, mtime))
    return len(current)


def _entries(manifest: Path) -> list[dict]:
    """The manifest's complete lines; a last line without its newline is left out with a warning.

    Such a line is what a process killed while appending leaves (`_append_lines` writes each
    line with its newline, so only the newline proves it complete); its versions are not lost,
    they are simply recorded again by the next run. A damaged line elsewhere is not a kill's
    trace and raises.
    """
    if not manifest.exists():
        return []
    text = manifest.read_text(encoding="utf-8", errors="replace")
    complete, _, partial = text.rpartition("\n")
    if partial:
        warnings.warn(
            f"{manifest}: unvollständige letzte Zeile ({len(partial)} Zeichen, vermutlich ein "
            "abgebrochener Lauf) wird ignoriert; ihre Dateiversionen werden neu eingetragen.",
            RuntimeWarning,
            stacklevel=2,
        )
    return [json.loads(line) for line in complete.split("\n") if line]


def _append_lines(manifest: Path, lines: list[str]) -> None:
    """Append complete lines durably: one write, then fsync before the run goes on.

    A trailing partial line left by a killed run is cut off first, so that the new lines never
    continue it (which would damage a line in the middle of the file).
    """
    with open(manifest, "ab") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size:
            cut = _after_last_newline(manifest, size)
            if cut != size:
                handle.truncate(cut)
                handle.seek(cut)
        handle.write("".join(line + "\n" for line in lines).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _after_last_newline(path: Path, size: int) -> int:
    """Offset just after the last newline of `path` (0 without one), reading from the end."""
    with open(path, "rb") as handle:
        end = size
        while end > 0:
            start = max(0, end - 65536)
            handle.seek(start)
            found = handle.read(end - start).rfind(b"\n")
            if found >= 0:
                return start + found + 1
            end = start
    return 0


def _read_records(path: Path) -> dict[str, list]:
    """The stat records of the last run; none if the file is missing or damaged (then all files
    are simply hashed again)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict, indent: int | None = 1) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=indent, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
