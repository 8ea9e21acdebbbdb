"""The customer card's "Points" section (registered with ``customers.cards`` in
``LoyaltyConfig.ready``): the member's spendable, pending and reserved points and their latest
movements, a goodwill credit linked to the case it came from, their open vouchers, and their
tier: the tier, its benefits, the qualifying points (counted live) and the progress to the next
tier. Four queries (the member's accounts, their latest transfers, the membership with the
programme's tiers, the qualifying points), a fifth for the open vouchers when points are
reserved, and a sixth for the open reservations made without a voucher (with when each times
out) only when the vouchers do not account for all the points reserved; none for a role that sees
no points. Reading opens no account and makes no membership (a GET writes nothing)."""

from django.db.models import Exists, OuterRef, Q

from retain.customers.cards import CardSection, holds
from retain.org.policy import Action, allowed
from retain.prepared import prepared

from . import balances
from .models import MEMBER_KINDS, Account, AccountKind, Tier, Transfer, TransferKind, Voucher, VoucherStatus
from .services import ledger

SHOWN = 8
#: The member's accounts, with only what is used: each one's kind and balance, and the
#: programme's time zone (for the qualifying window). The programme and the dealer's settings have
#: JSON and encrypted columns, which were decoded once for each of the member's three accounts.
#: Compiled once (``prepared``).
MEMBER_ACCOUNTS = prepared(lambda customer_id: Account.objects.filter(customer_id=customer_id, kind__in=MEMBER_KINDS)
                           .select_related(f"programme__{ledger.ZONE_WITH}")
                           .only("kind", "balance", f"programme__{ledger.ZONE_COLUMN}"))
#: The latest movements in or out of the member's accounts (at most three: ``MEMBER_KINDS``),
#: compiled once: called with three ids, those a member has fewer of padded with ids no account
#: has (0, -1: distinct, as the compiled ``IN`` list is).
MOVEMENTS = prepared(lambda a, b, c: Transfer.objects.filter(Q(debit_id__in=[a, b, c]) | Q(credit_id__in=[a, b, c]))
                     .select_related("actor").order_by("-created_at", "-id")[:SHOWN])


def _case_of(transfer: Transfer) -> int | None:
    """The case a goodwill credit came from (its source ``case:12:compensation:40``)."""
    parts = transfer.source.split(":")
    return int(parts[1]) if transfer.kind == TransferKind.GOODWILL and parts[0] == "case" and parts[1].isdigit() \
        else None


def points_section(actor, customer) -> CardSection | None:
    # The card's customer is in the reader's sight; points are seen in the same scope as the customer.
    if not allowed(actor, Action.VIEW_POINTS) or not holds(customer, Account):
        return None
    accounts = {a.kind: a for a in MEMBER_ACCOUNTS(customer.pk)}
    if not accounts:
        return None
    ids = [a.pk for a in accounts.values()]
    spendable = accounts.get(AccountKind.MEMBER)
    rows = []
    for transfer in MOVEMENTS(*ids, *[0, -1][:len(MEMBER_KINDS) - len(ids)]):
        change = (transfer.amount if spendable and transfer.credit_id == spendable.pk else 0) - \
                 (transfer.amount if spendable and transfer.debit_id == spendable.pk else 0)
        rows.append({"transfer": transfer, "change": change, "case_id": _case_of(transfer)})
    hold, vouchers, held = accounts.get(AccountKind.HOLD), [], []
    if hold and hold.balance:  # nothing reserved, nothing open: no query
        vouchers = list(Voucher.objects.filter(customer=customer, status=VoucherStatus.OPEN).select_related("reward")
                        .order_by("expires_on", "id")[:SHOWN])
        # the reserved balance is the sum of the open reservations (``verify``): if these vouchers
        # hold all of it, there is no reservation without a voucher to look for
        if len(vouchers) == SHOWN or sum(v.points for v in vouchers) < hold.balance:
            held = list(Transfer.objects.filter(credit=hold, kind=TransferKind.RESERVE, held_until__isnull=False)
                        .filter(~Exists(Transfer.objects.filter(settles=OuterRef("pk"))))
                        .order_by("held_until", "id")[:SHOWN])
    return CardSection("loyalty/_card.html", {
        "vouchers": vouchers, "reservations": held,
        **_standing(customer, next(iter(accounts.values())).programme),
        "balance": spendable.balance if spendable else 0,
        "pending": getattr(accounts.get(AccountKind.PENDING), "balance", 0),
        "reserved": getattr(accounts.get(AccountKind.HOLD), "balance", 0),
        "rows": rows})


#: The programme's tiers, lowest first, each with the member's membership beside it: one
#: statement for what were two queries (the membership, then the ladder), none when the customer
#: is no member. (The tier and the progress are all the card shows of the membership.)
LADDER = ("SELECT t.*, m.tier_id AS member_tier_id, m.tier_since AS member_tier_since FROM loyalty_membership m "
          "JOIN loyalty_tier t ON t.programme_id = m.programme_id "
          "WHERE m.customer_id = %s AND m.programme_id = %s ORDER BY t.threshold, t.id")


def _standing(customer, programme) -> dict:
    """The member's tier, since when, and the progress to the next (percent of the way from this
    tier's threshold to the next one's); nothing for a customer who is no member or whose
    programme has no tiers (the card shows the tier or nothing)."""
    ladder = list(Tier.objects.raw(LADDER, [customer.pk, programme.pk]))
    tier = next((t for t in ladder if t.pk == t.member_tier_id), None)
    if tier is None:
        return {"tier": None}
    qualifying = balances.qualifying_points(customer.pk, programme=programme)
    above = next((t for t in ladder if t.threshold > tier.threshold), None)
    progress = None
    if above is not None:
        progress = max(0, min(100, (qualifying - tier.threshold) * 100 // max(1, above.threshold - tier.threshold)))
    return {"tier": tier, "tier_since": tier.member_tier_since, "qualifying": qualifying, "next_tier": above,
            "to_next": max(0, above.threshold - qualifying) if above else None, "progress": progress}


def referrals_section(actor, customer) -> CardSection | None:
    """The card's "Referrals" section: the member's referral code (with its QR), who referred them,
    and whom they brought (each one's prospect status, delivery and the points it earned). Names
    only, as the card shows them; nothing is written on reading. Two queries (the code, the
    referrals), a third for the points when some referral has a prospect."""
    from retain.surveys.qr import svg

    from .models import Referral, ReferralCode
    from .services.referrals import referrals_of

    if not allowed(actor, Action.VIEW_REFERRALS):
        return None
    code = None
    if holds(customer, ReferralCode):
        code = ReferralCode.objects.filter(customer=customer).values_list("code", flat=True).first()
    return CardSection("loyalty/_referrals_card.html", {
        "customer": customer, "code": code, "qr": svg(code, scale=4) if code else "",
        "referred_by": customer.referred_by,
        "rows": referrals_of(customer) if holds(customer, Referral, "referrer") else [],
        # whoever may record referrals at all may for every customer they see on a card (the scopes
        # of view and record_referrals agree where both exist), so no query for it
        "may_record": allowed(actor, Action.RECORD_REFERRALS)})
