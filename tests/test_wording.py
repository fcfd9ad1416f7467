"""Wording and print of what planners read: class meanings, counted nouns, KPI figures, the
printed overview.

Expected texts are written by hand; the print check runs the sample's report through headless
Chromium where it is installed.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from assets.registry import column_text
from assets.report import render_report
from assets.report.data import load
from assets.report.measures import measures_by_area, red_kpis_view
from assets.report.overview import municipality_view
from assets.report.render import _environment
from assets.wording import counted, noun

# the one sample run of `sample_refresh` is shared: its tests go to the same pytest worker
pytestmark = pytest.mark.xdist_group("sample_refresh")

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
TEMPLATES = Path(__file__).parent.parent / "assets" / "report" / "templates"


@pytest.mark.parametrize("table", ["social_index", "allocation"])
def test_status_class_says_high_status_is_the_least_disadvantaged(table):
    de, en = column_text(table, "status_class")
    assert "high = hoch (am wenigsten benachteiligt)" in de
    assert "very_low = sehr niedrig (am stärksten benachteiligt)" in de
    assert "high (least disadvantaged)" in en and "very_low (most disadvantaged)" in en
    assert "höher = benachteiligter" not in de  # the old text read as if high were the worst


def test_index_and_dynamics_columns_say_which_way_is_worse():
    assert column_text("social_index", "status_index")[0] == (
        "Statusindex (z-standardisiert; höher = stärker benachteiligt)"
    )
    assert "negative = Lage verschlechtert sich" in column_text("social_index", "dynamics_class")[0]
    assert "positive (improving)" in column_text("social_index", "dynamics_class")[1]


def test_counted_nouns_agree_with_their_number():
    assert counted(1, "Sozialraum", "Sozialräume") == "1 Sozialraum"
    assert counted(0, "Sozialraum", "Sozialräume") == "0 Sozialräume"
    assert counted(3, "Sozialraum", "Sozialräume") == "3 Sozialräume"
    assert counted(1250, "Sozialraum", "Sozialräume") == "1.250 Sozialräume"
    assert noun(1, "Einrichtung", "Einrichtungen") == "Einrichtung"


def _kpi_row(kpi: str, actual, target: float, kind: str = "target") -> dict:
    return {
        "month": pd.Timestamp("2026-10-01"), "measure_id": "M-1", "title": "Frühe Hilfen",
        "provider_id": "TR-01", "kpi": kpi, "actual": actual, "target": target,
        "target_kind": kind, "attainment": 78.9, "note": None, "status": "ok",
        "traffic_light": "red",
    }  # fmt: skip


def test_kpi_figures_are_written_by_their_kind():
    red = red_kpis_view(
        pd.DataFrame(
            [
                _kpi_row("participants", 12.0, 38.0),
                _kpi_row("reach", 0.2315, 0.3),
                _kpi_row("cost_per_participant", 1512.5, 450.0, kind="max"),
                _kpi_row("satisfaction_n", None, 30.0),
            ]
        )
    )
    shown = [(r["actual"].text, r["target"]) for r in red]
    assert shown == [
        ("12", "Ziel 38"),  # a count is whole, never "12,0"
        ("0,2", "Ziel 0,3"),  # percent with one decimal
        ("1.512,50", "höchstens 450,00"),  # euro with cents
        ("–", "Ziel 30"),
    ]
    # a red light without a value is one disclosure control hid, not one that cannot be computed
    assert red[3]["actual"].title == "gesperrt (Geheimhaltung)"


def test_a_measures_lights_on_the_area_page_carry_whole_counts():
    measures = pd.DataFrame(
        [{"measure_id": "M-1", "title": "Frühe Hilfen", "provider_id": "TR-01",
          "age_from": 0, "age_to": 3, "areas": "SR-01"}]
    )  # fmt: skip
    rows = [_kpi_row("participants", 12.0, 38.0), _kpi_row("utilisation", 81.26, 90.0)]
    lights = measures_by_area(measures, pd.DataFrame(rows))["SR-01"][0]["lights"]
    assert [(light["actual"].text, light["target"]) for light in lights] == [
        ("12", "Ziel 38"),
        ("81,3", "Ziel 90,0"),
    ]


def test_overview_tiles_use_the_singular_for_one():
    areas = gpd.GeoDataFrame(
        {"municipality_ags": ["05999000"], "area_id": ["SR-01"], "area_name": ["Altstadt"],
         "district_name": ["Mitte"], "population": [1200.0],
         "population_date": [pd.Timestamp("2025-12-31")], "area_km2": [1.5]},
        geometry=[shapely.box(0, 0, 1000, 1000)], crs="EPSG:25832",
    )  # fmt: skip
    index = pd.DataFrame(
        {"area_id": ["SR-01"], "reference_date": [pd.Timestamp("2025-12-31")],
         "status_class": ["low"], "dynamics_class": ["stable"], "needs_action": [True]}
    )  # fmt: skip
    view = municipality_view(
        "05999000", areas, index, [], [], None, None, {("05999000", "SR-01"): "SR-01.html"}
    )
    assert view["figures"]["areas"] == ("1", "Sozialraum")
    page = _environment().get_template("index.html")
    html = page.render(municipalities=[view], goals=[], red_kpis=[], datenstand=None)
    assert "<li><b>1</b>Sozialraum</li>" in html
    assert "<li><b>1</b>Sozialraum mit Handlungsbedarf (31.12.2025)</li>" in html


def test_the_footer_on_paper_points_to_no_tooltip():
    """A printed page cannot show a tooltip: the sentence that says so is for the screen only."""
    footer = (TEMPLATES / "base.html").read_text(encoding="utf-8").split("Quelle:")[1]
    printed = re.sub(r'<span class="no-print">.*?</span>', "", footer, flags=re.S)
    assert "Tooltip" in footer and "Tooltip" not in printed
    assert "gesperrten Wert (Geheimhaltung" in printed and "nicht berechnen" in printed


@pytest.fixture(scope="module")
def overview(sample_refresh, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wording") / "report"
    render_report(load(sample_refresh[1] / "sozialplanung.duckdb"), out)
    return out / "index.html"


def _print(html: Path, tmp_path: Path) -> tuple[int, list[list[float]]]:
    """Print `html` to PDF with headless Chromium: the number of pages and their sizes (pt)."""
    pdf = tmp_path / f"{html.stem}.pdf"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", html.as_uri()],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)
    return len(re.findall(rb"/Type\s*/Page(?!s)", data)), [
        [float(v) for v in b.split()] for b in boxes
    ]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")
def test_the_overview_prints_tiles_and_maps_on_its_first_landscape_page(overview, tmp_path):
    """Before, the first A4 page held the tiles only and each long section began a page of its
    own (4 pages for the sample, two of them half empty)."""
    pages, boxes = _print(overview, tmp_path)
    assert 1 <= pages <= 3
    assert all(width > height for _, _, width, height in boxes)  # A4 landscape
    # the page up to the end of the maps (tiles, the three maps, their hint) fits on one page
    html = overview.read_text(encoding="utf-8")
    maps_end = html.index("</section>", html.index("<h2>Karten</h2>")) + len("</section>")
    first = overview.with_name("first.html")
    first.write_text(html[:maps_end] + "</div></main></body></html>", encoding="utf-8")
    assert _print(first, tmp_path)[0] == 1
