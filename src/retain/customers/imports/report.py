"""What an import did, or would do: counts, the columns it read, every refused row's problems,
and the error file (row, column, reason) in the format of the imported file, written through the
one export writer (``org.exports``: formula-safe and audited)."""

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from retain.org import exports
from retain.org.audit_codes import AuditCode
from retain.org.exports import Column

from .rows import Problem


@dataclass
class ImportReport:
    file_name: str
    file_format: str
    encoding: str
    mode: str
    strict: bool
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    vehicles_created: int = 0
    vehicles_updated: int = 0
    refused: int = 0
    columns: list[tuple[str, str | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    batch_id: int | None = None

    @property
    def refused_by_strict(self) -> bool:
        """``--strict`` and some row was refused: nothing is imported."""
        return self.strict and bool(self.problems)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["columns"] = [{"heading": heading, "field": name} for heading, name in self.columns]
        data["problems"] = [{"row": p.row, "column": p.column, "reason": p.reason} for p in self.problems]
        data["refused_by_strict"] = self.refused_by_strict
        return data

    def summary(self) -> str:
        """One paragraph a person reads after an import (the command line prints it)."""
        if self.dry_run:
            head = _("Dry run: nothing was written. The import would do this:")
        elif self.refused_by_strict:
            head = _("Nothing was imported: the import is all or nothing and some rows are refused.")
        else:
            head = _("Imported as batch %(id)s:") % {"id": self.batch_id}
        counts = _("%(rows)d rows read; customers: %(created)d new, %(updated)d updated, %(unchanged)d unchanged; "
                   "vehicles: %(vc)d new, %(vu)d updated; %(refused)d rows refused.") % {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "vc": self.vehicles_created, "vu": self.vehicles_updated, "refused": self.refused}
        return f"{head} {counts}"



def error_file(*, actor, problems, file_format: str, file_name: str, dealer_id):
    """The refused rows as a CSV or XLSX file like the one imported (an ``exports.ExportFile``)."""
    columns = [Column("row", _("Row")), Column("column", _("Column")), Column("reason", _("Reason"))]
    stem = (file_name.rsplit(".", 1)[0] or "import") + "-errors"
    return exports.export_table(file_format=file_format, actor=actor, action=AuditCode.IMPORT_EXPORT_ERRORS,
                                object_type="importbatch", dealer_id=dealer_id, filters={"file": file_name},
                                columns=columns, rows=[[p.row, p.column, p.reason] for p in problems],
                                count=len(problems), stem=stem, sheet_title=_("Refused rows"))
