"""Run a Great Expectations 1.x suite on a pandas frame, offline, and summarise the outcome.

dagster-ge only supports GX 0.x, so the checks call GX directly: an ephemeral context (nothing
written to disk, no network), a pandas data source with a whole-dataframe batch, one suite. GX is
imported lazily because its import alone takes seconds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd


@dataclass
class ExpectationOutcome:
    expectation: str  # type and its arguments, readable
    success: bool
    unexpected_count: int | None
    sample: list  # a few offending values
    columns: list[str]  # the columns the expectation reads
    rows: list[dict]  # a few offending rows: the index columns and the checked values


SAMPLE_ROWS = 10  # offending values and rows kept per expectation


def run_suite(
    frame: pd.DataFrame, suite_name: str, expectations: list, index_columns: Sequence[str] = ()
) -> list[ExpectationOutcome]:
    """Validate `frame` against `expectations`; `index_columns` identify an offending row.

    With index columns (source file, row number, the row's key) GX returns, for every row-level
    expectation, the first offending rows with those columns besides the checked values, so the
    data team can open the delivery at the right line. SUMMARY keeps only `SAMPLE_ROWS` of them,
    whatever the number of failures.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch = (
        context.data_sources.add_pandas(f"{suite_name}_source")
        .add_dataframe_asset(f"{suite_name}_frame")
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=suite_name, expectations=expectations)
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}
    if index_columns:
        result_format["unexpected_index_column_names"] = list(index_columns)
    result = batch.validate(suite, result_format=result_format)
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        args = ", ".join(f"{k}={_short(v)}" for k, v in kwargs.items())
        outcomes.append(
            ExpectationOutcome(
                expectation=f"{config.type}({args})",
                success=bool(item.success),
                unexpected_count=item.result.get("unexpected_count"),
                sample=list(item.result.get("partial_unexpected_list") or [])[:5],
                columns=_columns(kwargs),
                rows=list(item.result.get("partial_unexpected_index_list") or []),
            )
        )
    return outcomes


def _columns(kwargs: dict) -> list[str]:
    named = [kwargs.get(key) for key in ("column", "column_A", "column_B")]
    return [c for c in named if c] + list(kwargs.get("column_list") or [])


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
