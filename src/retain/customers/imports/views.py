"""The import pages: upload -> the detected columns with sample rows, each column's field
editable -> a dry-run report -> confirm; the batches with their refused rows and undo."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.org.policy import Action, allowed, refusal
from retain.web.pages import apply_errors

from . import pending, reading, services
from .access import access_batch, visible_batches
from .forms import MappingForm, UploadForm
from .report import error_file
from .rows import Problem

SAMPLE_ROWS = 5
SHOWN_PROBLEMS = 200


def _require(request, action=Action.IMPORT):
    if not allowed(request.user, action):
        raise PermissionDenied(refusal(action))


@login_required
def batches(request):
    """The imports of the dealers in the user's scope, newest first, and the upload form."""
    _require(request)
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            reading.check_size(upload.size)  # before reading an oversized file into memory
            data = upload.read()
            services.read_header(data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            data_options = {name: form.cleaned_data[name] for name in ("dealer", "mode", "owner", "strict")}
            pending.keep(request, data, name=upload.name, options=data_options)
            return redirect("customers:import_preview")
    listed = visible_batches(request.user).select_related("dealer", "run_by")[:50]
    return render(request, "customers/imports/batches.html", {"form": form, "batches": listed})


def _waiting(request):
    held = pending.current(request)
    if held is None:
        messages.error(request, _("Upload the file again: the one you chose is no longer waiting."))
    return held


def _mapping_form(request, data: bytes, post=None):
    sheet, header = services.read_header(data)
    form = MappingForm(post, headings=header.headings, fields=header.fields)
    samples = [[("" if cell is None else cell) for cell in cells] + [""] * (len(header.headings) - len(cells))
               for _number, cells in sheet.rows[header.index + 1:header.index + 1 + SAMPLE_ROWS]]
    return form, sheet, header, samples


@login_required
def preview(request):
    """The columns as detected, with the first rows, each column's field a choice."""
    _require(request)
    held = _waiting(request)
    if held is None:
        return redirect("customers:imports")
    options, data = held
    try:
        form, sheet, header, samples = _mapping_form(request, data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        pending.discard(request)
        return redirect("customers:imports")
    columns = list(zip(form, [[row[i] for row in samples] for i in range(len(header.headings))]))
    return render(request, "customers/imports/preview.html", {
        "form": form, "columns": columns, "options": options, "sheet": sheet, "header_row": sheet.rows[header.index][0]})


def _run(request, *, dry_run: bool):
    """Run the waiting file with the posted mapping; ``(report, error)``."""
    held = pending.current(request)
    if held is None:
        return None, _("Upload the file again: the one you chose is no longer waiting.")
    options, data = held
    form, *_rest = _mapping_form(request, data, request.POST)
    if not form.is_valid():
        return None, _("Choose a field (or none) for each column.")
    try:
        report = services.run_import(
            actor=request.user, dealer_id=options["dealer"], file_name=options["name"], data=data,
            mode=options["mode"], owner_id=options["owner"], strict=options["strict"], dry_run=dry_run,
            mapping=form.mapping())
    except ValidationError as exc:
        return None, " ".join(exc.messages)
    return (report, form), None


@login_required
@require_POST
def check(request):
    """The dry run of the file with the chosen columns: what the import would do."""
    _require(request)
    outcome, error = _run(request, dry_run=True)
    if error:
        messages.error(request, error)
        return redirect("customers:imports")
    report, form = outcome
    return render(request, "customers/imports/check.html", {
        "report": report, "form": form, "problems": report.problems[:SHOWN_PROBLEMS]})


@login_required
@require_POST
def check_errors(request):
    """The refused rows of the dry run as a file in the format of the upload."""
    _require(request)
    outcome, error = _run(request, dry_run=True)
    if error:
        messages.error(request, error)
        return redirect("customers:imports")
    report, _form = outcome
    options, _data = pending.current(request)
    return error_file(actor=request.user, problems=report.problems, file_format=report.file_format,
                      file_name=report.file_name, dealer_id=options["dealer"]).response()


@login_required
@require_POST
def run(request):
    """The import itself, with the columns confirmed on the dry run."""
    _require(request)
    outcome, error = _run(request, dry_run=False)
    if error:
        messages.error(request, error)
        return redirect("customers:imports")
    report, form = outcome
    if not report.written:
        messages.error(request, report.summary())
        return render(request, "customers/imports/check.html", {
            "report": report, "form": form, "problems": report.problems[:SHOWN_PROBLEMS]})
    pending.discard(request)
    messages.success(request, report.summary())
    return redirect("customers:import_batch", batch_id=report.batch_id)


@login_required
def batch(request, batch_id):
    """One import: who ran it, what it did, its refused rows, and undo while that is possible."""
    found = access_batch(request.user, batch_id)
    can_undo = allowed(request.user, Action.UNDO_IMPORT) and found.status == "done"
    blocked = services.touched_since(found) if can_undo else []
    problems = [Problem(*line) for line in found.errors[:SHOWN_PROBLEMS]]
    return render(request, "customers/imports/batch.html", {
        "batch": found, "problems": problems, "can_undo": can_undo and not blocked, "blocked": blocked})


@login_required
def batch_errors(request, batch_id):
    """The batch's refused rows as a file in the format it was imported from (audited)."""
    found = access_batch(request.user, batch_id)
    problems = [Problem(*line) for line in found.errors]
    return error_file(actor=request.user, problems=problems, file_format=found.file_format,
                      file_name=found.file_name, dealer_id=found.dealer_id).response()


@login_required
@require_POST
def batch_undo(request, batch_id):
    try:
        services.undo_import(actor=request.user, batch_id=batch_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The import has been undone."))
    return redirect("customers:import_batch", batch_id=batch_id)

