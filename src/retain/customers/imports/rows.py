"""Each row through the validators the forms use, the duplicates in the file and against the
database, and what the row would do.

A row is one customer with at most one vehicle. Rows with the same mobile and name are one
customer with several vehicles (a dealer's list has a row per car); otherwise a repeated mobile,
ID card number or VIN is a duplicate, reported with the row it repeats. A row with any problem
is refused whole, with every problem named (row, column, reason), and the rest go on.

Against the database: a customer is on record when an active customer of the importing dealer
has the row's mobile, or else its ID card number; a VIN is on record anywhere in the dealer's
group (VINs are unique per group, as ``customers.services`` holds them). Lookups are made once
per file, in chunks, never per row.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Customer, Status, Vehicle
from ..services import CUSTOMER_FIELDS, VEHICLE_FIELDS, check_values
from . import cells
from .columns import CUSTOMER_COLUMNS, Header, field_label

LOOKUP_CHUNK = 2000


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str


@dataclass
class Row:
    number: int
    customer: dict
    vehicle: dict
    problems: list[Problem] = field(default_factory=list)

    def refuse(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.number, column, reason))


@dataclass
class Entry:
    """One customer of the file: its first row, the rows that add vehicles to it, and its
    fields gathered from them."""

    first: Row
    rows: list[Row]
    fields: dict


@dataclass
class Plan:
    """What the file would do: each customer to create or update (with the changes), vehicles to
    add or change, and every refused row's problems."""

    rows: int = 0
    create: list[Entry] = field(default_factory=list)
    update: list[tuple[Entry, Customer, dict]] = field(default_factory=list)
    unchanged: list[tuple[Entry, Customer]] = field(default_factory=list)
    new_vehicles: list[tuple[Entry, Row, dict]] = field(default_factory=list)
    changed_vehicles: list[tuple[Row, Vehicle, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused_rows: int = 0


def parse(sheet, header: Header) -> list[Row]:
    """Every data row as field values, normalised by the services' own checks."""
    columns = {f: header.headings[i] or field_label(f) for i, f in enumerate(header.fields) if f}
    mapped = [(i, f) for i, f in enumerate(header.fields) if f]
    today = timezone.localdate()
    rows = []
    for number, line in sheet.rows[header.index + 1:]:
        row = Row(number, {}, {})
        for index, name in mapped:
            cell = line[index] if index < len(line) else None
            try:
                found = cells.value(name, cell, sheet.epoch)
            except cells.CellError as error:
                row.refuse(columns[name], str(error))
                continue
            if found is not None:
                (row.customer if name in CUSTOMER_COLUMNS else row.vehicle)[name] = found
        _validate(row, columns, today)
        rows.append(row)
    return rows


def _validate(row: Row, columns: dict, today) -> None:
    """Each value through the checks the forms and the API use (``customers.services.check_values``)."""
    def label(name):
        return columns.get(name) or field_label(name)

    checked = {k: v for k, v in row.customer.items() if k in CUSTOMER_FIELDS}
    values, errors = check_values(Customer, checked, CUSTOMER_FIELDS, today=today)
    row.customer.update(values)
    if row.vehicle:
        if "vin" not in row.vehicle:
            errors["vin"] = [_("A vehicle needs its VIN (车架号).")]
        else:
            row.vehicle, vehicle_errors = check_values(Vehicle, row.vehicle, VEHICLE_FIELDS, today=today)
            errors.update(vehicle_errors)
    for name, messages in errors.items():
        row.refuse(label(name), " ".join(messages))


# -- duplicates within the file ------------------------------------------------------------------

def group(rows: list[Row], columns: dict) -> list[Entry]:
    """Gather the rows of one customer (same mobile) and refuse the duplicates: a repeated
    mobile with another name or other details, a repeated ID card number under another mobile,
    a VIN twice, or the same row twice."""
    def label(name):
        return columns.get(name) or field_label(name)

    entries: list[Entry] = []
    by_mobile: dict[str, Entry] = {}
    by_id: dict[str, Entry] = {}
    by_vin: dict[str, int] = {}
    for row in rows:
        if row.problems:
            continue
        mobile, national_id, vin = (row.customer.get("mobile"), row.customer.get("national_id"),
                                    row.vehicle.get("vin"))
        entry = by_mobile.get(mobile) if mobile else None
        if entry is not None and row.customer == entry.first.customer and row.vehicle == entry.first.vehicle:
            row.refuse(label("mobile"), _("A duplicate of row %(row)d.") % {"row": entry.first.number})
            continue
        if entry is None and national_id in by_id:
            other = by_id[national_id]
            row.refuse(label("national_id"), _("The same ID card number as row %(row)d, with another mobile.")
                       % {"row": other.first.number})
            continue
        if vin and vin in by_vin:
            row.refuse(label("vin"), _("The same VIN as row %(row)d.") % {"row": by_vin[vin]})
            continue
        if entry is not None:
            conflicts = [name for name, value in row.customer.items()
                         if entry.fields.get(name) not in (None, value)]
            if conflicts:
                for name in conflicts:
                    row.refuse(label(name), _("The same mobile as row %(row)d, but this differs from it.")
                               % {"row": entry.first.number})
                continue
            if not vin:
                row.refuse(label("mobile"), _("A duplicate of row %(row)d.") % {"row": entry.first.number})
                continue
            entry.rows.append(row)
            entry.fields.update(row.customer)
        else:
            entry = Entry(row, [row], dict(row.customer))
            entries.append(entry)
            if mobile:
                by_mobile[mobile] = entry
        if national_id:
            by_id[national_id] = entry
        if vin:
            by_vin[vin] = row.number
    return entries


# -- against the database ------------------------------------------------------------------------

def _chunks(values):
    values = sorted(set(values))
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]


def on_record(entries: list[Entry], *, dealer) -> tuple[dict, dict, dict]:
    """The dealer's active customers by mobile and by ID card number, and the group's vehicles
    by VIN, for the values the file holds: ``(by_mobile, by_id, by_vin)``; each maps to a list
    (two records may share a mobile, confirmed as different people)."""
    mobiles = [e.fields["mobile"] for e in entries if e.fields.get("mobile")]
    ids = {e.fields["national_id"] for e in entries if e.fields.get("national_id")}
    vins = [r.vehicle["vin"] for e in entries for r in e.rows if r.vehicle.get("vin")]
    active = Customer.objects.filter(dealer_id=dealer.pk, status=Status.ACTIVE)
    by_mobile: dict[str, list[Customer]] = defaultdict(list)
    for chunk in _chunks(mobiles):
        for customer in active.filter(mobile__in=chunk).order_by("id"):
            by_mobile[customer.mobile].append(customer)
    by_id: dict[str, list[int]] = defaultdict(list)
    if ids:
        # ID card numbers are stored encrypted, so they cannot be looked up by value: the dealer's
        # numbers are read once (only those of customers who have one) and compared here.
        for pk, number in active.exclude(national_id="").values_list("pk", "national_id").iterator(chunk_size=5000):
            if number in ids:
                by_id[number].append(pk)
    by_vin: dict[str, Vehicle] = {}
    group_vehicles = Vehicle.objects.filter(customer__dealer__region__group_id=dealer.region.group_id)
    for chunk in _chunks(vins):
        for vehicle in group_vehicles.filter(vin__in=chunk).select_related("customer"):
            by_vin[vehicle.vin] = vehicle
    return by_mobile, by_id, by_vin


def plan(rows: list[Row], columns: dict, *, dealer, mode: str, classification_default: str) -> Plan:
    """What each row would do in ``mode`` (create / update / upsert)."""
    from ..models import ImportMode

    def label(name):
        return columns.get(name) or field_label(name)

    result = Plan(rows=len(rows))
    entries = group(rows, columns)
    by_mobile, by_id, by_vin = on_record(entries, dealer=dealer)
    known = {c.pk: c for cs in by_mobile.values() for c in cs}
    needed = {pk for pks in by_id.values() for pk in pks} - set(known)
    known.update({c.pk: c for c in Customer.objects.filter(pk__in=needed)} if needed else {})
    for entry in entries:
        fields = entry.fields
        mobile_matches = by_mobile.get(fields.get("mobile"), []) if fields.get("mobile") else []
        id_matches = by_id.get(fields.get("national_id"), []) if fields.get("national_id") else []
        existing = _match(entry, mobile_matches, id_matches, known, label)
        if entry.first.problems:
            _refuse_rest(entry)
            continue
        if existing is not None and mode == ImportMode.CREATE:
            entry.first.refuse(label("mobile"), _("Already on record at this dealer as customer %(id)d (%(name)s).")
                               % {"id": existing.pk, "name": existing.name})
            _refuse_rest(entry)
            continue
        if existing is None and mode == ImportMode.UPDATE:
            entry.first.refuse(label("mobile"), _("No customer on record at this dealer has this mobile or ID card "
                                                  "number."))
            _refuse_rest(entry)
            continue
        if existing is None:
            for name in ("name", "mobile"):
                if not fields.get(name):
                    entry.first.refuse(label(name), _("A new customer needs a name and a mobile number."))
            if entry.first.problems:
                _refuse_rest(entry)
                continue
        vehicles = [_vehicle(row, existing, by_vin, dealer, label) for row in entry.rows]
        if entry.first.problems:
            _refuse_rest(entry)
            continue
        for row, found in zip(entry.rows, vehicles):
            if row.problems or not row.vehicle:
                continue
            if found is None:
                result.new_vehicles.append((entry, row, row.vehicle))
            else:
                changes = {k: v for k, v in row.vehicle.items() if getattr(found, k) != v}
                if changes:
                    result.changed_vehicles.append((row, found, changes))
        if existing is None:
            fields.setdefault("classification", classification_default)
            result.create.append(entry)
            continue
        changes = {k: v for k, v in fields.items() if getattr(existing, k) != v}
        if changes:
            result.update.append((entry, existing, changes))
        else:
            result.unchanged.append((entry, existing))
    refused = [row for row in rows if row.problems]
    result.refused_rows = len(refused)
    result.problems = [problem for row in refused for problem in row.problems]
    return result


def _match(entry, mobile_matches, id_matches, known, label):
    """The customer on record the entry is, or ``None``; a conflict refuses the entry."""
    if len(mobile_matches) > 1:
        entry.first.refuse(label("mobile"), _("Several customers at this dealer have this mobile (%(ids)s): merge "
                                              "them first.") % {"ids": ", ".join(str(c.pk) for c in mobile_matches)})
        return None
    if len(id_matches) > 1:
        entry.first.refuse(label("national_id"), _("Several customers at this dealer have this ID card number: merge "
                                                   "them first."))
        return None
    by_mobile = mobile_matches[0] if mobile_matches else None
    by_id = id_matches[0] if id_matches else None
    if by_mobile and by_id is not None and by_id != by_mobile.pk:
        entry.first.refuse(label("national_id"), _("The mobile is customer %(a)d's, but the ID card number is "
                                                   "customer %(b)d's.") % {"a": by_mobile.pk, "b": by_id})
        return None
    if by_mobile:
        return by_mobile
    return known.get(by_id) if by_id is not None else None


def _vehicle(row, existing, by_vin, dealer, label):
    """The vehicle on record with the row's VIN if it is this customer's; a VIN of another
    customer refuses the row (named only when the customer is at the importing dealer)."""
    vin = row.vehicle.get("vin")
    found = by_vin.get(vin) if vin else None
    if found is not None and (existing is None or found.customer_id != existing.pk):
        if found.customer.dealer_id == dealer.pk:
            row.refuse(label("vin"), _("This VIN is already on record for customer %(id)d.")
                       % {"id": found.customer_id})
        else:
            row.refuse(label("vin"), _("This VIN is already on record at another dealer of your group."))
        return None
    if found is None and row.vehicle:
        for name in ("make", "model"):
            if not row.vehicle.get(name):
                row.refuse(label(name), _("A new vehicle needs its make and model."))
    return found


def _refuse_rest(entry: Entry) -> None:
    for row in entry.rows[1:]:
        if not row.problems:
            row.refuse("", _("The customer of row %(row)d is refused, so this vehicle of theirs is too.")
                       % {"row": entry.first.number})
