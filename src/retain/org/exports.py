"""The one writer of spreadsheet exports (CSV and XLSX): masked, formula-safe, audited.

Every export goes through ``export_csv`` or ``export_workbook``, so no export can forget one of
the three rules:

* **masked**: a column named after a personal field (``org.masking.PERSONAL_FIELDS``: mobile,
  national ID, birthday, address) is masked unless the caller, having checked the policy, lists
  it in ``unmasked``; the audit row names the columns that left unmasked.
* **formula-safe** (OWASP "CSV injection"): a text cell that starts with ``= + - @``, a tab or a
  carriage return is prefixed with ``'``, so a customer named ``=HYPERLINK(...)`` is shown as
  text by Excel, WPS and LibreOffice instead of being run. Numbers and dates stay numbers and
  dates. In a workbook every cell of every sheet is checked after the caller has built it, so a
  hand-built layout is covered too.
* **audited**: one audit row (what, how many rows, with which filters) in its own transaction
  before the file is handed out.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header

from . import audit
from .audit_codes import AuditCode
from .masking import PERSONAL_FIELDS, mask_value

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """``value`` as a spreadsheet will show it but never evaluate it."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One column: ``name`` says what it holds (a personal field's name makes it masked),
    ``label`` is its heading in the reader's language."""

    name: str
    label: str


def table_rows(columns: Sequence[Column], rows: Iterable[Sequence], unmasked: frozenset = frozenset()
               ) -> Iterator[list]:
    """The heading, then each row masked and neutralised, cell by cell."""
    yield [neutralise(str(column.label)) for column in columns]
    masked = [column.name in PERSONAL_FIELDS and column.name not in unmasked for column in columns]
    for row in rows:
        yield [neutralise(mask_value(column.name, value) if hide else value)
               for column, hide, value in zip(columns, masked, row, strict=True)]


@dataclass(frozen=True)
class ExportFile:
    """A file ready to hand out: its name, type, content (bytes or streamed text) and row count."""

    filename: str
    content_type: str
    content: bytes | Iterator[str]
    rows: int

    def response(self) -> HttpResponse:
        """The download (``NoStoreMiddleware`` keeps it out of caches, as every signed-in answer)."""
        if isinstance(self.content, bytes):
            response = HttpResponse(self.content, content_type=self.content_type)
        else:
            response = StreamingHttpResponse(self.content, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, self.filename)
        return response


def _audit(*, actor, action: AuditCode, object_type: str, dealer_id, filters: dict, rows: int, filename: str,
           unmasked: frozenset) -> None:
    after = {"rows": rows, "filters": {key: value for key, value in filters.items() if value not in (None, "")}}
    if unmasked:
        after["unmasked"] = sorted(unmasked)
    with transaction.atomic():
        audit.record(actor=actor, action=action, object_type=object_type, object_id="*", dealer_id=dealer_id,
                     after=after, note=filename)


def export_csv(*, actor, action: AuditCode, object_type: str, dealer_id, filters: dict, columns: Sequence[Column],
               rows: Iterable[Sequence], count: int, filename: str, unmasked: frozenset = frozenset()) -> ExportFile:
    """A CSV export, streamed: UTF-8 with a BOM (so Excel opens Chinese text correctly).

    ``count`` is the number of rows (a queryset's ``count()``) so a large export is audited
    before it is streamed, without holding it in memory."""
    _audit(actor=actor, action=action, object_type=object_type, dealer_id=dealer_id, filters=filters, rows=count,
           filename=filename, unmasked=unmasked)

    class Line:
        def write(self, value):
            return value

    writer = csv.writer(Line())

    def lines():
        yield "\ufeff"
        for row in table_rows(columns, rows, unmasked):
            yield writer.writerow(row)

    return ExportFile(filename=filename, content_type=CSV_TYPE, content=lines(), rows=count)


def export_workbook(*, actor, action: AuditCode, object_type: str, dealer_id, filters: dict, book, rows: int,
                    filename: str, unmasked: frozenset = frozenset()) -> ExportFile:
    """An XLSX export of a workbook the caller laid out (openpyxl); every cell is neutralised here.

    Cells meant to hold personal data should be filled through ``table_rows`` so they are masked."""
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                value = neutralise(cell.value)
                if value is not cell.value:  # only what changes is written back (merged cells refuse it)
                    cell.value = value
    buffer = io.BytesIO()
    book.save(buffer)
    _audit(actor=actor, action=action, object_type=object_type, dealer_id=dealer_id, filters=filters, rows=rows,
           filename=filename, unmasked=unmasked)
    return ExportFile(filename=filename, content_type=XLSX_TYPE, content=buffer.getvalue(), rows=rows)


def export_table(*, file_format: str, actor, action: AuditCode, object_type: str, dealer_id, filters: dict,
                 columns: Sequence[Column], rows: Iterable[Sequence], count: int, stem: str, sheet_title: str = "",
                 unmasked: frozenset = frozenset()) -> ExportFile:
    """One table as the reader asked for it: CSV (``export_csv``, streamed) or XLSX (one sheet
    through ``export_workbook``), masked and neutralised by ``table_rows`` either way."""
    if file_format == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        if sheet_title:
            sheet.title = str(sheet_title)[:31]
        for line in table_rows(columns, rows, unmasked):
            sheet.append([str(value) if isinstance(value, Promise) else value for value in line])  # lazy labels
        return export_workbook(actor=actor, action=action, object_type=object_type, dealer_id=dealer_id,
                               filters=filters, book=book, rows=count, filename=f"{stem}.xlsx", unmasked=unmasked)
    return export_csv(actor=actor, action=action, object_type=object_type, dealer_id=dealer_id, filters=filters,
                      columns=columns, rows=rows, count=count, filename=f"{stem}.csv", unmasked=unmasked)
