"""Reversing a transfer: the correction of a mistake is a new transfer the other way, linked to
the one it undoes (``reverses`` is unique: a transfer is reversed once), never an edit.

What may be reversed, and how the points move back:

- an earn (spendable at once, or pending and since activated) and goodwill: the points leave the
  member's spendable balance, first from the lots the earn made; if the member has spent them, the
  reversal is refused (``InsufficientPoints``): a ledger never goes negative. A pending earn not
  yet settled is voided instead, not reversed;
- a redemption, a posted reservation: the points return to the member with the expiry they had;
- an adjustment either way, a transfer between members: the other way round.

Movements that settle or expire (activation, voids, reservations, expiry, reversals) are not
reversed: they have their own counter-action, or a manager adjusts. A coalition partner's movement
is reversed by ``partner_reversal`` (its own permission, and the partner's settlement counts it)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import faults
from ..models import AccountKind, Lot, Transfer, TransferKind
from . import ledger
from .common import member, once, text
from .ledger import ledger_write

REVERSIBLE = {TransferKind.EARN, TransferKind.GOODWILL, TransferKind.REDEEM, TransferKind.POST_RESERVATION,
              TransferKind.ADJUST, TransferKind.TRANSFER}


def _customer_of(original: Transfer) -> int:
    for account in (original.credit, original.debit):
        if account.customer_id:
            return account.customer_id
    raise Http404(_("No such transfer."))


@ledger_write
def reverse(*, actor, transfer_id, reason: str, origin: str = "system", idempotency_key: str | None = None) -> Transfer:
    try:
        original = Transfer.objects.select_related("debit", "credit").get(pk=int(transfer_id))
    except (TypeError, ValueError, Transfer.DoesNotExist):
        raise Http404(_("No such transfer."))
    found = member(actor, _customer_of(original), Action.ADJUST_POINTS)
    reason = text(reason, "reason", required=True)

    def run() -> Transfer:
        if original.kind == TransferKind.PARTNER:
            raise ValidationError({"transfer_id": _("A partner's movement is reversed from the partner's "
                                                    "movements.")})
        if original.kind not in REVERSIBLE:
            raise ValidationError({"transfer_id": _("This movement is not reversed: use its own counter-action "
                                                    "or an adjustment.")})
        if Transfer.objects.filter(reverses=original).exists():
            raise ValidationError({"transfer_id": _("This transfer was already reversed.")})
        programme, spendable = found.programme, found.accounts[AccountKind.MEMBER]
        if original.kind == TransferKind.TRANSFER:  # the other member's accounts under lock too
            sender, receiver = original.debit.customer_id, original.credit.customer_id
            other = sender if found.customer.pk == receiver else receiver
            members = {found.customer.pk: spendable,
                       other: ledger.member_accounts(programme, other)[AccountKind.MEMBER]}
        made_lots = Lot.objects.filter(transfer=original)
        if original.credit.kind == AccountKind.PENDING:  # a pending earn: reversible once activated
            activation = Transfer.objects.filter(settles=original).first()
            if activation is None:
                raise ValidationError({"transfer_id": _("These points are still pending: void them instead.")})
            if activation.kind != TransferKind.ACTIVATE:
                raise ValidationError({"transfer_id": _("These pending points were voided already.")})
            made_lots = Lot.objects.filter(transfer=activation)
        if original.kind == TransferKind.TRANSFER:
            debit, credit = members[receiver], members[sender]  # back from the receiver to the sender
        elif original.credit_id == spendable.pk or original.credit.kind == AccountKind.PENDING:
            debit, credit = spendable, original.debit  # points given: taken back
        else:
            debit, credit = original.credit, spendable  # points spent or taken: given back
        made = ledger.post(programme=programme, kind=TransferKind.REVERSE, debit=debit, credit=credit,
                           amount=original.amount, actor=actor, origin=origin, memo=reason, reverses=original)
        if debit.customer_id:
            ledger.take_from_lots(debit, made, original.amount, first=list(made_lots.filter(account=debit)))
        if credit.customer_id:
            restored = original.settles if original.kind == TransferKind.POST_RESERVATION else original
            ledger.restore_lots(credit, made, restored)
        audit.record(actor=actor, action=AuditCode.POINTS_REVERSE, obj=found.customer,
                     dealer_id=found.customer.dealer_id, after={
                         "transfer_id": made.pk, "reverses": original.pk, "kind": original.kind,
                         "points": original.amount, "reason": reason})
        faults.checkpoint("audited")
        return made

    return once(actor, idempotency_key, "reverse", {"transfer": original.pk, "reason": reason}, run)
