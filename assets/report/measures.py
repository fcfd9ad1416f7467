"""Measures, their traffic lights and the goals they serve, as the pages show them.

A measure's latest traffic lights appear on the profile of every area it works in; the goals and
the red KPIs of the latest month on the overview page.
"""

from __future__ import annotations

import pandas as pd

from assets import labels
from assets.publish.views import kpi_format
from assets.report.cells import Cell, cell, date_de, ja_nein, number


def measures_by_area(measures: pd.DataFrame, kpi_status: pd.DataFrame) -> dict[str, list[dict]]:
    """Each measure with its latest traffic lights, listed under every area it works in.

    Built once per report: a measure working in many areas is formatted once, not per page.
    """
    months = kpi_status.groupby("measure_id", sort=False)["month"].max()
    lights: dict[str, list[dict]] = {}
    for row in kpi_status[kpi_status["target"].notna()].to_dict("records"):
        lights.setdefault(row["measure_id"], []).append(_light(row))
    result: dict[str, list[dict]] = {}
    for measure in measures.to_dict("records"):
        month = months.get(measure["measure_id"])
        view = {
            "id": measure["measure_id"],
            "title": measure["title"],
            "provider": measure["provider_id"],
            "ages": _ages(measure["age_from"], measure["age_to"]),
            "month": "" if month is None else f"{pd.Timestamp(month):%m/%Y}",
            "lights": lights.get(measure["measure_id"], []),
        }
        for area_id in sorted(
            {a.strip() for a in (measure["areas"] or "").split(",") if a.strip()}
        ):
            result.setdefault(area_id, []).append(view)
    return result


def _ages(age_from, age_to) -> str:
    if pd.isna(age_from) and pd.isna(age_to):
        return ""
    return f"{number(age_from, 0)}–{number(age_to, 0)} Jahre"


def _target(row: dict) -> str:
    """A KPI target in words: a ceiling ("höchstens 450,00") or a value to reach ("Ziel 38"),
    written like the KPI's values."""
    kind = "höchstens" if row["target_kind"] == "max" else "Ziel"
    return f"{kind} {number(row['target'], kpi_format(row['kpi'])[0])}"


def _actual(row: dict, status: str | None) -> Cell:
    """A KPI's value as its kind is written: counts whole, percent one decimal, euro cents."""
    return cell(row["actual"], status, row["note"], decimals=kpi_format(row["kpi"])[0])


def _light(row: dict) -> dict:
    name, colour = labels.TRAFFIC_LIGHTS.get(row["traffic_light"], labels.TRAFFIC_LIGHTS["none"])
    actual = _actual(row, row["status"])
    return {
        "kpi": labels.label(labels.KPIS, row["kpi"]),
        "light": name,
        "colour": colour,
        "actual": actual,
        "target": _target(row),
        "attainment": cell(row["attainment"], note=row["note"], decimals=0),
    }


def goals_view(goals: pd.DataFrame, catalog: list[dict]) -> list[dict]:
    names = {entry["indicator_id"]: entry["label_de"] for entry in catalog}
    return [
        {
            "id": row["goal_id"],
            "title": row["goal_title"],
            "indicator": names.get(row["indicator_id"], row["indicator_id"]),
            "date": date_de(row["reference_date"]),
            "baseline": cell(row["baseline"]),
            "current": cell(row["current"]),
            "target": cell(row["target"]),
            "progress": cell(row["progress"], decimals=0),  # percent, like every published rate
            "on_track": ja_nein(row["on_track"]),
            "month": ""
            if pd.isna(row["measures_month"])
            else f"{pd.Timestamp(row['measures_month']):%m/%Y}",
            "green": number(row["kpis_green"], 0),
            "yellow": number(row["kpis_yellow"], 0),
            "red": number(row["kpis_red"], 0),
            "without": number(row["kpis_without_value"], 0),
            "measures_red": row["measures_red"] or "",
        }
        for row in goals.to_dict("records")
    ]


def red_kpis_view(red: pd.DataFrame) -> list[dict]:
    return [
        {
            "month": f"{pd.Timestamp(row['month']):%m/%Y}",
            "measure": row["measure_id"],
            "title": row["title"],
            "provider": row["provider_id"],
            "kpi": labels.label(labels.KPIS, row["kpi"]),
            # a red light without a value is one disclosure control hid (v_red_kpis_latest)
            "actual": _actual(row, "suppressed" if pd.isna(row["actual"]) else "ok"),
            "target": _target(row),
            "attainment": cell(row["attainment"], note=row["note"], decimals=0),
        }
        for row in red.to_dict("records")
    ]
