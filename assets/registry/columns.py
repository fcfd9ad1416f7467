"""Columns many tables share, declared once: keys, status and note, where a row came from."""

from __future__ import annotations

from assets.registry.model import Column

MUNICIPALITY_AGS = Column(
    "municipality_ags",
    "VARCHAR",
    "Amtlicher Gemeindeschlüssel (8-stellig)",
    "official municipality key (8 digits)",
)
AREA_ID = Column(
    "area_id",
    "VARCHAR",
    "Sozialraum-ID ('ALL' = gesamte Kommune)",
    "area id ('ALL' = whole municipality)",
)
REFERENCE_DATE = Column("reference_date", "DATE", "Stichtag", "reference date")
INDICATOR_ID = Column(
    "indicator_id",
    "VARCHAR",
    "Indikator-ID (siehe indicator_catalog)",
    "indicator id (see indicator_catalog)",
)
STATUS = Column(
    "status",
    "VARCHAR",
    "Status: ok, suppressed (gesperrt), not_computable (nicht berechenbar)",
    "status: ok, suppressed, not_computable",
)
# the status disclosure control adds to a published table
PUBLISHED_STATUS = STATUS.only_published()
NOTE = Column("note", "VARCHAR", "Hinweis, warum ein Wert fehlt", "note on why a value is missing")
PROVIDER_ID = Column(
    "provider_id",
    "VARCHAR",
    "Träger-ID (Ordnername der Lieferung)",
    "provider id (delivery folder name)",
)
MEASURE_ID = Column("measure_id", "VARCHAR", "Maßnahmen-ID (goals.yaml)", "measure id (goals.yaml)")
MONTH = Column("month", "DATE", "Berichtsmonat (erster Tag)", "report month (first day)")
OFFER_TYPE = Column("offer_type", "VARCHAR", "Angebotstyp", "offer type")
STATUS_CLASS = Column(
    "status_class",
    "VARCHAR",
    "Statusklasse (sozialer Status): high = hoch (am wenigsten benachteiligt), medium, low, "
    "very_low = sehr niedrig (am stärksten benachteiligt)",
    "status class (social status): high (least disadvantaged), medium, low, very_low (most "
    "disadvantaged)",
)
GOAL_ID = Column("goal_id", "VARCHAR", "Ziel-ID (goals.yaml)", "goal id (goals.yaml)")

# bookkeeping and lineage (internal only: the published file names no landing file's rows)
SOURCE = Column("source", "VARCHAR", "Quelle", "source")
FILE = Column(
    "file", "VARCHAR", "Datei (relativ zur Datenwurzel)", "file (relative to the data root)"
)
PERIOD = Column(
    "period",
    "VARCHAR",
    "Berichtsmonat der Datei (YYYY-MM; leer, wenn die Datei keinen hat)",
    "report month of the file (YYYY-MM; empty if the file has none)",
)
SOURCE_FILE = Column(
    "source_file",
    "VARCHAR",
    "Anlieferungsdatei der Zeile (relativ zur Datenwurzel)",
    "landing file of the row (relative to the data root)",
    published=False,
)
ROW_NUMBER = Column(
    "row_number",
    "BIGINT",
    "Zeilennummer in der Anlieferungsdatei",
    "row number in the landing file",
    published=False,
)
SYMBOL = Column(
    "symbol",
    "VARCHAR",
    "Zeichen der amtlichen Statistik statt einer Zahl (z. B. '.', '-', 'x'; '()' im Zensus: "
    "Aussagewert eingeschränkt, Wert vorhanden), sonst leer",
    "official statistics symbol in place of a number (e.g. '.', '-', 'x'; '()' in the Zensus: "
    "limited reliability, value kept), else empty",
)
