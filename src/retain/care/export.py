"""The care tasks as a spreadsheet (CSV with a BOM, or XLSX), through the one export writer
(``org.exports``: masked, formula-safe, audited). What it reaches is the policy's
``export_tasks`` scope; the mobile number leaves unmasked only for a role that may reveal it."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from retain.org import exports
from retain.org.audit_codes import AuditCode
from retain.org.exports import Column
from retain.org.policy import Action, allowed, require

from .access import visible_tasks
from .worklist import filtered

FORMATS = ("csv", "xlsx")
#: An XLSX is built in memory: past this many rows, export CSV (streamed).
MAX_XLSX_ROWS = 100_000


def _columns() -> list[Column]:
    return [Column("due_on", _("Due on")), Column("kind", _("Kind")), Column("customer", _("Customer")),
            Column("mobile", _("Mobile")), Column("vehicle", _("Vehicle")), Column("owner", _("Owner")),
            Column("department", _("Department")), Column("channel", _("Channel")), Column("status", _("Status")),
            Column("outcome", _("Outcome")), Column("done_on", _("Done on")), Column("notes", _("Notes")),
            Column("dealer", _("Dealer"))]


def _rows(tasks):
    for t in tasks.select_related("customer", "vehicle", "owner", "dealer").iterator(chunk_size=2000):
        yield [t.due_on, t.get_kind_display(), t.customer.name, t.customer.mobile,
               (t.vehicle.plate or t.vehicle.vin) if t.vehicle_id else "", t.owner.display_name if t.owner_id else "",
               t.get_department_display(), t.get_channel_display(), t.get_status_display(),
               t.get_outcome_display() if t.outcome else "", t.done_on, t.notes, t.dealer.name]


def export_tasks(actor, fmt: str, filters: dict) -> exports.ExportFile:
    """The tasks the list shows with ``filters`` (``worklist.filtered``), within the export scope."""
    require(actor, Action.EXPORT_TASKS)
    tasks = (filtered(actor, **filters) & visible_tasks(actor, Action.EXPORT_TASKS)).order_by("due_on", "id")
    unmasked = frozenset({"mobile"}) if allowed(actor, Action.REVEAL) else frozenset()
    name = f"care-tasks-{timezone.localdate():%Y%m%d}"
    common = {"actor": actor, "action": AuditCode.TASK_EXPORT, "object_type": "task", "dealer_id": actor.dealer_id,
              "filters": filters, "unmasked": unmasked}
    if fmt == "csv":
        return exports.export_csv(**common, columns=_columns(), rows=_rows(tasks), count=tasks.count(),
                                  filename=f"{name}.csv")
    book = Workbook()
    sheet = book.active
    sheet.title = _("Care tasks")[:31]
    count = 0
    for row in exports.table_rows(_columns(), _rows(tasks[:MAX_XLSX_ROWS]), unmasked):
        sheet.append(row)
        count += 1
    return exports.export_workbook(**common, book=book, rows=count - 1, filename=f"{name}.xlsx")
