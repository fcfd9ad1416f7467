"""Bad-input corpus: a value never turns into another value (issue 15, item 7).

A NUL character inside a value, a count written with a decimal comma (`1,080` is 1.08, not a
thousand and eighty) and a Stichtag after the run date: each sits between good rows, and the test
asserts the located error (file, row, reason code) and that every other row loads with the value
it was delivered with.
"""

import datetime as dt

import pandas as pd
import pytest

from assets.ingest.genesis import read_genesis
from assets.ingest.needs_survey import read_needs_survey
from assets.ingest.parsing import parse_dates, parse_german_numbers
from assets.ingest.providers import discover, read_reports
from assets.ingest.statistics import read_small_area_statistics
from assets.ingest.zensus import read_zensus
from tests.conftest import AGS, write
from tests.test_bad_input_corpus import (
    GENESIS_GOOD,
    GENESIS_HEADER,
    REPORT_HEADER,
    STAT_HEADER,
    ZENSUS_HEADER,
    located,
)

AREAS = {"SR-A": AGS, "SR-B": AGS}


def test_grouping_equal_strings_compares_whole_strings_not_up_to_a_nul():
    # pd.factorize hashes strings as C strings: "5" and "5\0..." would share one parse
    text = pd.Series(["5\x00x", "5", "5\x009", "2024-12-31"], dtype=object)
    numbers = parse_german_numbers(text)
    assert numbers.value.isna().tolist() == [True, False, True, True]
    assert numbers.value[1] == 5.0
    assert pd.isna(numbers.error[1])
    dates = parse_dates(pd.Series(["2024-12-31\x00x", "2024-12-31"], dtype=object))
    assert dates.isna().tolist() == [True, False]


# line 3 holds the defect; line 4 is a clean row whose text equals line 3 up to the NUL
STAT_NUL = {
    "nul_value_before_clean_twin": (
        "2024-12-31;SR-A;HH;5\x00x",
        "2024-12-31;SR-B;HH;5",
        "invalid_value",
    ),
    "nul_value_after_clean_twin": (
        "2024-12-31;SR-A;HH;5\x009",
        "2024-12-31;SR-B;HH;5",
        "invalid_value",
    ),
    "nul_date": ("2024-12-31\x00x;SR-A;HH;5", "2024-12-31;SR-B;HH;5", "invalid_value"),
    "nul_area": ("2024-12-31;SR-A\x00x;HH;5", "2024-12-31;SR-B;HH;5", "invalid_value"),
}


@pytest.mark.parametrize("order", ["defect_first", "clean_first"])
@pytest.mark.parametrize("case", sorted(STAT_NUL))
def test_statistics_nul_in_a_value_never_changes_another_row(tmp_path, case, order):
    bad, clean, reason = STAT_NUL[case]
    first, second = (bad, clean) if order == "defect_first" else (clean, bad)
    lines = [STAT_HEADER, "2024-12-31;SR-A;EW;1000", first, second, "2024-12-31;SR-B;EW;800"]
    path = write(tmp_path / "s.csv", "\n".join(lines))
    result = read_small_area_statistics([path], tmp_path, AREAS)
    defect_row = 3 if order == "defect_first" else 4
    assert located(result) == [("s.csv", defect_row, reason)]
    loaded = result.loaded.sort_values("row_number")
    assert loaded["row_number"].tolist() == sorted({2, 3, 4, 5} - {defect_row})
    assert loaded["value"].tolist() == [1000.0, 5.0, 800.0]
    assert not loaded["area_id"].str.contains("\x00").any()


def test_provider_report_nul_in_a_count_never_changes_the_clean_twin(tmp_path):
    path = tmp_path / "providers" / "TR-01" / "reports" / "2025-03.csv"
    write(
        path,
        "\n".join(
            [
                REPORT_HEADER,
                "M-1;2025-03;SR-A;20\x007;10;3;40;100",  # line 2: NUL
                "M-1;2025-03;SR-B;20;10;3;40;100",  # line 3: clean, same text up to the NUL
                "M-2;2025-03;SR-A;20\x00;10;3;40;100",  # line 4: NUL at the end
            ]
        ),
    )
    result = read_reports(discover(tmp_path).of_kind("report"), tmp_path, AREAS, None)
    rel = "providers/TR-01/reports/2025-03.csv"
    assert [(f, r) for f, r, _ in located(result)] == [(rel, 2), (rel, 4)]
    assert result.loaded[["row_number", "participants"]].values.tolist() == [[3, 20]]


def test_needs_survey_nul_in_a_topic_or_rating_never_merges_with_a_clean_answer(tmp_path):
    header = "Befragung_ID;Befragtengruppe;Raum_ID;Themenfeld;Bewertung"
    path = write(
        tmp_path / "surveys" / "needs" / "a.csv",
        "\n".join(
            [
                header,
                "B-1;Bewohner;SR-A;Kita\x00x;4",  # 2: NUL in a free text
                "B-1;Bewohner;SR-A;Kita;4",  # 3: clean
                "B-2;Bewohner;SR-A;Kita;3\x00",  # 4: NUL in the rating
                "B-3;Bewohner;SR-A;Kita;3",  # 5: clean
            ]
        ),
    )
    result = read_needs_survey([path], tmp_path, AREAS)
    rel = "surveys/needs/a.csv"
    assert located(result) == [(rel, 2, "invalid_value"), (rel, 4, "invalid_value")]
    loaded = result.loaded.sort_values("row_number")
    assert loaded[["row_number", "topic", "rating"]].values.tolist() == [
        [3, "Kita", 4],
        [5, "Kita", 3],
    ]


def test_genesis_and_zensus_nul_values_are_refused_and_the_clean_twin_loads(tmp_path):
    other = GENESIS_GOOD.replace("2024-12-31", "2023-12-31")
    genesis = write(
        tmp_path / "g.csv",
        "\n".join([GENESIS_HEADER, GENESIS_GOOD.replace(";1000;", ";1000\x001;"), other]),
    )
    result = read_genesis([genesis], tmp_path)
    assert located(result) == [("g.csv", 2, "invalid_value")]
    assert result.loaded[["row_number", "value"]].values.tolist() == [[3, 1000.0]]
    zensus = write(
        tmp_path / "z.csv",
        "\n".join([ZENSUS_HEADER, "C1;4100050;3100050;12\x00", "C2;4100050;3100150;12"]),
    )
    result = read_zensus([zensus], tmp_path)
    assert located(result) == [("z.csv", 2, "invalid_value")]
    assert result.loaded[["row_number", "population"]].values.tolist() == [[3, 12.0]]


# -- counts are whole numbers ------------------------------------------------------------------

STAT_FRACTION = {
    "english_thousands_comma": "2024-12-31;SR-A;HH;1,080",
    "decimal_comma": "2024-12-31;SR-A;HH;12,5",
    "thousands_point_and_decimals": "2024-12-31;SR-A;HH;1.080,25",
}


@pytest.mark.parametrize("case", sorted(STAT_FRACTION))
def test_statistics_counts_must_be_whole_numbers(tmp_path, case):
    lines = [STAT_HEADER, "2024-12-31;SR-A;EW;1.080", STAT_FRACTION[case], "2024-12-31;SR-B;EW;800"]
    path = write(tmp_path / "s.csv", "\n".join(lines))
    result = read_small_area_statistics([path], tmp_path, AREAS)
    assert located(result) == [("s.csv", 3, "not_whole_number")]
    assert "ganze Zahl" in result.quarantine.iloc[0]["reason"]
    loaded = result.loaded.sort_values("row_number")
    assert loaded["value"].tolist() == [1080.0, 800.0]  # "1.080" is a thousand and eighty


def test_genesis_population_and_zensus_inhabitants_must_be_whole_numbers(tmp_path):
    other = GENESIS_GOOD.replace("2024-12-31", "2023-12-31")
    density = GENESIS_GOOD.replace("2024-12-31", "2022-12-31").replace(
        ";1000;Anzahl;BEVSTD;", ";1234,5;Ew/km2;BEVDIC;"
    )
    genesis = write(
        tmp_path / "g.csv",
        "\n".join([GENESIS_HEADER, other, GENESIS_GOOD.replace(";1000;", ";1,080;"), density]),
    )
    result = read_genesis([genesis], tmp_path)
    assert located(result) == [("g.csv", 3, "not_whole_number")]
    # a density is no count: its decimals stay
    assert result.loaded[["row_number", "value"]].values.tolist() == [[2, 1000.0], [4, 1234.5]]
    zensus = write(
        tmp_path / "z.csv",
        "\n".join([ZENSUS_HEADER, "C1;4100050;3100050;12", "C2;4100050;3100150;7,5"]),
    )
    result = read_zensus([zensus], tmp_path)
    assert located(result) == [("z.csv", 3, "not_whole_number")]
    assert result.loaded["row_number"].tolist() == [2]


# -- no Stichtag after the run date ------------------------------------------------------------

TODAY = dt.date(2025, 1, 15)


def test_statistics_stichtag_after_today_is_refused(tmp_path):
    lines = [
        STAT_HEADER,
        "2025-01-15;SR-A;EW;1000",  # 2: today: loads
        "2064-12-31;SR-A;HH;5",  # 3: decades ahead
        "16.01.2025;SR-B;EW;800",  # 4: tomorrow
        "2024-12-31;SR-B;HH;4",  # 5
    ]
    path = write(tmp_path / "s.csv", "\n".join(lines))
    result = read_small_area_statistics([path], tmp_path, AREAS, today=TODAY)
    assert located(result) == [("s.csv", 3, "future_date"), ("s.csv", 4, "future_date")]
    assert "15.01.2025" in result.quarantine.iloc[0]["reason"]
    assert sorted(result.loaded["row_number"]) == [2, 5]


def test_statistics_stichtag_in_the_future_is_refused_against_the_real_date(tmp_path):
    path = write(
        tmp_path / "s.csv", "\n".join([STAT_HEADER, "2024-12-31;SR-A;EW;1", "2999-12-31;SR-A;HH;5"])
    )
    result = read_small_area_statistics([path], tmp_path, AREAS)
    assert located(result) == [("s.csv", 3, "future_date")]
    assert result.loaded["row_number"].tolist() == [2]


def test_genesis_time_after_today_is_refused(tmp_path):
    future = GENESIS_GOOD.replace("2024-12-31", "2064-12-31")
    path = write(tmp_path / "g.csv", "\n".join([GENESIS_HEADER, GENESIS_GOOD, future]))
    result = read_genesis([path], tmp_path, today=TODAY)
    assert located(result) == [("g.csv", 3, "future_date")]
    assert result.loaded["row_number"].tolist() == [2]
