"""The delivery formats of a data root, each declared once (DESIGN §4, `docs/inputs.md`).

A format is a landing folder and a file-name pattern, the header its parser expects, the source
asset that reads it, and its month impact: which monthly partitions a new, changed or deleted file
of the format touches (`assets/ingest/month_impacts.py` holds the rules and why). The ingest
assets list their files here (`asset_files`: the files of every format declared for the asset),
the provider inventory sorts `providers/` by it, and the incremental planner
(`pipelines/incremental.py`) picks the assets and months of a change from it, so a reader and
the planner cannot disagree on which file is which format.

A new format = its declaration in `FORMATS` + its parser (the reader its asset calls) + a test;
a file that matches no format counts as unknown, and a change to it runs everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from assets.ingest import month_impacts as impacts
from assets.ingest.needs_survey import COLUMNS as NEEDS_SURVEY_COLUMNS
from assets.ingest.parsing import Records, read_records
from assets.ingest.statistics import COLUMNS as STATISTICS_COLUMNS
from assets.ingest.zensus import COLUMNS as ZENSUS_COLUMNS

FACILITY_COLUMNS = [
    "Einrichtung_ID",
    "Name",
    "Angebotstyp",
    "Adresse",
    "Lon",
    "Lat",
    "Kapazitaet",
    "Gueltig_ab",
    "Gueltig_bis",
]
REPORT_COLUMNS = [
    "Massnahme_ID",
    "Berichtsmonat",
    "Raum_ID",
    "Teilnehmende",
    "davon_Zielgruppe",
    "Neuzugaenge",
    "Stunden",
    "Kosten_EUR",
]
SURVEY_COLUMNS = ["Massnahme_ID", "Befragungsdatum", "Frage_ID", "Antwort"]
# groups 1 and 2 are year and month (`bench/new_month.py` reads them)
REPORT_NAME = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])\.(csv|xlsx)$", re.IGNORECASE)
# the glob patterns `*.csv` and `*.CSV` the readers always had
CSV = re.compile(r".*\.(csv|CSV)", re.DOTALL)
CSV_OR_ZIP = re.compile(r".*\.(csv|zip)", re.DOTALL | re.IGNORECASE)  # downloads come zipped

Parser = Callable[[Path, list[str], bytes | None], Records]


@dataclass(frozen=True)
class Format:
    """One kind of landing file.

    `folder` is relative to the data root, `*` standing for any one folder name (the provider
    id); `deep` also takes files in folders below it. `pattern` must match the file name in full;
    a report's pattern names its `year` and `month`. `asset` is the source asset that reads the
    files (None: read by many assets), `inventory` an asset that lists every file of the folder
    besides. `runs_everything`: any figure may depend on the file, so a change runs every asset.
    A `fallback` format holds what no other format holds (a provider's unexpected file).
    """

    name: str
    folder: str
    pattern: re.Pattern[str]
    asset: str | None
    months: impacts.MonthRule
    columns: tuple[str, ...] = ()
    parse: Parser = read_records
    inventory: str | None = None
    deep: bool = False
    runs_everything: bool = False
    fallback: bool = False

    def holds(self, rel: str) -> bool:
        """Whether the landing path `rel` (relative to the root) is a file of this format."""
        return self._match(rel) is not None

    def period(self, rel: str) -> str | None:
        """The `YYYY-MM` month a file names (a report's), else None."""
        found = self._match(rel)
        if found is None or "year" not in self.pattern.groupindex:
            return None
        return f"{found.group('year')}-{found.group('month')}"

    def files(self, list_folder: Callable[..., list[Path]]) -> list[Path]:
        """The format's files in its folder (below it too if `deep`), as `list_folder(folder,
        pattern)` lists them (sorted, links left out: `DataRoot.files`); only for a folder
        without `*`."""
        listed = list_folder(self.folder, "**/*" if self.deep else "*")
        return [p for p in listed if self.pattern.fullmatch(p.name)]

    def _match(self, rel: str) -> re.Match[str] | None:
        folder, _, name = rel.rpartition("/")
        parts, wanted = folder.split("/") if folder else [], self.folder.split("/")
        if len(parts) < len(wanted) or (len(parts) > len(wanted) and not self.deep):
            return None
        if not all(fnmatchcase(p, w) for p, w in zip(parts, wanted, strict=False)):
            return None
        return self.pattern.fullmatch(name)


PROVIDER_FILES = "provider_files"  # the inventory of every file below `providers/`

FORMATS: tuple[Format, ...] = (
    Format(
        "areas",
        "areas",
        re.compile(r".+\.(geojson|json|gpkg|zip)", re.IGNORECASE | re.DOTALL),
        asset="areas",
        months=impacts.every_month,
        deep=True,  # an area recipe may name files in a folder below `areas/`
        runs_everything=True,
    ),
    Format(
        "area_recipes",
        "areas/recipes",
        re.compile(r".+\.yaml", re.IGNORECASE | re.DOTALL),
        asset="areas",
        months=impacts.every_month,
        runs_everything=True,
    ),
    Format(
        "small_area_statistics",
        "statistics/small_area",
        CSV,
        asset="small_area_statistics",
        months=impacts.statistics_months,
        columns=tuple(STATISTICS_COLUMNS),
    ),
    # a city's own layouts: recipes (and their area-id map files) and the files they read; which
    # months a workbook holds is known only once its recipe read it, so any month may change
    Format(
        "statistics_recipes",
        "statistics/recipes",
        re.compile(r".+\.(yaml|csv)", re.IGNORECASE | re.DOTALL),
        asset="small_area_statistics",
        months=impacts.every_month,
    ),
    Format(
        "statistics_incoming",
        "statistics/incoming",
        re.compile(r".+", re.DOTALL),
        asset="small_area_statistics",
        months=impacts.every_month,
        deep=True,
    ),
    Format("genesis", "statistics/genesis", CSV_OR_ZIP, "genesis_values", impacts.no_month),
    Format(
        "zensus",
        "statistics/zensus",
        CSV_OR_ZIP,
        "zensus_grid",
        impacts.no_month,
        columns=tuple(ZENSUS_COLUMNS),
    ),
    Format(
        "needs_survey",
        "surveys/needs",
        CSV,
        "needs_survey_responses",
        impacts.no_month,
        columns=tuple(NEEDS_SURVEY_COLUMNS),
    ),
    Format(
        "facilities",
        "providers/*",
        re.compile(r"facilities\.(csv|xlsx)", re.IGNORECASE),
        asset="facilities",
        months=impacts.every_month,
        columns=tuple(FACILITY_COLUMNS),
        inventory=PROVIDER_FILES,
    ),
    Format(
        "report",
        "providers/*/reports",
        REPORT_NAME,
        asset="measure_reports",
        months=impacts.report_months,
        columns=tuple(REPORT_COLUMNS),
        inventory=PROVIDER_FILES,
    ),
    # CSV only: a survey has no month or name that would tell an XLSX copy from a second survey,
    # so an XLSX survey is reported as outside the pattern rather than read twice
    Format(
        "survey",
        "providers/*/surveys",
        re.compile(r".*\.csv", re.IGNORECASE | re.DOTALL),
        asset="satisfaction_responses",
        months=impacts.survey_months,
        columns=tuple(SURVEY_COLUMNS),
        inventory=PROVIDER_FILES,
    ),
    # house coordinates (HK-DE `*.txt`, gebref `gebref.txt`, a `;` export as `*.csv`; SPEC §6;
    # gebref's key file `gebref_schluessel.txt` holds no coordinates)
    # for facilities delivered by address: read by the facilities asset, which lists them by
    # this format's name (its provider files come from the inventory), so neither is taken for
    # the other; any month may hold a facility placed by them
    Format(
        "house_coordinates",
        "geodata/hauskoordinaten",
        re.compile(r"(?!.*schluessel).*\.(txt|csv)", re.IGNORECASE | re.DOTALL),
        asset="facilities",
        months=impacts.every_month,
    ),
    # anything else below a provider's folder: reported by the inventory, read by nothing
    Format(
        "unexpected_provider_file",
        "providers/*",
        re.compile(r".*", re.DOTALL),
        asset=PROVIDER_FILES,
        months=impacts.no_month,
        deep=True,
        fallback=True,
    ),
    Format(
        "planning",
        "planning",
        re.compile(r"goals\.yaml|settings\.yaml"),
        asset=None,
        months=impacts.every_month,
        runs_everything=True,
    ),
)
BY_NAME = {f.name: f for f in FORMATS}
PROVIDER_KINDS = ("facilities", "report", "survey")  # the provider formats that are read


def format_of(rel: str, formats: tuple[Format, ...] = FORMATS) -> Format | None:
    """The format of `formats` that holds the landing path `rel` (a fallback format only when
    no other does); None for an unknown file."""
    holding = [f for f in formats if f.holds(rel)]
    return next((f for f in holding if not f.fallback), holding[0] if holding else None)


def asset_files(
    asset: str, list_folder: Callable[..., list[Path]], formats: tuple[Format, ...] = FORMATS
) -> list[Path]:
    """The files the source `asset` reads: those of every format it reads, sorted
    (`list_folder` as for `Format.files`; formats in a folder without `*`)."""
    return sorted({p for f in formats if f.asset == asset for p in f.files(list_folder)})
