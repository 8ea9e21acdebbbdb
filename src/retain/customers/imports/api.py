"""Imports over JSON: ``POST /api/v1/imports`` (a multipart file and the options as form fields)
answers the report; a batch can be read and undone. Same door, same error shape."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from retain.bounds import api_type
from retain.org.models import Dealer, Staff
from retain.org.policy import Action, allowed, refusal

from ..api import _dealer_id, _staff_id
from . import reading, services
from .access import access_batch

router = Router(tags=["imports"])


class ImportOptions(Schema):
    dealer: api_type(Dealer, "code") | None = Field(None, description="Dealer code; defaults to the caller's dealer.")
    mode: Literal["create", "update", "upsert"] = "create"
    dry_run: bool = Field(False, description="Report what would happen; write nothing.")
    strict: bool = Field(False, description="All or nothing: import nothing if any row is refused.")
    owner: api_type(Staff, "username") | None = Field(None, description="Username of the new customers' owner.")


class ColumnOut(Schema):
    heading: str
    field: str | None


class ProblemOut(Schema):
    row: int
    column: str
    reason: str


class ReportOut(Schema):
    file_name: str
    file_format: str
    encoding: str
    mode: str
    strict: bool
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    vehicles_created: int
    vehicles_updated: int
    refused: int
    columns: list[ColumnOut]
    problems: list[ProblemOut]
    written: bool = Field(description="False for a dry run, or when a strict import refused rows.")
    refused_by_strict: bool
    batch_id: int | None


class BatchOut(Schema):
    id: int
    dealer: str
    file_name: str
    mode: str
    status: str
    rows: int
    created: int
    updated: int
    unchanged: int
    vehicles_created: int
    vehicles_updated: int
    refused: int
    finished_at: str

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code

    @staticmethod
    def resolve_finished_at(obj):
        return obj.finished_at.isoformat()


@router.post("/imports", response={200: ReportOut, 201: ReportOut})
def import_customers(request, file: File[UploadedFile], options: Form[ImportOptions]):
    """Import customers (and their vehicles) from a CSV or XLSX file; 201 when written, 200 for a dry run or a refused strict import."""
    if not allowed(request.user, Action.IMPORT):
        raise PermissionDenied(refusal(Action.IMPORT))
    reading.check_size(file.size)
    dealer_id = _dealer_id(request.user, options.dealer, Action.IMPORT) if options.dealer else request.user.dealer_id
    report = services.run_import(
        actor=request.user, dealer_id=dealer_id, file_name=file.name or "import", data=file.read(),
        mode=options.mode, owner_id=_staff_id(request.user, options.owner, "owner", Action.IMPORT),
        strict=options.strict, dry_run=options.dry_run)
    return Status(201 if report.written else 200, report.as_dict())


@router.get("/imports/{int:batch_id}", response=BatchOut)
def get_import(request, batch_id: int):
    """One import batch and its counts."""
    return access_batch(request.user, batch_id)


@router.post("/imports/{int:batch_id}/undo", response=BatchOut)
def undo_import(request, batch_id: int):
    """Undo an import while nothing else has touched its records."""
    return services.undo_import(actor=request.user, batch_id=batch_id)
