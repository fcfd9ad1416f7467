"""Indicator math against values computed by hand (DESIGN §6)."""

import duckdb
import pandas as pd
import pytest

from assets.indicators.catalog import BY_ID, INDICATORS, catalog_frame
from assets.indicators.values import COLUMNS, build_indicator_values
from assets.warehouse import ensure_schema, insert_frame


def compute_indicator_values(
    con: duckdb.DuckDBPyConnection, indicators: list, months: list[str] | None = None
) -> pd.DataFrame:
    """What the `indicator_values` asset computes (`build_indicator_values`), as a frame."""
    build_indicator_values(con, indicators, months, "_computed_values")
    frame = con.execute("SELECT * FROM _computed_values").df()
    con.execute("DROP TABLE _computed_values")
    return frame[COLUMNS]


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    insert_frame(
        con, "areas", pd.DataFrame({"municipality_ags": ["05999000"] * 2, "area_id": ["A", "B"]})
    )
    rows = [
        # population Stichtag 2023-12-31
        ("A", "2023-12-31", "EW", 1000),
        ("A", "2023-12-31", "EW_65P", 200),
        ("A", "2023-12-31", "EW_U15", 150),
        ("A", "2023-12-31", "EW_15_64", 650),
        ("B", "2023-12-31", "EW", 500),
        ("B", "2023-12-31", "EW_65P", 100),
        ("B", "2023-12-31", "EW_U15", 80),
        ("B", "2023-12-31", "EW_15_64", 320),
        # population Stichtag 2024-12-31 (only A)
        ("A", "2024-12-31", "EW", 1100),
        ("A", "2024-12-31", "EW_65P", 210),
        ("A", "2024-12-31", "EW_U15", 160),
        ("A", "2024-12-31", "EW_15_64", 730),
        # Bundesagentur, June 2024
        ("A", "2024-06-30", "SGB2_LB", 80),
        ("A", "2024-06-30", "SGB2_NEF_U15", 30),
        ("A", "2024-06-30", "ALO", 26),
        ("B", "2024-06-30", "SGB2_LB", None),  # `*` secret
        ("B", "2024-06-30", "SGB2_NEF_U15", 12),
        # Bundesagentur, January 2025 (denominator from 2024-12-31)
        ("A", "2025-01-31", "SGB2_LB", 89),
    ]
    frame = pd.DataFrame(rows, columns=["area_id", "reference_date", "code", "value"])
    frame["reference_date"] = pd.to_datetime(frame["reference_date"]).dt.date
    frame["municipality_ags"] = "05999000"
    frame["symbol"] = frame["value"].map(lambda v: "*" if pd.isna(v) else None)
    insert_frame(con, "small_area_statistics", frame)
    return con


def value_of(frame, area, date, indicator):
    row = frame[
        (frame.area_id == area)
        & (frame.reference_date.astype(str) == date)
        & (frame.indicator_id == indicator)
    ]
    assert len(row) == 1, (area, date, indicator)
    return row.iloc[0]


def test_ratios_with_as_of_denominators(con):
    ids = ["sgb2_quota", "child_poverty", "unemployment", "population_change"]
    frame = compute_indicator_values(con, [BY_ID[i] for i in ids])
    # SGB II quota A, 06/2024: 80 / (1000 - 200) = 10.0 %, denominator of 31.12.2023
    row = value_of(frame, "A", "2024-06-30", "sgb2_quota")
    assert (row.numerator, row.denominator, row.value, row.status) == (80, 800, 10.0, "ok")
    assert str(row.denominator_date)[:10] == "2023-12-31"
    # January 2025 takes the newer Stichtag: 89 / (1100 - 210) = 89 / 890 = 10.0 %
    row = value_of(frame, "A", "2025-01-31", "sgb2_quota")
    assert (row.denominator, row.value) == (890, 10.0)
    assert str(row.denominator_date)[:10] == "2024-12-31"
    # child poverty A: 30 / 150 = 20 %; B: 12 / 80 = 15 %
    assert value_of(frame, "A", "2024-06-30", "child_poverty").value == 20.0
    assert value_of(frame, "B", "2024-06-30", "child_poverty").value == 15.0
    # unemployment A: 26 / 650 = 4 %
    assert value_of(frame, "A", "2024-06-30", "unemployment").value == pytest.approx(4.0)
    # population change A: (1100 - 1000) / 1000 = 10 %
    row = value_of(frame, "A", "2024-12-31", "population_change")
    assert (row.numerator, row.denominator, row.value) == (100, 1000, 10.0)


def test_missing_or_secret_inputs_are_not_computable_never_zero(con):
    frame = compute_indicator_values(con, INDICATORS)
    secret = value_of(frame, "B", "2024-06-30", "sgb2_quota")
    assert secret.status == "not_computable" and pd.isna(secret.value)
    assert "geheim" in secret.note
    missing = value_of(frame, "B", "2024-06-30", "unemployment")
    assert missing.status == "not_computable" and missing.note == "Zähler fehlt"
    # B has no population at 31.12.2024, so no population change there
    change = value_of(frame, "B", "2024-12-31", "population_change")
    assert change.status == "not_computable"
    assert (frame.loc[frame.status == "ok", "value"].notna()).all()
    assert frame.loc[frame.status != "ok", "value"].isna().all()


def test_month_filter_limits_reference_dates(con):
    frame = compute_indicator_values(con, [BY_ID["sgb2_quota"]], months=["2025-01"])
    assert frame.reference_date.astype(str).unique().tolist() == ["2025-01-31"]
    assert sorted(frame.area_id) == ["A", "ALL", "B"]  # B is listed, not computable


def test_catalog_lists_every_indicator_of_the_design():
    catalog = catalog_frame()
    assert set(catalog.indicator_id) == {
        "sgb2_quota",
        "child_poverty",
        "unemployment",
        "long_term_unemployment",
        "youth_unemployment",
        "old_age_poverty",
        "single_parents",
        "foreign_nationals",
        "youth_dependency",
        "old_age_dependency",
        "migration_volume",
        "population_change",
    }
    sgb2 = catalog.set_index("indicator_id").loc["sgb2_quota"]
    assert (sgb2.numerator, sgb2.denominator) == ("SGB2_LB", "EW - EW_65P")
    youth = catalog.set_index("indicator_id").loc["youth_unemployment"]
    assert youth.denominator == "EW_15_17 + EW_18_24"


def test_city_wide_value_sums_numerators_and_denominators_never_averages_rates(con):
    frame = compute_indicator_values(con, [BY_ID["child_poverty"], BY_ID["sgb2_quota"]])
    # child poverty 06/2024: A 30/150 (20 %), B 12/80 (15 %) -> (30 + 12) / (150 + 80) = 18.26 %
    # (the mean of the two rates would be 17.5 %)
    row = value_of(frame, "ALL", "2024-06-30", "child_poverty")
    assert (row.numerator, row.denominator, row.status) == (42, 230, "ok")
    assert row.value == pytest.approx(100 * 42 / 230)
    # SGB II quota 06/2024: B is secret, so only A counts and the note says so
    row = value_of(frame, "ALL", "2024-06-30", "sgb2_quota")
    assert (row.numerator, row.denominator, row.value) == (80, 800, 10.0)
    assert row.note == "1 Sozialraum ohne Wert nicht enthalten"


def test_city_wide_value_without_any_area_is_not_computable(con):
    con.execute("UPDATE small_area_statistics SET value = NULL WHERE code = 'ALO'")
    frame = compute_indicator_values(con, [BY_ID["unemployment"]])
    row = value_of(frame, "ALL", "2024-06-30", "unemployment")
    assert row.status == "not_computable" and pd.isna(row.value)


# Five areas, every code of the catalogue. Population Stichtag 31.12.2024 (and EW a year earlier
# for the change), Bundesagentur figures of June 2025 (denominators from 31.12.2024).
# None = secret (`*`); a code left out of an area's column is missing.
STICHTAG, PREVIOUS, MONTH = "2024-12-31", "2023-12-31", "2025-06-30"
FIVE = {  # code: (A, B, C, D, E)
    "EW": (2000, 1000, 4000, 500, 2500),
    "EW_65P": (400, 250, 600, 100, 500),
    "EW_U15": (300, 200, 800, 50, 400),
    "EW_15_64": (1300, 550, 2600, 350, 1600),  # EW - EW_65P - EW_U15
    "EW_15_17": (60, 30, 150, 15, 80),
    "EW_18_24": (140, 70, 250, None, 170),  # D secret
    "EW_AUSL": (300, 80, 1000, 25, 250),
    "HH": (1000, 500, 2000, 250, 1250),
    "HH_ALLEINERZ": (50, 30, 160, 10, 75),
    "ZUZUEGE": (150, 60, 400, 40, 200),
    "FORTZUEGE": (130, 50, 360, 35, 175),
    "GRUSI_65P": (20, 10, 60, 2),  # E missing: the welfare office delivered nothing
}
FIVE_PREVIOUS_EW = (1950, 1000, 3900, 520, None)  # E secret
FIVE_MONTHLY = {
    "SGB2_LB": (160, 75, 680, 20, 210),
    "SGB2_NEF_U15": (60, 30, 240, 5, 100),
    "ALO": (65, 22, 208, 14, 96),
    "ALO_LZ": (26, 11, 104, 7, 40),
    "ALO_U25": (10, 4, 32, 1, None),  # E secret
}
AREA_IDS = ["A", "B", "C", "D", "E"]

# indicator: (reference date, {area: (numerator, denominator, value in %)}); None = not computable
EXPECTED = {
    "sgb2_quota": (
        MONTH,
        {
            "A": (160, 1600, 10.0),  # 160 / (2000 - 400)
            "B": (75, 750, 10.0),  # 75 / (1000 - 250)
            "C": (680, 3400, 20.0),  # 680 / (4000 - 600)
            "D": (20, 400, 5.0),  # 20 / (500 - 100)
            "E": (210, 2000, 10.5),  # 210 / (2500 - 500)
            # (160 + 75 + 680 + 20 + 210) / (1600 + 750 + 3400 + 400 + 2000) = 1145 / 8150
            "ALL": (1145, 8150, 14.0491),
        },
    ),
    "child_poverty": (
        MONTH,
        {
            "A": (60, 300, 20.0),
            "B": (30, 200, 15.0),
            "C": (240, 800, 30.0),
            "D": (5, 50, 10.0),
            "E": (100, 400, 25.0),
            # (60 + 30 + 240 + 5 + 100) / (300 + 200 + 800 + 50 + 400) = 435 / 1750 = 24.857 %;
            # the mean of the five rates would be 100 / 5 = 20 %
            "ALL": (435, 1750, 24.8571),
        },
    ),
    "unemployment": (
        MONTH,
        {
            "A": (65, 1300, 5.0),
            "B": (22, 550, 4.0),
            "C": (208, 2600, 8.0),
            "D": (14, 350, 4.0),
            "E": (96, 1600, 6.0),
            # (65 + 22 + 208 + 14 + 96) / (1300 + 550 + 2600 + 350 + 1600) = 405 / 6400
            "ALL": (405, 6400, 6.328125),
        },
    ),
    "long_term_unemployment": (
        MONTH,
        {
            "A": (26, 1300, 2.0),
            "B": (11, 550, 2.0),
            "C": (104, 2600, 4.0),
            "D": (7, 350, 2.0),
            "E": (40, 1600, 2.5),
            # (26 + 11 + 104 + 7 + 40) / 6400 = 188 / 6400
            "ALL": (188, 6400, 2.9375),
        },
    ),
    "youth_unemployment": (
        MONTH,
        {
            "A": (10, 200, 5.0),  # 10 / (60 + 140)
            "B": (4, 100, 4.0),  # 4 / (30 + 70)
            "C": (32, 400, 8.0),  # 32 / (150 + 250)
            "D": None,  # EW_18_24 secret: the denominator is unknown
            "E": None,  # ALO_U25 secret
            # only A-C: (10 + 4 + 32) / (200 + 100 + 400) = 46 / 700
            "ALL": (46, 700, 6.5714),
        },
    ),
    "old_age_poverty": (
        STICHTAG,
        {
            "A": (20, 400, 5.0),
            "B": (10, 250, 4.0),
            "C": (60, 600, 10.0),
            "D": (2, 100, 2.0),
            "E": None,  # GRUSI_65P missing
            # only A-D: (20 + 10 + 60 + 2) / (400 + 250 + 600 + 100) = 92 / 1350
            "ALL": (92, 1350, 6.8148),
        },
    ),
    "single_parents": (
        STICHTAG,
        {
            "A": (50, 1000, 5.0),
            "B": (30, 500, 6.0),
            "C": (160, 2000, 8.0),
            "D": (10, 250, 4.0),
            "E": (75, 1250, 6.0),
            # (50 + 30 + 160 + 10 + 75) / (1000 + 500 + 2000 + 250 + 1250) = 325 / 5000
            "ALL": (325, 5000, 6.5),
        },
    ),
    "foreign_nationals": (
        STICHTAG,
        {
            "A": (300, 2000, 15.0),
            "B": (80, 1000, 8.0),
            "C": (1000, 4000, 25.0),
            "D": (25, 500, 5.0),
            "E": (250, 2500, 10.0),
            # (300 + 80 + 1000 + 25 + 250) / (2000 + 1000 + 4000 + 500 + 2500) = 1655 / 10000
            "ALL": (1655, 10000, 16.55),
        },
    ),
    "youth_dependency": (
        STICHTAG,
        {
            "A": (300, 1300, 23.0769),
            "B": (200, 550, 36.3636),
            "C": (800, 2600, 30.7692),
            "D": (50, 350, 14.2857),
            "E": (400, 1600, 25.0),
            # (300 + 200 + 800 + 50 + 400) / 6400 = 1750 / 6400
            "ALL": (1750, 6400, 27.34375),
        },
    ),
    "old_age_dependency": (
        STICHTAG,
        {
            "A": (400, 1300, 30.7692),
            "B": (250, 550, 45.4545),
            "C": (600, 2600, 23.0769),
            "D": (100, 350, 28.5714),
            "E": (500, 1600, 31.25),
            # (400 + 250 + 600 + 100 + 500) / 6400 = 1850 / 6400
            "ALL": (1850, 6400, 28.90625),
        },
    ),
    "migration_volume": (
        STICHTAG,
        {
            "A": (280, 2000, 14.0),  # (150 + 130) / 2000
            "B": (110, 1000, 11.0),  # (60 + 50) / 1000
            "C": (760, 4000, 19.0),  # (400 + 360) / 4000
            "D": (75, 500, 15.0),  # (40 + 35) / 500
            "E": (375, 2500, 15.0),  # (200 + 175) / 2500
            # (280 + 110 + 760 + 75 + 375) / 10000 = 1600 / 10000
            "ALL": (1600, 10000, 16.0),
        },
    ),
    "population_change": (
        STICHTAG,
        {
            "A": (50, 1950, 2.5641),  # (2000 - 1950) / 1950
            "B": (0, 1000, 0.0),  # (1000 - 1000) / 1000
            "C": (100, 3900, 2.5641),  # (4000 - 3900) / 3900
            "D": (-20, 520, -3.8462),  # (500 - 520) / 520
            "E": None,  # EW of the previous year secret
            # only A-D: (50 + 0 + 100 - 20) / (1950 + 1000 + 3900 + 520) = 130 / 7370
            "ALL": (130, 7370, 1.7639),
        },
    ),
}


@pytest.fixture
def five():
    con = duckdb.connect()
    ensure_schema(con)
    insert_frame(con, "areas", pd.DataFrame({"municipality_ags": "05999000", "area_id": AREA_IDS}))
    rows = [
        (area, date, code, value)
        for date, codes in (
            (STICHTAG, FIVE),
            (PREVIOUS, {"EW": FIVE_PREVIOUS_EW}),
            (MONTH, FIVE_MONTHLY),
        )
        for code, values in codes.items()
        for area, value in zip(AREA_IDS, values, strict=False)  # GRUSI_65P has no E
    ]
    frame = pd.DataFrame(rows, columns=["area_id", "reference_date", "code", "value"])
    frame["reference_date"] = pd.to_datetime(frame["reference_date"]).dt.date
    frame["municipality_ags"] = "05999000"
    frame["symbol"] = frame["value"].map(lambda v: "*" if pd.isna(v) else None)
    insert_frame(con, "small_area_statistics", frame)
    return con


def test_hand_example_covers_the_whole_catalogue():
    assert set(EXPECTED) == set(catalog_frame().indicator_id)


def test_every_indicator_of_five_areas_and_city_wide(five):
    frame = compute_indicator_values(five, INDICATORS)
    # one reference date per indicator in this example: the numerator's date
    dates = (
        frame.groupby("indicator_id")["reference_date"]
        .unique()
        .map(lambda d: [str(x)[:10] for x in d])
    )
    assert dates.to_dict() == {i: [date] for i, (date, _) in EXPECTED.items()}
    for indicator, (date, areas) in EXPECTED.items():
        for area, expected in areas.items():
            row = value_of(frame, area, date, indicator)
            if expected is None:
                assert row.status == "not_computable", (indicator, area)
                assert pd.isna(row.value), (indicator, area)  # never 0
                continue
            numerator, denominator, value = expected
            assert row.status == "ok", (indicator, area, row.note)
            assert (row.numerator, row.denominator) == (numerator, denominator), (indicator, area)
            assert row.value == pytest.approx(value, abs=5e-5), (indicator, area)


def test_five_areas_say_why_a_value_is_missing(five):
    frame = compute_indicator_values(five, INDICATORS)

    def note(area, date, indicator):
        return value_of(frame, area, date, indicator).note

    assert note("D", MONTH, "youth_unemployment") == "Nenner fehlt teilweise oder ist geheim"
    assert note("E", MONTH, "youth_unemployment") == "Zähler fehlt teilweise oder ist geheim"
    assert note("E", STICHTAG, "old_age_poverty") == "Zähler fehlt"
    assert note("E", STICHTAG, "population_change") == (
        "Einwohnerzahl des Vorjahres fehlt oder ist geheim"
    )
    # the city-wide rows say how many areas they leave out
    assert note("ALL", MONTH, "youth_unemployment") == "2 Sozialräume ohne Wert nicht enthalten"
    assert note("ALL", STICHTAG, "old_age_poverty") == "1 Sozialraum ohne Wert nicht enthalten"
    assert pd.isna(note("ALL", MONTH, "sgb2_quota"))


def test_a_value_dated_early_in_a_month_uses_the_population_at_the_months_end(con):
    """Bundesagentur files sometimes date a month by its first day; reach in controlling uses the
    population at the month's last day, so the indicator must too (one population per month)."""
    rows = pd.DataFrame(
        {
            "municipality_ags": ["05999000"],
            "area_id": ["A"],
            "reference_date": [pd.Timestamp("2024-12-01").date()],
            "code": ["SGB2_NEF_U15"],
            "value": [32.0],
            "symbol": [None],
        }
    )
    insert_frame(con, "small_area_statistics", rows)
    frame = compute_indicator_values(con, [BY_ID["child_poverty"]])
    # 32 children / 160 under 15 at 31.12.2024 = 20 % (with 31.12.2023's 150 it would be 21.3 %)
    row = value_of(frame, "A", "2024-12-01", "child_poverty")
    assert (row.numerator, row.denominator, row.value) == (32, 160, 20.0)
    assert str(row.denominator_date)[:10] == "2024-12-31"
