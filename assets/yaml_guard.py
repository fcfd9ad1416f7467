"""Guards for the hand-written planning files `settings.yaml` and `goals.yaml` (issue 15.9).

YAML anchors and aliases let a few hundred bytes stand for billions of values ("billion laughs").
PyYAML shares an aliased node, so loading alone stays small, but whatever walks or prints the
value expands it: an error message that quoted such a value took over 6 GB. The planning files are
short and written by hand and never need them, so every anchor and alias is refused with its line
before anything reads the values. Values quoted in error messages are cut short for the same
reason: a message must stay readable whatever the file holds.
"""

from __future__ import annotations

import reprlib

import yaml

MAX_SHOWN = 80
"""At most this many characters of a value in an error message."""
MAX_LISTED = 10
"""At most this many anchors and aliases are listed; the rest are counted."""

_REPR = reprlib.Repr()  # bounded at every level: never builds the whole text of a deep value
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict = 3, 6, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = MAX_SHOWN


def shown(value: object) -> str:
    """`repr(value)` for a message, at most MAX_SHOWN characters."""
    return cut(_REPR.repr(value))


def cut(text: str) -> str:
    """`text` for a message, at most MAX_SHOWN characters (cut with '…')."""
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def anchors_and_aliases(text: str, loader: type) -> list[tuple[int, str]]:
    """(line, German message) for every anchor and alias in `text`, in the order of the file.

    Reads only the parser's event stream, which is as long as the text: aliases are not
    followed. Raises `yaml.YAMLError` for text that is no YAML.
    """
    found = []
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            what = f"YAML-Verweis *{cut(event.anchor)}"
        elif getattr(event, "anchor", None) is not None:
            what = f"YAML-Anker &{cut(event.anchor)}"
        else:
            continue
        found.append(
            (
                event.start_mark.line + 1,
                f"{what} ist nicht erlaubt: Anker (&) und Verweise (*) werden in den "
                "Planungsdateien nicht gelesen, bitte den Wert an jeder Stelle ausschreiben",
            )
        )
    return found


def listing(path: object, problems: list[tuple[int, str]]) -> str:
    """`file: n Fehler` and one `file:line: text` per problem, the first MAX_LISTED of them."""
    lines = [f"{path}: {len(problems)} Fehler"]
    lines += [f"{path}:{line}: {text}" for line, text in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"… und {len(problems) - MAX_LISTED} weitere")
    return "\n".join(lines)
