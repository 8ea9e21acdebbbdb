"""Earning, spending and correcting points: the member-facing business actions on the ledger.

Every action locks the member's accounts first, checks, posts its transfer(s), moves the lots and
writes one audit row, in one transaction. Amounts are positive whole points up to the programme's
``max_points_per_transfer``; a debit beyond the spendable balance is ``InsufficientPoints``."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import faults
from ..models import Account, AccountKind, Transfer, TransferKind
from . import ledger, tiers
from .common import member, once, text
from .ledger import InsufficientPoints, ledger_write

#: Kinds of account the ``kind`` of an earn may credit from: what the programme gives, and goodwill.
EARN_SOURCES = {TransferKind.EARN: AccountKind.ISSUANCE, TransferKind.GOODWILL: AccountKind.GOODWILL}


def _audit(actor, code, found, transfer: Transfer, **extra) -> None:
    audit.record(actor=actor, action=code, obj=found.customer, dealer_id=found.customer.dealer_id, after={
        "transfer_id": transfer.pk, "kind": transfer.kind, "points": transfer.amount, **extra})
    faults.checkpoint("audited")


@ledger_write
def earn(*, actor, customer_id, points, memo: str = "", source: str = "", pending: bool | None = None,
         kind: str = TransferKind.EARN, origin: str = "system", idempotency_key: str | None = None,
         now: dt.datetime | None = None, trigger: str = "") -> Transfer:
    """Credit earned points: into the member's pending account until the programme's returns
    window has passed (``pending``, the default when the programme has one), or spendable at once
    (a lot that expires ``expiry_months`` after this month). ``source`` names the record earned
    from (``txn:812``); a record earns once: the second call answers the first transfer."""
    found = member(actor, customer_id, Action.EARN_POINTS)
    programme = found.programme
    points = ledger.check_points(points, programme)
    memo = text(memo, "memo")
    if kind not in EARN_SOURCES:
        raise ValidationError({"kind": _("Choose one of the values offered.")})
    if not isinstance(source, str) or len(source) > 100 or "\x00" in source:
        raise ValidationError({"source": _("Use at most %(n)d characters.") % {"n": 100}})
    now = now or timezone.now()

    def run() -> Transfer:
        if source:
            earlier = Transfer.objects.filter(kind=kind, source=source).first()
            if earlier is not None:
                return earlier
        wait = programme.pending_days > 0 if pending is None else bool(pending)
        today = ledger.local_day(programme, now)
        credit = found.accounts[AccountKind.PENDING if wait else AccountKind.MEMBER]
        transfer = ledger.post(
            programme=programme, kind=kind, debit=ledger.system_account(programme, EARN_SOURCES[kind]),
            credit=credit, amount=points, actor=actor, origin=origin, memo=memo, source=source, now=now,
            trigger=trigger, available_on=today + dt.timedelta(days=programme.pending_days) if wait else None)
        if not wait:
            ledger.add_lot(credit, transfer, points, earned_on=today, expiry=ledger.expires_on(programme, today))
        _audit(actor, AuditCode.POINTS_EARN, found, transfer, pending=wait, source=source,
               available_on=transfer.available_on)
        if kind == TransferKind.EARN:  # earned points qualify: a higher tier at once
            tiers.refresh(programme, today, [found.customer.pk])
        return transfer

    return once(actor, idempotency_key, "earn", {"customer": found.customer.pk, "points": points, "memo": memo,
                                                 "source": source, "pending": pending, "kind": kind}, run)


@ledger_write
def redeem(*, actor, customer_id, points, reward_id=None, memo: str = "", origin: str = "system",
           idempotency_key: str | None = None, now: dt.datetime | None = None) -> Transfer:
    """Spend spendable points at once (a reward handed over at the desk): member -> redemption,
    taken from the lots that expire first."""
    found = member(actor, customer_id, Action.REDEEM_POINTS)
    programme = found.programme
    points = ledger.check_points(points, programme)
    memo = text(memo, "memo")
    if reward_id is not None and (not isinstance(reward_id, int) or isinstance(reward_id, bool) or reward_id < 1):
        raise ValidationError({"reward_id": _("Enter a record id.")})

    def run() -> Transfer:
        account = found.accounts[AccountKind.MEMBER]
        transfer = ledger.post(programme=programme, kind=TransferKind.REDEEM, debit=account,
                               credit=ledger.system_account(programme, AccountKind.REDEMPTION), amount=points,
                               actor=actor, origin=origin, memo=memo, now=now)
        ledger.take_from_lots(account, transfer, points)
        _audit(actor, AuditCode.POINTS_REDEEM, found, transfer, reward_id=reward_id)
        return transfer

    return once(actor, idempotency_key, "redeem", {"customer": found.customer.pk, "points": points,
                                                   "reward_id": reward_id, "memo": memo}, run)


@ledger_write
def adjust(*, actor, customer_id, points, reason: str, origin: str = "system",
           idempotency_key: str | None = None, now: dt.datetime | None = None) -> Transfer:
    """A manager's correction with a reason: positive points are credited (a new lot), negative
    ones taken from the spendable balance (never below zero)."""
    found = member(actor, customer_id, Action.ADJUST_POINTS)
    programme = found.programme
    points = ledger.check_points(points, programme, signed=True)
    reason = text(reason, "reason", required=True)
    now = now or timezone.now()

    def run() -> Transfer:
        account, other = found.accounts[AccountKind.MEMBER], ledger.system_account(programme, AccountKind.ADJUSTMENT)
        debit, credit = (other, account) if points > 0 else (account, other)
        transfer = ledger.post(programme=programme, kind=TransferKind.ADJUST, debit=debit, credit=credit,
                               amount=abs(points), actor=actor, origin=origin, memo=reason, now=now)
        if points > 0:
            today = ledger.local_day(programme, now)
            ledger.add_lot(account, transfer, points, earned_on=today, expiry=ledger.expires_on(programme, today))
        else:
            ledger.take_from_lots(account, transfer, -points)
        _audit(actor, AuditCode.POINTS_ADJUST, found, transfer, signed_points=points, reason=reason)
        return transfer

    return once(actor, idempotency_key, "adjust", {"customer": found.customer.pk, "points": points,
                                                   "reason": reason}, run)


@ledger_write
def transfer(*, actor, customer_id, to_customer_id, points, reason: str, origin: str = "system",
             idempotency_key: str | None = None, now: dt.datetime | None = None) -> Transfer:
    """Move spendable points from one member to another of the same programme (a family pooling
    its points; a manager's act, with a reason). The points keep their expiry."""
    sender = member(actor, customer_id, Action.ADJUST_POINTS, lock=False)
    receiver = member(actor, to_customer_id, Action.ADJUST_POINTS, lock=False)
    if receiver.programme.pk != sender.programme.pk:
        raise ValidationError({"to_customer_id": _("Points move only between members of one dealer's programme.")})
    if receiver.customer.pk == sender.customer.pk:
        raise ValidationError({"to_customer_id": _("Choose another member.")})
    programme = sender.programme
    points = ledger.check_points(points, programme)
    reason = text(reason, "reason", required=True)
    # Both members' accounts locked in one statement, in id order: two opposite transfers cannot deadlock.
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(
        pk__in=[a.pk for a in (*sender.accounts.values(), *receiver.accounts.values())]).order_by("id")}
    source, target = locked[sender.accounts[AccountKind.MEMBER].pk], locked[receiver.accounts[AccountKind.MEMBER].pk]

    def run() -> Transfer:
        made = ledger.post(programme=programme, kind=TransferKind.TRANSFER, debit=source, credit=target,
                           amount=points, actor=actor, origin=origin, memo=reason, now=now)
        ledger.carry_lots(target, made, ledger.take_from_lots(source, made, points))
        _audit(actor, AuditCode.POINTS_TRANSFER, sender, made, to_customer_id=receiver.customer.pk, reason=reason)
        return made

    return once(actor, idempotency_key, "transfer", {"customer": sender.customer.pk, "to": receiver.customer.pk,
                                                     "points": points, "reason": reason}, run)


__all__ = ["InsufficientPoints", "adjust", "earn", "redeem", "transfer"]
