"""Goal progress against hand-computed numbers, and goals.yaml validation (DESIGN §6, §7)."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.indicators.catalog import BY_ID
from assets.indicators.goals import compute_goal_progress
from assets.planning import Goal, Goals, PlanningError, Target, load_goals

M1 = "05999000"
SAMPLE_AREAS = {f"SR-{i:02d}" for i in range(1, 33)}

# Baseline 01.01.2024, target 10.04.2024: 100 days. 10.02.2024 is day 40, so 40 % of the time.
GOAL = Goal(
    "G1", "Kinderarmut senken", "child_poverty", dt.date(2024, 1, 1), dt.date(2024, 4, 10), 15.0, []
)


def values(rows):
    frame = pd.DataFrame(
        rows, columns=["area_id", "reference_date", "indicator_id", "value", "status"]
    )
    frame["reference_date"] = pd.to_datetime(frame["reference_date"]).dt.date
    return frame.assign(municipality_ags=M1)


@pytest.fixture
def progress():
    rows = [
        ("A", "2023-11-30", "child_poverty", 25.0, "ok"),  # older than the baseline's date
        ("A", "2023-12-31", "child_poverty", 20.0, "ok"),  # baseline: latest at or before 01.01.
        ("A", "2024-02-10", "child_poverty", 18.0, "ok"),
        ("A", "2024-06-30", "child_poverty", 14.0, "ok"),  # after the target date
        ("B", "2023-12-31", "child_poverty", 20.0, "ok"),
        ("B", "2024-02-10", "child_poverty", 19.0, "ok"),
        ("C", "2023-11-30", "child_poverty", 22.0, "ok"),
        ("C", "2023-12-31", "child_poverty", np.nan, "not_computable"),
        ("C", "2024-02-10", "child_poverty", 18.0, "ok"),
        ("ALL", "2023-12-31", "child_poverty", 20.0, "ok"),
        ("ALL", "2024-02-10", "child_poverty", 16.0, "ok"),
        ("A", "2024-02-10", "unemployment", 9.0, "ok"),  # another indicator
    ]
    return compute_goal_progress([GOAL], values(rows))


def at(frame, area, date):
    match = frame[(frame.area_id == area) & (frame.reference_date == dt.date.fromisoformat(date))]
    assert len(match) == 1
    return match.iloc[0]


def test_on_track_against_the_straight_line(progress):
    a = at(progress, "A", "2024-02-10")
    # (18 - 20) / (15 - 20) = -2 / -5 = 0.4 of the way after 40 / 100 = 0.4 of the time
    assert (a.baseline, a.current, a.target) == (20.0, 18.0, 15.0)
    assert a.progress == pytest.approx(0.4)
    assert a.on_track == True  # noqa: E712
    b = at(progress, "B", "2024-02-10")
    # (19 - 20) / (15 - 20) = 0.2 < 0.4
    assert b.progress == pytest.approx(0.2)
    assert b.on_track == False  # noqa: E712


def test_city_wide_and_beyond_the_target(progress):
    city = at(progress, "ALL", "2024-02-10")
    assert city.progress == pytest.approx(0.8)  # (16 - 20) / (15 - 20)
    late = at(progress, "A", "2024-06-30")
    # (14 - 20) / (15 - 20) = 1.2; elapsed (172 / 100 days) is clipped to 1
    assert late.progress == pytest.approx(1.2)
    assert late.on_track == True  # noqa: E712


def test_only_dates_from_the_baseline_on(progress):
    assert set(progress.goal_id) == {"G1"} and set(progress.indicator_id) == {"child_poverty"}
    assert sorted(progress.reference_date.astype(str).unique()) == ["2024-02-10", "2024-06-30"]
    assert list(progress.columns) == [
        "goal_id",
        "municipality_ags",
        "area_id",
        "reference_date",
        "indicator_id",
        "baseline",
        "current",
        "target",
        "progress",
        "on_track",
    ]


def test_baseline_not_ok_gives_null_not_an_older_value(progress):
    c = at(progress, "C", "2024-02-10")
    assert pd.isna(c.baseline) and pd.isna(c.progress) and c.on_track is pd.NA


def test_target_equal_to_baseline_gives_null():
    goal = Goal("G2", "halten", "child_poverty", dt.date(2024, 1, 1), dt.date(2025, 1, 1), 20.0, [])
    rows = [
        ("A", "2023-12-31", "child_poverty", 20.0, "ok"),
        ("A", "2024-06-30", "child_poverty", 21.0, "ok"),
    ]
    result = compute_goal_progress([goal], values(rows))
    assert pd.isna(result.progress.iloc[0]) and result.on_track.iloc[0] is pd.NA


def test_sample_goals_load():
    path = Path(__file__).parents[1] / "data/sample/planning/goals.yaml"
    goals = load_goals(path, set(BY_ID), SAMPLE_AREAS)
    assert [g.id for g in goals.goals] == ["G1", "G2", "G3"]
    assert goals.goals[0].baseline_date == dt.date(2023, 12, 31)
    assert len(goals.measures) == 17
    m101 = goals.measures[0]
    assert (m101.areas, m101.age_from, m101.age_to, m101.capacity) == (["SR-21"], 18, 64, 40.0)
    assert m101.targets["cost_per_participant"] == Target("max", 225.0)
    assert m101.targets["participants"] == Target("target", 34.0)


def test_missing_file_means_no_goals(tmp_path):
    assert load_goals(tmp_path / "goals.yaml", set(BY_ID), SAMPLE_AREAS) == Goals()


BROKEN = """\
leitbild: Test
goals:
  - id: G1
    title: Kinderarmut senken
    indicator: child_povrty
    baseline: {date: 2023-02-30}
    target: {date: 2028-12-31, value: 15.0}
    measures: [M-1, M-9]
  - id: G2
    indicator: unemployment
    baseline: {date: 2024-12-31}
    target: {date: 31.12.2028, value: 6.5}
measures:
  - id: M-1
    provider: TR-01
    title: Lernförderung
    areas: [SR-01, SR-99]
    target_group: {age_from: 6, age_to: 17}
    capacity: 40
    targets:
      participants: {target: 35}
      cost_per_participant: {limit: 150.0}
"""


def test_validation_lists_every_problem_with_its_line(tmp_path):
    path = tmp_path / "goals.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(PlanningError) as error:
        load_goals(path, set(BY_ID), SAMPLE_AREAS)
    lines = str(error.value).splitlines()
    assert lines[0] == f"{path}: 8 Fehler"
    assert lines[1:] == [
        f"{path}:5: Ziel G1: unbekannter Indikator 'child_povrty'",
        f"{path}:6: Ziel G1, baseline.date: erwartet ein gültiges Datum JJJJ-MM-TT",
        f"{path}:8: Ziel G1: Maßnahme 'M-9' ist nicht definiert",
        f"{path}:9: Ziel G2: Pflichtangabe 'title' fehlt",
        f"{path}:12: Ziel G2, target.date: erwartet ein gültiges Datum JJJJ-MM-TT",
        f"{path}:17: Maßnahme M-1: unbekanntes Gebiet 'SR-99'",
        f"{path}:22: Maßnahme M-1, targets.cost_per_participant: unbekannter Schlüssel 'limit'",
        f"{path}:22: Maßnahme M-1: Ziel für 'cost_per_participant' braucht genau eins von "
        "target oder max",
    ]


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "goals.yaml"
    path.write_text("goals:\n  - id: G1\n    title: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanningError, match=rf"^{path}:4: kein gültiges YAML"):
        load_goals(path, set(BY_ID), SAMPLE_AREAS)
