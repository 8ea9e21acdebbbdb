"""Coalition partners: adding one (with its points account), the partner's movements on the
ledger, and the monthly settlement.

- ``partner_issue``: the partner credits one of our members (partner account -> member), a lot
  that expires as any earning does; ``reference`` (the partner's receipt) is unique per partner,
  so a retry earns once (the same reference with another member or amount is refused);
- ``partner_accept``: a member spends points at the partner (member -> partner account), taken
  from the lots that expire first, never below zero: the member's accounts are locked as for a
  redemption (a row lock on PostgreSQL, the write lock on SQLite);
- ``settlement``: a month's points issued and accepted, the money due each way at the agreed
  rates and the net, checked against the ledger (the partner account's transfers in the month);
- ``close_month``: records the settlement of a month that has ended, once (unique)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Dealer
from retain.org.policy import Action, dealer_in_scope

from .. import faults, months
from ..models import Account, AccountKind, Partner, PartnerKind, Settlement, Transfer, TransferKind
from ..partners_access import access_partner, partner_for_movement
from . import ledger
from .common import member, once, text
from .ledger import ledger_write

MAX_REFERENCE = 60


# -- partners --------------------------------------------------------------------------------------

def create_partner(*, actor, dealer_id, name, kind, code, issue_rate_cents, accept_rate_cents,
                   active_from: dt.date, active_until: dt.date | None = None, agent_id=None) -> Partner:
    """Add a partner to the dealer's programme, with its points account (key = its code)."""
    dealer_id = dealer_in_scope(actor, Action.MANAGE_PARTNERS, dealer_id) if actor is not None else int(dealer_id)
    if not Dealer.objects.filter(pk=dealer_id).exists():
        raise Http404(_("No such dealer."))
    with transaction.atomic():
        programme = ledger.programme_for(dealer_id)
        partner = Partner(programme=programme, name=name.strip() if isinstance(name, str) else name, kind=kind,
                          code=code, issue_rate_cents=issue_rate_cents, accept_rate_cents=accept_rate_cents,
                          active_from=active_from, active_until=active_until, agent_id=agent_id)
        if kind not in PartnerKind.values:
            raise ValidationError({"kind": _("Choose one of the values offered.")})
        partner.full_clean(exclude=["programme"])
        if Partner.objects.filter(programme=programme, code=code).exists():
            raise ValidationError({"code": _("Another partner of this programme has this code.")})
        partner.save()
        ledger.system_account(programme, AccountKind.PARTNER, partner.code)
        audit.record(actor=actor, action=AuditCode.PARTNER_CREATE, obj=partner, dealer_id=dealer_id, after={
            "name": partner.name, "kind": partner.kind, "code": partner.code,
            "issue_rate_cents": partner.issue_rate_cents, "accept_rate_cents": partner.accept_rate_cents,
            "active_from": partner.active_from, "active_until": partner.active_until})
        return partner


def account_of(partner: Partner, *, create: bool = True):
    """The partner's points account; a read (``create=False``) makes none: an unsaved one with
    no balance stands in (a GET writes nothing)."""
    if create:
        return ledger.system_account(partner.programme, AccountKind.PARTNER, partner.code)
    found = Account.objects.filter(programme_id=partner.programme_id, kind=AccountKind.PARTNER, key=partner.code,
                                   customer__isnull=True).first()
    return found or Account(pk=0, programme_id=partner.programme_id, kind=AccountKind.PARTNER, key=partner.code)


# -- movements ------------------------------------------------------------------------------------

def _reference(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"reference": _("Give the partner's reference (its receipt number).")})
    value = value.strip()
    if len(value) > MAX_REFERENCE or not value.isprintable():
        raise ValidationError({"reference": _("Use at most %(n)d printable characters.") % {"n": MAX_REFERENCE}})
    return value


def _movement(actor, partner_id, customer_id, points, reference, memo, now):
    partner = partner_for_movement(actor, partner_id)
    found = member(None, customer_id, Action.MANAGE_PARTNERS)
    if found.programme.pk != partner.programme_id:
        raise Http404(_("No such customer."))
    programme = found.programme
    points = ledger.check_points(points, programme)
    reference, memo = _reference(reference), text(memo, "memo")
    now = now or timezone.now()
    if not partner.active_on(ledger.local_day(programme, now)):
        raise ValidationError({"partner_id": _("This partner is not active on this day.")})
    return partner, found, programme, points, reference, memo, now


def _earlier(source: str, customer_id: int, points: int, *, credit: bool) -> Transfer | None:
    # ``source <> ''`` spelled out: SQLite uses the partial unique index only when the query names
    # its condition (without it, a scan of the whole ledger per movement)
    earlier = Transfer.objects.filter(kind=TransferKind.PARTNER, source=source).exclude(source="").select_related(
        "debit", "credit").first()
    if earlier is None:
        return None
    side = earlier.credit if credit else earlier.debit
    if side.customer_id != customer_id or earlier.amount != points:
        raise ValidationError({"reference": _("This reference was used for another movement of this partner.")})
    return earlier


def _audit(actor, code, partner, found, transfer, reference):
    audit.record(actor=actor, action=code, obj=found.customer, dealer_id=found.customer.dealer_id, after={
        "transfer_id": transfer.pk, "partner_id": partner.pk, "partner": partner.code, "points": transfer.amount,
        "reference": reference})
    faults.checkpoint("audited")


@ledger_write
def partner_issue(*, actor, partner_id, customer_id, points, reference, memo: str = "", origin: str = "system",
                  idempotency_key: str | None = None, now: dt.datetime | None = None) -> Transfer:
    """The partner credits the member ``points`` (spendable at once, expiring as any earning)."""
    partner, found, programme, points, reference, memo, now = _movement(
        actor, partner_id, customer_id, points, reference, memo, now)
    source = f"partner:{partner.pk}:issue:{reference}"

    def run() -> Transfer:
        earlier = _earlier(source, found.customer.pk, points, credit=True)
        if earlier is not None:
            return earlier
        account = found.accounts[AccountKind.MEMBER]
        made = ledger.post(programme=programme, kind=TransferKind.PARTNER, debit=account_of(partner), credit=account,
                           amount=points, actor=actor, origin=origin, memo=memo, source=source, now=now)
        today = ledger.local_day(programme, now)
        ledger.add_lot(account, made, points, earned_on=today, expiry=ledger.expires_on(programme, today))
        _audit(actor, AuditCode.PARTNER_ISSUE, partner, found, made, reference)
        return made

    return once(actor, idempotency_key, "partner_issue", {"partner": partner.pk, "customer": found.customer.pk,
                                                          "points": points, "reference": reference, "memo": memo}, run)


@ledger_write
def partner_accept(*, actor, partner_id, customer_id, points, reference, memo: str = "", origin: str = "system",
                   idempotency_key: str | None = None, now: dt.datetime | None = None) -> Transfer:
    """The member spends ``points`` at the partner: taken FIFO from their lots, never below zero
    (``InsufficientPoints``)."""
    partner, found, programme, points, reference, memo, now = _movement(
        actor, partner_id, customer_id, points, reference, memo, now)
    source = f"partner:{partner.pk}:accept:{reference}"

    def run() -> Transfer:
        earlier = _earlier(source, found.customer.pk, points, credit=False)
        if earlier is not None:
            return earlier
        account = found.accounts[AccountKind.MEMBER]
        made = ledger.post(programme=programme, kind=TransferKind.PARTNER, debit=account, credit=account_of(partner),
                           amount=points, actor=actor, origin=origin, memo=memo, source=source, now=now)
        ledger.take_from_lots(account, made, points)
        _audit(actor, AuditCode.PARTNER_ACCEPT, partner, found, made, reference)
        return made

    return once(actor, idempotency_key, "partner_accept", {"partner": partner.pk, "customer": found.customer.pk,
                                                           "points": points, "reference": reference, "memo": memo},
                run)


# -- settlement -----------------------------------------------------------------------------------

def _money(partner_or_settlement, issued: int, accepted: int) -> dict:
    due_from = issued * partner_or_settlement.issue_rate_cents
    due_to = accepted * partner_or_settlement.accept_rate_cents
    return {"due_from_partner_cents": due_from, "due_to_partner_cents": due_to, "net_cents": due_from - due_to}


def settlement(partner: Partner, month) -> dict:
    """One month of the partner (its dealer's local month): points issued and accepted, the money
    due each way at the agreed rates (a closed month: the rates it was closed with), and the check
    against the ledger: the partner account's transfers in the month, summed apart (credits minus
    debits, every kind), must equal accepted minus issued (``balanced``)."""
    month = months.parse(month)
    zone = ledger.local_zone(partner.programme)
    start, end = months.bounds(zone, month)
    account = account_of(partner, create=False).pk
    in_month = Transfer.objects.filter(created_at__gte=start, created_at__lt=end)
    figures = in_month.filter(kind=TransferKind.PARTNER).filter(Q(debit_id=account) | Q(credit_id=account)).aggregate(
        issued=Sum("amount", filter=Q(debit_id=account)), accepted=Sum("amount", filter=Q(credit_id=account)),
        transfers=Count("id"))
    issued, accepted = figures["issued"] or 0, figures["accepted"] or 0
    credits = in_month.filter(credit_id=account).aggregate(n=Sum("amount"))["n"] or 0
    debits = in_month.filter(debit_id=account).aggregate(n=Sum("amount"))["n"] or 0
    closed = Settlement.objects.filter(partner=partner, month=month).select_related("closed_by").first()
    report = {
        "partner_id": partner.pk, "month": month, "start": start, "end": end,
        "issued_points": issued, "accepted_points": accepted, "transfers": figures["transfers"],
        "issue_rate_cents": closed.issue_rate_cents if closed else partner.issue_rate_cents,
        "accept_rate_cents": closed.accept_rate_cents if closed else partner.accept_rate_cents,
        **_money(closed or partner, issued, accepted),
        "ledger_net_points": credits - debits,
        "balanced": credits - debits == accepted - issued,
        "settlement": closed,
    }
    if closed is not None:  # the closed figures must still be the ledger's
        report["balanced"] = report["balanced"] and (closed.issued_points, closed.accepted_points) == (issued, accepted)
    return report


def history(partner: Partner, *, through: dt.date | None = None) -> list[dict]:
    """The partner's months from the month it became active (or its first movement) to ``through``
    (default: this month), newest first, each as ``settlement`` gives it. One grouped query for
    the movements, one for the settlements."""
    zone = ledger.local_zone(partner.programme)
    through = months.first_of(through or timezone.now().astimezone(zone).date())
    account = account_of(partner, create=False).pk
    rows = (Transfer.objects.filter(Q(debit_id=account) | Q(credit_id=account)).annotate(
        m=TruncMonth("created_at", tzinfo=zone)).values("m").annotate(
        issued=Sum("amount", filter=Q(debit_id=account, kind=TransferKind.PARTNER)),
        accepted=Sum("amount", filter=Q(credit_id=account, kind=TransferKind.PARTNER)),
        credits=Sum("amount", filter=Q(credit_id=account)), debits=Sum("amount", filter=Q(debit_id=account)),
        transfers=Count("id", filter=Q(kind=TransferKind.PARTNER))))
    by_month = {_month_key(row["m"], zone): row for row in rows}
    first = min([months.first_of(partner.active_from), *by_month]) if by_month else months.first_of(partner.active_from)
    closed = {s.month: s for s in Settlement.objects.filter(partner=partner).select_related("closed_by")}
    out = []
    for month in reversed(months.span(first, through)) if first <= through else []:
        row = by_month.get(month, {})
        issued, accepted = row.get("issued") or 0, row.get("accepted") or 0
        ledger_net = (row.get("credits") or 0) - (row.get("debits") or 0)
        settled = closed.get(month)
        out.append({"month": month, "issued_points": issued, "accepted_points": accepted,
                    "transfers": row.get("transfers") or 0,
                    **_money(settled or partner, issued, accepted), "ledger_net_points": ledger_net,
                    "balanced": ledger_net == accepted - issued and (
                        settled is None or (settled.issued_points, settled.accepted_points) == (issued, accepted)),
                    "settlement": settled, "closable": settled is None and months.next_month(month) <= through})
    return out


def _month_key(value, zone) -> dt.date:
    if isinstance(value, dt.datetime):
        return (value.astimezone(zone) if timezone.is_aware(value) else value).date().replace(day=1)
    return value.replace(day=1)


def close_month(*, actor, partner_id, month, now: dt.datetime | None = None) -> Settlement:
    """Record the settlement of an ended month, once: a second close of the month is refused."""
    partner = access_partner(actor, partner_id, Action.MANAGE_PARTNERS) if actor is not None else \
        Partner.objects.select_related("programme", "programme__dealer").get(pk=partner_id)
    month = months.parse(month)
    now = now or timezone.now()
    if months.next_month(month) > ledger.local_day(partner.programme, now):
        raise ValidationError({"month": _("Only a month that has ended can be closed.")})
    try:
        with transaction.atomic():
            Partner.objects.select_for_update().filter(pk=partner.pk).first()  # one close at a time
            if Settlement.objects.filter(partner=partner, month=month).exists():
                raise ValidationError({"month": _("This month is already closed.")})
            report = settlement(partner, month)
            if not report["balanced"]:
                raise ValidationError({"month": _("The month does not balance to the ledger; it cannot be closed.")})
            made = Settlement.objects.create(
                partner=partner, month=month, issued_points=report["issued_points"],
                accepted_points=report["accepted_points"], issue_rate_cents=partner.issue_rate_cents,
                accept_rate_cents=partner.accept_rate_cents, transfers=report["transfers"],
                **_money(partner, report["issued_points"], report["accepted_points"]),
                closed_by=actor if getattr(actor, "pk", None) else None, closed_at=now)
            audit.record(actor=actor, action=AuditCode.PARTNER_SETTLE, obj=partner,
                         dealer_id=partner.programme.dealer_id, after={
                             "settlement_id": made.pk, "month": month, "issued_points": made.issued_points,
                             "accepted_points": made.accepted_points, "net_cents": made.net_cents})
            return made
    except IntegrityError:  # closed meanwhile by another request
        raise ValidationError({"month": _("This month is already closed.")}) from None


__all__ = ["close_month", "create_partner", "history", "partner_accept", "partner_issue",
           "settlement"]
