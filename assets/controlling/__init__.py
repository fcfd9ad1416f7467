"""Maßnahmencontrolling (DESIGN §6, §8): measure KPIs, targets and traffic lights, needs survey.

Pure domain modules without Dagster: `target_population` (age range → EW_* codes),
`kpis` (`measure_kpis`), `status` (`kpi_status`, rolling view, goal view), `needs`
(`needs_survey` aggregates with disclosure control).
"""
