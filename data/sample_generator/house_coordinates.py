"""The municipality's official house coordinates (SPEC §6.1, Hauskoordinaten Deutschland, HK-DE:
18 ``;``-separated fields, no header, UTF-8, East with the zone prefix and a decimal comma) in
``geodata/hauskoordinaten/hk_de_<AGS>.txt``, for the provider that sends its facilities by
address only (``Adresse`` without ``Lon``/``Lat``).

The file holds the address of every facility of the sample. Those of the address-only provider
carry the point its coordinates would have given, written with all the digits a double needs
(a real file has millimetres): the published figures must stay those of the long files, and a
millimetre grid would move a facility by up to half a millimetre.
"""

from __future__ import annotations

import re
from pathlib import Path

from pyproj import Transformer

from .common import write_text

ZONE = 32
ADDRESS = re.compile(
    r"^(?P<street>.*\D)\s(?P<number>\d+)(?P<suffix>[a-z]?), (?P<plz>\d{5}) (?P<place>.+)$"
)


def hk_path(ags: str) -> str:
    return f"geodata/hauskoordinaten/hk_de_{ags}.txt"


def write_house_coordinates(
    out: Path, ags: str, facilities: list[tuple[str, list]], by_address: str
) -> None:
    """``facilities``: (provider id, its records: ``[id, name, type, address, lon, lat, …]``);
    the first record of an address gives its point, except that ``by_address``'s own win."""
    to_utm = Transformer.from_crs("EPSG:4326", f"EPSG:{25800 + ZONE}", always_xy=True)
    points: dict[tuple, tuple[float, float, bool]] = {}
    ordered = sorted(facilities, key=lambda item: item[0] != by_address)
    for provider, recs in ordered:
        for rec in recs:
            found = ADDRESS.match(rec[3])
            if found is None:
                raise ValueError(f"address not in HK-DE form: {rec[3]}")
            key = (
                found["street"],
                int(found["number"]),
                found["suffix"],
                found["plz"],
                found["place"],
            )
            lon, lat = float(f"{rec[4]:.6f}"), float(f"{rec[5]:.6f}")  # as the CSV says them
            if key in points and provider == by_address:
                raise ValueError(f"{provider} has the address {rec[3]} twice")
            points.setdefault(key, (lon, lat, provider == by_address))
    streets = {s: k for k, s in enumerate(sorted({key[0] for key in points}), start=1)}
    lines = []
    for n, key in enumerate(sorted(points, key=lambda k: (k[0], k[1], k[2], k[3]))):
        street, number, suffix, plz, place = key
        lon, lat, exact = points[key]
        x, y = to_utm.transform(lon, lat)
        east = ZONE * 1_000_000 + x
        if exact:
            east_text, north_text = repr(east), repr(y)
        else:
            east_text, north_text = f"{east:.3f}", f"{y:.3f}"
        fields = [
            "",
            f"DENW{ags[:2]}{ags[2:5]}{n:07d}"[:16].ljust(16, "0"),
            "A",
            ags[0:2],
            ags[2],
            ags[3:5],
            ags[5:8],
            "0001",
            f"{streets[street]:05d}",
            str(number),
            suffix,
            east_text.replace(".", ","),
            north_text.replace(".", ","),
            street,
            plz,
            place,
            "",
            "",
        ]
        lines.append(";".join(fields))
    write_text(out / hk_path(ags), "\n".join(lines) + "\n")
