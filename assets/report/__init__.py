"""Area profiles (Sozialraumprofile) and city maps from the published DuckDB file.

Pure rendering code without Dagster: the publish stage calls `render_report` and attaches
`city_maps_png` and `distributions_png` to its asset metadata.
"""

from assets.report.charts import city_maps_png, distributions_png
from assets.report.render import ReportSummary, page_files, render_report

__all__ = ["ReportSummary", "city_maps_png", "distributions_png", "page_files", "render_report"]
