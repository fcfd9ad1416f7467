"""Bookkeeping tables: what was loaded, rejected, archived and checked, and the run itself."""

from __future__ import annotations

from assets.publish.queries import DATA_QUALITY
from assets.registry.columns import FILE, PERIOD, PROVIDER_ID, SOURCE
from assets.registry.model import Column, Table

ROWS_IN = Column("rows_in", "BIGINT", "Zeilen geliefert", "rows delivered")
ROWS_LOADED = Column("rows_loaded", "BIGINT", "Zeilen geladen", "rows loaded")
ROWS_QUARANTINED = Column(
    "rows_quarantined", "BIGINT", "Zeilen abgelehnt (Quarantäne)", "rows rejected (quarantine)"
)
LOADED_AT = Column("loaded_at", "TIMESTAMP", "Zeitpunkt des Ladens (UTC)", "load time (UTC)")

ASSET_INPUTS = Table(
    "asset_inputs",
    "Eingabe-Fingerabdrücke: ein Asset mit unveränderten Eingaben behält seine Ausgabe",
    "Inputs fingerprints: an asset whose inputs are unchanged keeps its output",
    published=False,
    key=("asset",),
    columns=(
        Column("asset", "VARCHAR", "Name des Assets", "asset name"),
        Column(
            "fingerprint",
            "VARCHAR",
            "Fingerabdruck der Eingaben beim letzten vollständigen Lauf (SHA-256)",
            "inputs fingerprint of the last complete run (SHA-256)",
        ),
    ),
)

QUARANTINE = Table(
    "quarantine",
    "Abgelehnte Zeilen und Dateien mit ihrem Grund (Quarantäne)",
    "Rejected rows and files with their reason (quarantine)",
    published=False,
    key=("source", "file", "row_number", "column", "reason_code"),
    columns=(
        SOURCE,
        FILE,
        Column(
            "row_number",
            "BIGINT",
            "Zeilennummer in der Datei (leer bei einer ganzen Datei)",
            "row number in the file (empty for a whole file)",
        ),
        Column("column", "VARCHAR", "Spalte der Datei", "column of the file"),
        Column("value", "VARCHAR", "abgelehnter Wert", "rejected value"),
        Column("reason_code", "VARCHAR", "Grund als Code", "reason code"),
        Column("reason", "VARCHAR", "Grund in Worten (deutsch)", "reason in words (German)"),
        PROVIDER_ID,
        PERIOD,
    ),
)

INGEST_FILES = Table(
    "ingest_files",
    "Geladene Anlieferungsdateien je Quelle mit ihren Zeilenzahlen",
    "Loaded landing files per source with their row counts",
    published=False,
    key=("source", "file"),
    columns=(
        SOURCE,
        FILE,
        Column("sha256", "VARCHAR", "SHA-256 des Inhalts", "SHA-256 of the content"),
        Column("encoding", "VARCHAR", "erkannte Zeichenkodierung", "detected encoding"),
        ROWS_IN,
        ROWS_LOADED,
        ROWS_QUARANTINED,
        LOADED_AT,
        PROVIDER_ID,
        PERIOD,
    ),
)

ARCHIVE = Table(
    "archive",
    "Archiv jeder gelieferten Dateiversion, abgelegt unter ihrem Inhalts-Hash",
    "Archive of every delivered file version, kept under its content hash",
    published=False,
    key=("sha256", "path"),
    columns=(
        Column("sha256", "VARCHAR", "SHA-256 des Inhalts", "SHA-256 of the content"),
        Column("path", "VARCHAR", "Pfad relativ zur Datenwurzel", "path relative to the data root"),
        PROVIDER_ID,
        Column("size_bytes", "BIGINT", "Größe in Bytes", "size in bytes"),
        Column("first_seen_utc", "TIMESTAMP", "zuerst gesehen (UTC)", "first seen (UTC)"),
        Column(
            "current",
            "BOOLEAN",
            "aktuelle Version des Pfads in der Datenwurzel",
            "current version of the path in the data root",
        ),
    ),
)

CHECK_RESULTS = Table(
    "check_results",
    "Ergebnisse der Datenprüfungen (Great Expectations) je Quelle und Erwartung",
    "Results of the data checks (Great Expectations) per source and expectation",
    published=False,
    key=("source", "check_name", "expectation", "checked_at"),
    columns=(
        SOURCE,
        Column("check_name", "VARCHAR", "Name der Prüfung", "check name"),
        Column("expectation", "VARCHAR", "Erwartung mit Parametern", "expectation with arguments"),
        Column("success", "BOOLEAN", "bestanden", "passed"),
        Column(
            "unexpected_count",
            "BIGINT",
            "Zahl der abweichenden Werte",
            "number of unexpected values",
        ),
        Column("details", "VARCHAR", "Einzelheiten", "details"),
        Column("checked_at", "TIMESTAMP", "Zeitpunkt der Prüfung (UTC)", "check time (UTC)"),
    ),
)

PROVIDER_FILES = Table(
    "provider_files",
    "Dateien der Träger mit ihrem Status (gelesen, wartend, ersetzt, unerwartet)",
    "Providers' files with their status (used, waiting, superseded, unexpected)",
    published=False,
    key=("provider_id", "file"),
    columns=(
        PROVIDER_ID,
        Column(
            "kind",
            "VARCHAR",
            "Art: facilities, report, survey (leer = unerwartete Datei)",
            "kind: facilities, report, survey (empty = unexpected file)",
        ),
        FILE,
        PERIOD,
        Column(
            "status",
            "VARCHAR",
            "Status: used (gelesen), not_read (Monat noch nicht offen), superseded (ersetzt), "
            "unexpected (unerwartet)",
            "status: used, not_read (month not open yet), superseded, unexpected",
        ),
        Column("note", "VARCHAR", "Hinweis zum Status", "note on the status"),
    ),
)

DATA_QUALITY_TABLE = Table(
    "data_quality",
    "Datenqualität je Anlieferungsdatei: Zeilen geladen und abgelehnt, Prüfungen",
    "Data quality per landing file: rows loaded and rejected, checks",
    internal=False,
    key=("source", "file"),
    query=DATA_QUALITY,
    columns=(
        SOURCE,
        FILE,
        ROWS_IN,
        ROWS_LOADED,
        ROWS_QUARANTINED,
        Column(
            "checks_passed",
            "BIGINT",
            "bestandene Prüfungen der Quelle",
            "checks passed for the source",
        ),
        Column(
            "checks_failed",
            "BIGINT",
            "nicht bestandene Prüfungen der Quelle",
            "checks failed for the source",
        ),
        LOADED_AT,
    ),
)

METADATA = Table(
    "metadata",
    "Angaben zum Lauf: Lauf-ID, Zeit, Datenwurzel, Codeversion, Datenstände",
    "About the run: run id, time, data root, code version, data as of",
    internal=False,
    key=("key",),
    query=lambda publish: publish.metadata,
    columns=(
        Column("key", "VARCHAR", "Angabe", "item"),
        Column("value", "VARCHAR", "Wert", "value"),
    ),
)

TABLES = (
    ASSET_INPUTS,
    QUARANTINE,
    INGEST_FILES,
    ARCHIVE,
    CHECK_RESULTS,
    PROVIDER_FILES,
    DATA_QUALITY_TABLE,
    METADATA,
)
