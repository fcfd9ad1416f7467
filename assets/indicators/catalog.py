"""The indicator catalogue of DESIGN §6.

An indicator is a ratio of two weighted sums of Merkmal codes, in percent. The numerator's dates
drive the reference dates (monthly for Bundesagentur codes, yearly for population codes); the
denominator is taken at the latest population Stichtag at or before that date. `population_change`
is the one indicator that compares a code with itself one year earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    label_de: str
    definition_de: str
    numerator: dict[str, float]
    denominator: dict[str, float]
    polarity: str  # higher_is_worse | higher_is_better | neutral
    source: str
    kind: str = "ratio"  # ratio | yearly_change
    share: bool = True  # numerator is part of the denominator, so the value lies in [0, 100]

    @staticmethod
    def _terms(terms: dict[str, float]) -> str:
        parts = []
        for i, (code, coef) in enumerate(terms.items()):
            sign = "-" if coef < 0 else ("+" if i else "")
            parts.append(f"{sign} {code}".strip() if i else f"{sign}{code}")
        return " ".join(parts)

    @property
    def numerator_text(self) -> str:
        if self.kind == "yearly_change":
            return "EW(t) - EW(t - 1 Jahr)"
        return self._terms(self.numerator)

    @property
    def denominator_text(self) -> str:
        if self.kind == "yearly_change":
            return "EW(t - 1 Jahr)"
        return self._terms(self.denominator)


BA = "Bundesagentur für Arbeit"
REGISTER = "Kommunale Statistikstelle (Einwohnermelderegister)"
WELFARE = "Sozialamt (SGB XII)"

INDICATORS: list[Indicator] = [
    Indicator(
        "sgb2_quota",
        "SGB-II-Quote",
        "Leistungsberechtigte nach SGB II je 100 Einwohner unter 65 Jahren",
        {"SGB2_LB": 1},
        {"EW": 1, "EW_65P": -1},
        "higher_is_worse",
        f"{BA}; {REGISTER}",
    ),
    Indicator(
        "child_poverty",
        "Kinderarmut (SGB II unter 15)",
        "Nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren je 100 Einwohner unter 15",
        {"SGB2_NEF_U15": 1},
        {"EW_U15": 1},
        "higher_is_worse",
        f"{BA}; {REGISTER}",
    ),
    Indicator(
        "unemployment",
        "Arbeitslosendichte",
        "Arbeitslose (SGB II und III) je 100 Einwohner von 15 bis 64 Jahren",
        {"ALO": 1},
        {"EW_15_64": 1},
        "higher_is_worse",
        f"{BA}; {REGISTER}",
    ),
    Indicator(
        "long_term_unemployment",
        "Langzeitarbeitslosendichte",
        "Langzeitarbeitslose je 100 Einwohner von 15 bis 64 Jahren",
        {"ALO_LZ": 1},
        {"EW_15_64": 1},
        "higher_is_worse",
        f"{BA}; {REGISTER}",
    ),
    Indicator(
        "youth_unemployment",
        "Jugendarbeitslosendichte",
        "Arbeitslose unter 25 Jahren je 100 Einwohner von 15 bis 24 Jahren",
        {"ALO_U25": 1},
        {"EW_15_17": 1, "EW_18_24": 1},
        "higher_is_worse",
        f"{BA}; {REGISTER}",
    ),
    Indicator(
        "old_age_poverty",
        "Altersarmut",
        "Empfänger von Grundsicherung im Alter (65+) je 100 Einwohner ab 65 Jahren",
        {"GRUSI_65P": 1},
        {"EW_65P": 1},
        "higher_is_worse",
        f"{WELFARE}; {REGISTER}",
    ),
    Indicator(
        "single_parents",
        "Anteil Alleinerziehendenhaushalte",
        "Alleinerziehendenhaushalte je 100 Haushalte",
        {"HH_ALLEINERZ": 1},
        {"HH": 1},
        "higher_is_worse",
        REGISTER,
    ),
    Indicator(
        "foreign_nationals",
        "Ausländeranteil",
        "Einwohner mit ausländischer Staatsangehörigkeit je 100 Einwohner",
        {"EW_AUSL": 1},
        {"EW": 1},
        "neutral",
        REGISTER,
    ),
    Indicator(
        "youth_dependency",
        "Jugendquotient",
        "Einwohner unter 15 Jahren je 100 Einwohner von 15 bis 64 Jahren",
        {"EW_U15": 1},
        {"EW_15_64": 1},
        "neutral",
        REGISTER,
        share=False,
    ),
    Indicator(
        "old_age_dependency",
        "Altenquotient",
        "Einwohner ab 65 Jahren je 100 Einwohner von 15 bis 64 Jahren",
        {"EW_65P": 1},
        {"EW_15_64": 1},
        "neutral",
        REGISTER,
        share=False,
    ),
    Indicator(
        "migration_volume",
        "Wanderungsvolumen",
        "Zu- und Fortzüge im Jahr je 100 Einwohner",
        {"ZUZUEGE": 1, "FORTZUEGE": 1},
        {"EW": 1},
        "neutral",
        REGISTER,
        share=False,
    ),
    Indicator(
        "population_change",
        "Bevölkerungsentwicklung",
        "Veränderung der Einwohnerzahl gegenüber dem Vorjahresstichtag in Prozent",
        {"EW": 1},
        {"EW": 1},
        "neutral",
        REGISTER,
        kind="yearly_change",
        share=False,
    ),
]

BY_ID = {i.indicator_id: i for i in INDICATORS}


def catalog_frame() -> pd.DataFrame:
    """The catalogue as published (`indicator_catalog`)."""
    return pd.DataFrame(
        [
            {
                "indicator_id": i.indicator_id,
                "label_de": i.label_de,
                "definition_de": i.definition_de,
                "numerator": i.numerator_text,
                "denominator": i.denominator_text,
                "unit": "percent",
                "polarity": i.polarity,
                "source": i.source,
                "frequency": "monthly" if i.source.startswith(BA) else "yearly",
                "is_share": i.share,
            }
            for i in INDICATORS
        ]
    )
