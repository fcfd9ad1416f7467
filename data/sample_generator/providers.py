"""The Träger (providers) and which of them carries which deliberate defect.

Providers are spread over the municipalities by population (at least one each while there are
enough); each has a profile over the offer types that decides which facilities it runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import largest_remainder, sub_rng
from .names import PROVIDER_NAMES

OFFER_TYPES = [
    "kita",
    "familienzentrum",
    "jugendzentrum",
    "seniorentreff",
    "beratung",
    "quartiersbuero",
]
OFFER_P = np.array([0.42, 0.12, 0.14, 0.13, 0.11, 0.08])

# Roles of the first nine providers (index into the provider list); providers beyond the ninth
# write clean files so large benchmark roots are not dominated by XLSX writing.
P_REPORT_TG_GT = 0  # report row with davon_Zielgruppe > Teilnehmende
P_FAR_FACILITY = 1  # facility 30 km outside the municipality
P_REPORT_TEXT = 1  # Teilnehmende "zwölf"
P_DATE_DE = 2  # facilities with DD.MM.YYYY dates
P_WRONG_HEADER = 2  # one report with "Teilnehmer" instead of "Teilnehmende"
P_FAC_XLSX = 3  # facilities.xlsx
P_REPORT_XLSX = 4  # reports as .xlsx with a title row and trailing empty rows
P_CP1252 = 5  # Windows-1252 reports and facilities
P_MISSING_MONTH = 6  # first measure lacks one month
P_BY_ADDRESS = 7  # with real deliveries: facilities by address only (house coordinates)
SURVEY_PROVIDERS = set(range(9))  # modulo 9: every provider surveys its participants
MONTH_TG_GT = "2025-03"
MONTH_TEXT = "2025-06"
MONTH_WRONG_HEADER = "2024-09"
MONTH_MISSING = "2025-01"


def plan_providers(seed: int, n_prov: int, mun: pd.DataFrame) -> pd.DataFrame:
    rng = sub_rng(seed, 7)
    n_mun = len(mun)
    if n_prov < 1:
        raise ValueError("--providers must be >= 1")
    if n_prov >= n_mun:
        extra = largest_remainder(n_prov - n_mun, mun.population.to_numpy().astype(float))
        counts = 1 + extra
    else:
        counts = np.zeros(n_mun, dtype=np.int64)
        counts[np.argsort(-mun.population.to_numpy(), kind="stable")[:n_prov]] = 1
    mun_of = np.repeat(np.arange(n_mun), counts)
    width = max(2, len(str(n_prov)))
    ids = [f"TR-{i + 1:0{width}d}" for i in range(n_prov)]
    names = [
        f"{PROVIDER_NAMES[i % len(PROVIDER_NAMES)]} {mun['name'].iloc[mun_of[i]]}"
        for i in range(n_prov)
    ]
    profile = rng.dirichlet(OFFER_P * 15, n_prov)
    return pd.DataFrame(
        {
            "provider_id": ids,
            "name": names,
            "mun": mun_of,
            "profile": list(profile),
            "role": np.arange(n_prov),
        }
    )
