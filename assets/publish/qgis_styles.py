"""QGIS layer styles (QML) for the areas layer of `sozialplanung.gpkg`.

QGIS opens a GeoPackage layer with the style its `layer_styles` table marks as default, so a
planner sees the city in the profiles' colours without styling it by hand. Colours and legend
texts come from `assets.labels`, the same place the profiles' maps take them from.

There is no library that writes QML outside QGIS, so the XML is built here with ElementTree in the
dialect QGIS 3.16 wrote: symbol properties as `<prop k=… v=…/>`, which every QGIS 3 release reads
(newer ones fall back to it when a symbol layer has no `<Option>` map,
`QgsSymbolLayerUtils::parseProperties`). The style holds the symbology and the
field aliases (`styleCategories="Symbology|Fields"`), nothing else of the layer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from assets.labels import (
    CHILD_POVERTY_BINS,
    CHILD_POVERTY_COLOURS,
    NO_VALUE_COLOUR,
    NO_VALUE_LABEL,
    STATUS_CLASSES,
    percent_bin_label,
)

QGIS_VERSION = "3.16.0-Hannover"  # the QML dialect written, see the module docstring
OUTLINE = "#ffffff"  # white borders between areas, as on the profiles' maps
OUTLINE_WIDTH_MM = "0.26"
PERCENT_MAX = 100.0  # the open top bin ends here: a share in percent is at most 100
NO_VALUE = -1.0  # NULL (suppressed, not computable) drawn as its own grey class, never as 0


@dataclass(frozen=True)
class LayerStyle:
    """One row of `layer_styles`: a named QML style of a layer, at most one default per layer."""

    name: str
    description: str
    qml: str
    default: bool


def area_styles(
    status_column: str, child_poverty_column: str, aliases: dict[str, str]
) -> list[LayerStyle]:
    """The styles of the areas layer: status classes (default) and child poverty (selectable).

    Both carry the field aliases too: GDAL reads them from `gpkg_data_columns` only from 3.7 on,
    so a QGIS built on GDAL 3.6 (Debian 12) shows them through the style.
    """
    return [
        LayerStyle(
            "Statusklasse",
            "Statusklasse des Sozialindex in den Farben der Profile (Standardstil)",
            status_class_qml(status_column, aliases),
            default=True,
        ),
        LayerStyle(
            "Kinderarmut",
            "Kinderarmut (SGB II unter 15) in %, feste Klassen wie in den Profilen",
            child_poverty_qml(child_poverty_column, aliases),
            default=False,
        ),
    ]


def status_class_qml(column: str, aliases: dict[str, str]) -> str:
    """Categorized on the German class labels the layer stores; NULL as "keine Angabe" in grey."""
    classes = list(STATUS_CLASSES.values())
    classes.append(("", NO_VALUE_COLOUR))  # QGIS looks NULL up as the empty category value
    renderer = ET.Element("renderer-v2", _renderer_attributes("categorizedSymbol", column))
    categories = ET.SubElement(renderer, "categories")
    for index, (value, _) in enumerate(classes):
        ET.SubElement(
            categories,
            "category",
            render="true",
            symbol=str(index),
            value=value,
            label=value or NO_VALUE_LABEL,
        )
    renderer.append(_symbols(colour for _, colour in classes))
    return _document(renderer, aliases)


def child_poverty_qml(column: str, aliases: dict[str, str]) -> str:
    """Graduated in the profiles' fixed bins, listed from the highest bin down.

    QGIS takes the first range with lower <= value <= upper (`rangeForValue`), so with the bins in
    descending order a value on a bin edge (10.0) falls in the upper bin ("10 bis unter 20 %"), as
    on the profiles' maps. NULL is mapped to `NO_VALUE` by the renderer's expression and drawn grey.
    """
    bins = [
        (low, min(high, PERCENT_MAX), percent_bin_label(low, high), colour)
        for low, high, colour in zip(
            CHILD_POVERTY_BINS[:-1], CHILD_POVERTY_BINS[1:], CHILD_POVERTY_COLOURS, strict=True
        )
    ][::-1]
    bins.append((NO_VALUE, NO_VALUE, NO_VALUE_LABEL, NO_VALUE_COLOUR))
    expression = f'coalesce("{column}", {NO_VALUE:g})'
    attributes = _renderer_attributes("graduatedSymbol", expression)
    renderer = ET.Element("renderer-v2", attributes, graduatedMethod="GraduatedColor")
    ranges = ET.SubElement(renderer, "ranges")
    for index, (low, high, label, _) in enumerate(bins):
        ET.SubElement(
            ranges,
            "range",
            render="true",
            symbol=str(index),
            lower=f"{low:.6f}",
            upper=f"{high:.6f}",
            label=label,
        )
    renderer.append(_symbols(colour for *_, colour in bins))
    ET.SubElement(renderer, "classificationMethod", id="Custom")
    return _document(renderer, aliases)


def _renderer_attributes(kind: str, attribute: str) -> dict[str, str]:
    return {
        "type": kind,
        "attr": attribute,
        "symbollevels": "0",
        "forceraster": "0",
        "enableorderby": "0",
    }


def _symbols(colours) -> ET.Element:
    symbols = ET.Element("symbols")
    for index, colour in enumerate(colours):
        symbol = ET.SubElement(
            symbols,
            "symbol",
            type="fill",
            name=str(index),
            alpha="1",
            clip_to_extent="1",
            force_rhr="0",
        )
        layer = ET.SubElement(
            symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"}
        )
        for key, value in (
            ("color", _rgba(colour)),
            ("style", "solid"),
            ("outline_color", _rgba(OUTLINE)),
            ("outline_style", "solid"),
            ("outline_width", OUTLINE_WIDTH_MM),
            ("outline_width_unit", "MM"),
            ("joinstyle", "bevel"),
        ):
            ET.SubElement(layer, "prop", k=key, v=value)
    return symbols


def _rgba(colour: str) -> str:
    """QGIS's colour encoding "r,g,b,a" of a "#rrggbb" colour."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},255"


def _document(renderer: ET.Element, aliases: dict[str, str]) -> str:
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Fields")
    root.append(renderer)
    names = ET.SubElement(root, "aliases")
    for field, alias in aliases.items():
        ET.SubElement(names, "alias", field=field, name=alias)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{body}\n"
