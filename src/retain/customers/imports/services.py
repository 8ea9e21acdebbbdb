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

import contextlib
import gc
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import AuditEvent, Staff
from retain.org.policy import Action, dealers_in_scope, require

from ..fields import EncryptedTextField
from ..models import (
    Classification,
    ClassificationChange,
    Customer,
    CustomerKind,
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
    with _collector_paused():
        return _run(actor=actor, dealer=dealer, owner=owner, file_name=file_name, data=data, mode=mode,
                    strict=strict, dry_run=dry_run, mapping=mapping, started=started)


@contextlib.contextmanager
def _collector_paused():
    """A file of 100,000 rows makes millions of small objects and no reference cycles; Python's
    cyclic collector would walk all of them again and again as they accumulate (a third of the
    import's time), so it pauses for the import and runs as usual after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(*, actor, dealer, owner, file_name, data, mode, strict, dry_run, mapping, started) -> ImportReport:
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
    actor_id = actor.pk if actor is not None else None
    records: list[tuple] = []  # (row, kind, object id, created, before, stamp)
    customer_of: dict[int, int] = {}  # id(entry) -> customer pk

    values = [dict(_NEW_CUSTOMER, **entry.fields) for entry in plan.create]
    new_ids = _insert(Customer, [*_CUSTOMER_COLUMNS, "mobile_suffix", "classified_on", "source", "status", "dealer",
                                 "owner", "created_at", "updated_at"],
                      [[v[name] for name in _CUSTOMER_COLUMNS]
                       + [suffix_of(v["mobile"]), today, Source.IMPORT, Status.ACTIVE, dealer.pk,
                          owner.pk if owner else None, now, now] for v in values])
    changes = [[pk, "", v["classification"], reason, actor_id, now] for pk, v in zip(new_ids, values)]
    for entry, pk in zip(plan.create, new_ids):
        customer_of[id(entry)] = pk
        records.append((entry.first.number, ImportedKind.CUSTOMER, pk, True, "", now))

    updates = []
    for entry, customer, change in plan.update:
        before = {name: getattr(customer, name) for name in change}
        after = dict(change, mobile_suffix=suffix_of(change.get("mobile", customer.mobile)), updated_at=now)
        if "classification" in change:
            before["classified_on"] = customer.classified_on
            after["classified_on"] = today
            changes.append([customer.pk, customer.classification, change["classification"], reason, actor_id, now])
        updates.append((customer.pk, after))
        customer_of[id(entry)] = customer.pk
        records.append((entry.first.number, ImportedKind.CUSTOMER, customer.pk, False, _dump(before), now))
    for entry, customer in plan.unchanged:
        customer_of[id(entry)] = customer.pk
    _update(Customer, updates)
    change_ids = _insert(ClassificationChange, ["customer", "from_class", "to_class", "reason", "changed_by",
                                                "changed_at"], changes)
    records += [(0, ImportedKind.CLASSIFICATION_CHANGE, pk, True, "", None) for pk in change_ids[len(new_ids):]]

    vehicle_ids = _insert(Vehicle, ["customer", *_VEHICLE_COLUMNS],
                          [[customer_of[id(entry)]] + [vehicle.get(name, _VEHICLE_DEFAULTS.get(name))
                                                       for name in _VEHICLE_COLUMNS]
                           for entry, _row, vehicle in plan.new_vehicles])
    records += [(row.number, ImportedKind.VEHICLE, pk, True, "", None)
                for (_entry, row, _values), pk in zip(plan.new_vehicles, vehicle_ids)]
    vehicle_updates = []
    for row, vehicle, change in plan.changed_vehicles:
        records.append((row.number, ImportedKind.VEHICLE, vehicle.pk, False,
                        _dump({name: getattr(vehicle, name) for name in change}), None))
        vehicle_updates.append((vehicle.pk, change))
    _update(Vehicle, vehicle_updates)
    _insert(ImportedRecord, ["batch", "row", "kind", "object_id", "created", "before", "stamp"],
            [[batch.pk, *record] for record in records])
    audit.record(actor=actor, action=AuditCode.IMPORT_RUN, obj=batch, dealer_id=dealer.pk, note=report.file_name,
                 after={"mode": report.mode, "strict": report.strict, "rows": report.rows, "created": report.created,
                        "updated": report.updated, "unchanged": report.unchanged,
                        "vehicles_created": report.vehicles_created, "vehicles_updated": report.vehicles_updated,
                        "refused": report.refused, "owner_id": owner.pk if owner else None})
    return batch


#: A new customer's fields, in the order they are inserted, and their values when a file leaves them out.
_CUSTOMER_COLUMNS = ("kind", "name", "mobile", "gender", "birthday", "city", "address", "national_id",
                     "classification")
_NEW_CUSTOMER = {"kind": CustomerKind.PERSON, "gender": "", "birthday": None, "city": "", "address": "",
                 "national_id": "", "classification": DEFAULT_CLASSIFICATION}
_VEHICLE_COLUMNS = ("vin", "plate", "make", "model", "purchase_date", "sold_by_us", "mileage_km", "insurance_expiry")
_VEHICLE_DEFAULTS = {"plate": "", "sold_by_us": False}


# -- bulk writing --------------------------------------------------------------------------------
# The ORM's bulk_create spends most of 100,000 rows' time building model instances and preparing
# each value through every field; these write the rows as tuples with ``executemany``, preparing
# only the values whose database form differs (dates on SQLite, encrypted ID numbers). The ids
# are reserved first, so the rows that hang off new customers can point at them: on PostgreSQL
# from the table's sequence, on SQLite past the highest id (the import's transaction holds
# SQLite's only write lock from its start, ``transaction_mode = IMMEDIATE``).

def _prepare(field):
    """How a value of ``field`` becomes its database form, where that differs from the value.
    Dates and times repeat (one import time, many birthdays), so each is prepared once."""
    if isinstance(field, EncryptedTextField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateField):
        prepared = {}

        def prepare(value):
            if value not in prepared:
                prepared[value] = field.get_db_prep_save(value, connection)
            return prepared[value]
        return prepare
    return None


def _reserve_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, model._meta.pk.column, count])
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) FROM "
                       f"{connection.ops.quote_name(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        used = cursor.fetchone()  # AUTOINCREMENT never gives an id twice, even a deleted row's
        start = max(highest, used[0] if used else 0) + 1
    return list(range(start, start + count))


def _insert(model, names: list[str], rows: list[list]) -> list[int]:
    """Insert ``rows`` (values in the order of ``names``) and answer their new ids, in order."""
    if not rows:
        return []
    ids = _reserve_ids(model, len(rows))
    fields = [model._meta.get_field(name) for name in names]
    prepare = [(index, function) for index, field in enumerate(fields) if (function := _prepare(field))]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in [model._meta.pk, *fields])
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
           f"VALUES ({', '.join(['%s'] * (len(fields) + 1))})")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            params = []
            for pk, row in zip(ids[start:start + CHUNK], rows[start:start + CHUNK]):
                row = list(row)
                for index, function in prepare:
                    row[index] = function(row[index])
                params.append((pk, *row))
            cursor.executemany(sql, params)
    return ids


def _update(model, changes: list[tuple[int, dict]]) -> None:
    """Set each record's changed fields (``(pk, {field: value})``), one statement per set of fields."""
    by_fields: dict[tuple, list] = {}
    for pk, values in changes:
        by_fields.setdefault(tuple(sorted(values)), []).append((pk, values))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for names, group in by_fields.items():
            fields = [model._meta.get_field(name) for name in names]
            prepare = [_prepare(field) for field in fields]
            sql = (f"UPDATE {quote(model._meta.db_table)} SET "
                   f"{', '.join(f'{quote(field.column)} = %s' for field in fields)} "
                   f"WHERE {quote(model._meta.pk.column)} = %s")
            cursor.executemany(sql, [
                (*[function(values[name]) if function else values[name]
                   for name, function in zip(names, prepare)], pk) for pk, values in group])


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
        changes = []
        for pk, before in records.filter(kind=kind, created=False).values_list("object_id", "before"):
            values = _load(model, before)
            if model is Customer:
                values["updated_at"] = now
                if "mobile" in values:
                    values["mobile_suffix"] = suffix_of(values["mobile"])
            changes.append((pk, values))
        _update(model, changes)
        restored[kind] = len(changes)
    removed = {}
    for name, kind, model in (("classification_changes", ImportedKind.CLASSIFICATION_CHANGE, ClassificationChange),
                              ("vehicles", ImportedKind.VEHICLE, Vehicle), ("customers", ImportedKind.CUSTOMER, Customer)):
        created = records.filter(kind=kind, created=True).values("object_id")
        if model is Customer:  # the record of each new customer's first class goes with it
            ClassificationChange.objects.filter(customer_id__in=created)._raw_delete(connection.alias)
        # touched_since has just found nothing else pointing at these rows, so they go without the
        # ORM's cascade collector (which would read 100,000 customers into memory first)
        removed[name] = model.objects.filter(pk__in=created)._raw_delete(connection.alias)
    batch.status, batch.undone_at, batch.undone_by = ImportStatus.UNDONE, now, actor
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    audit.record(actor=actor, action=AuditCode.IMPORT_UNDO, obj=batch, dealer_id=batch.dealer_id,
                 before={"status": ImportStatus.DONE}, note=batch.file_name,
                 after={"status": ImportStatus.UNDONE, "removed": removed,
                        "restored": {"customers": restored[ImportedKind.CUSTOMER],
                                     "vehicles": restored[ImportedKind.VEHICLE]}})
    return batch
