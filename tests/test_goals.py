"""Goal progress against hand-computed numbers, and goals.yaml validation (DESIGN §6, §7)."""

import datetime as dt
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from assets.controlling.assets import measure_kpis
from assets.indicators.catalog import BY_ID
from assets.indicators.goals import compute_goal_progress
from assets.ingest.assets import (
    areas,
    facilities,
    measure_reports,
    satisfaction_responses,
)
from assets.planning import Goal, Goals, PlanningError, Target, load_goals
from assets.resources import DataRoot, Warehouse
from tests.conftest import add_provider_files, write

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
        ("D", "2023-12-31", "child_poverty", 24.0, "ok"),
        ("D", "2024-02-10", "child_poverty", 21.0, "ok"),
        ("E", "2023-12-31", "child_poverty", 30.0, "ok"),
        ("E", "2024-02-10", "child_poverty", 33.0, "ok"),  # moving away from the target
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
    """City: 20 → target 15, a quarter less, so each area aims for 0.75 × its own baseline."""
    a = at(progress, "A", "2024-02-10")
    # target 0.75 × 20 = 15; 100 × (18 - 20) / (15 - 20) = 40 % of the way after 40 % of the time
    assert (a.baseline, a.current, a.target) == (20.0, 18.0, 15.0)
    assert a.progress == pytest.approx(40.0)
    assert a.on_track == True  # noqa: E712
    assert a.note is None
    b = at(progress, "B", "2024-02-10")
    # 100 × (19 - 20) / (15 - 20) = 20 < 40
    assert b.progress == pytest.approx(20.0)
    assert b.on_track == False  # noqa: E712
    d = at(progress, "D", "2024-02-10")
    # target 0.75 × 24 = 18; 100 × (21 - 24) / (18 - 24) = 50 ≥ 40
    assert d.target == pytest.approx(18.0)
    assert d.progress == pytest.approx(50.0) and d.on_track == True  # noqa: E712
    e = at(progress, "E", "2024-02-10")
    # target 0.75 × 30 = 22.5; 100 × (33 - 30) / (22.5 - 30) = -40: worse than the baseline
    assert e.target == pytest.approx(22.5)
    assert e.progress == pytest.approx(-40.0) and e.on_track == False  # noqa: E712


def test_city_wide_and_beyond_the_target(progress):
    city = at(progress, "ALL", "2024-02-10")
    assert city.target == 15.0 and city.progress == pytest.approx(80.0)  # (16 - 20) / (15 - 20)
    late = at(progress, "A", "2024-06-30")
    # 100 × (14 - 20) / (15 - 20) = 120; elapsed (172 / 100 days) is clipped to 100 %
    assert late.progress == pytest.approx(120.0)
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
        "note",
    ]


def test_baseline_not_ok_gives_null_not_an_older_value(progress):
    c = at(progress, "C", "2024-02-10")
    assert pd.isna(c.baseline) and pd.isna(c.target) and pd.isna(c.progress)
    assert c.on_track is pd.NA


def test_target_equal_to_baseline_gives_null_for_the_city_and_holds_the_areas():
    """A goal to hold 20 %: the city has no way to go (NULL, as always); an area that starts at
    its target is judged by whether it still meets it."""
    goal = Goal("G2", "halten", "child_poverty", dt.date(2024, 1, 1), dt.date(2025, 1, 1), 20.0, [])
    rows = [
        ("ALL", "2023-12-31", "child_poverty", 20.0, "ok"),
        ("ALL", "2024-06-30", "child_poverty", 21.0, "ok"),
        ("A", "2023-12-31", "child_poverty", 20.0, "ok"),
        ("A", "2024-06-30", "child_poverty", 21.0, "ok"),
    ]
    result = compute_goal_progress([goal], values(rows))
    city = at(result, "ALL", "2024-06-30")
    assert pd.isna(city.progress) and city.on_track is pd.NA and city.note is None
    a = at(result, "A", "2024-06-30")
    # target 20 × 20 / 20 = 20: met at the start, missed now (child poverty: lower is better)
    assert a.target == 20.0 and pd.isna(a.progress) and a.on_track == False  # noqa: E712
    assert a.note == "Ausgangswert erfüllt das Ziel bereits; der aktuelle Wert verfehlt es"


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


FACILITY_LINKS = """\
measures:
  - id: M-1
    provider: TR-01
    title: Kita-Plätze
    areas: [SR-01]
    target_group: {age_from: 0, age_to: 5}
    facility: TR-01-E001
  - id: M-2
    provider: TR-01
    title: Offene Beratung
    areas: [SR-01]
    target_group: {age_from: 18, age_to: 99}
  - id: M-3
    provider: TR-01
    title: Lernförderung
    areas: [SR-01]
    target_group: {age_from: 6, age_to: 14}
    facility: [TR-01-E002, TR-01-E003]
    capacity: 0
  - id: M-4
    provider: TR-01
    title: Hausaufgabenhilfe
    areas: [SR-01]
    target_group: {age_from: 6, age_to: 14}
    capacity: 12.5
"""


def test_capacity_is_optional_and_facility_links_keep_their_line(tmp_path):
    path = tmp_path / "goals.yaml"
    path.write_text(FACILITY_LINKS.split("  - id: M-3")[0], encoding="utf-8")
    m1, m2 = load_goals(path, set(BY_ID), SAMPLE_AREAS).measures
    assert (m1.capacity, m1.facility, m1.facility_line) == (None, "TR-01-E001", 7)
    assert (m2.capacity, m2.facility, m2.facility_line) == (None, None, None)  # no places at all


def test_facility_must_be_one_id(tmp_path):
    path = tmp_path / "goals.yaml"
    path.write_text(FACILITY_LINKS, encoding="utf-8")
    with pytest.raises(PlanningError) as error:
        load_goals(path, set(BY_ID), SAMPLE_AREAS)
    assert str(error.value).splitlines()[1:] == [
        f"{path}:18: Maßnahme M-3, facility: erwartet einen Text",
        f"{path}:19: Maßnahme M-3: capacity muss eine ganze Zahl größer als 0 sein (Plätze)",
        f"{path}:25: Maßnahme M-4: capacity muss eine ganze Zahl größer als 0 sein (Plätze)",
    ]


@pytest.mark.parametrize("linked", ["file", "dangling file", "folder"])
def test_linked_goals_yaml_is_refused(tmp_path, linked):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "goals.yaml").write_text(FACILITY_LINKS.split("  - id: M-3")[0], encoding="utf-8")
    planning = tmp_path / "root" / "planning"
    if linked == "folder":
        planning.parent.mkdir()
        planning.symlink_to(outside, target_is_directory=True)
    else:
        planning.mkdir(parents=True)
        target = outside / ("goals.yaml" if linked == "file" else "gone.yaml")
        (planning / "goals.yaml").symlink_to(target)
    path = planning / "goals.yaml"
    with pytest.raises(PlanningError, match=rf"^{path}: ist eine Verknüpfung \(Link\)"):
        load_goals(path, set(BY_ID), SAMPLE_AREAS)


# -- a broken goals.yaml stops controlling, not the providers' reports (real Dagster runs) --------

BROKEN_MEASURE = "measures:\n  - id: M-1\n    provider: TR-01\n"  # title, areas … missing


@pytest.fixture
def broken_goals_root(tiny_root):
    add_provider_files(tiny_root)
    write(tiny_root / "planning" / "goals.yaml", BROKEN_MEASURE)
    return tiny_root


def materialize(root, tmp_path, assets, partition_key=None):
    resources = {
        "data_root": DataRoot(data_dir=str(root)),
        "warehouse": Warehouse(warehouse_dir=str(tmp_path / "wh")),
    }
    return dg.materialize(
        assets, resources=resources, partition_key=partition_key, raise_on_error=False
    )


def failure_message(result) -> str:
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    return failure.step_failure_data.error.to_string()  # with the cause: the user code error


def test_broken_goals_yaml_fails_controlling_with_the_located_error(broken_goals_root, tmp_path):
    assert materialize(broken_goals_root, tmp_path, [areas]).success
    result = materialize(broken_goals_root, tmp_path, [measure_kpis], "2024-06-01")
    assert not result.success
    goals = broken_goals_root / "planning" / "goals.yaml"
    assert f"{goals}:2: Maßnahme M-1: Pflichtangabe 'title' fehlt" in failure_message(result)


def test_broken_goals_yaml_does_not_stop_the_providers_reports(broken_goals_root, tmp_path):
    assert materialize(broken_goals_root, tmp_path, [areas]).success
    assert materialize(broken_goals_root, tmp_path, [measure_reports], "2024-06-01").success
    with Warehouse(warehouse_dir=str(tmp_path / "wh")).connect() as con:
        # SR-A's row loads; SR-B's has 25 target-group participants of 20 (quarantined)
        assert con.execute("SELECT count(*) FROM measure_reports").fetchone() == (1,)


def test_measure_kpis_takes_the_capacity_of_the_linked_facility(tiny_root, tmp_path):
    add_provider_files(tiny_root)  # E-1 of TR-01: 40 places since 01.01.2020
    write(
        tiny_root / "planning" / "goals.yaml",
        "measures:\n  - id: M-1\n    provider: TR-01\n    title: Kita\n    areas: [SR-A, SR-B]\n"
        "    target_group: {age_from: 0, age_to: 14}\n    facility: E-1\n",
    )
    assert materialize(tiny_root, tmp_path, [areas, facilities, satisfaction_responses]).success
    for monthly in (measure_reports, measure_kpis):
        assert materialize(tiny_root, tmp_path, [monthly], "2024-06-01").success
    with Warehouse(warehouse_dir=str(tmp_path / "wh")).connect() as con:
        row = con.execute("SELECT participants, capacity, utilisation FROM measure_kpis").fetchall()
        note = con.execute("SELECT note FROM measure_kpis").fetchone()[0]
    # SR-A's 20 participants load (SR-B's row is quarantined): 20 / 40 × 100 = 50 %
    assert row == [(20.0, 40.0, 50.0)]
    # and the planner is told the figures cover SR-A only
    assert "Bericht unvollständig: keine Zeile für SR-B" in note
