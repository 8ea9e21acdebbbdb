"""Reversing a coalition partner's movement, and the list of movements it acts on.

A partner's issue or acceptance recorded by mistake (the wrong member, the wrong amount, a till's
double entry) is corrected by a new transfer the other way, of kind ``reverse``, linked to the
movement (``reverses`` is unique: a movement is reversed once, whoever tries and however often),
never by an edit:

- an issue reversed (member -> the partner's account): the points leave the member's spendable
  balance, first from the lot the issue made, then from the lot that expires first; a member with
  fewer spendable points than the issue gave (they spent them) is refused (``InsufficientPoints``,
  the API's 409): a balance never goes below zero, and a manager decides what else to do;
- an acceptance reversed (the partner's account -> member): the points come back with the expiry
  they had (a new lot for each lot the acceptance took from).

The reversal lands in the month it is made (the dealer's local month): that month's settlement
counts it (issued or accepted points less those reversed, the money on the net), and a closed
month never changes, whichever month the movement was in. It is serialised with the partner's
other movements and the close of a month on the partner's row (``partners.hold``), and with the
member's other movements on their accounts' locks.

Who: the dealer's managers (``reverse_partner_movements``); never the partner's own API caller
(``Partner.agent``), whatever its role: the partner's till records, the dealer corrects. The
partner need not still be active: its last movements may be corrected after its end."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import MAX_ID
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, require

from .. import faults
from ..models import AccountKind, Lot, Partner, Transfer, TransferKind
from ..partners_access import access_partner
from . import ledger, partners
from .common import member, once, text
from .ledger import ledger_write

ISSUE, ACCEPT = "issue", "accept"


def _id(value, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() or not (
            0 < int(value) <= MAX_ID):
        raise Http404(message)
    return int(value)


def _movement(transfer_id, partner_id) -> tuple[Transfer, Partner]:
    """The movement (an issue or acceptance) and its partner, found by the partner account's key;
    404 for anything else, or for a movement of another partner than ``partner_id``."""
    missing = _("No such movement.")
    original = Transfer.objects.filter(pk=_id(transfer_id, missing), kind=TransferKind.PARTNER).select_related(
        "debit", "credit").first()
    if original is None:
        raise Http404(missing)
    account = original.debit if original.debit.kind == AccountKind.PARTNER else original.credit
    partner = Partner.objects.select_related("programme", "programme__dealer").filter(
        programme_id=account.programme_id, code=account.key).first()
    if partner is None or (partner_id is not None and partner.pk != _id(partner_id, missing)):
        raise Http404(missing)
    return original, partner


def direction(transfer: Transfer) -> str:
    """``issue`` (the partner's account paid the member) or ``accept`` (the member paid it)."""
    return ISSUE if transfer.debit.kind == AccountKind.PARTNER else ACCEPT


def reference(transfer: Transfer) -> str:
    """The partner's reference (its receipt), from the movement's ``source``."""
    return transfer.source.split(":", 3)[3] if transfer.source.count(":") >= 3 else ""


@ledger_write
def reverse_partner_movement(*, actor, transfer_id, reason: str, partner_id=None, origin: str = "system",
                             idempotency_key: str | None = None, now: dt.datetime | None = None) -> Transfer:
    """Reverse the partner's movement ``transfer_id`` with a reason, once (see the module)."""
    if actor is not None:
        require(actor, Action.REVERSE_PARTNER_MOVEMENTS)  # 403 before anything is looked up
    original, partner = _movement(transfer_id, partner_id)
    partners.hold(partner.pk)
    if actor is not None:
        partner = access_partner(actor, partner.pk, Action.REVERSE_PARTNER_MOVEMENTS)  # 404 out of scope
        if partner.agent_id == actor.pk:
            raise PermissionDenied(_("The partner's own API caller may not reverse its movements."))
    reason = text(reason, "reason", required=True)
    issue = direction(original) == ISSUE
    found = member(None, (original.credit if issue else original.debit).customer_id,
                   Action.REVERSE_PARTNER_MOVEMENTS)  # the member's accounts locked
    now = now or timezone.now()

    def run() -> Transfer:
        earlier = Transfer.objects.filter(reverses=original).select_related("actor").first()
        if earlier is not None:
            raise ValidationError({"transfer_id": [ValidationError(
                _("This movement was already reversed on %(day)s by %(name)s.") % {
                    "day": f"{ledger.local_day(found.programme, earlier.created_at):%Y-%m-%d}",
                    "name": earlier.actor.display_name if earlier.actor_id else _("the system")},
                code="already_reversed")]})
        partners.open_month(partner, now)
        spendable = found.accounts[AccountKind.MEMBER]
        if issue:  # taken back from the member, first from the lot the issue made
            debit, credit = spendable, original.debit
        else:  # given back to the member
            debit, credit = original.credit, spendable
        made = ledger.post(programme=found.programme, kind=TransferKind.REVERSE, debit=debit, credit=credit,
                           amount=original.amount, actor=actor, origin=origin, memo=reason, reverses=original,
                           now=now)
        if issue:
            ledger.take_from_lots(spendable, made, original.amount,
                                  first=list(Lot.objects.filter(transfer=original, account=spendable)))
        else:
            ledger.restore_lots(spendable, made, original)
        audit.record(actor=actor, action=AuditCode.PARTNER_REVERSE, obj=found.customer,
                     dealer_id=found.customer.dealer_id, after={
                         "transfer_id": made.pk, "reverses": original.pk, "partner_id": partner.pk,
                         "partner": partner.code, "direction": direction(original), "points": original.amount,
                         "reference": reference(original), "reason": reason})
        faults.checkpoint("audited")
        return made

    return once(actor, idempotency_key, "partner_reverse", {"transfer": original.pk, "reason": reason}, run)


def movements(partner: Partner):
    """The partner's movements (issues and acceptances), newest first, with their accounts'
    customers and who recorded them; ``reversals`` tells which of a page of them were reversed."""
    account = partners.account_of(partner, create=False).pk
    return (Transfer.objects.filter(Q(debit_id=account) | Q(credit_id=account), kind=TransferKind.PARTNER)
            .select_related("debit__customer", "credit__customer", "actor").order_by("-id"))


def reversals(transfers) -> dict[int, Transfer]:
    """The reversal of each of ``transfers`` that has one, by the reversed transfer's id (one query)."""
    return {r.reverses_id: r for r in Transfer.objects.filter(
        reverses_id__in=[t.pk for t in transfers]).select_related("actor")}
