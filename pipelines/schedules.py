"""Monthly refresh of the month that has just closed (Europe/Berlin).

It runs on the 5th at 06:00, after the Bundesagentur's monthly delivery has usually landed.
"""

import dagster as dg

from pipelines.jobs import refresh_job

monthly_refresh_schedule = dg.build_schedule_from_partitioned_job(
    refresh_job,
    name="monthly_refresh",
    day_of_month=5,
    hour_of_day=6,
    description="Refreshes the month that has just closed.",
)
