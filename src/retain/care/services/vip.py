"""VIP files (DOMAIN.md section 3; seed 004): opened and kept by the showroom's managers and
marketing (the policy's ``manage_vip``). The consultant named on a file visits the VIP every
month and the manager named on it keeps in touch personally; the care calendar makes both
touches as tasks."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.customers.access import access_customer
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Staff
from retain.org.policy import Action, dealers_in_scope, refusal, require

from ..access import access_vip_file
from ..models import VipFile, VipSource

FIELDS = ("source", "organisation", "consultant_id", "manager_id", "opened_on", "active", "notes")


def _check(dealer_id, data: dict, errors: dict) -> None:
    if "source" in data and data["source"] not in VipSource.values:
        errors["source"] = _("Choose where the VIP comes from.")
    for field in ("consultant_id", "manager_id"):
        if field in data and not Staff.objects.filter(pk=data[field], dealer_id=dealer_id, is_active=True).exists():
            errors[field.removesuffix("_id")] = _("Choose an active colleague at the VIP's dealer.")
    if "opened_on" in data:
        if not isinstance(data["opened_on"], dt.date):
            errors["opened_on"] = _("Enter a date.")
        elif data["opened_on"] > timezone.localdate():
            errors["opened_on"] = _("This date is in the future.")
    if "active" in data and not isinstance(data["active"], bool):
        errors["active"] = _("Say whether the file is active.")
    text = {k: (data[k] or "").strip() for k in ("organisation", "notes") if k in data}
    data.update(text)
    check_fields(VipFile, errors, **text)


@transaction.atomic
def open_vip_file(*, actor, customer_id, source: str, consultant_id, manager_id, organisation: str = "",
                  opened_on: dt.date | None = None, notes: str = "") -> VipFile:
    """Open the VIP file of a customer at a dealer where the actor manages VIP files."""
    require(actor, Action.MANAGE_VIP)
    customer = access_customer(actor, customer_id)
    if not dealers_in_scope(actor, Action.MANAGE_VIP).filter(pk=customer.dealer_id).exists():
        raise ValidationError({"customer": refusal(Action.MANAGE_VIP)})
    if VipFile.objects.filter(customer=customer).exists():
        raise ValidationError({"customer": _("This customer already has a VIP file.")})
    data = {"source": source, "organisation": organisation, "consultant_id": consultant_id,
            "manager_id": manager_id, "opened_on": opened_on or timezone.localdate(), "notes": notes}
    errors = {}
    _check(customer.dealer_id, data, errors)
    if errors:
        raise ValidationError(errors)
    vip = VipFile.objects.create(customer=customer, dealer_id=customer.dealer_id, **data)
    audit.record(actor=actor, action=AuditCode.VIP_OPEN, obj=vip, after={"customer_id": customer.pk, **data})
    return vip


@transaction.atomic
def update_vip_file(*, actor, customer_id, **changes) -> VipFile:
    """Change a VIP file: its source, organisation, consultant, manager, notes, or close it."""
    vip = access_vip_file(actor, customer_id, Action.MANAGE_VIP)
    errors = {name: _("This field cannot be set here.") for name in sorted(set(changes) - set(FIELDS))}
    _check(vip.dealer_id, changes, errors)
    if errors:
        raise ValidationError(errors)
    before = {name: getattr(vip, name) for name in changes}
    for name, value in changes.items():
        setattr(vip, name, value)
    after = {name: getattr(vip, name) for name in changes}
    changed = [name for name in changes if before[name] != after[name]]
    if changed:
        vip.save()
        audit.record(actor=actor, action=AuditCode.VIP_UPDATE, obj=vip, before={n: before[n] for n in changed},
                     after={n: after[n] for n in changed})
    return vip
