"""Refresh one month only: what `pipelines/run.py` does, but for a single monthly partition.

    python -m bench.one_month 2026-10-01     # partition key; default: the data root's last month

Uses the project's job and range tags (`dagster/asset_partition_range_start/_end` both set to the
month), so the partitioned assets compute one slice and unpartitioned assets run as usual.
Prints the run id on the last line.
"""

from __future__ import annotations

import sys

import dagster as dg

from pipelines.definitions import defs
from pipelines.jobs import REFRESH_JOB_NAME, range_tags
from pipelines.landing import months_in_statistics, partition_range, statistics_files
from pipelines.resources import DATA_DIR_ENV, DataRoot
from pipelines.run import QUIET


def main(argv: list[str]) -> int:
    if argv:
        month = argv[0]
    else:
        data_root = DataRoot(data_dir=dg.EnvVar(DATA_DIR_ENV).get_value())
        bounds = partition_range(months_in_statistics(statistics_files(data_root.path)))
        if bounds is None:
            print("no months in the data root")
            return 1
        month = bounds[1]
    print(f"Monat: {month}")
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(REFRESH_JOB_NAME).execute_in_process(
            instance=instance, tags=range_tags(month, month), run_config=QUIET, raise_on_error=False
        )
    print(f"run_id={result.run_id} success={result.success}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
