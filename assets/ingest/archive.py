"""Nothing lost: every landing file is kept under its content hash before it is parsed.

Layout in the warehouse folder: `archive/objects/<2 hex>/<sha256>` (the bytes, written once),
`archive/manifest.jsonl` (append-only: one line per new version of a path, with provider and first
arrival time) and `archive/current.json` (path -> sha256: the landing folders as of the last run).
A provider overwriting a file adds a version and keeps the old one. `restore_root` rebuilds a data
root from `current.json` alone, which is what `make rebuild` runs the pipeline on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from assets.ingest.quarantine import file_sha256

WATCHED = ("areas", "statistics", "providers", "surveys", "planning")
COLUMNS = ["sha256", "path", "provider_id", "size_bytes", "first_seen_utc", "current"]


def landing_files(root: Path) -> list[Path]:
    """Regular files in the watched folders; links are never followed (they could leave the root)."""
    found = []
    for folder in WATCHED:
        base = root / folder
        if not base.is_dir() or base.is_symlink():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.is_symlink() and not _through_link(path, root):
                found.append(path)
    return found


def _through_link(path: Path, root: Path) -> bool:
    """True if any folder between the root and the file is a link."""
    return any(
        (root / parent).is_symlink()
        for parent in path.relative_to(root).parents
        if parent != Path(".")
    )


def archive_landing_files(
    root: Path, archive: Path, now: dt.datetime | None = None
) -> pd.DataFrame:
    """Copy new file versions into the archive and return the whole manifest as a frame."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    objects = archive / "objects"
    manifest = archive / "manifest.jsonl"
    archive.mkdir(parents=True, exist_ok=True)
    known = {(e["path"], e["sha256"]) for e in _entries(manifest)}
    current: dict[str, str] = {}
    new_lines = []
    for path in landing_files(root):
        rel = path.relative_to(root).as_posix()
        digest = file_sha256(path)
        current[rel] = digest
        target = objects / digest[:2] / digest
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(digest + ".tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        if (rel, digest) not in known:
            parts = rel.split("/")
            new_lines.append(
                {
                    "sha256": digest,
                    "path": rel,
                    "provider_id": parts[1] if parts[0] == "providers" else None,
                    "size_bytes": path.stat().st_size,
                    "first_seen_utc": now.strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
            known.add((rel, digest))
    if new_lines:
        with manifest.open("a", encoding="utf-8") as handle:
            for line in new_lines:
                handle.write(json.dumps(line, sort_keys=True) + "\n")
    _write_json(archive / "current.json", current)
    frame = pd.DataFrame(_entries(manifest), columns=COLUMNS[:-1])
    frame["current"] = [
        current.get(p) == s for p, s in zip(frame["path"], frame["sha256"], strict=True)
    ]
    return frame[COLUMNS]


def restore_root(archive: Path, target: Path) -> int:
    """Recreate the landing folders of the last run from the archive alone; returns file count."""
    current = json.loads((archive / "current.json").read_text(encoding="utf-8"))
    for rel, digest in sorted(current.items()):
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archive / "objects" / digest[:2] / digest, destination)
    return len(current)


def _entries(manifest: Path) -> list[dict]:
    if not manifest.exists():
        return []
    return [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line]


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
