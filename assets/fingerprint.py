"""The code fingerprint: what decides the tables besides the landing files.

A SHA-256 over the pipeline's source files and the pinned dependencies. An incremental refresh
plans from a completed refresh of the same fingerprint only (`pipelines/incremental.py`), and an
asset's inputs fingerprint includes it (`assets/inputs.py`), so changed code recomputes everything
it may change. Not to be confused with the release version in the published `metadata` table
(project version and git commit).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CODE = ("assets", "checks", "pipelines", "requirements.lock")


def code_fingerprint() -> str:
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
