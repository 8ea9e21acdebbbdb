"""Two-phase redemption for rewards: reserve at order (member -> hold: the points are no longer
spendable), then exactly one of post at hand-over (hold -> redemption) or void on cancel (hold ->
member, the points back with the expiry they had). ``Transfer.settles`` is unique: a reservation is
posted or voided once."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import faults
from ..models import AccountKind, Transfer, TransferKind, Voucher
from . import ledger
from .common import member, once, text
from .ledger import ledger_write


def _record(actor, code, found, made: Transfer, **extra):
    audit.record(actor=actor, action=code, obj=found.customer, dealer_id=found.customer.dealer_id,
                 after={"transfer_id": made.pk, "points": made.amount, **extra})
    faults.checkpoint("audited")


@ledger_write
def reserve(*, actor, customer_id, points, reward_id=None, memo: str = "", origin: str = "system",
            idempotency_key: str | None = None, now: dt.datetime | None = None) -> Transfer:
    found = member(actor, customer_id, Action.REDEEM_POINTS)
    points = ledger.check_points(points, found.programme)
    memo = text(memo, "memo")

    def run():
        made = hold(actor, found, points, memo=memo, origin=origin, now=now)
        _record(actor, AuditCode.POINTS_RESERVE, found, made, reward_id=reward_id)
        return made

    return once(actor, idempotency_key, "reserve", {"customer": found.customer.pk, "points": points,
                                                    "reward_id": reward_id, "memo": memo}, run)


def hold(actor, found, points: int, *, memo: str = "", origin: str = "system", now=None) -> Transfer:
    """The reserve transfer itself (member -> hold, from the lots that expire first), without an
    audit row: for a service that writes its own (``rewards.order``). The member's accounts are locked."""
    account = found.accounts[AccountKind.MEMBER]
    made = ledger.post(programme=found.programme, kind=TransferKind.RESERVE, debit=account,
                       credit=found.accounts[AccountKind.HOLD], amount=points, actor=actor, origin=origin,
                       memo=memo, now=now)
    ledger.take_from_lots(account, made, points)
    return made


def settle(actor, found, held: Transfer, *, post: bool, reason: str = "", origin: str = "system", now=None) -> Transfer:
    """Post (hand-over) or release (cancel, timeout) one reservation, without an audit row; the
    caller holds the member's locks and has checked that nothing settled it (``settles`` is unique)."""
    hold_account = found.accounts[AccountKind.HOLD]
    if post:
        return ledger.post(programme=found.programme, kind=TransferKind.POST_RESERVATION, debit=hold_account,
                           credit=ledger.system_account(found.programme, AccountKind.REDEMPTION),
                           amount=held.amount, actor=actor, origin=origin, settles=held, memo=held.memo, now=now)
    account = found.accounts[AccountKind.MEMBER]
    made = ledger.post(programme=found.programme, kind=TransferKind.VOID_RESERVATION, debit=hold_account,
                       credit=account, amount=held.amount, actor=actor, origin=origin, settles=held, memo=reason,
                       now=now)
    ledger.restore_lots(account, made, held)
    return made


def _reservation(transfer_id) -> Transfer:
    try:
        return Transfer.objects.select_related("debit", "credit").get(pk=int(transfer_id), kind=TransferKind.RESERVE)
    except (TypeError, ValueError, Transfer.DoesNotExist):
        raise Http404(_("No such reservation."))


def _settle(actor, transfer_id, *, post: bool, reason: str, origin: str) -> Transfer:
    held = _reservation(transfer_id)
    found = member(actor, held.debit.customer_id, Action.REDEEM_POINTS)
    if Transfer.objects.filter(settles=held).exists():
        raise ValidationError({"transfer_id": _("This reservation was already redeemed or released.")})
    if Voucher.objects.filter(reservation=held).exists():  # its voucher's status must follow
        raise ValidationError({"transfer_id": _("This reservation is a voucher's: use or cancel the voucher.")})
    made = settle(actor, found, held, post=post, reason=reason, origin=origin)
    _record(actor, AuditCode.POINTS_POST if post else AuditCode.POINTS_RELEASE, found, made,
            reservation_id=held.pk, reason=reason)
    return made


@ledger_write
def post(*, actor, transfer_id, origin: str = "system") -> Transfer:
    """The reward was handed over: the reserved points are redeemed."""
    return _settle(actor, transfer_id, post=True, reason="", origin=origin)


@ledger_write
def release(*, actor, transfer_id, reason: str, origin: str = "system") -> Transfer:
    """The order was cancelled (or timed out): the reserved points return to the member."""
    return _settle(actor, transfer_id, post=False, reason=text(reason, "reason", required=True), origin=origin)
