"""Area profiles and city overview, rendered from a real sample run's published file.

The pipeline runs once per module (as `make run` does, in its own process); the report is rendered
from its published DuckDB file only. Content is checked on the HTML text, and, where Chromium is
installed, in a real headless browser including the two-page A4 print layout.
"""

import io
import os
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from matplotlib.image import imread

from assets.report import ReportSummary, city_maps_png, page_files, render_report
from assets.report.area_page import supply_rows
from assets.report.cells import cell, number
from assets.report.data import load
from assets.report.measures import goals_view

# the one sample run of `sample_refresh` is shared: its tests go to the same pytest worker
pytestmark = pytest.mark.xdist_group("sample_refresh")

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not installed (/usr/bin/chromium or `chromium` on PATH); "
    "install it with `apt-get install chromium` to check the report in a real browser",
)


@pytest.fixture(scope="module")
def published(sample_refresh) -> Path:
    return sample_refresh[1] / "sozialplanung.duckdb"


@pytest.fixture(scope="module")
def report(published, tmp_path_factory) -> tuple[Path, ReportSummary]:
    out = tmp_path_factory.mktemp("report") / "report"
    return out, render_report(load(published), out)


@pytest.fixture(scope="module")
def tables(published) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return {
            "areas": con.execute("SELECT * FROM areas ORDER BY area_id").df(),
            "values": con.execute("SELECT * FROM indicator_values").df(),
            "needs": con.execute("SELECT * FROM needs_survey").df(),
            "catalog": con.execute("SELECT * FROM indicator_catalog").df(),
        }
    finally:
        con.close()


def area_pages(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((out / "areas").glob("*.html"))}


def test_summary_counts_pages_and_bytes(report, tables):
    out, summary = report
    files = [p for p in out.rglob("*") if p.is_file()]
    assert summary.pages == len(files) == 1 + len(tables["areas"]) == 33
    assert summary.total_bytes == sum(p.stat().st_size for p in files)
    assert summary.index_html == out / "index.html" and summary.index_html.is_file()
    assert not list(out.parent.glob(".report.*")), "staging folder left behind"


def test_index_links_to_every_area_page(report, tables):
    out, _ = report
    index = (out / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="areas/([^"]+)"', index))
    assert len(links) == len(tables["areas"]) == 32
    assert links == set(area_pages(out))
    assert "Stadtübersicht" in index
    # three maps and a distribution per indicator, all inline SVG
    assert index.count('<svg viewBox="0 0 360 ') == 3
    assert index.count('<svg viewBox="0 0 300 64"') == 12
    assert "<img" not in index


def test_each_area_page_has_its_name_and_the_city_child_poverty(report, tables):
    out, _ = report
    values = tables["values"]
    city = values[(values["area_id"] == "ALL") & (values["indicator_id"] == "child_poverty")]
    city_value = number(city.sort_values("reference_date")["value"].iloc[-1])
    pages = area_pages(out)
    for area in tables["areas"].itertuples():
        html = pages[f"{area.area_id}.html"]
        assert f"Sozialraumprofil {escape(area.area_name)}" in html
        city_cell = re.search(r'class="num city-child_poverty">([^<]*)<', html)
        assert city_cell and city_cell.group(1) == city_value, area.area_id


def test_pages_reference_no_external_resources(report):
    out, _ = report
    for path in out.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "http://" not in html and "https://" not in html, path.name
        sources = re.findall(r'\ssrc="([^"]*)"', html)
        assert all(src.startswith("data:image/png;base64,") for src in sources), path.name
        assert "<link" not in html and "<script" not in html, path.name


def test_suppressed_values_read_gesperrt_never_zero(report, tables):
    out, _ = report
    pages = area_pages(out)
    values = tables["values"].sort_values("reference_date")
    latest = values.groupby(["area_id", "indicator_id"]).tail(1)
    suppressed = latest[latest["status"] == "suppressed"]
    labels = dict(
        zip(tables["catalog"]["indicator_id"], tables["catalog"]["label_de"], strict=True)
    )
    assert not suppressed.empty, "the sample should have a suppressed indicator value"
    for row in suppressed.itertuples():
        html = pages[f"{row.area_id}.html"]
        label = re.escape(escape(labels[row.indicator_id]))
        table_row = re.search(rf"<tr[^>]*><td[^>]*>{label}</td>.*?</tr>", html, re.S)
        assert table_row, (row.area_id, row.indicator_id)
        area_cell = re.findall(r'<td class="num">(.*?)</td>', table_row.group(0))[0]
        assert 'title="gesperrt (Geheimhaltung)"' in area_cell and ">–<" in area_cell
    needs = tables["needs"]
    for area_id in needs.loc[needs["status"] == "suppressed", "area_id"].unique():
        if area_id == "ALL":
            continue
        section = pages[f"{area_id}.html"].split("<h2>Bedarfserhebung</h2>")[1]
        assert ">gesperrt<" in section
        cells = re.findall(r'<td class="num">(.*?)</td>', section)
        assert "0" not in cells and "0,00" not in cells


def test_rendering_twice_gives_the_same_bytes_and_replaces_the_old_report(
    published, report, tmp_path
):
    out, _ = report
    again = tmp_path / "again"
    (again / "areas").mkdir(parents=True)
    (again / "areas" / "stale.html").write_text("old")
    render_report(load(published), again)
    assert not (again / "areas" / "stale.html").exists()
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_city_maps_are_deterministic_pngs(published):
    maps = city_maps_png(load(published))
    assert set(maps) == {"status_classes", "dynamics_classes", "child_poverty"}
    for png in maps.values():
        assert png.startswith(b"\x89PNG") and b"Software" not in png
        assert imread(io.BytesIO(png)).shape[1] > 300
    assert maps == city_maps_png(load(published))


def test_page_files_are_safe_and_unique():
    areas = pd.DataFrame(
        {
            "municipality_ags": ["05999000", "05999000", "05999000", "05111000", "05999000"],
            "area_id": ["SR-01", "SR/02", "SR_02", "SR-01", "..x"],
        }
    )
    files = page_files(areas)
    names = list(files.values())
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.html", n) for n in names)
    assert files[("05999000", "SR_02")] == "SR_02.html"
    assert files[("05999000", "SR/02")].startswith("SR_02-")


def test_numbers_are_german_and_missing_values_explained():
    assert number(12345.678) == "12.345,7" and number(3, 0) == "3" and number(-0.25, 2) == "-0,25"
    assert number(None) == number(pd.NA) == number(float("nan")) == ""
    assert cell(0.0).text == "0,0"
    assert cell(None, "suppressed").title == "gesperrt (Geheimhaltung)"
    assert cell(None, "suppressed", missing="gesperrt").text == "gesperrt"
    assert cell(float("nan"), "not_computable", "Nenner fehlt").title.startswith(
        "nicht berechenbar"
    )
    assert cell(None).text == "–"


def test_shares_and_progress_are_shown_as_the_percent_they_are_published_in():
    """The published file holds percent (62.5 means 62.5 %): the report shows the number as it
    is under its "%" header, never multiplied by 100 again."""
    supply = {
        "reference_date": "2025-12-31", "offer_type": "kita", "target_population": 400,
        "facilities": 2, "capacity": 90, "places_per_1000": 225.0,
        "municipality_places_per_1000": 250.0, "share_within_distance": 62.5, "gap": True,
        "gap_rank": 1, "unserved": 150, "gap_reason": "…", "status": "ok",
    }  # fmt: skip
    assert supply_rows([supply])[0]["within"].text == "62,5"
    goal = pd.DataFrame(
        [
            {
                "goal_id": "G1", "goal_title": "Kinderarmut senken", "indicator_id": "x",
                "reference_date": "2025-12-31", "baseline": 20.0, "current": 18.0,
                "target": 15.0, "progress": 40.0, "on_track": True, "measures_month": None,
                "kpis_green": 1, "kpis_yellow": 0, "kpis_red": 0, "kpis_without_value": 0,
                "measures_red": None,
            }
        ]
    )  # fmt: skip
    assert goals_view(goal, [])[0]["progress"].text == "40"


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium, offline and without any first-run or background traffic."""
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )


@needs_chromium
def test_chromium_renders_overview_and_area_profile(report, tables, tmp_path):
    out, _ = report
    index = chromium(tmp_path, "--dump-dom", (out / "index.html").as_uri())
    assert index.returncode == 0, index.stderr
    assert '<h1 id="top">Stadtübersicht</h1>' in index.stdout
    for heading in ("Karten", "Sozialräume", "Ziele: Stand der Zielerreichung"):
        assert f">{heading}</h2>" in index.stdout
    for name in tables["areas"]["area_name"]:
        assert escape(name) in index.stdout

    area = tables["areas"].iloc[2]
    page = out / "areas" / f"{area.area_id}.html"
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr
    assert f"Sozialraumprofil {escape(area.area_name)}" in dom.stdout
    for heading in (
        "Indikatoren im Vergleich zur Stadt",
        "Versorgung und Versorgungslücken",
        "Maßnahmen im Sozialraum",
        "Bedarfserhebung",
    ):
        assert heading in dom.stdout

    shot = tmp_path / "area.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr
    pixels = imread(shot)
    assert pixels.shape[:2] == (1600, 1200)
    assert len({tuple(p) for p in pixels[::8, ::8].reshape(-1, pixels.shape[2])}) > 50


@needs_chromium
def test_area_profile_prints_on_at_most_two_a4_pages(report, published, tmp_path):
    out, _ = report
    con = duckdb.connect(str(published), read_only=True)
    try:  # the fullest profile: the area with the most facilities
        fullest = con.execute(
            """SELECT a.area_id FROM areas a
               LEFT JOIN (SELECT area_id, count(*) n FROM facilities GROUP BY 1) f USING (area_id)
               ORDER BY coalesce(f.n, 0) DESC, a.area_id LIMIT 1"""
        ).fetchone()[0]
    finally:
        con.close()
    pdf = tmp_path / "area.pdf"
    page = out / "areas" / f"{fullest}.html"
    done = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 1 <= pages <= 2
