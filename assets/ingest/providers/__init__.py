"""Provider deliveries: facility inventories, monthly measure reports, satisfaction surveys.

`inventory` sorts the providers' folders into formats (and what is unexpected or superseded),
`rules` holds what the readers share, and `facilities`, `reports`, `surveys` read one kind each.
The names other modules use are importable from here.
"""

from assets.ingest.formats import REPORT_NAME
from assets.ingest.providers.facilities import OFFER_TYPES, read_facilities
from assets.ingest.providers.inventory import (
    FACILITIES,
    PROVIDER_FILES,
    REPORTS,
    SURVEYS,
    discover,
    inventory_rows,
    superseded_rows,
    unexpected_files,
    with_context,
)
from assets.ingest.providers.reports import read_reports
from assets.ingest.providers.rules import MeasureRef
from assets.ingest.providers.surveys import read_surveys

__all__ = [
    "FACILITIES",
    "OFFER_TYPES",
    "PROVIDER_FILES",
    "REPORTS",
    "REPORT_NAME",
    "SURVEYS",
    "MeasureRef",
    "discover",
    "inventory_rows",
    "read_facilities",
    "read_reports",
    "read_surveys",
    "superseded_rows",
    "unexpected_files",
    "with_context",
]
