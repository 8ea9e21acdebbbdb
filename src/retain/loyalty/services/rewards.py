"""The rewards catalogue and its vouchers (issue 11, item 4): the only writers of ``Reward`` and
``Voucher``.

Ordering a reward, in one transaction: the member's accounts locked (``common.member``), then the
reward's row (``select_for_update``: orders of one reward queue on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serialises every write), its stock checked and taken by one (never below zero:
the check under the lock, and a database constraint behind it), the member's limit counted, the
points reserved (the two-phase ``reserve``), and the voucher written with a new code.

A voucher is then settled exactly once: handed over at the desk (the reservation posted), or
cancelled, or expired by the daily job ``loyalty.release_stale`` (the reservation released, the
points back with their expiry, the stock given back). Each of these locks the voucher's row first
and reads its status under the lock, so two desks scanning one code at once: one hands it over,
the other is told when it was; the reservation's unique ``settles`` holds it in the database too.

Lock order, the same everywhere: voucher, member's accounts, reward."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Staff
from retain.org.policy import Action, dealer_in_scope, dealers_in_scope

from .. import faults
from ..access import access_member
from ..models import LimitPeriod, Reward, Transfer, Voucher, VoucherStatus
from . import codes, ledger, reservations
from .common import Conflict, member, once, text
from .ledger import ledger_write

#: The refusals the API answers 409 with their code as the error's ``type`` (besides ``insufficient_points``).
CONFLICTS = ("out_of_stock", "limit_reached", "voucher_used", "voucher_closed")


# -- the catalogue -------------------------------------------------------------------------------

FIELDS = ("name", "description", "kind", "points", "stock", "member_limit", "limit_period", "valid_days", "active",
          "valid_from", "valid_until")


def catalogue(actor, dealer_id=None, *, only_orderable: bool = False, day: dt.date | None = None):
    """The rewards of the dealers whose members the actor serves (``view_points``), or of one of
    them (404 outside the scope)."""
    dealers = dealers_in_scope(actor, Action.VIEW_POINTS) if isinstance(actor, Staff) else None
    rewards = Reward.objects.select_related("programme__dealer")
    if dealers is not None:
        rewards = rewards.filter(programme__dealer__in=dealers)
    if dealer_id is not None:
        if dealers is not None and not dealers.filter(pk=dealer_id).exists():
            raise Http404(_("No such dealer."))
        rewards = rewards.filter(programme__dealer_id=dealer_id)
    if only_orderable:
        rewards = orderable(rewards, day or timezone.localdate())
    return rewards


def orderable(rewards, day: dt.date):
    from django.db.models import Q

    return rewards.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day),
                          Q(valid_until__isnull=True) | Q(valid_until__gte=day), active=True)


def _clean(reward: Reward) -> None:
    errors = {}
    check_fields(Reward, errors, **{name: getattr(reward, name) for name in FIELDS})
    if errors:
        raise ValidationError(errors)
    if reward.valid_from and reward.valid_until and reward.valid_until < reward.valid_from:
        raise ValidationError({"valid_until": _("The last day comes before the first.")})
    try:
        reward.full_clean(exclude=["programme"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


@ledger_write
def create_reward(*, actor, dealer_id, **fields) -> Reward:
    """Add a reward to a dealer's catalogue (``manage_rewards`` at that dealer)."""
    if isinstance(actor, Staff):
        dealer_id = dealer_in_scope(actor, Action.MANAGE_REWARDS, dealer_id)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    reward = Reward(programme=ledger.programme_for(int(dealer_id)), **fields)
    _clean(reward)
    reward.save()
    audit.record(actor=actor, action=AuditCode.REWARD_CREATE, obj=reward, dealer_id=reward.programme.dealer_id,
                 after={name: getattr(reward, name) for name in FIELDS})
    return reward


def _reward(actor, reward_id, action: str) -> Reward:
    try:
        reward = Reward.objects.select_related("programme").select_for_update(of=("self",)).get(pk=int(reward_id))
    except (TypeError, ValueError, Reward.DoesNotExist):
        raise Http404(_("No such reward.")) from None
    if isinstance(actor, Staff):
        dealer_in_scope(actor, action, reward.programme.dealer_id)
    return reward


def editable(actor, reward_id) -> Reward:
    """A reward the actor may change (for the edit page; a read: nothing locked). 404 out of
    scope, 403 without ``manage_rewards``."""
    try:
        reward = Reward.objects.select_related("programme__dealer").get(pk=int(reward_id))
    except (TypeError, ValueError, Reward.DoesNotExist):
        raise Http404(_("No such reward.")) from None
    dealer_in_scope(actor, Action.MANAGE_REWARDS, reward.programme.dealer_id)
    return reward


@ledger_write
def update_reward(*, actor, reward_id, **fields) -> Reward:
    """Change a reward (its stock too: a delivery of car models). Vouchers already issued keep
    the points they cost."""
    reward = _reward(actor, reward_id, Action.MANAGE_REWARDS)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    before = {name: getattr(reward, name) for name in fields}
    for name, value in fields.items():
        setattr(reward, name, value)
    _clean(reward)
    reward.save()
    audit.record(actor=actor, action=AuditCode.REWARD_UPDATE, obj=reward, dealer_id=reward.programme.dealer_id,
                 before=before, after={name: getattr(reward, name) for name in fields})
    return reward


# -- ordering ------------------------------------------------------------------------------------

def _limit_used(reward: Reward, customer_id: int, day: dt.date) -> int:
    vouchers = Voucher.objects.filter(reward=reward, customer_id=customer_id,
                                      status__in=[VoucherStatus.OPEN, VoucherStatus.USED])
    if reward.limit_period == LimitPeriod.YEAR:
        vouchers = vouchers.filter(ordered_on__year=day.year)
    return vouchers.count()


def _audit(actor, code, voucher: Voucher, **extra):
    audit.record(actor=actor, action=code, obj=voucher, dealer_id=voucher.customer.dealer_id, after={
        "code": voucher.code, "reward_id": voucher.reward_id, "customer_id": voucher.customer_id,
        "points": voucher.points, **extra})
    faults.checkpoint("audited")


@ledger_write
def order(*, actor, customer_id, reward_id, points=None, origin: str = "system", idempotency_key: str | None = None,
          now: dt.datetime | None = None) -> Voucher:
    """Order a reward for a member: reserve its points, take one from stock, issue a voucher.
    ``points``, when given (the API's body), must be the reward's cost: a price changed since the
    member saw it is refused rather than charged."""
    found = member(actor, customer_id, Action.REDEEM_POINTS)
    if not isinstance(reward_id, int) or isinstance(reward_id, bool) or reward_id < 1:
        raise ValidationError({"reward_id": _("Choose a reward.")})
    now = now or timezone.now()
    today = ledger.local_day(found.programme, now)
    reward = (Reward.objects.select_for_update().filter(pk=reward_id, programme=found.programme).first())
    if reward is None:
        raise ValidationError({"reward_id": _("This reward is not in the member's programme.")})
    if not orderable(Reward.objects.filter(pk=reward.pk), today).exists():
        raise ValidationError({"reward_id": _("This reward cannot be ordered now.")})
    if points is not None and points != reward.points:
        raise ValidationError({"points": _("This reward costs %(points)d points.") % {"points": reward.points}})

    def run() -> Transfer:
        if reward.stock is not None and reward.stock < 1:
            raise Conflict("reward_id", "out_of_stock", _("“%(name)s” is out of stock.") % {"name": reward.name})
        if reward.member_limit is not None and _limit_used(reward, found.customer.pk, today) >= reward.member_limit:
            raise Conflict("reward_id", "limit_reached", _(
                "This member has had “%(name)s” %(n)d times %(period)s, the most allowed.") % {
                "name": reward.name, "n": reward.member_limit, "period": reward.get_limit_period_display()})
        held = reservations.hold(actor, found, reward.points, memo=reward.name, origin=origin, now=now)
        if reward.stock is not None:
            Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
        faults.checkpoint("stock_taken")
        voucher = None
        for _attempt in range(5):  # a clash of two random 59-bit codes: practically never
            try:
                with transaction.atomic():
                    voucher = Voucher.objects.create(
                        reward=reward, customer=found.customer, code=codes.new_code(), reservation=held,
                        points=reward.points, ordered_at=now, ordered_on=today,
                        expires_on=today + dt.timedelta(days=reward.valid_days),
                        ordered_by=actor if isinstance(actor, Staff) else None)
                break
            except IntegrityError:
                continue
        if voucher is None:  # pragma: no cover
            raise RuntimeError("no free voucher code")
        _audit(actor, AuditCode.VOUCHER_ORDER, voucher, transfer_id=held.pk, expires_on=voucher.expires_on)
        return held

    held = once(actor, idempotency_key, "order", {"customer": found.customer.pk, "reward": reward.pk,
                                                  "points": points}, run)
    return Voucher.objects.select_related("reward", "customer").get(reservation=held)


# -- the voucher at the desk ----------------------------------------------------------------------

def find(actor, code, action: str = Action.VIEW_POINTS) -> Voucher:
    """A voucher by its typed code: 422 for a malformed code or a typo (``BadCheckCharacter``), 404
    for an unknown one or one whose member is outside the caller's sight."""
    code = codes.normalise(code)
    voucher = Voucher.objects.select_related("reward", "customer", "closed_by").filter(code=code).first()
    if voucher is None:
        raise Http404(_("No such voucher."))
    if isinstance(actor, Staff):
        access_member(actor, voucher.customer_id, action)
    return voucher


def _closed(voucher: Voucher) -> Conflict:
    when = date_format(timezone.localtime(voucher.closed_at), "DATETIME_FORMAT") if voucher.closed_at else ""
    if voucher.status == VoucherStatus.USED:
        by = voucher.closed_by.display_name if voucher.closed_by_id else _("the system")
        return Conflict("code", "voucher_used", _("This voucher was already handed over on %(when)s by %(by)s.") % {
            "when": when, "by": by})
    return Conflict("code", "voucher_closed", _("This voucher is %(status)s (%(when)s).") % {
        "status": voucher.get_status_display().lower(), "when": when})


def _locked(actor, code, action: str) -> tuple[Voucher, object]:
    """The voucher's row locked, then its member's accounts (the lock order)."""
    code = codes.normalise(code)
    voucher = Voucher.objects.select_for_update().filter(code=code).first()
    if voucher is None:
        raise Http404(_("No such voucher."))
    found = member(actor, voucher.customer_id, action)
    return Voucher.objects.select_related("reward", "customer", "closed_by", "reservation").get(pk=voucher.pk), found


def _close(voucher: Voucher, status: str, actor, now) -> None:
    voucher.status, voucher.closed_at = status, now
    voucher.closed_by = actor if isinstance(actor, Staff) else None
    voucher.save(update_fields=["status", "closed_at", "closed_by"])


@ledger_write
def use(*, actor, code, origin: str = "system", now: dt.datetime | None = None) -> Voucher:
    """Hand the reward over: the voucher's reservation posted, the voucher used. Once."""
    voucher, found = _locked(actor, code, Action.REDEEM_POINTS)
    now = now or timezone.now()
    if voucher.status != VoucherStatus.OPEN:
        raise _closed(voucher)
    if voucher.expires_on < ledger.local_day(found.programme, now):
        raise Conflict("code", "voucher_closed", _("This voucher ran out on %(day)s.") % {
            "day": date_format(voucher.expires_on, "DATE_FORMAT")})
    made = reservations.settle(actor, found, voucher.reservation, post=True, origin=origin, now=now)
    _close(voucher, VoucherStatus.USED, actor, now)
    _audit(actor, AuditCode.VOUCHER_USE, voucher, transfer_id=made.pk)
    return voucher


def _give_back(actor, voucher: Voucher, found, *, status: str, reason: str, origin: str, now) -> Transfer:
    made = reservations.settle(actor, found, voucher.reservation, post=False, reason=reason, origin=origin, now=now)
    Reward.objects.filter(pk=voucher.reward_id, stock__isnull=False).update(stock=F("stock") + 1)
    faults.checkpoint("stock_returned")
    _close(voucher, status, actor, now)
    return made


@ledger_write
def cancel(*, actor, code, reason: str, origin: str = "system", now: dt.datetime | None = None) -> Voucher:
    """Cancel an open voucher: its points back to the member, the reward back in stock. Once."""
    reason = text(reason, "reason", required=True)
    voucher, found = _locked(actor, code, Action.REDEEM_POINTS)
    if voucher.status != VoucherStatus.OPEN:
        raise _closed(voucher)
    made = _give_back(actor, voucher, found, status=VoucherStatus.CANCELLED, reason=reason, origin=origin,
                      now=now or timezone.now())
    _audit(actor, AuditCode.VOUCHER_CANCEL, voucher, transfer_id=made.pk, reason=reason)
    return voucher


@ledger_write
def expire(*, voucher_id: int, day: dt.date) -> bool:
    """The job's work on one voucher past its last day (``expires_on`` before ``day``): released
    and closed as expired. False (nothing done) if it is no longer open or not yet due."""
    voucher = Voucher.objects.select_for_update().filter(pk=voucher_id).first()
    if voucher is None or voucher.status != VoucherStatus.OPEN or voucher.expires_on >= day:
        return False
    found = member(None, voucher.customer_id, Action.REDEEM_POINTS)
    voucher = Voucher.objects.select_related("customer", "reservation").get(pk=voucher.pk)
    made = _give_back(None, voucher, found, status=VoucherStatus.EXPIRED, reason=_("Voucher expired"),
                      origin="job", now=timezone.now())
    _audit(None, AuditCode.VOUCHER_EXPIRE, voucher, transfer_id=made.pk, day=day)
    return True


def due(day: dt.date):
    return Voucher.objects.filter(status=VoucherStatus.OPEN, expires_on__lt=day)


def release_stale(*, day: dt.date) -> dict:
    """Every open voucher whose last day is before ``day``, one transaction each: a crash keeps the
    vouchers done, a second run (or one beside it) finds them closed."""
    done = {"vouchers": 0, "points": 0}
    for voucher_id, points in list(due(day).order_by("id").values_list("pk", "points")):
        if expire(voucher_id=voucher_id, day=day):
            done["vouchers"] += 1
            done["points"] += points
    return done


def open_vouchers(customer_id: int):
    return (Voucher.objects.filter(customer_id=customer_id, status=VoucherStatus.OPEN)
            .select_related("reward").order_by("expires_on", "id"))
