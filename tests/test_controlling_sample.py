"""The shipped sample's goals.yaml, reports, surveys and needs survey run through controlling."""

from pathlib import Path

import pandas as pd
import pytest

from assets.controlling.kpis import FACILITY_COLUMNS, compute_measure_kpis
from assets.controlling.needs import aggregate_needs_survey
from assets.controlling.status import (
    LIGHTS,
    compute_kpi_status,
    goal_measure_status,
    rolling_kpi_status,
)
from assets.indicators.catalog import BY_ID
from assets.ingest import providers
from assets.ingest.areas import area_files, read_areas
from assets.ingest.needs_survey import read_needs_survey
from assets.ingest.statistics import read_small_area_statistics
from assets.planning import load_goals
from assets.settings import DEFAULTS

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    areas, polygons = read_areas(area_files(SAMPLE), SAMPLE)
    loaded = areas.loaded
    area_municipality = dict(zip(loaded["area_id"], loaded["municipality_ags"], strict=True))
    goals = load_goals(SAMPLE / "planning" / "goals.yaml", set(BY_ID), set(area_municipality))
    statistics = read_small_area_statistics(
        sorted((SAMPLE / "statistics" / "small_area").glob("*.csv")), SAMPLE, area_municipality
    )
    inventory = providers.discover(SAMPLE)
    refs = {m.id: providers.MeasureRef(m.provider, tuple(m.areas)) for m in goals.measures}
    reports = providers.read_reports(
        inventory.of_kind("report"), SAMPLE, area_municipality, refs
    ).loaded
    responses = providers.read_surveys(inventory.of_kind("survey"), SAMPLE, refs).loaded
    months = sorted(pd.to_datetime(reports["month"]).dt.strftime("%Y-%m").unique())
    facilities = providers.read_facilities(inventory.of_kind("facilities"), SAMPLE, polygons)
    kpis = compute_measure_kpis(
        reports,
        responses,
        statistics.loaded,
        facilities.loaded[FACILITY_COLUMNS],
        goals,
        months,
    )
    needs = read_needs_survey(
        sorted((SAMPLE / "surveys" / "needs").glob("*.csv")), SAMPLE, area_municipality
    )
    return goals, months, kpis, needs


def test_every_planned_measure_has_a_row_per_month(sample):
    goals, months, kpis, _ = sample
    assert kpis.groupby("measure_id").size().to_dict() == {
        m.id: len(months) for m in goals.measures
    }
    assert not kpis.duplicated(["measure_id", "month"]).any()
    missing = kpis[kpis["report_status"] == "missing"]
    assert len(missing) > 0 and missing["participants"].isna().all()  # quarantined reports
    reported = kpis[kpis["report_status"] == "reported"]
    assert reported[["utilisation", "reach", "cost_per_participant"]].notna().all().all()
    assert reported["reach"].between(0, 100).all()


def test_sample_traffic_lights_are_plausible(sample):
    goals, months, kpis, _ = sample
    status = compute_kpi_status(kpis, goals, DEFAULTS["traffic_light"])
    assert set(status["traffic_light"]) <= set(LIGHTS)
    latest = status[(pd.to_datetime(status["month"]) == months[-1]) & status["target"].notna()]
    counts = latest["traffic_light"].value_counts()
    assert counts.get("green", 0) > 0 and counts.get("red", 0) > 0
    rolling = rolling_kpi_status(kpis, goals, DEFAULTS["traffic_light"])
    assert rolling["window_months"].between(0, 3).all()
    view = goal_measure_status(goals, status, months[-1])
    assert len(view) == sum(len(g.measures) for g in goals.goals)


def test_sample_needs_survey_loads_and_aggregates(sample):
    *_, needs = sample
    assert needs.quarantine.empty and len(needs.loaded) == needs.files["rows_in"].sum()
    cells = aggregate_needs_survey(needs.loaded, DEFAULTS["disclosure"]["min_survey_n"])
    assert set(cells["respondent_group"]) == {"residents", "professionals"}
    assert (cells["area_id"] == "ALL").any()
    ok = cells[cells["status"] == "ok"]
    assert ok["n"].ge(5).all() and ok["share_high_need"].between(0, 100).all()
    # internally the exact figures stay; cells below the minimum are only marked (the published
    # file hides them)
    few = cells[cells["status"] == "few_answers"]
    assert len(few) > 0 and few["n"].between(1, 4).all() and few["mean_rating"].notna().all()
