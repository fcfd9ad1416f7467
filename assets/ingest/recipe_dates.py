"""The Stichtag a recipe reads from a cell, a file or sheet name or a header (SPEC §7.2 `date.*`).

A source writes its date as an Excel date cell, `2023_12_31`, `31.12.2023`, `Dezember 2024` or a
bare year; the product stores one day per value. `date.format` says how the text is written
(with German month names for `%B`/`%b`, which `strptime` only knows in English), and the format's
precision decides the default resolution: a month becomes its last day, a year the 31.12.
(SPEC §1.5: BA months → month end).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from assets.ingest.recipe_model import DateRule

_MONTHS = (
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
)
_FULL = re.compile("|".join(_MONTHS), re.IGNORECASE)
_SHORT = re.compile(
    r"\b(jan|feb|mär|mrz|apr|mai|jun|jul|aug|sept?|okt|nov|dez)\b\.?", re.IGNORECASE
)
_SHORT_NUMBER = {"mrz": 3, "sept": 9} | {m[:3]: i for i, m in enumerate(_MONTHS, start=1)}
_ISO = {  # format when `date.format` is absent: ISO text of a day, a month or a year
    re.compile(r"^\d{4}-\d{2}-\d{2}$"): "%Y-%m-%d",
    re.compile(r"^\d{4}-\d{2}$"): "%Y-%m",
    re.compile(r"^\d{4}$"): "%Y",
}

NO_DATE = "no_date"
INVALID_DATE = "invalid_date"


class DateProblem(Exception):
    """A date that cannot be made; `code` is `no_date` or `invalid_date`, the message German."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def stichtag(value: object, rule: DateRule) -> str:
    """The ISO Stichtag of a cell value or a name under `rule` (pattern, format, resolve)."""
    if isinstance(value, dt.datetime):
        return resolve(value.date(), "day", rule.resolve)
    if isinstance(value, dt.date):
        return resolve(value, "day", rule.resolve)
    date, precision = parse_text(_text(value), rule)
    return resolve(date, precision, rule.resolve)


def parse_text(text: str, rule: DateRule) -> tuple[dt.date, str]:
    """(date, precision `day`/`month`/`year`) of a text under `date.pattern` and `date.format`."""
    if not text:
        raise DateProblem(NO_DATE, "kein Datum angegeben (leer)")
    if rule.pattern is not None:
        match = rule.pattern.search(text)
        if match is None:
            raise DateProblem(
                NO_DATE, f"„{text}“ passt nicht auf das Datumsmuster „{rule.pattern.pattern}“"
            )
        text = match.group(1) if match.groups() else match.group(0)
    form = rule.format or next((f for iso, f in _ISO.items() if iso.match(text)), None)
    if form is None:
        raise DateProblem(
            INVALID_DATE, f"„{text}“ ist kein Datum (erwartet JJJJ-MM-TT, JJJJ-MM oder JJJJ)"
        )
    try:
        parsed = dt.datetime.strptime(*_numeric_months(text.strip(), form)).date()
    except ValueError:
        raise DateProblem(INVALID_DATE, f"„{text}“ passt nicht zum Datumsformat „{form}“") from None
    return parsed, _precision(form)


def parse_header_text(text: str, rule: DateRule) -> dt.date | None:
    """A header cell's date under the recipe's pattern and format, or None if it is a label."""
    try:
        date, precision = parse_text(text, rule)
    except DateProblem:
        return None
    return dt.date.fromisoformat(resolve(date, precision, rule.resolve))


def resolve(date: dt.date, precision: str, how: str | None) -> str:
    """`date.resolve`: as_is, month_end, year_end; None = by precision."""
    how = how or {"day": "as_is", "month": "month_end", "year": "year_end"}[precision]
    if how == "month_end":
        date = date.replace(day=calendar.monthrange(date.year, date.month)[1])
    elif how == "year_end":
        date = dt.date(date.year, 12, 31)
    return date.isoformat()


def _numeric_months(text: str, form: str) -> tuple[str, str]:
    """German month names written as numbers, so that `strptime` reads them in any locale."""
    if "%B" in form:
        text = _FULL.sub(lambda m: f"{_MONTHS.index(m.group(0).casefold()) + 1:02d}", text)
        form = form.replace("%B", "%m")
    if "%b" in form:
        text = _SHORT.sub(lambda m: f"{_SHORT_NUMBER[m.group(1).casefold()]:02d}", text)
        form = form.replace("%b", "%m")
    return text, form


def _precision(form: str) -> str:
    if "%d" in form or "%j" in form:
        return "day"
    return "month" if any(d in form for d in ("%m", "%B", "%b")) else "year"


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()
