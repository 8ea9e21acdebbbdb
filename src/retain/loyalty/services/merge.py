"""A duplicate customer merged into its survivor: the duplicate's spendable points move to the
survivor by a transfer (kind ``transfer``, keeping their expiry), never by re-pointing accounts
(an account's member never changes: the ledger's history stays true). Registered with
``customers.moves``; runs inside the merge's transaction and writes no audit row of its own (the
merge's row carries the count).

Refused (the merge then writes nothing), naming what to do first: points still pending or reserved
on the duplicate (their settlement belongs to the duplicate's accounts; activate or void them,
post or release the reservation, then merge), and points in another dealer's programme than the
survivor's (points do not cross programmes)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Account, AccountKind, TransferKind
from . import ledger


def merge_points(*, actor, survivor, duplicate) -> dict[str, int]:
    held = list(Account.objects.select_for_update().filter(customer_id__in=[survivor.pk, duplicate.pk])
                .select_related("programme").order_by("id"))
    theirs = [account for account in held if account.customer_id == duplicate.pk and account.balance]
    if not theirs:
        return {}
    if any(account.kind != AccountKind.MEMBER for account in theirs):
        raise ValidationError({"duplicate": _("The duplicate has pending or reserved points: settle them first.")})
    [source] = theirs
    programme = ledger.programme_for(survivor.dealer_id)
    if source.programme_id != programme.pk:
        raise ValidationError({"duplicate": _("The duplicate's points are in another dealer's programme.")})
    target = ledger.member_accounts(programme, survivor.pk)[AccountKind.MEMBER]
    made = ledger.post(programme=programme, kind=TransferKind.TRANSFER, debit=source, credit=target,
                       amount=source.balance, actor=actor, memo=_("Merged into customer %(id)s") % {"id": survivor.pk})
    ledger.carry_lots(target, made, ledger.take_from_lots(source, made, made.amount))
    return {"points": made.amount}
