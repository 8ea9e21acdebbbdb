"""Coalition partners: adding and changing one (with its points account), the partner's movements
on the ledger, and the monthly settlement.

- ``create_partner``, ``update_partner``: its name, kind, rates, active dates and API caller (an
  active staff member of its dealer); its code is its account's key, so it changes only while
  the partner has no movement;
- ``partner_issue``: the partner credits one of our members (partner account -> member), a lot
  that expires as any earning does; ``reference`` (the partner's receipt) is unique per partner,
  so a retry earns once (the same reference with another member or amount is refused);
- ``partner_accept``: a member spends points at the partner (member -> partner account), taken
  from the lots that expire first, never below zero: the member's accounts are locked as for a
  redemption (a row lock on PostgreSQL, the write lock on SQLite);
- ``settlement``: a month's points issued and accepted and those reversed in it
  (``services.partner_reversal``), the money due each way on the net at the agreed rates, checked
  against the ledger (the partner account's transfers in the month);
- ``close_month``: records the settlement of a month that has ended, once (unique).

A movement, a reversal, a change of the partner and a month's close are serialised on the
partner's row (``hold``): a movement never lands on an account whose code just changed, nor in a
month closed while it was being written."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import MAX_ID, no_nul
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Dealer, Staff
from retain.org.policy import Action, dealer_in_scope

from .. import faults, months
from ..models import Account, AccountKind, Partner, PartnerKind, Settlement, Transfer, TransferKind
from ..partners_access import access_partner, partner_for_movement
from . import ledger
from .common import member, once, text
from .ledger import ledger_write

MAX_REFERENCE = 60


# -- partners --------------------------------------------------------------------------------------

def _agent(dealer_id: int, agent_id) -> int | None:
    """The partner's API caller: an active staff member of the partner's dealer, or none."""
    if agent_id is None or agent_id == "":
        return None
    if isinstance(agent_id, bool) or not isinstance(agent_id, (int, str)) or not str(agent_id).isdigit() or not (
            0 < int(agent_id) <= MAX_ID) or not Staff.objects.filter(pk=int(agent_id), dealer_id=dealer_id,
                                                                      is_active=True).exists():
        raise ValidationError({"agent_id": _("Choose an active member of the dealer's staff.")})
    return int(agent_id)


def _clean(partner: Partner, exclude: list[str]) -> None:
    """The model's checks, and no NUL in its text (which the model's own validators let through
    and PostgreSQL cannot store)."""
    for name in ("name", "code"):
        if isinstance(getattr(partner, name), str):
            try:
                no_nul(getattr(partner, name))
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from None
    partner.full_clean(exclude=exclude)


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
                          active_from=active_from, active_until=active_until, agent_id=_agent(dealer_id, agent_id))
        if kind not in PartnerKind.values:
            raise ValidationError({"kind": _("Choose one of the values offered.")})
        _clean(partner, ["programme"])
        if Partner.objects.filter(programme=programme, code=code).exists():
            raise ValidationError({"code": _("Another partner of this programme has this code.")})
        partner.save()
        ledger.system_account(programme, AccountKind.PARTNER, partner.code)
        audit.record(actor=actor, action=AuditCode.PARTNER_CREATE, obj=partner, dealer_id=dealer_id, after={
            "name": partner.name, "kind": partner.kind, "code": partner.code,
            "issue_rate_cents": partner.issue_rate_cents, "accept_rate_cents": partner.accept_rate_cents,
            "active_from": partner.active_from, "active_until": partner.active_until, "agent_id": partner.agent_id})
        return partner


#: What ``update_partner`` changes (``code`` only while the partner has no movement).
UPDATABLE = ("name", "kind", "code", "issue_rate_cents", "accept_rate_cents", "active_from", "active_until",
             "agent_id")


def used(partner: Partner) -> bool:
    """Whether the partner's code is in use: its account has a transfer, or a month is closed."""
    account = account_of(partner, create=False).pk
    return Transfer.objects.filter(Q(debit_id=account) | Q(credit_id=account)).exists() or \
        Settlement.objects.filter(partner=partner).exists()


def update_partner(*, actor, partner_id, **changes) -> Partner:
    """Change the fields given (``UPDATABLE``), checked as at creation; the code only while
    ``used`` is false (the old account, empty, stays; the new code gets its own). New rates
    apply to the months not yet closed. One audit row with the fields that changed, before and
    after; none when nothing changed."""
    errors = {name: _("This field cannot be set here.") for name in sorted(set(changes) - set(UPDATABLE))}
    if errors:
        raise ValidationError(errors)
    found = access_partner(actor, partner_id, Action.MANAGE_PARTNERS) if actor is not None else \
        Partner.objects.get(pk=partner_id)
    try:
        with transaction.atomic():
            # FOR UPDATE: waits for the partner's movements in flight (``hold``) and keeps new ones out
            partner = Partner.objects.select_for_update().select_related("programme", "programme__dealer").get(
                pk=found.pk)
            before = {name: getattr(partner, name) for name in UPDATABLE}
            if "agent_id" in changes:
                changes["agent_id"] = _agent(partner.programme.dealer_id, changes["agent_id"])
            if isinstance(changes.get("name"), str):
                changes["name"] = changes["name"].strip()
            if "kind" in changes and changes["kind"] not in PartnerKind.values:
                raise ValidationError({"kind": _("Choose one of the values offered.")})
            for name, value in changes.items():
                setattr(partner, name, value)
            _clean(partner, ["programme", "agent"])
            after = {name: getattr(partner, name) for name in UPDATABLE}
            changed = [name for name in UPDATABLE if before[name] != after[name]]
            if "code" in changed:
                if used(Partner(pk=partner.pk, programme=partner.programme, code=before["code"])):
                    raise ValidationError({"code": _("The partner has movements: its code no longer changes.")})
                taken = Partner.objects.filter(programme=partner.programme, code=partner.code).exclude(pk=partner.pk)
                if taken.exists():
                    raise ValidationError({"code": _("Another partner of this programme has this code.")})
            if not changed:
                return partner
            partner.save(update_fields=changed)
            if "code" in changed:
                ledger.system_account(partner.programme, AccountKind.PARTNER, partner.code)
            audit.record(actor=actor, action=AuditCode.PARTNER_UPDATE, obj=partner,
                         dealer_id=partner.programme.dealer_id, before={name: before[name] for name in changed},
                         after={name: after[name] for name in changed})
            return partner
    except IntegrityError:  # the code taken meanwhile by another partner
        raise ValidationError({"code": _("Another partner of this programme has this code.")}) from None


def account_of(partner: Partner, *, create: bool = True):
    """The partner's points account; a read (``create=False``) makes none: an unsaved one with
    no balance stands in (a GET writes nothing)."""
    if create:
        return ledger.system_account(partner.programme, AccountKind.PARTNER, partner.code)
    found = Account.objects.filter(programme_id=partner.programme_id, kind=AccountKind.PARTNER, key=partner.code,
                                   customer__isnull=True).first()
    return found or Account(pk=0, programme_id=partner.programme_id, kind=AccountKind.PARTNER, key=partner.code)


# -- movements ------------------------------------------------------------------------------------

def hold(partner_id) -> None:
    """Hold the partner's row until the transaction ends, shared with its other movements, against
    a change of the partner or the close of a month (both lock it FOR UPDATE, so they wait for the
    movements in flight, and the movements after them read what they wrote). PostgreSQL: FOR KEY
    SHARE; SQLite's one write lock (``BEGIN IMMEDIATE``) already serialises them. A malformed id
    holds nothing (the door then answers 404)."""
    try:
        pk = int(partner_id)
    except (TypeError, ValueError, OverflowError):
        return
    if connection.vendor == "postgresql" and 0 < pk <= MAX_ID:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM loyalty_partner WHERE id = %s FOR KEY SHARE", [pk])


def open_month(partner: Partner, now: dt.datetime) -> None:
    """Refuse a movement or a reversal dated in a month already closed: a closed settlement never
    changes (only a movement given an earlier ``now`` can reach one; the hold keeps the present
    month from closing under a movement)."""
    month = months.first_of(ledger.local_day(partner.programme, now))
    if Settlement.objects.filter(partner=partner, month=month).exists():
        raise ValidationError({"month": _("The partner's month %(month)s is closed: nothing more is recorded in it.")
                               % {"month": f"{month:%Y-%m}"}})

def _reference(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"reference": _("Give the partner's reference (its receipt number).")})
    value = value.strip()
    if len(value) > MAX_REFERENCE or not value.isprintable():
        raise ValidationError({"reference": _("Use at most %(n)d printable characters.") % {"n": MAX_REFERENCE}})
    return value


def _movement(actor, partner_id, customer_id, points, reference, memo, now):
    hold(partner_id)  # before reading the partner: the movement is written under what is read here
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
    open_month(partner, now)
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


def _sums(account: int) -> dict:
    """The partner account's figures in one pass over its transfers: issued and accepted (the
    partner's movements), the reversals of each (an issue reversed credits the account back, an
    acceptance reversed debits it), the movements counted, and every transfer's credits and debits
    (the ledger's side of the check)."""
    partner, reverse = TransferKind.PARTNER, TransferKind.REVERSE
    return {"issued": Sum("amount", filter=Q(kind=partner, debit_id=account)),
            "accepted": Sum("amount", filter=Q(kind=partner, credit_id=account)),
            "issued_reversed": Sum("amount", filter=Q(kind=reverse, credit_id=account)),
            "accepted_reversed": Sum("amount", filter=Q(kind=reverse, debit_id=account)),
            "transfers": Count("id", filter=Q(kind__in=[partner, reverse])),
            "credits": Sum("amount", filter=Q(credit_id=account)), "debits": Sum("amount", filter=Q(debit_id=account))}


def _figures(partner: Partner, sums: dict, settled: Settlement | None) -> dict:
    """A month's report from its sums: the points each way and reversed, the money on the net (a
    closed month: at its rates), and ``balanced``: the ledger's net equals accepted minus issued,
    both net of reversals, and a closed month's figures are still the ledger's."""
    points = {name: sums.get(name) or 0 for name in ("issued", "accepted", "issued_reversed", "accepted_reversed")}
    net_issued = points["issued"] - points["issued_reversed"]
    net_accepted = points["accepted"] - points["accepted_reversed"]
    ledger_net = (sums.get("credits") or 0) - (sums.get("debits") or 0)
    balanced = ledger_net == net_accepted - net_issued and (settled is None or (
        settled.issued_points, settled.accepted_points, settled.issued_reversed_points,
        settled.accepted_reversed_points) == tuple(points.values()))
    return {"issued_points": points["issued"], "accepted_points": points["accepted"],
            "issued_reversed_points": points["issued_reversed"],
            "accepted_reversed_points": points["accepted_reversed"],
            "net_issued_points": net_issued, "net_accepted_points": net_accepted,
            "transfers": sums.get("transfers") or 0, **_money(settled or partner, net_issued, net_accepted),
            "ledger_net_points": ledger_net, "balanced": balanced, "settlement": settled}


def settlement(partner: Partner, month) -> dict:
    """One month of the partner (its dealer's local month): points issued and accepted, those
    reversed in the month (whenever the movement was), the money due each way on the net at the
    agreed rates (a closed month: the rates it was closed with), and the check against the ledger:
    the partner account's transfers in the month, summed apart (credits minus debits, every kind),
    must equal accepted minus issued, net of reversals (``balanced``). One query for the sums."""
    month = months.parse(month)
    zone = ledger.local_zone(partner.programme)
    start, end = months.bounds(zone, month)
    account = account_of(partner, create=False).pk
    sums = Transfer.objects.filter(Q(debit_id=account) | Q(credit_id=account), created_at__gte=start,
                                   created_at__lt=end).aggregate(**_sums(account))
    closed = Settlement.objects.filter(partner=partner, month=month).select_related("closed_by").first()
    return {"partner_id": partner.pk, "month": month, "start": start, "end": end,
            "issue_rate_cents": closed.issue_rate_cents if closed else partner.issue_rate_cents,
            "accept_rate_cents": closed.accept_rate_cents if closed else partner.accept_rate_cents,
            **_figures(partner, sums, closed)}


def history(partner: Partner, *, through: dt.date | None = None) -> list[dict]:
    """The partner's months from the month it became active (or its first movement) to ``through``
    (default: this month), newest first, each as ``settlement`` gives it. One grouped query for
    the movements, one for the settlements."""
    zone = ledger.local_zone(partner.programme)
    through = months.first_of(through or timezone.now().astimezone(zone).date())
    account = account_of(partner, create=False).pk
    rows = (Transfer.objects.filter(Q(debit_id=account) | Q(credit_id=account)).annotate(
        m=TruncMonth("created_at", tzinfo=zone)).values("m").annotate(**_sums(account)))
    by_month = {_month_key(row["m"], zone): row for row in rows}
    first = min([months.first_of(partner.active_from), *by_month]) if by_month else months.first_of(partner.active_from)
    closed = {s.month: s for s in Settlement.objects.filter(partner=partner).select_related("closed_by")}
    return [{"month": month, **_figures(partner, by_month.get(month, {}), closed.get(month)),
             "closable": closed.get(month) is None and months.next_month(month) <= through}
            for month in (reversed(months.span(first, through)) if first <= through else [])]


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
            # one close at a time, after the movements in flight (``hold``), at the rates as they are now
            partner = Partner.objects.select_for_update().select_related("programme", "programme__dealer").get(
                pk=partner.pk)
            if Settlement.objects.filter(partner=partner, month=month).exists():
                raise ValidationError({"month": _("This month is already closed.")})
            report = settlement(partner, month)
            if not report["balanced"]:
                raise ValidationError({"month": _("The month does not balance to the ledger; it cannot be closed.")})
            made = Settlement.objects.create(
                partner=partner, month=month, issued_points=report["issued_points"],
                accepted_points=report["accepted_points"], issued_reversed_points=report["issued_reversed_points"],
                accepted_reversed_points=report["accepted_reversed_points"],
                issue_rate_cents=partner.issue_rate_cents, accept_rate_cents=partner.accept_rate_cents,
                transfers=report["transfers"],
                **_money(partner, report["net_issued_points"], report["net_accepted_points"]),
                closed_by=actor if getattr(actor, "pk", None) else None, closed_at=now)
            audit.record(actor=actor, action=AuditCode.PARTNER_SETTLE, obj=partner,
                         dealer_id=partner.programme.dealer_id, after={
                             "settlement_id": made.pk, "month": month, "issued_points": made.issued_points,
                             "accepted_points": made.accepted_points,
                             "issued_reversed_points": made.issued_reversed_points,
                             "accepted_reversed_points": made.accepted_reversed_points, "net_cents": made.net_cents})
            return made
    except IntegrityError:  # closed meanwhile by another request
        raise ValidationError({"month": _("This month is already closed.")}) from None


__all__ = ["close_month", "create_partner", "history", "hold", "open_month", "partner_accept", "partner_issue",
           "settlement", "update_partner", "used"]
