"""Needs-survey reader on a corpus of defects: every row loaded or quarantined with its reason."""

from assets.ingest.needs_survey import SOURCE, read_needs_survey
from tests.conftest import write

KNOWN = {"SR-A": "05999000", "SR-B": "05999000"}
HEADER = "Befragung_ID;Befragtengruppe;Raum_ID;Themenfeld;Bewertung\n"


def quarantined(result):
    return {
        (q.file.split("/")[-1], q.row_number, q.reason_code) for q in result.quarantine.itertuples()
    }


def test_each_defect_is_quarantined_with_its_reason_and_good_rows_load(tmp_path):
    first = write(
        tmp_path / "surveys" / "needs" / "a.csv",
        HEADER
        + "B-1;Bewohner;SR-A;Kinderbetreuung;4\n"  # 2: ok
        + "B-2;FACHKRAFT;SR-B;Kinderbetreuung;2\n"  # 3: ok, group in capitals
        + "B-3;Besucher;SR-A;Kinderbetreuung;3\n"  # 4: unknown group
        + "B-4;Bewohner;SR-Z;Kinderbetreuung;3\n"  # 5: unknown area
        + "B-5;Bewohner;SR-A;Kinderbetreuung;6\n"  # 6: rating above 5
        + "B-5;Bewohner;SR-A;Wohnumfeld;2,5\n"  # 7: rating not whole
        + "B-5;Bewohner;SR-A;Beratung;\n"  # 8: rating empty
        + "B-6;Bewohner;SR-A;;3\n"  # 9: empty topic
        + "B-7;Bewohner;SR-A;Kinderbetreuung;3;x\n"  # 10: wrong field count
        + ";Bewohner;SR-A;Kinderbetreuung;3\n"  # 11: no survey id
        + "B-1;Bewohner;SR-A;Kinderbetreuung;5\n"  # 12: B-1 rated this topic in line 2
        + "B-8; bewohner ;SR-A;Wohnumfeld;5\n"  # 13: ok, spaces and lower case
        + "\n\n",
    )
    wrong_header = write(
        tmp_path / "surveys" / "needs" / "b.csv",
        "Befragung_ID;Befragtengruppe;Raum_ID;Themenfeld;Note\nB-9;Bewohner;SR-A;Beratung;3\n",
    )
    windows = write(
        tmp_path / "surveys" / "needs" / "c.csv",
        HEADER
        + "B-2;Fachkraft;SR-B;Kinderbetreuung;1\n"  # 2: B-2 rated this topic in a.csv line 3
        + "B-9;Bewohner;SR-B;Familienbildung für Ältere;5\n",  # 3: ok, Windows-1252
        "cp1252",
    )
    result = read_needs_survey([first, wrong_header, windows], tmp_path, KNOWN)
    assert quarantined(result) == {
        ("a.csv", 4, "unknown_group"),
        ("a.csv", 5, "unknown_area"),
        ("a.csv", 6, "rating_out_of_range"),
        ("a.csv", 7, "rating_out_of_range"),
        ("a.csv", 8, "rating_out_of_range"),
        ("a.csv", 9, "empty_value"),
        ("a.csv", 10, "wrong_field_count"),
        ("a.csv", 11, "empty_value"),
        ("a.csv", 12, "duplicate"),
        ("b.csv", 2, "missing_column"),
        ("c.csv", 2, "duplicate"),
    }
    reasons = result.quarantine.set_index(["file", "row_number"])["reason"]
    assert reasons[("surveys/needs/a.csv", 4)] == (
        "Befragtengruppe muss 'Bewohner' oder 'Fachkraft' sein"
    )
    assert "Bewertung muss eine ganze Zahl von 1" in reasons[("surveys/needs/a.csv", 6)]
    assert reasons[("surveys/needs/a.csv", 9)] == "Themenfeld fehlt"
    assert "'Bewertung' fehlt" in reasons[("surveys/needs/b.csv", 2)]
    assert "surveys/needs/a.csv Zeile 3" in reasons[("surveys/needs/c.csv", 2)]
    assert set(result.quarantine["source"]) == {SOURCE}

    loaded = result.loaded.set_index(["source_file", "row_number"])
    assert loaded.loc[("surveys/needs/a.csv", 3), "respondent_group"] == "professionals"
    assert loaded.loc[("surveys/needs/a.csv", 13), "respondent_group"] == "residents"
    assert loaded.loc[("surveys/needs/c.csv", 3), "topic"] == "Familienbildung für Ältere"
    assert loaded.loc[("surveys/needs/a.csv", 2), ["municipality_ags", "rating"]].tolist() == [
        "05999000",
        4.0,
    ]
    counts = result.files.set_index("file")[["rows_in", "rows_loaded", "rows_quarantined"]]
    assert counts.loc["surveys/needs/a.csv"].tolist() == [12, 3, 9]
    assert counts.loc["surveys/needs/b.csv"].tolist() == [1, 0, 1]
    assert counts.loc["surveys/needs/c.csv"].tolist() == [2, 1, 1]
    assert result.files.set_index("file").loc["surveys/needs/c.csv", "encoding"] == "cp1252"
    assert len(result.loaded) + len(result.quarantine) == counts["rows_in"].sum()
