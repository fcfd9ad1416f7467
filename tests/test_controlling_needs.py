"""Needs-survey aggregates: exact inside, minimum n and secondary suppression when published
(DESIGN §6, §8)."""

import duckdb
import pandas as pd
import pytest

from assets.controlling.needs import aggregate_needs_survey
from assets.publish.controlling import needs_survey_sql

AGS = "05999000"


def answers(area, topic, group, ratings):
    return [
        dict(municipality_ags=AGS, area_id=area, topic=topic, respondent_group=group, rating=r)
        for r in ratings
    ]


RESPONSES = pd.DataFrame(
    answers("SR-A", "Kinderbetreuung", "residents", [1, 2, 3, 4, 5, 5])
    + answers("SR-B", "Kinderbetreuung", "residents", [5, 4])
    + answers("SR-C", "Kinderbetreuung", "residents", [4, 4, 4, 4, 4])
    + answers("SR-A", "Kinderbetreuung", "professionals", [2, 3, 4])
    + answers("SR-A", "Wohnumfeld", "residents", [1, 1, 2, 2, 5])
)


def published(responses: pd.DataFrame, min_n: int = 5, k: int = 3) -> pd.DataFrame:
    """The internal aggregates after the publish step's disclosure control, run by DuckDB."""
    con = duckdb.connect()
    con.register("needs_survey", aggregate_needs_survey(responses, min_n))
    out = con.execute(needs_survey_sql(k, min_n)).df()
    con.close()
    return out


@pytest.fixture(scope="module")
def cells():
    return published(RESPONSES).set_index(["area_id", "topic", "respondent_group"])


def test_internal_table_keeps_the_exact_figures_of_small_cells():
    internal = aggregate_needs_survey(RESPONSES, min_n=5).set_index(
        ["area_id", "topic", "respondent_group"]
    )
    b = internal.loc[("SR-B", "Kinderbetreuung", "residents")]
    assert b["n"] == 2 and b["mean_rating"] == pytest.approx(4.5)  # (5 + 4) / 2
    assert b["share_high_need"] == pytest.approx(100.0) and b["status"] == "few_answers"
    assert internal.loc[("SR-C", "Kinderbetreuung", "residents"), "status"] == "ok"


def test_cell_at_or_above_min_n_is_published(cells):
    a = cells.loc[("SR-A", "Kinderbetreuung", "residents")]
    assert a["status"] == "ok" and a["n"] == 6
    assert a["mean_rating"] == pytest.approx(20 / 6)  # (1+2+3+4+5+5) / 6
    assert a["share_high_need"] == pytest.approx(50.0)  # 4, 5, 5 of 6
    exactly = cells.loc[("SR-A", "Wohnumfeld", "residents")]
    assert exactly["status"] == "ok" and exactly["n"] == 5  # n = min_n is enough
    assert exactly["share_high_need"] == pytest.approx(20.0)


def test_cell_below_min_n_is_null_with_status(cells):
    b = cells.loc[("SR-B", "Kinderbetreuung", "residents")]
    assert b["status"] == "suppressed"
    assert pd.isna(b["n"]) and pd.isna(b["mean_rating"]) and pd.isna(b["share_high_need"])
    assert b["note"] == "weniger als 5 Antworten"


def test_city_wide_row_from_all_answers(cells):
    city = cells.loc[("ALL", "Kinderbetreuung", "residents")]
    # 6 + 2 + 5 = 13 answers, ratings sum 20 + 9 + 20 = 49, rated 4–5: 3 + 2 + 5 = 10
    assert city["n"] == 13 and city["status"] == "ok"
    assert city["mean_rating"] == pytest.approx(49 / 13)
    assert city["share_high_need"] == pytest.approx(10 / 13 * 100)


def test_secondary_suppression_protects_the_hidden_cell(cells):
    # SR-B (2 answers) could be recovered as ALL − SR-A − SR-C; the smallest published cell,
    # SR-C (5), is suppressed too, so that the hidden cells hold 2 + 5 = 7 >= 5 answers together
    c = cells.loc[("SR-C", "Kinderbetreuung", "residents")]
    assert c["status"] == "suppressed" and pd.isna(c["n"]) and pd.isna(c["mean_rating"])
    assert "rückrechenbar" in c["note"]
    assert cells.loc[("SR-A", "Kinderbetreuung", "residents"), "status"] == "ok"


def test_no_secondary_suppression_when_the_total_is_suppressed(cells):
    assert cells.loc[("ALL", "Kinderbetreuung", "professionals"), "status"] == "suppressed"
    assert cells.loc[("SR-A", "Kinderbetreuung", "professionals"), "note"] == (
        "weniger als 5 Antworten"
    )


def test_secondary_suppression_takes_the_smallest_cell_and_breaks_ties_by_area():
    # SR-A (3) is hidden; SR-B and SR-C (5 each) tie for the smallest published cell: SR-B goes,
    # after which 3 + 5 = 8 >= 5 hidden answers suffice. Another topic is not touched.
    responses = pd.DataFrame(
        answers("SR-A", "Wohnumfeld", "residents", [1, 2, 3])
        + answers("SR-C", "Wohnumfeld", "residents", [4] * 5)
        + answers("SR-B", "Wohnumfeld", "residents", [5] * 5)
        + answers("SR-D", "Wohnumfeld", "residents", [2] * 7)
        + answers("SR-B", "Verkehr", "residents", [3] * 5)
        + answers("SR-C", "Verkehr", "residents", [3] * 6)
    )
    cells = published(responses).set_index(["area_id", "topic"])
    status = cells["status"].to_dict()
    assert status[("SR-A", "Wohnumfeld")] == "suppressed"
    assert status[("SR-B", "Wohnumfeld")] == "suppressed"
    assert "rückrechenbar" in cells.loc[("SR-B", "Wohnumfeld"), "note"]
    assert status[("SR-C", "Wohnumfeld")] == status[("SR-D", "Wohnumfeld")] == "ok"
    assert status[("ALL", "Wohnumfeld")] == "ok"
    assert {status[("SR-B", "Verkehr")], status[("SR-C", "Verkehr")]} == {"ok"}
