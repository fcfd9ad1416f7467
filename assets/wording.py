"""German count phrases: a noun in the number its count asks for ("1 Sozialraum", "3 Sozialräume").

One helper for every generated German text that names a count, so no text reads "1 Sozialräume"
or falls back to "Zeile(n)". Pure Python, shared by any stage.
"""

from __future__ import annotations


def noun(count: int, singular: str, plural: str) -> str:
    """The noun `count` asks for: the singular for exactly 1, the plural otherwise (0 too)."""
    return singular if count == 1 else plural


def counted(count: int, singular: str, plural: str) -> str:
    """The count with German thousands separators and its noun: "1.250 Sozialräume"."""
    return f"{count:,}".replace(",", ".") + " " + noun(count, singular, plural)
