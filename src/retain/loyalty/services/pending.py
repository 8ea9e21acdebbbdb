"""Pending points: an earn into the member's pending account is settled exactly once, either
activated (pending -> spendable, a lot dated by the month it was earned) once its ``available_on``
day has come, or voided (pending -> issuance: the purchase was returned). ``Transfer.settles`` is
unique, so a second settlement fails in the database whoever tries it; the services check first
under the member's lock and answer plainly."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import faults
from ..models import AccountKind, Transfer, TransferKind
from . import ledger
from .common import member, text
from .ledger import ledger_write


def _pending_earn(transfer_id) -> Transfer:
    try:
        found = Transfer.objects.select_related("credit").get(pk=int(transfer_id), credit__kind=AccountKind.PENDING)
    except (TypeError, ValueError, Transfer.DoesNotExist):
        raise Http404(_("No such pending points."))
    return found


def _settle(actor, earn: Transfer, *, activate: bool, action: str, reason: str = "", origin: str = "system",
            day: dt.date | None = None):
    found = member(actor, earn.credit.customer_id, action)
    if Transfer.objects.filter(settles=earn).exists():
        raise ValidationError({"transfer_id": _("These pending points were already settled.")})
    if activate and day is not None and earn.available_on and earn.available_on > day:
        raise ValidationError({"transfer_id": _("These points are not spendable before %(day)s.") % {
            "day": earn.available_on}})
    programme, pending = found.programme, found.accounts[AccountKind.PENDING]
    if activate:
        account = found.accounts[AccountKind.MEMBER]
        made = ledger.post(programme=programme, kind=TransferKind.ACTIVATE, debit=pending, credit=account,
                           amount=earn.amount, actor=actor, origin=origin, settles=earn, memo=earn.memo)
        earned_on = ledger.local_day(programme, earn.created_at)
        ledger.add_lot(account, made, earn.amount, earned_on=earned_on, expiry=ledger.expires_on(programme, earned_on))
    else:
        made = ledger.post(programme=programme, kind=TransferKind.VOID_EARN, debit=pending, credit=earn.debit,
                           amount=earn.amount, actor=actor, origin=origin, settles=earn, memo=reason)
    audit.record(actor=actor, action=AuditCode.POINTS_ACTIVATE if activate else AuditCode.POINTS_VOID,
                 obj=found.customer, dealer_id=found.customer.dealer_id,
                 after={"transfer_id": made.pk, "earn_id": earn.pk, "points": earn.amount, "reason": reason})
    faults.checkpoint("audited")
    return made


@ledger_write
def activate(*, actor, transfer_id, day: dt.date | None = None, origin: str = "system") -> Transfer:
    """Make one pending earn spendable (by hand before its day, or by the job on it)."""
    return _settle(actor, _pending_earn(transfer_id), activate=True, action=Action.EARN_POINTS, day=day, origin=origin)


@ledger_write
def void(*, actor, transfer_id, reason: str, origin: str = "system") -> Transfer:
    """Take pending points back (the purchase was returned within the window)."""
    reason = text(reason, "reason", required=True)
    return _settle(actor, _pending_earn(transfer_id), activate=False, action=Action.EARN_POINTS, reason=reason,
                   origin=origin)


def due(day: dt.date):
    """Pending earns whose day has come and that nothing has settled yet."""
    return Transfer.objects.filter(kind__in=[TransferKind.EARN, TransferKind.GOODWILL],
                                   credit__kind=AccountKind.PENDING, available_on__lte=day).filter(
        ~Exists(Transfer.objects.filter(settles=OuterRef("pk"))))


def activate_due(*, actor, day: dt.date) -> dict:
    """The job's work: every due pending earn activated, one transaction per earn (a crash keeps
    what was done; another run, or one running beside it, skips what is settled)."""
    done = {"transfers": 0, "points": 0}
    for earn_id in list(due(day).order_by("id").values_list("pk", flat=True)):
        try:
            made = activate(actor=actor, transfer_id=earn_id, day=day, origin="job")
        except ValidationError:  # settled meanwhile by a concurrent run, or by hand
            continue
        done["transfers"] += 1
        done["points"] += made.amount
    return done
