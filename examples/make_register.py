"""Write examples/district-kpi-register.xlsx: the example KPI register of docs/importing.md.

Riverside District Council is made up, and so is every figure. The register is laid out as
district councils keep theirs: a title row, one row per KPI, the council's own words for units
and polarity, a column per quarter, its own RAG and a commentary. One percentage column is
stored as Excel percentages (0.56 shown as 56.0%), as a spreadsheet often holds them.

    python examples/make_register.py   # rewrites the .xlsx beside this script
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

OUT = Path(__file__).resolve().parent / "district-kpi-register.xlsx"

HEADER = ["Ref", "Key Performance Indicator", "Service", "Unit", "Good is", "Targeted", "YTD",
          "Can be negative", "DP", "Tolerance", "Outturn 2023/24", "Q2 2023/24", "Q1 Actual",
          "Q1 Target", "Q2 Actual", "Q2 Target", "Q2 RAG", "Commentary"]  # fmt: skip
N = None
# fmt: off
KPIS = [
    ("REV01", "% of council tax collected (year to date)", "Revenues and Benefits", "%", "High",
     "Y", "Y", "", 1, 0.5, 97.1, 57.2, 0.295, 29.0, 0.56, 57.0, "Amber",
     "Collection is behind profile after the move to the new payments system."),
    ("REV02", "Average days to process new Housing Benefit claims", "Revenues and Benefits",
     "Days", "Low", "Y", "", "", 1, 2, 20.4, 21.0, 19.8, 20, 18.5, 20, "Green", ""),
    ("REV03", "% of business rates collected (year to date)", "Revenues and Benefits", "%",
     "High", "Y", "Y", "", 1, 0.5, 98.0, 55.0, 28.1, 28.0, 54.8, 55.0, "A",
     "Two large accounts paid after the quarter end."),
    ("ENV01", "% of household waste sent for reuse, recycling and composting",
     "Environmental Services", "%", "High", "Y", "", "", 1, 1, 41.2, 44.0, 45.3, 45, 43.1, 45,
     "Red", "Garden waste tonnage fell in a dry summer."),
    ("ENV02", "% reduction in residual waste per household on the same quarter last year",
     "Environmental Services", "%", "High", "Y", "", "Y", 0, "", "", "", -16, 5, -9, 5, "Red",
     "Residual waste is still above last year, but by less than in Q1."),
    ("ENV03", "Number of fly-tipping incidents reported", "Environmental Services", "Number",
     "n/a", "N", "", "", 0, "", 1210, 318, 301, "", 287, "", "", "Contextual: no target."),
    ("PLN01", "% of major planning applications decided within 13 weeks",
     "Planning and Housing", "%", "High", "Y", "", "", 0, 5, 91, 89, 88, 90, 92, 90, "G", ""),
    ("PLN02", "% of minor planning applications decided within 8 weeks",
     "Planning and Housing", "%", "High", "Y", "", "", 0, 5, 84, 83, 78, 85, 81, 85, "Amber",
     "Two vacant posts filled in August."),
    ("PLN03", "Local Plan review: days ahead (+) or behind (-) the agreed timetable",
     "Planning and Housing", "Days", "High", "Y", "", "Y", 0, 7, "", "", -14, 0, -28, 0, "Red",
     "Consultation extended by four weeks at members' request."),
    ("HSG01", "Number of households in temporary accommodation", "Planning and Housing",
     "Number", "Low", "Y", "", "", 0, "", 55, 57, 62, 'n/a', 58, "", "",
     "Target to be agreed by Cabinet in October."),
    ("HSG02", "Average days to re-let council homes", "Planning and Housing", "Days", "Low",
     "Y", "", "", 0, 3, 33, 35, 34, 30, 31, 30, "Green", ""),
    ("HR01", "Working days lost to sickness per FTE (year to date)", "Corporate Services",
     "Days", "Low", "Y", "Y", "", 1, 0.1, 9.1, 4.6, 2.0, 2.0, 4.1, 3.9, "Amber",
     "Two long-term absences in Waste Services."),
    ("CS01", "% of calls answered within 60 seconds", "Corporate Services", "%", "High", "Y",
     "", "", 0, 5, 79, 77, 81, 80, 83, 80, "Green", ""),
]
# fmt: on


def main() -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "KPI register"
    ws.append(["Riverside District Council: KPI register 2024/25 (illustrative figures)"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(HEADER)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for kpi in KPIS:
        ws.append([N if v == "" else v for v in kpi])
    # REV01's quarters are stored as Excel percentages, shown as 29.5% and 56.0%.
    for ref in ("M4", "O4"):
        ws[ref].number_format = "0.0%"
    ws.freeze_panes = "B4"
    book.save(OUT)
    return OUT


if __name__ == "__main__":
    print(main())
