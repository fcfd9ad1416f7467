"""The CSV inside a zipped Zensus download (SPEC §3.1).

Destatis ships one ZIP per topic holding the 100 m, 1 km and 10 km grids as CSV (sometimes in a
folder, with names that differ from the ZIP's) and an Excel description. The 100 m grid is found
by its name's ending `_100m-Gitter.csv`, never by a fixed name; a ZIP with exactly one CSV gives
that one. Anything else is ambiguous and refused whole, never guessed. The unpacked CSV is held
to the same size limit as a landing file (`limits.max_file_mb`), read with a bound so that a
member whose header lies about its size cannot fill the memory.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assets.ingest.parsing import UnreadableFile

GRID_100M_SUFFIX = "_100m-gitter.csv"


@dataclass
class ZipMember:
    """The CSV read from a ZIP, and the other CSVs of the ZIP that were not read."""

    name: str
    raw: bytes
    unread: list[str]


def read_csv_member(path: Path, max_bytes: float) -> ZipMember:
    """The one CSV of the ZIP at `path` to read; `UnreadableFile` with a German reason if the
    ZIP is damaged, holds no CSV, holds several without exactly one 100 m grid, or the chosen
    CSV unpacks to more than `max_bytes`."""
    try:
        with zipfile.ZipFile(path) as archive:
            csvs = [m for m in archive.infolist() if _is_csv(m)]
            chosen = _choose(csvs, archive.namelist())
            limit_mb = max_bytes / 1_048_576
            if chosen.file_size > max_bytes:
                raise UnreadableFile(_too_large(chosen.filename, chosen.file_size, limit_mb))
            with archive.open(chosen) as handle:
                raw = handle.read(int(max_bytes) + 1)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"kein gültiges ZIP-Archiv: {str(exc)[:200]}") from exc
    if len(raw) > max_bytes:
        raise UnreadableFile(_too_large(chosen.filename, len(raw), limit_mb))
    unread = [m.filename for m in csvs if m is not chosen]
    return ZipMember(chosen.filename, raw, unread)


def _is_csv(member: zipfile.ZipInfo) -> bool:
    """A CSV file of the archive; macOS resource forks (`__MACOSX/`, `._name`) are no data."""
    name = PurePosixPath(member.filename)
    return (
        not member.is_dir()
        and name.suffix.lower() == ".csv"
        and "__MACOSX" not in name.parts
        and not name.name.startswith("._")
    )


def _choose(csvs: list[zipfile.ZipInfo], names: list[str]) -> zipfile.ZipInfo:
    if not csvs:
        shown = ", ".join(names[:5]) or "leer"
        raise UnreadableFile(f"ZIP-Archiv enthält keine CSV-Datei (Inhalt: {shown})")
    if len(csvs) == 1:
        return csvs[0]
    grid = [m for m in csvs if PurePosixPath(m.filename).name.lower().endswith(GRID_100M_SUFFIX)]
    if len(grid) == 1:
        return grid[0]
    shown = ", ".join(m.filename for m in csvs[:5])
    raise UnreadableFile(
        f"ZIP-Archiv enthält {len(csvs)} CSV-Dateien ({shown}), aber nicht genau eine des "
        "100-m-Gitters (Name endet auf _100m-Gitter.csv); welche gelesen werden soll, ist nicht "
        "eindeutig: bitte die gewünschte CSV-Datei einzeln oder allein im ZIP ablegen"
    )


def _too_large(name: str, size: int, limit_mb: float) -> str:
    return (
        f"{name!r} im ZIP-Archiv wäre entpackt {size / 1_048_576:.1f} MB groß, mehr als die "
        f"erlaubten {limit_mb:g} MB (limits.max_file_mb); nicht gelesen"
    )
