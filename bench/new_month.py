"""A new month arriving, for the one-month benchmark: hold its files back, then let them land.

`hold_back` removes the month's rows from the small-area statistics files (the Bundesagentur's
monthly delivery, appended to a yearly file) and moves the providers' report files of that month
into a stash; `let_land` puts everything back as it was. The full refresh runs on the root
without the month, the one-month refresh (`python -m pipelines.run --changed`) after it landed.
A stash left behind by an interrupted benchmark is restored before anything else.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from assets.ingest.providers import REPORT_NAME

MANIFEST = "held_back.json"


def hold_back(root: Path, month: str, stash: Path) -> dict:
    """Take `month` (`YYYY-MM`) out of `root`; returns counts of what was held back."""
    let_land(root, stash)
    stash.mkdir(parents=True)
    moved, trimmed, rows = [], [], 0
    iso, german = f"{month}-", f".{month[5:7]}.{month[:4]};"
    for path in sorted((root / "statistics" / "small_area").glob("*.csv")):
        lines = path.read_bytes().split(b"\n")
        kept = [
            line
            for line in lines
            if not (line.startswith(iso.encode()) or german.encode() in line[:11])
        ]
        if len(kept) < len(lines):
            rel = path.relative_to(root).as_posix()
            shutil.copy2(path, stash / f"{len(trimmed)}.csv")
            path.write_bytes(b"\n".join(kept))
            trimmed.append(rel)
            rows += len(lines) - len(kept)
    for path in sorted((root / "providers").glob("*/reports/*")):
        match = REPORT_NAME.match(path.name)
        if match and f"{match.group(1)}-{match.group(2)}" == month:
            rel = path.relative_to(root).as_posix()
            target = stash / "reports" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved.append(rel)
    (stash / MANIFEST).write_text(json.dumps({"trimmed": trimmed, "moved": moved}))
    return {"month": month, "statistics_rows": rows, "report_files": len(moved)}


def let_land(root: Path, stash: Path) -> None:
    """Put the held-back files back into `root` (nothing to do without a stash)."""
    manifest = stash / MANIFEST
    if not manifest.is_file():
        shutil.rmtree(stash, ignore_errors=True)
        return
    held = json.loads(manifest.read_text())
    for number, rel in enumerate(held["trimmed"]):
        shutil.copy2(stash / f"{number}.csv", root / rel)
    for rel in held["moved"]:
        os.replace(stash / "reports" / rel, root / rel)
    shutil.rmtree(stash)
