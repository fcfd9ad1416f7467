"""The planning files: ``settings.yaml`` (the defaults, written out) and ``goals.yaml`` (the
council's goals on the city-wide indicators and the measures' targets, derived from the data)."""

# ruff: noqa: E501  (SETTINGS_YAML copies DESIGN.md section 7 verbatim)
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .bundesagentur import ba_model
from .common import write_text, years_since_ref
from .measures import target_population
from .population import population_model

# the settings block is DESIGN.md section 7 verbatim (German comments), hence long lines
SETTINGS_YAML = """\
# Einstellungen der Datenplattform Sozialplanung (Datenteam).
# Jeder Parameter hat einen Standardwert; diese Datei schreibt die Standardwerte ausdrücklich aus.
index: {status_indicators: [unemployment, sgb2_quota, child_poverty], min_population: 300,
        cutoffs_status: [-1.0, 1.0, 1.5], cutoffs_dynamics: [-1.0, 1.0], dynamics_years: 2}
disclosure: {min_count: 3, min_denominator: 20, min_survey_n: 5}
allocation: {budget_eur: 1000000, basis: child_poverty, class_weights: {high: 0.5, medium: 1.0, low: 1.5, very_low: 2.0}}
supply: {walking_distance_m: {kita: 500, familienzentrum: 1000, jugendzentrum: 1000, seniorentreff: 800},
         gap_coverage_factor: 0.8,                # Lücke, wenn Plätze/1000 < 0,8 x Wert der Gemeinde
         gap_min_share_within: 0.6}               # oder wenn < 60 % der Zielgruppe in Gehweite wohnen
limits: {max_file_mb: 200}                        # größere Anlieferungsdateien werden mit klarer Meldung abgewiesen
traffic_light: {green: 100.0, yellow: 80.0}       # Zielerreichung in Prozent
reconciliation: {population_tolerance_pct: 3.0}   # Melderegister vs. amtliche Fortschreibung (weichen ab)
"""


def yq(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def write_planning(
    out: Path, A: pd.DataFrame, M: pd.DataFrame, R: pd.DataFrame, pop: dict, years: list[int]
) -> None:
    write_text(out / "planning" / "settings.yaml", SETTINGS_YAML)
    L = goal_lines(A, M) + measure_lines(A, M, R, pop[years[-1]])
    write_text(out / "planning" / "goals.yaml", "\n".join(L) + "\n")


def goal_lines(A: pd.DataFrame, M: pd.DataFrame) -> list[str]:
    """The council's three goals: city-wide indicator targets for 2028 a little below the 2023
    baseline, each with the measures that serve it."""
    # city-wide baselines at 2023-12-31 (model values, also when outside the generated window)
    base_day = np.array([np.datetime64("2023-12-31")])
    Pb = population_model(A, years_since_ref(base_day))
    Bb = ba_model(A, base_day, np.random.default_rng(0))
    cp = 100 * Bb["SGB2_NEF_U15"].sum() / Pb["EW_U15"].sum()
    un = 100 * Bb["ALO"].sum() / Pb["EW_15_64"].sum()
    sq = 100 * Bb["SGB2_LB"].sum() / (Pb["EW"].sum() - Pb["EW_65P"].sum())

    def tgt(v, drop):
        return round(max(0.5, v - drop) * 2) / 2

    child = M[M.age_to <= 17].measure_id.tolist()
    work = M[(M.age_from >= 15) & (M.age_to <= 64)].measure_id.tolist()
    sgb = M[(M.age_to <= 14) | ((M.age_from == 18) & (M.age_to == 64))].measure_id.tolist()
    L = []
    L.append("# Zielsystem der Stadt (vom Rat beschlossen), gepflegt von der Sozialplanung.")
    L.append("# Ziele beziehen sich auf Indikatoren (indicator_id); der Basiswert wird zum")
    L.append("# Stichtag aus den Daten gelesen, der Zielwert gilt in der Einheit des Indikators.")
    L.append('leitbild: "Allen Kindern gleiche Chancen – Ungleiches ungleich behandeln"')
    L.append("goals:")
    goals = [
        ("G1", "Kinderarmut senken", "child_poverty", tgt(cp, 2.5), child),
        ("G2", "Arbeitslosigkeit verringern", "unemployment", tgt(un, 0.8), work),
        ("G3", "SGB-II-Quote senken", "sgb2_quota", tgt(sq, 1.5), sgb),
    ]
    for gid, title, ind, val, ms in goals:
        L.append(f"  - id: {gid}")
        L.append(f"    title: {title}")
        L.append(f"    indicator: {ind}")
        L.append("    baseline: {date: 2023-12-31}                  # Wert aus den Daten")
        L.append(f"    target: {{date: 2028-12-31, value: {val:.1f}}}")
        L.append(f"    measures: [{', '.join(ms)}]")
    return L


def measure_lines(A: pd.DataFrame, M: pd.DataFrame, R: pd.DataFrame, last: dict) -> list[str]:
    """Each measure with its capacity and targets set near what its reports show: participants
    85 % of capacity, reach 8 % above the mean reach, cost per participant 4 % above the mean."""
    agg = R.groupby("measure_id", sort=True).agg(
        part=("part", "sum"), tg=("tg", "sum"), cost=("cost", "sum"), n=("mi", "nunique")
    )
    L = []
    L.append("# Maßnahmen der Träger mit Kapazität (Plätze je Monat) und Kennzahl-Zielen:")
    L.append("# {target: x} = höher ist besser, {max: x} = niedriger ist besser")
    L.append("measures:")
    for r in M.itertuples():
        area_ids = [A.area_id.iloc[a] for a in r.areas]
        tpop = int(sum(target_population(last, r.age_from, r.age_to)[a] for a in r.areas))
        g = agg.loc[r.measure_id]
        mean_tg = g.tg / g.n
        reach = 100 * mean_tg / max(tpop, 1) * 1.08
        cpp = g.cost / 100 / max(g.part, 1) * 1.04
        L.append(f"  - id: {r.measure_id}")
        L.append(f"    provider: {r.provider_id}")
        L.append(f"    title: {yq(r.title)}")
        L.append(f"    areas: [{', '.join(area_ids)}]")
        L.append(f"    target_group: {{age_from: {r.age_from}, age_to: {r.age_to}}}")
        L.append(f"    capacity: {r.capacity}")
        L.append("    targets:")
        L.append(f"      participants: {{target: {int(round(0.85 * r.capacity))}}}")
        L.append(f"      reach: {{target: {max(0.1, round(reach, 1)):.1f}}}")
        L.append("      satisfaction_top2: {target: 80.0}")
        L.append(f"      cost_per_participant: {{max: {round(cpp / 5) * 5:.1f}}}")
    return L
