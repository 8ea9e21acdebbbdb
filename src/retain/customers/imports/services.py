"""The import batch: the only writer of imported customers and vehicles, and of their undo.

``run_import`` reads, validates and plans the whole file in memory (``reading``, ``columns``,
``rows``), then writes in one transaction with bulk inserts and updates in chunks, one
``ImportBatch`` with an ``ImportedRecord`` per record it created or changed, and one audit row
(``import.run``) for the batch. A dry run takes exactly the same path and rolls the transaction
back, so what it reports is what the import would do; ``strict`` rolls back too when any row is
refused (all or nothing).

``undo_import`` removes what a batch created and restores what it changed, in one transaction
with one audit row (``import.undo``), and refuses while anything else has touched those records
since: a later save of a customer (its ``updated_at`` moved), a later audit row about one of its
customers or vehicles, or any other record now hanging off a created customer or vehicle (a
transaction, a prospect, a consent: whatever any app keeps, found through the models' relations).
"""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import AuditEvent, Staff
from retain.org.policy import Action, dealers_in_scope, require

from ..models import (
    Classification,
    ClassificationChange,
    Customer,
    ImportBatch,
    ImportedKind,
    ImportedRecord,
    ImportMode,
    ImportStatus,
    Source,
    Status,
    Vehicle,
    suffix_of,
)
from . import columns as header_columns
from . import reading, rows
from .access import access_batch
from .report import ImportReport

#: Class of a new customer when the file has no classification column: on record and reached.
DEFAULT_CLASSIFICATION = Classification.BASE
CHUNK = 1000


class _RollBack(Exception):
    """Leaves the transaction of a dry run (or a refused all-or-nothing import) unwritten."""


def _dealer(actor, dealer_id):
    from retain.org.models import Dealer

    dealers = Dealer.objects.all() if actor is None else dealers_in_scope(actor, Action.IMPORT)
    dealer = dealers.select_related("region").filter(pk=dealer_id).first() if dealer_id else None
    if dealer is None:
        raise ValidationError({"dealer": _("Choose a dealer you may import into.")})
    return dealer


def _owner(owner_id, dealer):
    if owner_id is None:
        return None
    owner = Staff.objects.filter(pk=owner_id, dealer_id=dealer.pk, is_active=True).first()
    if owner is None:
        raise ValidationError({"owner": _("The owner must be an active staff member of the dealer imported into.")})
    return owner


def read_header(data: bytes):
    """The file's rows and detected header, or a file-level refusal (shared by the preview)."""
    sheet = reading.read(data)
    header = header_columns.detect(sheet.rows)
    if header is None:
        raise reading.FileRefused(_("No recognisable header: the first rows name no customer columns (such as "
                                    "姓名/name and 手机/mobile)."), "no_header")
    return sheet, header


def _check_columns(header, mode: str) -> None:
    mapped = set(filter(None, header.fields))
    if mode == ImportMode.UPDATE:
        if not mapped & {"mobile", "national_id"}:
            raise reading.FileRefused(_("An update needs a column of mobile numbers or ID card numbers to find the "
                                        "customers by."), "no_key")
        return
    missing = [header_columns.field_label(name) for name in ("name", "mobile") if name not in mapped]
    if missing:
        raise reading.FileRefused(_("No column for: %(fields)s.") % {"fields": ", ".join(missing)}, "no_key")


def run_import(*, actor, dealer_id, file_name: str, data: bytes, mode: str = ImportMode.CREATE,
               owner_id: int | None = None, strict: bool = False, dry_run: bool = False,
               mapping: dict[int, str] | None = None) -> ImportReport:
    """Import a CSV or XLSX file of customers (and their vehicles) into a dealer.

    ``actor`` is the staff member importing (``None``: the command line). ``mapping`` sets the
    field of columns by index (the preview page's choices); without it the headers decide."""
    if actor is not None:
        require(actor, Action.IMPORT)
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose create, update or upsert.")})
    dealer = _dealer(actor, dealer_id)
    owner = _owner(owner_id, dealer)
    file_name = (file_name or "import")[-ImportBatch._meta.get_field("file_name").max_length:]
    started = timezone.now()
    sheet, header = read_header(data)
    if mapping:
        header = header_columns.with_mapping(header, mapping)
    _check_columns(header, mode)
    data_rows = len(sheet.rows) - header.index - 1
    if data_rows > settings.IMPORT_MAX_ROWS:
        raise reading.FileRefused(_("The file has more than %(n)s rows; split it into several files.")
                                  % {"n": f"{settings.IMPORT_MAX_ROWS:,}"}, "too_many_rows")
    if data_rows == 0:
        raise reading.FileRefused(_("The file has a header but no rows below it."), "empty")
    labels = {name: header.headings[i] or header_columns.field_label(name) for i, name in enumerate(header.fields)
              if name}
    parsed = rows.parse(sheet, header)
    plan = rows.plan(parsed, labels, dealer=dealer, mode=mode, classification_default=DEFAULT_CLASSIFICATION)
    report = ImportReport(
        file_name=file_name, file_format=sheet.file_format, encoding=sheet.encoding, mode=mode, strict=strict,
        dry_run=dry_run, rows=plan.rows, created=len(plan.create), updated=len(plan.update),
        unchanged=len(plan.unchanged), vehicles_created=len(plan.new_vehicles),
        vehicles_updated=len(plan.changed_vehicles), refused=plan.refused_rows,
        columns=list(zip(header.headings, header.fields)), problems=plan.problems)
    try:
        with transaction.atomic():
            batch = _write(plan, report, actor=actor, dealer=dealer, owner=owner, started=started)
            if dry_run or report.refused_by_strict:
                raise _RollBack
    except _RollBack:
        return report
    report.written, report.batch_id = True, batch.pk
    return report


def _write(plan: rows.Plan, report: ImportReport, *, actor, dealer, owner, started) -> ImportBatch:
    now, today = timezone.now(), timezone.localdate()
    batch = ImportBatch.objects.create(
        dealer=dealer, run_by=actor, owner=owner, file_name=report.file_name, file_format=report.file_format,
        encoding=report.encoding, mode=report.mode, strict=report.strict, started_at=started, finished_at=now,
        rows=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged,
        vehicles_created=report.vehicles_created, vehicles_updated=report.vehicles_updated, refused=report.refused,
        errors=[[p.row, p.column, p.reason] for p in report.problems])
    reason = _("Imported (batch %(id)d)") % {"id": batch.pk}
    records: list[ImportedRecord] = []
    customer_of: dict[int, int] = {}  # id(entry) -> customer pk

    new = []
    for entry in plan.create:
        values = dict(entry.fields)
        new.append(Customer(dealer_id=dealer.pk, owner=owner, source=Source.IMPORT, classified_on=today,
                            status=Status.ACTIVE, mobile_suffix=suffix_of(values.get("mobile", "")), **values))
    Customer.objects.bulk_create(new, batch_size=CHUNK)
    changes = [ClassificationChange(customer=c, from_class="", to_class=c.classification, reason=reason,
                                    changed_by=actor) for c in new]
    for entry, customer in zip(plan.create, new):
        customer_of[id(entry)] = customer.pk
        records.append(ImportedRecord(batch=batch, row=entry.first.number, kind=ImportedKind.CUSTOMER,
                                      object_id=customer.pk, created=True, stamp=customer.updated_at))

    updated, fields = [], {"updated_at", "mobile_suffix"}
    reclassified = []
    for entry, customer, change in plan.update:
        before = {name: getattr(customer, name) for name in change}
        if "classification" in change:
            before["classified_on"] = customer.classified_on
            reclassified.append(ClassificationChange(customer=customer, from_class=customer.classification,
                                                     to_class=change["classification"], reason=reason,
                                                     changed_by=actor))
            customer.classified_on = today
            fields.add("classified_on")
        for name, value in change.items():
            setattr(customer, name, value)
        customer.mobile_suffix, customer.updated_at = suffix_of(customer.mobile), now
        fields.update(change)
        updated.append(customer)
        customer_of[id(entry)] = customer.pk
        records.append(ImportedRecord(batch=batch, row=entry.first.number, kind=ImportedKind.CUSTOMER,
                                      object_id=customer.pk, created=False, before=_dump(before), stamp=now))
    for entry, customer in plan.unchanged:
        customer_of[id(entry)] = customer.pk
    Customer.objects.bulk_update(updated, sorted(fields), batch_size=CHUNK // 2)
    ClassificationChange.objects.bulk_create(changes + reclassified, batch_size=CHUNK)
    records += [ImportedRecord(batch=batch, row=0, kind=ImportedKind.CLASSIFICATION_CHANGE, object_id=c.pk,
                               created=True) for c in reclassified]

    vehicles = [Vehicle(customer_id=customer_of[id(entry)], **values) for entry, _row, values in plan.new_vehicles]
    Vehicle.objects.bulk_create(vehicles, batch_size=CHUNK)
    records += [ImportedRecord(batch=batch, row=row.number, kind=ImportedKind.VEHICLE, object_id=vehicle.pk,
                               created=True) for (_entry, row, _values), vehicle in zip(plan.new_vehicles, vehicles)]
    changed, vehicle_fields = [], set()
    for row, vehicle, change in plan.changed_vehicles:
        records.append(ImportedRecord(batch=batch, row=row.number, kind=ImportedKind.VEHICLE, object_id=vehicle.pk,
                                      created=False, before=_dump({k: getattr(vehicle, k) for k in change})))
        for name, value in change.items():
            setattr(vehicle, name, value)
        vehicle_fields.update(change)
        changed.append(vehicle)
    if changed:
        Vehicle.objects.bulk_update(changed, sorted(vehicle_fields), batch_size=CHUNK // 2)
    ImportedRecord.objects.bulk_create(records, batch_size=CHUNK * 2)
    audit.record(actor=actor, action=AuditCode.IMPORT_RUN, obj=batch, dealer_id=dealer.pk, note=report.file_name,
                 after={"mode": report.mode, "strict": report.strict, "rows": report.rows, "created": report.created,
                        "updated": report.updated, "unchanged": report.unchanged,
                        "vehicles_created": report.vehicles_created, "vehicles_updated": report.vehicles_updated,
                        "refused": report.refused, "owner_id": owner.pk if owner else None})
    return batch


def _dump(values: dict) -> str:
    return json.dumps({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()})


def _load(model, text: str) -> dict:
    return {name: model._meta.get_field(name).to_python(value) for name, value in json.loads(text).items()}


# -- undo ----------------------------------------------------------------------------------------

def touched_since(batch: ImportBatch) -> list[str]:
    """Why the batch can no longer be undone (empty: it can)."""
    records = ImportedRecord.objects.filter(batch=batch)
    customers, vehicles = records.filter(kind=ImportedKind.CUSTOMER), records.filter(kind=ImportedKind.VEHICLE)
    reasons = []
    saved = customers.annotate(now=Subquery(Customer.objects.filter(pk=OuterRef("object_id")).values("updated_at")[:1]))
    moved = saved.exclude(now=F("stamp")).count()
    if moved:
        reasons.append(_("%(n)d of its customers have been saved since.") % {"n": moved})
    run = AuditEvent.objects.filter(action=AuditCode.IMPORT_RUN, object_type="importbatch",
                                    object_id=str(batch.pk)).values("id")[:1]

    def keys(queryset):
        return queryset.annotate(key=Cast("object_id", CharField())).values("key")

    later = AuditEvent.objects.filter(id__gt=Subquery(run)).filter(
        Q(object_type="customer", object_id__in=keys(customers)) | Q(object_type="vehicle", object_id__in=keys(vehicles)))
    if later.exists():
        reasons.append(_("%(n)d changes to its customers or vehicles have been recorded since.") % {"n": later.count()})
    created_customers = customers.filter(created=True).values("object_id")
    created_vehicles = vehicles.filter(created=True).values("object_id")
    expected = {
        # what the batch itself hangs off a new customer: its vehicles, and the record of its class
        Vehicle: Vehicle.objects.filter(pk__in=created_vehicles, customer_id__in=created_customers).count(),
        ClassificationChange: customers.filter(created=True).count(),
    }
    for model, created in ((Customer, created_customers), (Vehicle, created_vehicles)):
        for relation in model._meta.related_objects:
            if not (relation.one_to_many or relation.one_to_one):
                continue
            hanging = relation.related_model._base_manager.filter(**{f"{relation.field.attname}__in": created})
            found = hanging.count()
            allowed = expected.get(relation.related_model, 0) if model is Customer else 0
            if found > allowed:
                reasons.append(_("%(n)d other records (%(what)s) now refer to what it created.")
                               % {"n": found - allowed, "what": relation.related_model._meta.verbose_name_plural})
    return reasons


@transaction.atomic
def undo_import(*, actor, batch_id) -> ImportBatch:
    """Remove the customers and vehicles the batch created and restore the fields it changed."""
    batch = access_batch(actor, batch_id, Action.UNDO_IMPORT, for_update=True)
    if batch.status == ImportStatus.UNDONE:
        raise ValidationError({"batch": _("This import has already been undone.")})
    reasons = touched_since(batch)
    if reasons:
        raise ValidationError({"batch": _("This import can no longer be undone: %(why)s")
                               % {"why": " ".join(reasons)}})
    records = ImportedRecord.objects.filter(batch=batch)
    now = timezone.now()
    restored = {}
    for kind, model in ((ImportedKind.CUSTOMER, Customer), (ImportedKind.VEHICLE, Vehicle)):
        lines = list(records.filter(kind=kind, created=False).values_list("object_id", "before"))
        objects = model.objects.in_bulk([pk for pk, _before in lines])
        fields = set()
        for pk, before in lines:
            values = _load(model, before)
            obj = objects[pk]
            for name, value in values.items():
                setattr(obj, name, value)
            fields.update(values)
            if model is Customer:
                obj.mobile_suffix, obj.updated_at = suffix_of(obj.mobile), now
                fields.update({"mobile_suffix", "updated_at"})
        if objects:
            model.objects.bulk_update(objects.values(), sorted(fields), batch_size=CHUNK // 2)
        restored[kind] = len(objects)
    removed = {}
    for name, kind, model in (("classification_changes", ImportedKind.CLASSIFICATION_CHANGE, ClassificationChange),
                              ("vehicles", ImportedKind.VEHICLE, Vehicle), ("customers", ImportedKind.CUSTOMER, Customer)):
        created = records.filter(kind=kind, created=True).values("object_id")
        removed[name] = model.objects.filter(pk__in=created).delete()[1].get(model._meta.label, 0)
    batch.status, batch.undone_at, batch.undone_by = ImportStatus.UNDONE, now, actor
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    audit.record(actor=actor, action=AuditCode.IMPORT_UNDO, obj=batch, dealer_id=batch.dealer_id,
                 before={"status": ImportStatus.DONE}, note=batch.file_name,
                 after={"status": ImportStatus.UNDONE, "removed": removed,
                        "restored": {"customers": restored[ImportedKind.CUSTOMER],
                                     "vehicles": restored[ImportedKind.VEHICLE]}})
    return batch
