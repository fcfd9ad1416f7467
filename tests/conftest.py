"""Shared fixtures: a tiny, hand-made data root that follows the input contract (DESIGN §4)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"

AGS = "05999000"
# Five 1 km squares in a row (EPSG:25832); SR-E is tiny-populated.
AREA_IDS = ["SR-A", "SR-B", "SR-C", "SR-D", "SR-E"]


def square(x0: float, y0: float, size: float = 1000.0) -> list:
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def write_areas_geojson(path: Path, ids=AREA_IDS) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "municipality_ags": AGS,
                "area_id": area_id,
                "area_name": f"Gebiet {area_id}",
                "district_name": "Nord" if i < 3 else "Süd",
            },
            "geometry": {"type": "Polygon", "coordinates": square(380000 + 1000 * i, 5700000)},
        }
        for i, area_id in enumerate(ids)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
                "features": features,
            }
        ),
        encoding="utf-8",
    )


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


POPULATION_2023 = {  # area: (EW, EW_65P, EW_U15, EW_15_64)
    "SR-A": (1000, 200, 150, 650),
    "SR-B": (500, 100, 80, 320),
    "SR-C": (2000, 300, 400, 1300),
    "SR-D": (800, 160, 100, 540),
    "SR-E": (40, 10, 2, 28),
}


@pytest.fixture
def tiny_root(tmp_path: Path) -> Path:
    """A complete small data root with one deliberately broken row per statistics file."""
    return make_tiny_root(tmp_path / "root")


def make_tiny_root(root: Path) -> Path:
    write_areas_geojson(root / "areas" / "sozialraeume.geojson")
    lines = ["Stichtag;Raum_ID;Merkmal;Wert"]
    for area, (ew, ew65, u15, wa) in POPULATION_2023.items():
        for code, value in (("EW", ew), ("EW_65P", ew65), ("EW_U15", u15), ("EW_15_64", wa)):
            lines.append(f"2023-12-31;{area};{code};{value}")
    lines.append("2023-12-31;SR-A;EW_TYPO;5")  # unknown Merkmal code -> quarantine
    write(root / "statistics" / "small_area" / "bevoelkerung_2023.csv", "\n".join(lines) + "\n\n")
    ba = [
        "Stichtag;Raum_ID;Merkmal;Wert",
        "30.06.2024;SR-A;SGB2_LB;80",
        "30.06.2024;SR-A;SGB2_NEF_U15;30",
        "30.06.2024;SR-A;ALO;26",
        "30.06.2024;SR-B;SGB2_LB;*",
        "30.06.2024;SR-B;SGB2_NEF_U15;12",
        "30.06.2024;SR-C;SGB2_LB;1.020",
        "30.06.2024;SR-C;SGB2_NEF_U15;-",
        "30.06.2024;SR-C;ALO;52",
        "30.06.2024;SR-D;SGB2_LB;64",
        "30.06.2024;SR-D;SGB2_NEF_U15;25",
        "30.06.2024;SR-D;ALO;27",
        "30.06.2024;SR-E;SGB2_LB;2",
        "30.06.2024;SR-E;SGB2_NEF_U15;-",
        "30.06.2024;SR-Z;ALO;5",
    ]  # unknown area -> quarantine
    write(root / "statistics" / "small_area" / "ba_2024.csv", "\n".join(ba) + "\n", "cp1252")
    total = sum(v[0] for v in POPULATION_2023.values())  # 4340
    write(
        root / "statistics" / "genesis" / "12411.csv",
        "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
        "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;value;value_unit;"
        "value_variable_code;value_variable_label\n"
        f"12411;Bevölkerungsstand;STAG;Stichtag;2023-12-31;GEMEIN;Gemeinden;{AGS};Musterstadt;"
        f"{total + 40};Anzahl;BEVSTD;Bevölkerungsstand\n",
    )
    write(
        root / "statistics" / "zensus" / "grid.csv",
        "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
        "CRS3035RES100mN3100000E4100000;4100050;3100050;12\n"
        "CRS3035RES100mN3100100E4100000;4100050;3100150;–\n"
        "CRS3035RES100mN3100200E4100000;4100050;3100250;zwölf\n",
    )
    return root


def add_provider_files(root: Path) -> None:
    """Provider TR-01 with an inventory (one facility outside) and a June 2024 report (one bad row)."""
    write(
        root / "providers" / "TR-01" / "facilities.csv",
        "Einrichtung_ID;Name;Angebotstyp;Adresse;Lon;Lat;Kapazitaet;Gueltig_ab;Gueltig_bis\n"
        # 380500/5700500 in EPSG:25832 is about 7,2865 / 51,4446 (SR-A); 8,0 / 52,0 is far away
        "E-1;Kita Sonne;kita;Weg 1;7,2865;51,4446;40;2020-01-01;\n"
        "E-2;Treff;seniorentreff;Weg 2;8,0;52,0;20;2020-01-01;\n",
    )
    write(
        root / "providers" / "TR-01" / "reports" / "2024-06.csv",
        "Massnahme_ID;Berichtsmonat;Raum_ID;Teilnehmende;davon_Zielgruppe;Neuzugaenge;Stunden;Kosten_EUR\n"
        "M-1;2024-06;SR-A;20;10;3;40;1.234,50\n"
        "M-1;2024-06;SR-B;20;25;3;40;100\n",
    )


def run_pipeline(
    data_dir: Path,
    warehouse_dir: Path,
    tmp_path: Path,
    extra_env: dict | None = None,
    argv: list[str] = (),
) -> str:
    """`make run`'s entry point in its own process, pointed at another root by env vars."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text((REPO / "pipelines" / "dagster.yaml").read_text())
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SOZIALPLANUNG_DATA_DIR": str(data_dir),
        "SOZIALPLANUNG_WAREHOUSE_DIR": str(warehouse_dir),
        **(extra_env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.run", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def sample_refresh(tmp_path_factory) -> tuple[str, Path]:
    """One real `make run` of the sample for every test that reads its outputs (read only)."""
    tmp = tmp_path_factory.mktemp("sample_run")
    return run_pipeline(SAMPLE, tmp / "wh", tmp), tmp / "wh"


def generate_root(root: Path, **params) -> Path:
    """A data root from the sample generator (`data/generate_sample.py`, fixed seed)."""
    args = [f"--{name}={value}" for name, value in params.items()]
    subprocess.run(
        [sys.executable, "data/generate_sample.py", "--out", str(root), *args],
        cwd=REPO,
        check=True,
        timeout=300,
    )
    return root


def dagster_cli(*args: str, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    """The venv's `dagster` command line in its own process, `env` on top of this one's."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
