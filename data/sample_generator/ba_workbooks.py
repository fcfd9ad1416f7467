"""The Bundesagentur figures as the BA delivers them to a city (SPEC §1): AkG workbooks, one per
quarter (``statistics/incoming/ba/317-900001-AkG-<Stadt>-<YYYYMM>.xlsx``), read by the recipe
``statistics/recipes/ba_akg.yaml``.

The BA house style is imitated because that is what the recipe reader has to cope with: an
Impressum and a Hinweise sheet first, then one sheet per topic with a title block, a three-row
header whose top row is the Berichtsmonat as an Excel date merged over that month's measure
columns, area cells ``"01 Altstadt"`` (number and name in one cell), an ``Insgesamt`` row before
and a ``Keine Zuordnung möglich`` row after the areas, symbols as text with a trailing blank
(``"* "``, ``"- "``) and three footer lines below. Every area value is the one of the long file it
replaces; the columns the product does not use (NEF in total, the Rechtskreis split) and the two
non-area rows are derived from it so that the sheet adds up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from .common import FIXED_XLSX_TIME, sub_rng

ORDER = "317-900001"
MONTH_NAMES = [
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
]  # fmt: skip
NOTE = (
    "*) Aus Datenschutzgründen und Gründen der statistischen Geheimhaltung werden Zahlenwerte "
    "von 1 oder 2 und Daten, aus denen rechnerisch auf einen solchen Zahlenwert geschlossen "
    "werden kann, anonymisiert."
)
COPYRIGHT = "© Statistik der Bundesagentur für Arbeit"
# per sheet: its title, then per column of a month (header row 13, row 14, source of the value);
# a row-13 label spanning several columns is written once over them (merged), as the BA does
SHEETS = {
    "SGB II": (
        "Bedarfsgemeinschaften und Regelleistungsberechtigte im SGB II (Bestand)",
        [
            ("Bedarfsgemeinschaften (BG)", None, "SGB2_BG"),
            ("darunter", "Alleinerziehenden-BG", "SGB2_BG_ALLEINERZ"),
            ("Regelleistungsberechtigte (RLB)", None, "SGB2_LB"),
            ("davon", "erwerbsfähige Leistungsberechtigte (ELB)", "SGB2_ELB"),
            ("davon", "nicht erwerbsfähige Leistungsberechtigte (NEF)", "NEF"),
            ("darunter", "NEF unter 15 Jahren", "SGB2_NEF_U15"),
        ],
    ),
    "Arbeitslose": (
        "Arbeitslose nach Rechtskreisen und ausgewählten Personengruppen (Bestand)",
        [
            ("Arbeitslose insgesamt", None, "ALO"),
            ("davon", "Rechtskreis SGB III", "ALO_SGB3"),
            ("davon", "Rechtskreis SGB II", "ALO_SGB2"),
            ("darunter", "Langzeitarbeitslose", "ALO_LZ"),
            ("darunter", "15 bis unter 25 Jahre", "ALO_U25"),
        ],
    ),
}
HEADER_ROW = 11  # 0-based: rows 12-14 of the sheet, row 15 empty, data from row 16


def write_ba_workbooks(
    out: Path, A: pd.DataFrame, city: str, days: np.ndarray, B: dict[str, np.ndarray], seed: int
) -> None:
    """One workbook per calendar quarter of ``days`` (month ends; ``B`` holds areas x days)."""
    values = dict(B)
    values["NEF"] = B["SGB2_LB"] - B["SGB2_ELB"]  # RLB = ELB + NEF (SPEC §1.6)
    share_sgb2 = np.clip(0.68 + 0.08 * A.z.to_numpy(), 0.5, 0.85)[:, None]
    values["ALO_SGB2"] = np.rint(B["ALO"] * share_sgb2).astype(np.int64)
    values["ALO_SGB3"] = B["ALO"] - values["ALO_SGB2"]
    unassigned = residual_row(seed, len(days))
    months = days.astype("datetime64[M]")
    quarters = months.astype(np.int64) // 3
    labels = [f"{int(n):02d} {name}" for n, name in zip(area_numbers(A), A.area_name, strict=True)]
    for q in np.unique(quarters):
        sel = np.flatnonzero(quarters == q)
        last = str(months[sel[-1]]).replace("-", "")
        block = {key: (values[key][:, sel], res[sel]) for key, res in unassigned.items()}
        path = out / "statistics" / "incoming" / "ba" / f"{ORDER}-AkG-{city}-{last}.xlsx"
        write_workbook(path, city, A.ags.iloc[0], labels, months[sel], block)


def area_numbers(A: pd.DataFrame) -> np.ndarray:
    """The number part of ``SR-01``: the BA delivers the city's own Teilgebiet numbers."""
    return A.area_id.str.extract(r"(\d+)$")[0].astype(int).to_numpy()


def residual_row(seed: int, n_days: int) -> dict[str, np.ndarray]:
    """``Keine Zuordnung möglich``: a few people per month whose address fits no Teilgebiet
    (own random stream, so the area figures stay those of the long files)."""
    rng = sub_rng(seed, 41)
    bg = rng.integers(0, 5, n_days)
    res = {"SGB2_BG": bg, "SGB2_BG_ALLEINERZ": np.minimum(bg, rng.integers(0, 2, n_days))}
    res["SGB2_ELB"] = bg + rng.integers(0, 3, n_days)
    res["NEF"] = np.minimum(bg, rng.integers(0, 3, n_days))
    res["SGB2_NEF_U15"] = np.minimum(res["NEF"], rng.integers(0, 2, n_days))
    res["SGB2_LB"] = res["SGB2_ELB"] + res["NEF"]
    res["ALO_SGB3"] = rng.integers(0, 4, n_days)
    res["ALO_SGB2"] = rng.integers(0, 3, n_days)
    res["ALO"] = res["ALO_SGB3"] + res["ALO_SGB2"]
    res["ALO_LZ"] = np.minimum(res["ALO"], rng.integers(0, 2, n_days))
    res["ALO_U25"] = np.minimum(res["ALO"] - res["ALO_LZ"], rng.integers(0, 2, n_days))
    return res


def cell(value: int) -> int | str:
    """A count as the BA shows it: 1 and 2 anonymised, 0 as "nichts vorhanden"."""
    if value == 0:
        return "- "
    if value <= 2:
        return "* "
    return int(value)


def month_name(month: np.datetime64) -> str:
    month = month.astype(object)
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def write_workbook(path: Path, city: str, ags: str, labels, months, block) -> None:
    """One AkG workbook: Impressum, Hinweise, then the two topic sheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stand = month_name(months[-1])
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": FIXED_XLSX_TIME, "author": "Statistik-Service West"})
    formats = {
        "bold": wb.add_format({"bold": True}),
        "head": wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1}),
        "month": wb.add_format(
            {"num_format": "mmmm yyyy", "bold": True, "align": "center", "border": 1}
        ),
        "number": wb.add_format({"num_format": "#,##0", "align": "right"}),
        "text": wb.add_format({"align": "right"}),
    }
    impressum = [
        "Statistik der Bundesagentur für Arbeit",
        "Arbeitsmarktdaten in kleinräumiger Gliederung (AkG)",
        "",
        f"Region: {city}, Stadt ({ags})",
        f"Auftragsnummer: {ORDER}",
        "Berichtsmonate: " + ", ".join(month_name(m) for m in months),
        f"Gebietsstand: {stand}",
        "",
        "Herausgeberin: Bundesagentur für Arbeit, Statistik-Service West",
        f"Nutzungsbedingungen: {COPYRIGHT}",
    ]
    write_lines(wb.add_worksheet("Impressum"), impressum, formats["bold"], 1)
    hints = [
        "Hinweise",
        "",
        "Zeichenerklärung:",
        "- nichts vorhanden",
        "* " + NOTE[3:],
        "x Nachweis ist nicht sinnvoll, unmöglich oder Fragestellung trifft nicht zu",
        "",
        "Daten der Grundsicherung für Arbeitsuchende nach einer Wartezeit von 3 Monaten.",
        "Die Teilgebiete wurden von der Stadt über ein Straßenraster festgelegt.",
    ]
    write_lines(wb.add_worksheet("Hinweise"), hints, formats["bold"], 1)
    for name, (title, columns) in SHEETS.items():
        title_block = [
            "Statistik der Bundesagentur für Arbeit",
            title,
            f"{city}, Stadt ({ags}) nach Teilgebieten",
            f"Berichtsmonate {month_name(months[0])} bis {stand}",
            "",
            f"Auftragsnummer: {ORDER}",
            f"Gebietsstand: {stand}",
        ]
        ws = wb.add_worksheet(name)
        write_lines(ws, title_block, formats["bold"], 2)
        write_header(ws, formats, columns, months)
        write_rows(ws, formats, columns, labels, len(months), block)
        created = (months[-1] + 3).astype(object)  # SGB II: delivered after a 3-month wait
        footer = [NOTE, f"Erstellungsdatum: 14.{created.month:02d}.{created.year}", COPYRIGHT]
        ws.set_column(0, 0, 28)
        ws.set_column(1, len(columns) * len(months), 14)
        for k, line in enumerate(footer):
            ws.write_string(HEADER_ROW + 4 + len(labels) + 3 + k, 0, line)
    wb.close()


def write_lines(ws, lines: list[str], bold, n_bold: int) -> None:
    """Text lines from A1 down (empty ones left out), the first ``n_bold`` in bold."""
    for row, line in enumerate(lines):
        if line:
            ws.write_string(row, 0, line, bold if row < n_bold else None)


def write_header(ws, formats: dict, columns, months) -> None:
    """Rows 12-14: "Teilgebiet" merged down; per month its date merged over its columns, the
    measure (merged down when it has no leaf, else over its leaves) and the leaves."""
    top, width = HEADER_ROW, len(columns)
    ws.merge_range(top, 0, top + 2, 0, "Teilgebiet", formats["head"])
    for j, month in enumerate(months.astype(object)):
        c0 = 1 + j * width
        first_day = dt.datetime(month.year, month.month, 1)
        ws.merge_range(top, c0, top, c0 + width - 1, first_day, formats["month"])
        k = 0
        while k < width:
            label, leaf, _ = columns[k]
            span = 1
            while leaf is not None and k + span < width and columns[k + span][0] == label:
                span += 1
            if leaf is None:
                ws.merge_range(top + 1, c0 + k, top + 2, c0 + k, label, formats["head"])
            elif span > 1:
                ws.merge_range(top + 1, c0 + k, top + 1, c0 + k + span - 1, label, formats["head"])
            else:
                ws.write_string(top + 1, c0 + k, label, formats["head"])
            for s in range(span if leaf is not None else 0):
                ws.write_string(top + 2, c0 + k + s, columns[k + s][1], formats["head"])
            k += span


def write_rows(ws, formats: dict, columns, labels, n_months: int, block) -> None:
    """From row 16: Insgesamt (areas and the unassigned), the areas, Keine Zuordnung möglich."""
    rows = [("Insgesamt", None), *((label, i) for i, label in enumerate(labels))]
    rows.append(("Keine Zuordnung möglich", -1))
    for r, (label, i) in enumerate(rows):
        row = HEADER_ROW + 4 + r
        ws.write_string(row, 0, label)
        for j in range(n_months):
            for k, (_, _, key) in enumerate(columns):
                areas, unassigned = block[key]
                if i is None:
                    value = int(areas[:, j].sum() + unassigned[j])
                else:
                    value = int(unassigned[j] if i == -1 else areas[i, j])
                shown = cell(value)
                col = 1 + j * len(columns) + k
                if isinstance(shown, str):
                    ws.write_string(row, col, shown, formats["text"])
                else:
                    ws.write_number(row, col, shown, formats["number"])
