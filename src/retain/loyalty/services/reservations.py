"""Two-phase redemption for rewards: reserve at order (member -> hold: the points are no longer
spendable), then exactly one of post at hand-over (hold -> redemption) or void on cancel or
timeout (hold -> member, the points back with the expiry they had). ``Transfer.settles`` is
unique: a reservation is posted or voided once.

A reservation made here without a voucher (the API's) is held for the programme's
``reservation_hours``: its ``held_until`` is fixed when it is made. After it the reservation is no
longer posted (409 ``reservation_timed_out``; releasing it stays allowed), and the daily job
``loyalty.release_stale`` voids it (``time_out_due``): told its day, it voids those whose deadline
came before that day began in the dealer's time zone, each in its own transaction under the
member's lock, so two runs side by side, a second run, or one resumed after a crash void each
once. A voucher's reservation has no deadline of its own: it follows its voucher (``rewards``)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import faults
from ..models import AccountKind, Origin, Programme, Transfer, TransferKind, Voucher
from . import ledger
from .common import Conflict, member, once, text
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
        at = now or timezone.now()
        made = hold(actor, found, points, memo=memo, origin=origin, now=at,
                    held_until=(at + dt.timedelta(hours=found.programme.reservation_hours)).astimezone(dt.UTC))
        _record(actor, AuditCode.POINTS_RESERVE, found, made, reward_id=reward_id, held_until=made.held_until)
        return made

    return once(actor, idempotency_key, "reserve", {"customer": found.customer.pk, "points": points,
                                                    "reward_id": reward_id, "memo": memo}, run)


def hold(actor, found, points: int, *, memo: str = "", origin: str = "system", now=None,
         held_until: dt.datetime | None = None) -> Transfer:
    """The reserve transfer itself (member -> hold, from the lots that expire first), without an
    audit row: for a service that writes its own (``rewards.order``, whose reservation has no
    ``held_until``: it follows its voucher). The member's accounts are locked."""
    account = found.accounts[AccountKind.MEMBER]
    made = ledger.post(programme=found.programme, kind=TransferKind.RESERVE, debit=account,
                       credit=found.accounts[AccountKind.HOLD], amount=points, actor=actor, origin=origin,
                       memo=memo, now=now, held_until=held_until)
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


def _moment(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _already(held: Transfer, settlement: Transfer) -> Conflict:
    """The refusal for a reservation settled before: timed out (voided by the job), or posted or
    released by someone, and when."""
    if held.held_until is not None and settlement.origin == Origin.JOB:
        return Conflict("transfer_id", "reservation_timed_out", _(
            "This reservation timed out at %(deadline)s; its points went back to the member on %(when)s.") % {
            "deadline": _moment(held.held_until), "when": _moment(settlement.created_at)})
    by = settlement.actor.display_name if settlement.actor_id else _("the system")
    message = (_("This reservation was already redeemed on %(when)s by %(by)s.")
               if settlement.kind == TransferKind.POST_RESERVATION else
               _("This reservation was already released on %(when)s by %(by)s."))
    return Conflict("transfer_id", "reservation_settled", message % {"when": _moment(settlement.created_at), "by": by})


def _settle(actor, transfer_id, *, post: bool, reason: str, origin: str, now=None) -> Transfer:
    held = _reservation(transfer_id)
    found = member(actor, held.debit.customer_id, Action.REDEEM_POINTS)
    settlement = Transfer.objects.select_related("actor").filter(settles=held).first()
    if settlement is not None:
        raise _already(held, settlement)
    if Voucher.objects.filter(reservation=held).exists():  # its voucher's status must follow
        raise ValidationError({"transfer_id": _("This reservation is a voucher's: use or cancel the voucher.")})
    now = now or timezone.now()
    if post and held.held_until is not None and now >= held.held_until:  # releasing it stays allowed
        raise Conflict("transfer_id", "reservation_timed_out", _(
            "This reservation timed out at %(deadline)s and can no longer be redeemed: release it, or wait for "
            "the daily job to, and reserve the points again.") % {"deadline": _moment(held.held_until)})
    made = settle(actor, found, held, post=post, reason=reason, origin=origin, now=now)
    _record(actor, AuditCode.POINTS_POST if post else AuditCode.POINTS_RELEASE, found, made,
            reservation_id=held.pk, reason=reason)
    return made


@ledger_write
def post(*, actor, transfer_id, origin: str = "system", now: dt.datetime | None = None) -> Transfer:
    """The reward was handed over: the reserved points are redeemed (not after the deadline)."""
    return _settle(actor, transfer_id, post=True, reason="", origin=origin, now=now)


@ledger_write
def release(*, actor, transfer_id, reason: str, origin: str = "system", now: dt.datetime | None = None) -> Transfer:
    """The order was cancelled: the reserved points return to the member (before or after the deadline)."""
    return _settle(actor, transfer_id, post=False, reason=text(reason, "reason", required=True), origin=origin,
                   now=now)


# -- the timeout (the daily job) ------------------------------------------------------------------

def cutoff(programme: Programme, day: dt.date) -> dt.datetime:
    """The moment ``day`` begins in the dealer's time zone: deadlines before it have passed."""
    return dt.datetime.combine(day, dt.time(), tzinfo=ledger.local_zone(programme))


def due(programme: Programme, day: dt.date):
    """The programme's reservations whose deadline came before ``day`` began and that nothing settled."""
    return Transfer.objects.filter(programme=programme, kind=TransferKind.RESERVE, held_until__isnull=False,
                                   held_until__lt=cutoff(programme, day)).filter(
        ~Exists(Transfer.objects.filter(settles=OuterRef("pk"))))


@ledger_write
def time_out(*, transfer_id: int, day: dt.date, now: dt.datetime | None = None) -> Transfer | None:
    """The job's work on one reservation: voided (the points back with their expiry) with one audit
    row ``points.time_out``, if it is still open and its deadline came before ``day`` began; else
    None (settled meanwhile, by hand or by a run beside this one: checked under the member's lock)."""
    held = _reservation(transfer_id)
    found = member(None, held.debit.customer_id, Action.REDEEM_POINTS)
    if held.held_until is None or held.held_until >= cutoff(found.programme, day):
        return None
    if Transfer.objects.filter(settles=held).exists():
        return None
    made = settle(None, found, held, post=False, reason=_("Reservation timed out"), origin=Origin.JOB, now=now)
    _record(None, AuditCode.POINTS_TIME_OUT, found, made, reservation_id=held.pk, held_until=held.held_until, day=day)
    return made


def time_out_due(*, day: dt.date) -> dict:
    """Every programme's reservations past their deadline before ``day``, one transaction each: a
    crash keeps those done, a second run (or one beside it) finds them settled."""
    done = {"reservations": 0, "points": 0}
    for programme in Programme.objects.order_by("pk"):
        for transfer_id in list(due(programme, day).order_by("id").values_list("pk", flat=True)):
            made = time_out(transfer_id=transfer_id, day=day)
            if made is not None:
                done["reservations"] += 1
                done["points"] += made.amount
    return done
