"""CSV and OpenDocument (ODS) files of what a page shows: a filtered list of requests, the
statistics. Only codes, labels, dates and numbers go in; never a text someone typed (the
purpose, notes, messages, reasons), so that a file that leaves Relais carries no more than the
page did.

CSV is written for a French spreadsheet: UTF-8 with a byte-order mark, `;` between fields,
dates as YYYY-MM-DD; a cell that a spreadsheet would take for a formula (=, +, -, @) is
prefixed with an apostrophe. ODS goes through odfpy, with dates and numbers as typed cells.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

FORMATS = ("csv", "ods")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters a spreadsheet refuses in a sheet's name.
_SHEET_NAME_REFUSED = str.maketrans({char: " " for char in "[]*?:/\\'"})

Value = str | int | float | date | None


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list[Value]] = field(default_factory=list)


def _plain(value: Value) -> Value:
    """Dates on their local day; lazy translations as text."""
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if value is None or isinstance(value, bool | int | float | date):
        return value
    return str(value)


def _csv_text(value: Value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_bytes(sheets: list[Sheet]) -> bytes:
    """One table; several sheets become one, their name in a first column."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if len(sheets) == 1:
        writer.writerow([_csv_text(name) for name in sheets[0].header])
        writer.writerows([_csv_text(value) for value in row] for row in sheets[0].rows)
    else:
        width = max(len(sheet.header) for sheet in sheets)
        for sheet in sheets:
            writer.writerow([_csv_text(sheet.name), *(_csv_text(h) for h in sheet.header)])
            for row in sheet.rows:
                cells = [_csv_text(sheet.name), *(_csv_text(value) for value in row)]
                writer.writerow(cells + [""] * (width + 1 - len(cells)))
    return out.getvalue().encode("utf-8-sig")


def _ods_cell(value: Value) -> TableCell:
    value = _plain(value)
    if value is None:
        return TableCell()
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
    elif isinstance(value, date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.isoformat()))
    else:
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=value))
    return cell


def ods_bytes(sheets: list[Sheet]) -> bytes:
    """An OpenDocument spreadsheet, one sheet per table, the header as its first row."""
    document = OpenDocumentSpreadsheet()
    for sheet in sheets:
        name = str(sheet.name).translate(_SHEET_NAME_REFUSED).strip()[:31] or "Relais"
        table = Table(name=name)
        for row in [sheet.header, *sheet.rows]:
            table_row = TableRow()
            for value in row:
                table_row.addElement(_ods_cell(value))
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def spreadsheet_response(*, sheets: list[Sheet], file_format: str, filename: str) -> HttpResponse:
    """The file as a download named `filename`.csv or .ods."""
    content = csv_bytes(sheets) if file_format == "csv" else ods_bytes(sheets)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    response["Cache-Control"] = "no-store"
    return response
