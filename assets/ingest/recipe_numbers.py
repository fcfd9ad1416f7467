"""A value cell under a recipe's number rules, and the sums of SPEC §7.9.2.

Numeric Excel cells are numbers as they are; text cells follow `values.decimal`/`thousands`, so
`520.0` under German rules is refused (`invalid_number`) rather than read as 5200 or 520 (SPEC
§4.1 D). Symbols are trimmed (BA writes `"* "`) and looked up in `values.symbols`; any other text
is `unknown_symbol`. Every value leaves as the German text the long format holds (`1234`,
`12,5`), so the statistics rules downstream parse recipe values exactly like long-CSV values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from assets.ingest.recipe_model import StatisticsRecipe

INVALID_NUMBER = "invalid_number"
UNKNOWN_SYMBOL = "unknown_symbol"
ZERO_SYMBOL = "-"  # `-` = nothing there, counts as 0 in a sum; every other symbol means no value
_NUMBER_LIKE = re.compile(r"^[+-]?[\d.,' \u00a0]*\d[\d.,' \u00a0]*$")


@dataclass(frozen=True)
class Value:
    """One cell read: a number, a product symbol, or why it was refused (`code`, `reason`)."""

    where: str  # `SGB II!C21`
    number: Decimal | None = None
    symbol: str | None = None
    code: str | None = None
    reason: str | None = None
    text: str = ""  # what a refused cell held


class NumberRules:
    """`values.*` of one recipe: the text number pattern, the symbols and the scale."""

    def __init__(self, recipe: StatisticsRecipe) -> None:
        thousands = re.escape(recipe.thousands) if recipe.thousands else None
        whole = rf"(?:\d{{1,3}}(?:{thousands}\d{{3}})+|\d+)" if thousands else r"\d+"
        self._number = re.compile(rf"^[+-]?{whole}(?:{re.escape(recipe.decimal)}\d+)?$")
        self._decimal = recipe.decimal
        self._thousands = recipe.thousands
        self._symbols = {key.strip(): symbol for key, symbol in recipe.symbols.items()}
        self._scale = Decimal(str(recipe.scale))
        self._rules = f"Dezimalzeichen „{recipe.decimal}“, Tausender „{recipe.thousands}“"

    def read(self, value: object, where: str) -> Value | None:
        """The cell's value; None for an empty cell (no value, no row: SPEC §1.4)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Value(where, number=Decimal(repr(value)) * self._scale)
        text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
        if text in self._symbols:
            return Value(where, symbol=self._symbols[text])
        if self._number.match(text):
            plain = text.replace(self._thousands, "") if self._thousands else text
            return Value(where, number=Decimal(plain.replace(self._decimal, ".")) * self._scale)
        if _NUMBER_LIKE.match(text):
            reason = f"{where}: „{text}“ ist keine gültige Zahl ({self._rules})"
            return Value(where, code=INVALID_NUMBER, reason=reason, text=text)
        reason = f"{where}: „{text}“ ist weder Zahl noch bekanntes Zeichen"
        return Value(where, code=UNKNOWN_SYMBOL, reason=reason, text=text)


def combine(parts: list[tuple[str, Value | None]], where: str) -> Value | None:
    """The sum of a measure's parts (one part: the part itself), SPEC §7.9.2.

    A refused part refuses the sum, naming that part's cell; an empty part among filled ones
    refuses it too (a structural blank is no 0). A no-value symbol gives the sum that symbol:
    `*` if any part has it (anonymised wins), else the first in column order; `-` counts as 0.
    All parts empty: no value. `where` names the sum's cells (`SGB II!C21+D21`).
    """
    if len(parts) == 1:
        return parts[0][1]
    values = [v for _, v in parts if v is not None]
    if not values:
        return None
    failed = next((v for v in values if v.code is not None), None)
    if failed is not None:
        reason = f"Summe {where} nicht berechenbar: {failed.reason}"
        return Value(where, code=failed.code, reason=reason, text=failed.text)
    empty = [w for w, v in parts if v is None]
    if empty:
        reason = f"Summe {where} nicht berechenbar: Summand {empty[0]} ist leer"
        return Value(where, code=INVALID_NUMBER, reason=reason)
    no_value = [v.symbol for v in values if v.symbol not in (None, ZERO_SYMBOL)]
    if no_value:
        return Value(where, symbol="*" if "*" in no_value else no_value[0])
    if all(v.symbol == ZERO_SYMBOL for v in values):
        return Value(where, symbol=ZERO_SYMBOL)
    return Value(where, number=sum((v.number for v in values if v.number is not None), Decimal(0)))


def german(value: Value) -> str:
    """`wert` as the long format writes it: the symbol, or `1234` / `12,5` (no thousands mark);
    for a refused value the text its cell held."""
    if value.code is not None:
        return value.text
    if value.symbol is not None:
        return value.symbol
    assert value.number is not None  # a read value is a symbol, a number or refused
    text = format(value.number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
