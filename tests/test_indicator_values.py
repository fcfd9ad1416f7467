"""Indicator math against values computed by hand (DESIGN §6)."""

import duckdb
import pandas as pd
import pytest

from assets.indicators.catalog import BY_ID, INDICATORS, catalog_frame
from assets.indicators.values import compute_indicator_values
from assets.warehouse import ensure_schema, insert_frame


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
    assert row.note == "ohne 1 Sozialräume ohne Wert"


def test_city_wide_value_without_any_area_is_not_computable(con):
    con.execute("UPDATE small_area_statistics SET value = NULL WHERE code = 'ALO'")
    frame = compute_indicator_values(con, [BY_ID["unemployment"]])
    row = value_of(frame, "ALL", "2024-06-30", "unemployment")
    assert row.status == "not_computable" and pd.isna(row.value)
