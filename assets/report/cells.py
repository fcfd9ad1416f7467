"""How a value looks on a page: German numbers and dates, dashes that say why, class chips.

Shared by every page so a suppressed value reads the same everywhere, and never as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from markupsafe import escape

from assets import labels


@dataclass(frozen=True)
class Cell:
    """A formatted value; `title` explains a dash (suppressed or not computable) as a tooltip.

    Renders itself (`__html__`, which Jinja uses under autoescaping): a template macro call per
    cell was a large share of the time for 10,000 pages of tables.
    """

    text: str
    title: str | None = None

    def __html__(self) -> str:
        if self.title:
            return f'<span class="na" title="{escape(self.title)}">{escape(self.text)}</span>'
        return str(escape(self.text))


@dataclass(frozen=True)
class Chip:
    """A class name on its class colour (status, dynamics), rendering itself like `Cell`."""

    label: str
    colour: str

    def __html__(self) -> str:
        return (
            f'<span class="chip" style="background: {escape(self.colour)}">'
            f"{escape(self.label)}</span>"
        )


def number(value, decimals: int = 1) -> str:
    """German number format (1.234,5); an empty string for missing values."""
    if value is None or pd.isna(value) or not math.isfinite(value):
        return ""
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def cell(
    value, status: str | None = None, note: str | None = None, decimals: int = 1, missing: str = "–"
) -> Cell:
    """A value for a table: the number, or a dash whose tooltip says why it is missing.

    Suppressed values are never shown as 0: they read "gesperrt (Geheimhaltung)".
    """
    text = number(value, decimals)
    if text and status in (None, "ok"):
        return Cell(text)
    if status == "suppressed":
        return Cell(missing, labels.SUPPRESSED_TITLE + (f": {note}" if note else ""))
    return Cell("–", labels.NOT_COMPUTABLE_TITLE + (f": {note}" if note else ""))


def population_cell(population) -> Cell:
    """An area's population; missing means disclosure control withheld it."""
    return cell(population, None if pd.notna(population) else "suppressed", decimals=0)


def date_de(value) -> str:
    """A Stichtag as 31.12.2025 (empty when there is none)."""
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d.%m.%Y}"


def datenstand(published_at: str | None) -> str | None:
    """The refresh time as Germans write it; the pages carry no other time, so they stay stable."""
    return None if not published_at else f"{pd.Timestamp(published_at):%d.%m.%Y, %H:%M} Uhr UTC"


def yes(flag) -> bool:
    """A nullable boolean from the database (None, pd.NA, numpy or Python bool) as a plain bool."""
    return not pd.isna(flag) and bool(flag)


def ja_nein(flag) -> str:
    """A nullable boolean in words; unknown stays a dash rather than a silent "nein"."""
    return "–" if pd.isna(flag) else "ja" if flag else "nein"


def class_chip(classes: dict, key) -> Chip:
    return Chip(*classes.get(key, (labels.NO_VALUE_LABEL, labels.NO_VALUE_COLOUR)))
