"""The recipes of the real deliveries (SPEC §7): the data team writes one per layout, once.

The BA recipe is the shipped preset ``data/recipes/presets/ba_akg.yaml`` as it is (the sample's
workbooks follow the preset's layout, and the sample shows that the preset reads them); the city
population and the boundaries have recipes of their own layout. A change of the preset therefore
changes the sample: rerun the generator.
"""

from __future__ import annotations

from pathlib import Path

from .boundaries import FIELDS, LAYER, ZIP_PATH
from .city_population import COLUMNS
from .common import write_text

PRESETS = Path(__file__).resolve().parent.parent / "recipes" / "presets"
BA_RECIPE = "statistics/recipes/ba_akg.yaml"
POPULATION_RECIPE = "statistics/recipes/stadt_einwohner.yaml"
AREA_RECIPE = "areas/recipes/sozialraeume.yaml"

SUMS = {
    "EW_U15": ["unter 3", "3 bis 5", "6 bis 14"],
    "EW_15_64": ["15 bis 17", "18 bis 24", "25 bis 64"],
    "EW_65P": ["65 bis 79", "80 und älter"],
}


def population_recipe() -> str:
    singles = [f'  {code}: "{label}"' for label, code in COLUMNS.items() if code is not None]
    sums = [f"  {code}: [{', '.join(repr(p) for p in parts)}]" for code, parts in SUMS.items()]
    return "\n".join(
        [
            "# The city's population export (Einwohnermeldeamt, statistics office): one CSV per",
            "# year, one row per Sozialraum, age bands as columns, the year in the file name.",
            "recipe: 1",
            "name: stadt-einwohner-sozialraeume",
            "files: statistics/incoming/stadt/*_Einwohner_Sozialraum.csv",
            "format: csv",
            "encoding: auto",
            'delimiter: ";"',
            "header: {rows: 1}",
            "data:",
            "  skip_when: {column: Sozialraum, matches: '^Stadt insgesamt$'}   # the city total",
            "area:",
            '  column: "Nr."            # "01" -> SR-01',
            "  pad: 2",
            '  prefix: "SR-"',
            "date:",
            "  from: filename",
            "  pattern: '^(\\d{4})_'",
            '  format: "%Y"',
            "  resolve: year_end       # 2024 -> 2024-12-31",
            "layout: wide",
            "measures:",
            *singles,
            "  # the city's bands are not the product's: these codes are sums (a list is added up)",
            *sums,
            'ignore: ["Sozialraum", "25 bis 64"]',
            "",
        ]
    )


def area_recipe(ags: str) -> str:
    return "\n".join(
        [
            "# The surveying office's Sozialraum boundaries: a zipped Shapefile, the layer in the",
            f"# folder {LAYER}/ inside, a .prj (ETRS89 / UTM 32N), a Windows-1252 DBF without .cpg.",
            "recipe: 1",
            "kind: areas",
            "name: sozialraeume",
            f"files: {ZIP_PATH}",
            "format: shapefile",
            f"layer: {LAYER}",
            "crs: from_file",
            "encoding: auto             # no .cpg: the DBF's language driver (Windows-1252)",
            f'municipality_ags: "{ags}"',
            f'area_id: {{field: {FIELDS["area_id"]}, pad: 2, prefix: "SR-"}}   # "01" -> SR-01',
            f"area_name: {{field: {FIELDS['area_name']}}}",
            f"district_name: {{field: {FIELDS['district_name']}}}",
            "",
        ]
    )


def write_recipes(out: Path, ags: str) -> None:
    write_text(out / BA_RECIPE, (PRESETS / "ba_akg.yaml").read_text(encoding="utf-8"))
    write_text(out / POPULATION_RECIPE, population_recipe())
    write_text(out / AREA_RECIPE, area_recipe(ags))
