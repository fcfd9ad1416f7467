"""The one file read out of a downloaded ZIP (GENESIS `…_de_flat.zip`, Zensus topic downloads).

Official downloads come zipped, with the CSV sometimes in a folder, beside descriptions and
macOS resource forks. Which member is the data is the reader's rule (`choose`: GENESIS the one
CSV, Zensus the `*_100m-Gitter.csv`); how it is unpacked is the same for both and lives here:
the member is read into memory, never written to disk, and never beyond `limits.max_file_mb`,
the limit of a landing file. A member whose directory entry lies about its size is still cut
at the limit, and one that unpacks far beyond what text compresses to (a zip bomb) is refused
before it is read. The member's rows then go through the same file-level rules as a plain CSV.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assets.ingest.delivery import Delivery, with_file_rules
from assets.ingest.parsing import (
    UnreadableFile,
    read_semicolon_csv,
)
from assets.ingest.quarantine import RowRejections, file_sha256

UNREAD_MEMBER = "unread_member"
# Unpacked / packed size of the member. Text CSVs deflate by about 8:1 (a Zensus grid) to 25:1
# (a GENESIS table repeating its labels on every row); a zip bomb reaches about 1000:1.
MAX_RATIO = 200
# (data file names of the archive) -> (the one to read, the others to name as not read); raises
# `UnreadableFile` with a German reason when none or several fit
Chooser = Callable[[list[str]], tuple[str, list[str]]]


@dataclass(frozen=True)
class Member:
    """The chosen member's name (with its folder in the archive) and bytes, and the other files
    of the archive the chooser wants named as not read."""

    name: str
    raw: bytes
    unread: list[str]


def is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


def read_member(path: Path, choose: Chooser, max_bytes: float) -> Member:
    """The member `choose` picks among the data files of the ZIP at `path`, unpacked to at most
    `max_bytes`; `UnreadableFile` with a German reason for a damaged ZIP, no fitting member, or a
    member too large or compressed like a zip bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            files = {m.filename: m for m in archive.infolist() if _is_data(m)}
            name, unread = choose(list(files))
            member = files[name]
            _check_declared(member, max_bytes)
            with archive.open(member) as handle:
                raw = handle.read(int(max_bytes) + 1)
    except (zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise UnreadableFile(f"kein gültiges ZIP-Archiv: {str(exc)[:200]}") from exc
    if len(raw) > max_bytes:
        raise UnreadableFile(_too_large(name, len(raw), max_bytes))
    if len(raw) / max(1, member.compress_size) > MAX_RATIO:
        raise UnreadableFile(_bomb(name, len(raw), member.compress_size))
    return Member(name, raw, unread)


def _is_data(member: zipfile.ZipInfo) -> bool:
    """A file of the archive; macOS resource forks (`__MACOSX/`, `._name`) are no data."""
    name = PurePosixPath(member.filename)
    return not member.is_dir() and "__MACOSX" not in name.parts and not name.name.startswith("._")


def _check_declared(member: zipfile.ZipInfo, max_bytes: float) -> None:
    """Refuse by the directory entry, before anything is unpacked."""
    if member.file_size / max(1, member.compress_size) > MAX_RATIO:
        raise UnreadableFile(_bomb(member.filename, member.file_size, member.compress_size))
    if member.file_size > max_bytes:
        raise UnreadableFile(_too_large(member.filename, member.file_size, max_bytes))


def _too_large(name: str, size: int, max_bytes: float) -> str:
    return (
        f"{name!r} im ZIP-Archiv wäre entpackt {size / 1_048_576:.1f} MB groß, mehr als die "
        f"erlaubten {max_bytes / 1_048_576:g} MB (limits.max_file_mb); nicht gelesen"
    )


def _bomb(name: str, size: int, packed: int) -> str:
    return (
        f"{name!r} im ZIP-Archiv würde auf das {size / max(1, packed):.0f}-Fache entpackt "
        f"(erlaubt: {MAX_RATIO}-fach, so weit lässt sich Text nicht packen); nicht gelesen "
        "(Verdacht auf Zip-Bombe)"
    )


def open_member(path: Path, rel: str, source: str, expected: list[str], member: Member) -> Delivery:
    """The member's rows under the file-level rules of `delivery.open_delivery` (field count,
    header), with the ZIP's hash and row numbers that are the lines of the CSV inside; each file
    the chooser named gets an entry saying it was not read."""
    table = read_semicolon_csv(path, member.raw)
    rejections = RowRejections(source, rel)
    for name in member.unread:
        reason = f"ZIP-Archiv enthält auch {name!r}; gelesen wurde nur {member.name!r}"
        rejections.reject_file(UNREAD_MEMBER, reason, name)
    return with_file_rules(table, rejections, expected, file_sha256(path))
