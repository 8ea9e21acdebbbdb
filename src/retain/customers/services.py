"""Business actions on the customer base. One function per action, keyword-only arguments,
``actor`` first; each checks access through the door, validates, writes in one transaction
and appends to the audit log in that same transaction.

Validation raises ``django.core.exceptions.ValidationError`` keyed by field name; pages show
it next to the field, the API answers 422 with it, imports report it per row.
"""

import datetime as dt
import itertools

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import check_fields, no_nul
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import DepartmentKind, Staff
from retain.org.policy import Action, Scope, dealers_in_scope, refusal, scope_of
from retain.prepared import prepared

from . import moves
from .access import access_customer, visible_customers
from .models import (
    Classification,
    ClassificationChange,
    Consent,
    Customer,
    Status,
    Tag,
    Transaction,
    Vehicle,
)
from .recheck import NOTE_LENGTH
from .validators import normalise_mobile, normalise_national_id, normalise_plate, normalise_vin

#: Customer fields a user may set directly (classification has its own action with a reason).
CUSTOMER_FIELDS = ("kind", "name", "mobile", "gender", "birthday", "birthday_lunar", "city", "address", "national_id",
                   "source", "email", "language")
VEHICLE_FIELDS = ("vin", "plate", "make", "model", "purchase_date", "sold_by_us", "mileage_km", "insurance_expiry")
TRANSACTION_FIELDS = ("kind", "date", "amount_cents", "reference", "vehicle_id", "mileage_km")

_NORMALISERS = {
    "mobile": normalise_mobile,
    "national_id": lambda v: normalise_national_id(v) if v else "",
    "vin": normalise_vin,
    "plate": lambda v: normalise_plate(v) if v else "",
}


class DuplicateCustomer(ValidationError):
    """The mobile number is already on record at this dealer; creating anyway needs confirmation.

    The check looks past the actor's scope (two consultants must not both claim one person), but
    what it tells them does not: a record the actor may see is named (and pages link to it); one
    outside their scope is only said to exist, with whom to ask. ``existing`` is then ``None``, so
    no page or answer can show its name, owner or id."""

    def __init__(self, existing: Customer, *, actor):
        self.visible = visible_customers(actor).filter(pk=existing.pk).exists()
        self.existing = existing if self.visible else None
        if self.visible:
            message = _("A customer with this mobile number is already on record (%(name)s).") % {"name": existing.name}
        else:
            message = _("This mobile number is already on record at this dealer, for a customer outside your list. "
                        "Ask your showroom manager or sales manager.")
        super().__init__({"mobile": message}, code="duplicate")


def _vin_taken(actor, customer: Customer, vin: str, exclude_id: int | None = None) -> None:
    """Refuse a VIN already on record in the customer's dealer group. Other groups are not
    looked at: a group cannot learn which cars another group has (issue 7, A13). A vehicle
    outside the actor's scope is said to exist, not whose it is."""
    others = Vehicle.objects.filter(vin=vin, customer__dealer__region__group_id=customer.dealer.region.group_id)
    existing = others.exclude(pk=exclude_id).first() if exclude_id else others.first()
    if existing is None:
        return
    if visible_customers(actor).filter(pk=existing.customer_id).exists():
        raise ValidationError({"vin": _("A vehicle with this VIN is already on record.")})
    raise ValidationError({"vin": _("This VIN is already on record in your group, for a customer outside your "
                                    "list. Ask your showroom manager or sales manager.")})


def _normalised(data: dict, allowed: tuple[str, ...]) -> tuple[dict, dict[str, list]]:
    """``data`` stripped, refused if it holds NUL, and mobile, ID card number, VIN and plate in
    their one stored form: ``(values, errors by field)``."""
    errors: dict[str, list] = {}
    values = {}
    unknown = set(data) - set(allowed)
    if unknown:
        errors.update({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    for name, value in data.items():
        if name in unknown:
            continue
        if isinstance(value, str):
            value = value.strip()
            try:
                no_nul(value)  # PostgreSQL cannot store NUL; imports reach here without a form
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
                continue
        if name in _NORMALISERS:
            try:
                value = _NORMALISERS[name](value)
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
                continue
        values[name] = value
    return values, errors


def _normalise(instance, data: dict, allowed: tuple[str, ...]):
    """Set ``data`` on ``instance`` after normalising; raise every field's error at once."""
    values, errors = _normalised(data, allowed)
    for name, value in values.items():
        setattr(instance, name, value)
    unchecked = [f.name for f in instance._meta.fields if f.name not in data or f.name in errors]
    try:
        instance.full_clean(exclude=unchecked + ["customer"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    _check_dates({name: getattr(instance, name, None) for name in data}, errors)
    if errors:
        raise ValidationError(errors)


def check_values(model, data: dict, allowed: tuple[str, ...], *, today: dt.date | None = None
                 ) -> tuple[dict, dict[str, list]]:
    """What ``_normalise`` checks, without building a model instance, for the import's 100,000
    rows: the same normalisers, the model fields' own validators (``bounds.check_fields``: length,
    range, dates 1900-2100, NUL) and the same date rules. Choices are not checked here: callers
    pass only values of the fields' choices. ``today`` may be given once for many rows.
    ``(normalised values, errors by field)``."""
    values, errors = _normalised(data, allowed)
    found: dict[str, str] = {}
    check_fields(model, found, **{name: value for name, value in values.items() if name not in errors})
    for name, message in found.items():
        errors.setdefault(name, []).append(message)
    _check_dates(values, errors, today)
    return values, errors


def _check_dates(values: dict, errors, today: dt.date | None = None):
    for name in ("birthday", "purchase_date", "date"):
        value = values.get(name)
        if isinstance(value, dt.date) and value > (today := today or timezone.localdate()):
            errors.setdefault(name, []).append(_("This date is in the future."))
    birthday = values.get("birthday")
    if isinstance(birthday, dt.date) and birthday.year < 1900:
        errors.setdefault("birthday", []).append(_("This birthday is too far in the past."))


def _values(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


def _changed(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def duplicate_of(*, dealer_id: int, mobile: str, exclude_id: int | None = None) -> Customer | None:
    """An active customer of the dealer with this (normalised) mobile, whoever owns it.

    The check looks past the actor's own scope on purpose: two consultants must not both
    claim the same person. Callers show the result's owner, never its personal data.
    """
    duplicates = Customer.objects.filter(dealer_id=dealer_id, mobile=mobile, status=Status.ACTIVE)
    if exclude_id:
        duplicates = duplicates.exclude(pk=exclude_id)
    return duplicates.select_related("owner").order_by("id").first()


@transaction.atomic
def create_customer(*, actor, dealer_id: int | None = None, owner_id: int | None = None,
                    classification: str = Classification.POTENTIAL, confirm_duplicate: bool = False,
                    **data) -> Customer:
    """Add a customer. Only ``name`` and ``mobile`` are required: collect the minimum necessary.

    A consultant's new customer is theirs, at their dealer. Managers may place it at a dealer in
    their scope and give it an owner there (or leave it unassigned).
    """
    scope = scope_of(actor, Action.CREATE)
    if scope is Scope.NONE:
        raise PermissionDenied(refusal(Action.CREATE))
    dealer_id = dealer_id or actor.dealer_id
    if not dealer_id or not dealers_in_scope(actor, Action.CREATE).filter(pk=dealer_id).exists():
        raise ValidationError({"dealer": _("Choose a dealer you work for.")})
    if scope is Scope.OWN:
        owner_id = actor.pk
    elif owner_id and not Staff.objects.filter(pk=owner_id, dealer_id=dealer_id, is_active=True).exists():
        raise ValidationError({"owner": _("The owner must be an active staff member of the customer's dealer.")})
    customer = Customer(dealer_id=dealer_id, owner_id=owner_id)
    if classification not in Classification.values:
        raise ValidationError({"classification": _("Unknown classification “%(value)s”.") % {"value": classification}})
    customer.classification = classification
    customer.classified_on = timezone.localdate()
    _normalise(customer, data, CUSTOMER_FIELDS)
    if not data.get("name", "").strip():
        raise ValidationError({"name": _("Enter the customer's name.")})

    existing = duplicate_of(dealer_id=dealer_id, mobile=customer.mobile)
    if existing and not confirm_duplicate:
        raise DuplicateCustomer(existing, actor=actor)
    customer.save()
    ClassificationChange.objects.create(
        customer=customer, from_class="", to_class=classification, reason=_("Created"), changed_by=actor
    )
    audit.record(
        actor=actor,
        action=AuditCode.CUSTOMER_CREATE_DUPLICATE if existing else AuditCode.CUSTOMER_CREATE,
        obj=customer,
        after=_values(customer, CUSTOMER_FIELDS + ("classification", "owner_id", "dealer_id")),
        note=_("Created although customer %(id)s has the same mobile.") % {"id": existing.pk} if existing else "",
    )
    return customer


@transaction.atomic
def update_customer(*, actor, customer_id, confirm_duplicate: bool = False, **changes) -> Customer:
    customer = access_customer(actor, customer_id, Action.EDIT, for_update=True)
    before = _values(customer, changes.keys() & set(CUSTOMER_FIELDS))
    _normalise(customer, changes, CUSTOMER_FIELDS)
    if "mobile" in changes and before.get("mobile") != customer.mobile:
        existing = duplicate_of(dealer_id=customer.dealer_id, mobile=customer.mobile, exclude_id=customer.pk)
        if existing and not confirm_duplicate:
            raise DuplicateCustomer(existing, actor=actor)
    old, new = _changed(before, _values(customer, before.keys()))
    if new:
        customer.save()
        audit.record(actor=actor, action=AuditCode.CUSTOMER_UPDATE, obj=customer, before=old, after=new)
    return customer


@transaction.atomic
def change_classification(*, actor, customer_id, to: str, reason: str) -> Customer:
    """Move a customer to another class, keeping the date and reason of the change."""
    customer = access_customer(actor, customer_id, Action.EDIT, for_update=True)
    if to not in Classification.values:
        raise ValidationError({"classification": _("Unknown classification “%(value)s”.") % {"value": to}})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the classification changes.")})
    if to == customer.classification:
        return customer
    ClassificationChange.objects.create(
        customer=customer, from_class=customer.classification, to_class=to, reason=reason.strip(), changed_by=actor
    )
    before = {"classification": customer.classification}
    customer.classification, customer.classified_on = to, timezone.localdate()
    customer.save(update_fields=["classification", "classified_on", "updated_at"])
    audit.record(actor=actor, action=AuditCode.CUSTOMER_CLASSIFY, obj=customer, before=before,
                 after={"classification": to}, note=reason.strip())
    return customer


@transaction.atomic
def set_tags(*, actor, customer_id, names: list[str]) -> list[str]:
    """Replace the customer's tags; unknown tag names are created in the actor's group."""
    customer = access_customer(actor, customer_id, Action.EDIT)
    cleaned = sorted({name.strip() for name in names if name and name.strip()})
    too_long = [name for name in cleaned if len(name) > Tag._meta.get_field("name").max_length]
    if too_long:
        raise ValidationError({"tags": _("A tag has at most 40 characters: “%(tag)s”.") % {"tag": too_long[0]}})
    group_id = customer.dealer.region.group_id
    before = sorted(customer.tags.values_list("name", flat=True))
    tags = [Tag.objects.get_or_create(group_id=group_id, name=name)[0] for name in cleaned]
    customer.tags.set(tags)
    if before != cleaned:
        audit.record(actor=actor, action=AuditCode.CUSTOMER_TAG, obj=customer, before={"tags": before}, after={"tags": cleaned})
    return cleaned


@transaction.atomic
def record_consent(*, actor, customer_id, purpose: str, granted: bool, channel: str, notice_version: str) -> Consent:
    customer = access_customer(actor, customer_id, Action.EDIT)
    consent = Consent(customer=customer, recorded_by=actor)
    _normalise(consent, {"purpose": purpose, "granted": granted, "channel": channel,
                         "notice_version": notice_version}, ("purpose", "granted", "channel", "notice_version"))
    consent.save()
    audit.record(actor=actor, action=AuditCode.CUSTOMER_RECORD_CONSENT, obj=customer,
                 after={"purpose": purpose, "granted": granted, "channel": channel, "notice_version": notice_version})
    return consent


#: A customer's consent rows, newest first (compiled once: the card asks on every view).
CONSENTS = prepared(lambda customer_id: Consent.objects.filter(customer_id=customer_id).order_by("-recorded_at", "-id"))


def current_consents(customer: Customer) -> dict[str, Consent]:
    """The newest consent row per purpose."""
    latest: dict[str, Consent] = {}
    for consent in CONSENTS(customer.pk):
        latest.setdefault(consent.purpose, consent)
    return latest


@transaction.atomic
def add_vehicle(*, actor, customer_id, **data) -> Vehicle:
    customer = access_customer(actor, customer_id, Action.EDIT)
    vehicle = Vehicle(customer=customer)
    _normalise(vehicle, data, VEHICLE_FIELDS)
    _vin_taken(actor, customer, vehicle.vin)
    vehicle.save()
    audit.record(actor=actor, action=AuditCode.VEHICLE_CREATE, obj=vehicle, dealer_id=customer.dealer_id,
                 after=_values(vehicle, VEHICLE_FIELDS))
    return vehicle


@transaction.atomic
def update_vehicle(*, actor, vehicle_id, **changes) -> Vehicle:
    vehicle = Vehicle.objects.select_for_update().filter(pk=vehicle_id).first()
    if vehicle is None:
        raise ValidationError({"vehicle": _("No such vehicle.")})
    customer = access_customer(actor, vehicle.customer_id, Action.EDIT)
    before = _values(vehicle, changes.keys() & set(VEHICLE_FIELDS))
    _normalise(vehicle, changes, VEHICLE_FIELDS)
    if "vin" in changes:
        _vin_taken(actor, customer, vehicle.vin, exclude_id=vehicle.pk)
    old, new = _changed(before, _values(vehicle, before.keys()))
    if new:
        vehicle.save()
        audit.record(actor=actor, action=AuditCode.VEHICLE_UPDATE, obj=vehicle, dealer_id=customer.dealer_id,
                     before=old, after=new)
    return vehicle


@transaction.atomic
def add_transaction(*, actor, customer_id, **data) -> Transaction:
    """Record a sale, service order, parts, insurance or other transaction (amount in cents)."""
    customer = access_customer(actor, customer_id, Action.EDIT)
    record = Transaction(customer=customer, dealer_id=customer.dealer_id)
    _normalise(record, data, TRANSACTION_FIELDS)
    errors = {}
    if not isinstance(record.amount_cents, int) or isinstance(record.amount_cents, bool) or record.amount_cents < 0:
        errors["amount_cents"] = [_("The amount must be a whole number of cents, zero or more.")]
    if record.vehicle_id and not customer.vehicles.filter(pk=record.vehicle_id).exists():
        errors["vehicle_id"] = [_("This vehicle does not belong to the customer.")]
    if record.reference and Transaction.objects.filter(dealer_id=record.dealer_id, reference=record.reference).exists():
        errors["reference"] = [_("This reference number is already used at this dealer.")]
    if errors:
        raise ValidationError(errors)
    record.save()
    audit.record(actor=actor, action=AuditCode.TRANSACTION_CREATE, obj=record,
                 after=_values(record, TRANSACTION_FIELDS) | {"customer_id": customer.pk})
    return record


@transaction.atomic
def verify_customer(*, actor, customer_id, note: str = "") -> Customer:
    """Record that the customer's record was checked with them today and is true (the base's
    periodic re-check, DOMAIN.md section 3). Whoever may edit a record may confirm it: they are
    the ones who would correct it. Verifying again on the same day changes nothing."""
    customer = access_customer(actor, customer_id, Action.EDIT, for_update=True)
    note = (note or "").strip()
    try:
        no_nul(note)
    except ValidationError as exc:
        raise ValidationError({"note": exc.messages})
    if len(note) > NOTE_LENGTH:
        raise ValidationError({"note": _("Keep the note to %(n)d characters.") % {"n": NOTE_LENGTH}})
    today = timezone.localdate()
    if customer.last_verified == today:
        return customer
    before = {"last_verified": customer.last_verified}
    customer.last_verified = today
    customer.save(update_fields=["last_verified", "updated_at"])
    audit.record(actor=actor, action=AuditCode.CUSTOMER_VERIFY, obj=customer, before=before,
                 after={"last_verified": today}, note=note)
    return customer


@transaction.atomic
def assign_service_advisor(*, actor, customer_id, advisor_id) -> Customer:
    """Name the customer's service advisor (``None`` clears it): an active member of the
    customer's dealer's after-sales department, to whom the care calendar gives the service
    reminders (service due, inspection, insurance) whose rule says so."""
    customer = access_customer(actor, customer_id, Action.EDIT, for_update=True)
    advisor = None
    if advisor_id is not None:
        advisor = Staff.objects.filter(pk=advisor_id, dealer_id=customer.dealer_id, is_active=True,
                                       department__kind=DepartmentKind.SERVICE).first()
        if advisor is None:
            raise ValidationError({"service_advisor": _("Choose an active after-sales colleague at the customer's "
                                                        "dealer.")})
    if customer.service_advisor_id == (advisor.pk if advisor else None):
        return customer
    before = {"service_advisor_id": customer.service_advisor_id}
    customer.service_advisor = advisor
    customer.save(update_fields=["service_advisor", "updated_at"])
    audit.record(actor=actor, action=AuditCode.CUSTOMER_ASSIGN_ADVISOR, obj=customer, before=before,
                 after={"service_advisor_id": customer.service_advisor_id})
    return customer


@transaction.atomic
def credit_referral(*, actor, customer_id, referrer_id, by_code: bool = False) -> Customer:
    """Credit the customer's introduction to the customer who referred them (a VIP, an owner):
    the prospect source "VIP introduction" names no one, this names who. ``None`` clears it.
    ``by_code``: the referrer was named by the referral code the referred customer brought (the
    loyalty app checked it), so they need not be in the actor's sight, only of the same group."""
    customer = access_customer(actor, customer_id, Action.EDIT, for_update=True)
    referrer = None
    if referrer_id is not None:
        if str(referrer_id) == str(customer.pk):
            raise ValidationError({"referred_by": _("A customer cannot refer themselves.")})
        candidates = Customer.objects.filter(status=Status.ACTIVE) if by_code else visible_customers(actor)
        referrer = candidates.filter(pk=referrer_id).first()
        if referrer is None or referrer.dealer.region.group_id != customer.dealer.region.group_id:
            raise ValidationError({"referred_by": _("No such customer.")})
    if customer.referred_by_id == (referrer.pk if referrer else None):
        return customer
    before = {"referred_by_id": customer.referred_by_id}
    customer.referred_by = referrer
    customer.save(update_fields=["referred_by", "updated_at"])
    audit.record(actor=actor, action=AuditCode.CUSTOMER_CREDIT_REFERRAL, obj=customer, before=before,
                 after={"referred_by_id": customer.referred_by_id})
    return customer


@transaction.atomic
def reveal(*, actor, customer_id, field: str, reason: str) -> str:
    """Show one personal field unmasked. An explicit act with a reason, always audit-logged."""
    if field not in ("mobile", "national_id"):
        raise ValidationError({"field": _("Only the mobile number and the ID card number can be revealed.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why you need to see it.")})
    customer = access_customer(actor, customer_id, Action.REVEAL)
    audit.record(actor=actor, action=AuditCode.CUSTOMER_REVEAL, obj=customer, note=f"{field}: {reason.strip()}")
    return getattr(customer, field)


@transaction.atomic
def merge_customers(*, actor, survivor_id, duplicate_id, note: str = "") -> Customer:
    """Fold a duplicate record into the survivor: its vehicles, transactions, consents, tags and
    history move over, and so does what other apps keep about it (prospects, contacts, register
    lines, invitations, scores: ``moves``); the duplicate stays (status merged, pointing at the
    survivor) so that links and audit rows to it keep their meaning, and drops out of every list
    and report."""
    if str(survivor_id) == str(duplicate_id):
        raise ValidationError({"duplicate": _("A customer cannot be merged into itself.")})
    survivor = access_customer(actor, survivor_id, Action.MERGE, for_update=True)
    duplicate = access_customer(actor, duplicate_id, Action.MERGE, for_update=True)
    moved = {
        "vehicles": duplicate.vehicles.update(customer=survivor),
        "transactions": duplicate.transactions.update(customer=survivor),
        "consents": duplicate.consents.update(customer=survivor),
        "classification_changes": duplicate.classification_changes.update(customer=survivor),
        "referrals": duplicate.referrals.exclude(pk=survivor.pk).update(referred_by=survivor),
        **moves.merge(actor=actor, survivor=survivor, duplicate=duplicate),
    }
    survivor.tags.add(*duplicate.tags.all())
    filled = {}
    for name in ("gender", "birthday", "city", "address", "national_id", "email", "language", "service_advisor_id",
                 "referred_by_id"):
        if not getattr(survivor, name) and getattr(duplicate, name) and getattr(duplicate, name) != survivor.pk:
            filled[name] = getattr(duplicate, name)
            setattr(survivor, name, filled[name])
    if "birthday" in filled:  # the birthday comes with the calendar it is kept by
        survivor.birthday_lunar = duplicate.birthday_lunar
    survivor.save()
    duplicate.status, duplicate.merged_into = Status.MERGED, survivor
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    audit.record(actor=actor, action=AuditCode.CUSTOMER_MERGE, obj=survivor, note=note,
                 after={"absorbed": duplicate.pk, **moved, "filled": sorted(filled)})
    audit.record(actor=actor, action=AuditCode.CUSTOMER_MERGE_INTO, obj=duplicate, note=note,
                 before={"status": Status.ACTIVE}, after={"status": Status.MERGED, "merged_into": survivor.pk})
    return survivor


@transaction.atomic
def reassign_portfolio(*, actor, from_owner_id, to_owner_ids: list, note: str,
                       customer_ids: list | None = None) -> dict[int, list[int]]:
    """Hand a consultant's customers (all, or the chosen ones) to one or more colleagues,
    round-robin, because the base belongs to the company, not to whoever sold the car. The work
    on them moves too (their open prospects follow the customer to the new owner: ``moves``).

    Returns ``{new_owner_id: [customer ids]}``.
    """
    if scope_of(actor, Action.REASSIGN) is Scope.NONE:
        raise PermissionDenied(refusal(Action.REASSIGN))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the customers are reassigned.")})
    to_owner_ids = list(dict.fromkeys(int(i) for i in to_owner_ids or []))
    if not to_owner_ids:
        raise ValidationError({"to_owners": _("Choose at least one colleague to receive the customers.")})
    if int(from_owner_id) in to_owner_ids:
        raise ValidationError({"to_owners": _("The customers' current owner cannot also receive them.")})
    portfolio = visible_customers(actor, Action.REASSIGN).filter(owner_id=from_owner_id)
    if customer_ids is not None:
        wanted = {int(i) for i in customer_ids}
        portfolio = portfolio.filter(pk__in=wanted)
        if portfolio.count() != len(wanted):
            raise ValidationError({"customers": _("Some chosen customers are not in this portfolio or not yours to move.")})
    ids = list(portfolio.order_by("id").select_for_update().values_list("pk", flat=True))
    if not ids:
        raise ValidationError({"customers": _("There are no customers to reassign.")})
    dealer_ids = set(portfolio.values_list("dealer_id", flat=True).distinct())
    receivers = Staff.objects.filter(pk__in=to_owner_ids, is_active=True, dealer_id__in=dealer_ids)
    if receivers.count() != len(to_owner_ids) or len(dealer_ids) != 1:
        raise ValidationError({"to_owners": _("Receivers must be active colleagues at the customers' dealer.")})
    plan: dict[int, list[int]] = {owner: [] for owner in to_owner_ids}
    for customer_id, owner in zip(ids, itertools.cycle(to_owner_ids)):
        plan[owner].append(customer_id)
    dealer_id = dealer_ids.pop()
    for owner, chunk in plan.items():
        Customer.objects.filter(pk__in=chunk).update(owner_id=owner, updated_at=timezone.now())
    moved = moves.reassign(actor=actor, from_owner_id=int(from_owner_id), plan=plan)
    audit.record(actor=actor, action=AuditCode.PORTFOLIO_REASSIGN, object_type="staff", object_id=from_owner_id,
                 dealer_id=dealer_id, before={"owner_id": int(from_owner_id), "customers": len(ids)},
                 after={**{str(k): v for k, v in plan.items()}, **moved}, note=note.strip())
    audit.record_many(
        actor=actor, action=AuditCode.CUSTOMER_REASSIGN, object_type="customer", note=note.strip(),
        rows=[(cid, dealer_id, {"owner_id": int(from_owner_id)}, {"owner_id": owner})
              for owner, chunk in plan.items() for cid in chunk],
    )
    return plan
