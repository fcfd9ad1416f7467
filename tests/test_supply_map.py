"""The supply map: a real PNG of sensible size, byte-identical for identical input."""

from assets.supply.maps import disclosed_coverage, supply_map_png
from assets.supply.table import compute_supply
from tests.test_supply_accessibility import CELLS, CHILDREN, FACILITIES
from tests.test_supply_world import D1, NO_INDEX, SETTINGS, population, squares

AREAS = ["SR-A", "SR-B", "SR-C"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def draw(offer_type: str) -> bytes:
    polygons = squares(AREAS)
    rows = compute_supply(
        polygons, FACILITIES, population(CHILDREN, dates=(D1,)), CELLS, NO_INDEX, SETTINGS
    )
    return supply_map_png(polygons, rows, FACILITIES, offer_type, "Kitas: Plätze je 1.000 Kinder")


def test_map_is_a_png_of_reasonable_size_and_reproducible():
    png = draw("kita")
    assert png.startswith(PNG_SIGNATURE)
    assert 10_000 < len(png) < 300_000
    assert draw("kita") == png


def test_map_without_any_coverage_value():
    # familienzentrum: no EW_U15 delivered, so every area is grey and there is no colour bar
    assert draw("familienzentrum").startswith(PNG_SIGNATURE)


def test_the_map_shows_no_coverage_on_a_target_population_below_the_minimum():
    polygons = squares(AREAS)
    rows = compute_supply(
        polygons, FACILITIES, population(CHILDREN, dates=(D1,)), CELLS, NO_INDEX, SETTINGS
    )
    kita = rows[rows["offer_type"] == "kita"]
    smallest = kita["target_population"].min()
    shown = disclosed_coverage(kita, smallest + 1)
    hidden = kita["target_population"] < smallest + 1
    assert hidden.sum() >= 1 and shown.loc[hidden, "places_per_1000"].isna().all()
    assert shown.loc[~hidden, "places_per_1000"].equals(kita.loc[~hidden, "places_per_1000"])
    # and the picture differs from the unprotected one: that area is drawn grey
    protected = supply_map_png(polygons, shown, FACILITIES, "kita", "Kitas")
    assert protected != supply_map_png(polygons, kita, FACILITIES, "kita", "Kitas")
