"""Referrals and influence centres (issue 11, item 5; seed 004: "develop positive influence
centres").

- ``referral_code``: a member's code, made on request (eight symbols of ``CODE_ALPHABET`` drawn by
  ``secrets``: unique by the database, unguessable: ~6.6e11 codes for a group's few hundred
  thousand members);
- ``record_referral``: a referred customer linked to the member who brought them, by the member's
  code or picked by id: sets ``Customer.referred_by`` through ``customers.services.credit_referral``
  and keeps a ``Referral`` with the prospect the referred customer became;
- ``referrals_of``: whom a member brought, each one's prospect status and the points the referral
  earned (the earning job's transfers with source ``referral:<prospect id>``, less reversals);
- ``influence_centres``: a dealer's referrers ranked by referrals won in a period.

Points are not credited here: the earning job credits the referrer when the prospect is delivered.
"""

import datetime as dt
import secrets

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.analytics.retention import wilson_interval
from retain.customers import services as customer_services
from retain.customers.access import access_customer, visible_customers
from retain.customers.models import Customer
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, dealers_in_scope
from retain.sales.models import Prospect, ProspectStatus

from ..models import CODE_ALPHABET, Referral, ReferralCode, Transfer, TransferKind
from ..models.referral import CODE_LENGTH

#: The default period of the influence-centre ranking (seed 004 looks at two years of an owner's word of mouth).
DEFAULT_MONTHS = 24
#: Longest text accepted as a code before it is looked up.
MAX_CODE_INPUT = 32


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code) -> str:
    """A code as typed (spaces, dashes, lower case) in its stored form; ValidationError if it is no text."""
    if not isinstance(code, str) or len(code) > MAX_CODE_INPUT or "\x00" in code:
        raise ValidationError({"code": _("Enter the referrer's code as printed on their card.")})
    return "".join(code.split()).replace("-", "").upper()


@transaction.atomic
def referral_code(*, actor, customer_id) -> ReferralCode:
    """The member's referral code, made on first request (a second request returns the same)."""
    customer = access_customer(actor, customer_id, Action.RECORD_REFERRALS)
    found = ReferralCode.objects.filter(customer=customer).first()
    if found is not None:
        return found
    for _attempt in range(8):  # a clash is ~1 in 1e6 per draw at a million codes
        try:
            with transaction.atomic():
                made = ReferralCode.objects.create(customer=customer, code=new_code())
            break
        except IntegrityError:
            found = ReferralCode.objects.filter(customer=customer).first()
            if found is not None:  # made meanwhile by another request
                return found
    else:  # pragma: no cover - eight clashes in a row
        raise RuntimeError("could not draw a free referral code")
    audit.record(actor=actor, action=AuditCode.REFERRAL_CODE, obj=made, dealer_id=customer.dealer_id,
                 after={"customer": customer.pk})
    return made


def _referrer(customer: Customer, code, referrer_id) -> tuple[Customer, str]:
    """The referrer named by code or id, and the field that named them."""
    if code not in (None, "") and referrer_id not in (None, ""):
        raise ValidationError({"referrer_id": _("Give the referrer's code or choose the referrer, not both.")})
    if code not in (None, ""):
        found = ReferralCode.objects.filter(code=normalise(code)).select_related("customer__dealer__region").first()
        # a code of another group is as unknown as a code nobody holds
        if found is None or found.customer.dealer.region.group_id != customer.dealer.region.group_id:
            raise ValidationError({"code": _("No member has this referral code.")})
        referrer, field = found.customer, "code"
    elif referrer_id not in (None, ""):
        try:
            referrer = Customer.objects.select_related("dealer__region").get(pk=int(referrer_id))
        except (TypeError, ValueError, Customer.DoesNotExist):
            raise ValidationError({"referrer_id": _("No such customer.")})
        field = "referrer_id"
    else:
        raise ValidationError({"code": _("Enter the referrer's code or choose the referrer.")})
    if referrer.pk == customer.pk:
        raise ValidationError({field: _("A customer cannot refer themselves.")})
    return referrer, field


@transaction.atomic
def record_referral(*, actor, customer_id, code=None, referrer_id=None, prospect_id=None) -> Referral:
    """Record that ``customer_id`` was brought by a member (by the member's code or id), linked to
    the sales prospect the customer became (the one named, else their newest). A second record for
    the same customer replaces the first (the referrer named last is the one credited)."""
    customer = access_customer(actor, customer_id, Action.RECORD_REFERRALS)
    referrer, field = _referrer(customer, code, referrer_id)
    prospects = Prospect.objects.filter(customer=customer)
    if prospect_id not in (None, ""):
        try:
            prospect = prospects.filter(pk=int(prospect_id)).first()
        except (TypeError, ValueError):
            prospect = None
        if prospect is None:
            raise ValidationError({"prospect_id": _("This customer has no such prospect.")})
    else:
        prospect = prospects.order_by("-first_contact", "-id").first()
    try:
        customer_services.credit_referral(actor=actor, customer_id=customer.pk, referrer_id=referrer.pk,
                                          by_code=field == "code")
    except ValidationError as error:  # the referrer out of the actor's sight, of another group
        raise ValidationError({field: [m for messages in error.message_dict.values() for m in messages]})
    before = Referral.objects.filter(customer=customer).values("referrer_id", "prospect_id").first()
    referral, _made = Referral.objects.update_or_create(customer=customer, defaults={
        "referrer": referrer, "dealer_id": customer.dealer_id, "prospect": prospect,
        "referred_on": prospect.first_contact if prospect else timezone.localdate(), "recorded_by": actor})
    audit.record(actor=actor, action=AuditCode.REFERRAL_RECORD, obj=referral, dealer_id=customer.dealer_id,
                 before=before, after={"referrer_id": referrer.pk, "prospect_id": getattr(prospect, "pk", None),
                                       "by": field})
    return referral


# ---------------------------------------------------------------------------------------------
# Reading


def source_of(prospect_id: int) -> str:
    """The ledger source of the points a referral earns (written by the earning job)."""
    return f"referral:{prospect_id}"


def points_by_prospect(prospect_ids) -> dict[int, int]:
    """Points each referral earned: its earning (one per source), less its reversals. Both found
    by an index (the earnings by kind and source, the reversals by the earning they reverse): by
    source alone, or joined to the reversed transfer's source, each read the whole ledger (135 ms
    a card at 200,000 customers)."""
    sources = {source_of(pk): pk for pk in prospect_ids if pk}
    if not sources:
        return {}
    earned = (Transfer.objects.filter(kind=TransferKind.EARN, source__in=sources).exclude(source="")
              .values_list("pk", "source", "amount"))
    points, prospect_of = {}, {}
    for pk, source, amount in earned:
        prospect_of[pk] = sources[source]
        points[sources[source]] = points.get(sources[source], 0) + amount
    for reversed_id, amount in Transfer.objects.filter(reverses_id__in=prospect_of).values_list("reverses_id", "amount"):
        points[prospect_of[reversed_id]] -= amount
    return points


def referrals_of(referrer: Customer) -> list[dict]:
    """Whom the member brought, newest first, with each one's prospect and the points it earned."""
    rows = list(Referral.objects.filter(referrer=referrer).select_related("customer", "prospect")
                .order_by("-referred_on", "-id"))
    points = points_by_prospect([r.prospect_id for r in rows])
    return [{"referral": r, "customer": r.customer, "prospect": r.prospect,
             "status": r.prospect.status if r.prospect else None,
             "delivered": bool(r.prospect and r.prospect.status == ProspectStatus.WON),
             "delivered_on": r.prospect.delivered_on if r.prospect else None,
             "points": points.get(r.prospect_id, 0)} for r in rows]


def period(start=None, end=None) -> tuple[dt.date, dt.date]:
    """The ranking's period: by default the last 24 months up to today."""
    end = end or timezone.localdate()
    start = start or end - relativedelta(months=DEFAULT_MONTHS) + dt.timedelta(days=1)
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise ValidationError({"start": _("Enter a date.")})
    if start > end:
        raise ValidationError({"start": _("The period cannot start after it ends.")})
    return start, end


def dealer_for(actor, dealer_id, action: str = Action.VIEW_REFERRALS):
    """The dealer asked for, in the actor's scope for ``action`` (404 if not), else the actor's own or first."""
    dealers = dealers_in_scope(actor, action).order_by("code")
    if dealer_id in (None, ""):
        dealer = dealers.filter(pk=actor.dealer_id).first() or dealers.first()
    else:
        try:
            dealer = dealers.filter(pk=int(dealer_id)).first()
        except (TypeError, ValueError):
            dealer = None
    if dealer is None:
        raise Http404(_("No such dealer."))
    return dealer


def visible_referrals(actor):
    """Referrals whose referrer the actor sees for ``view_referrals``."""
    return Referral.objects.filter(referrer__in=visible_customers(actor, Action.VIEW_REFERRALS))


def influence_centres(actor, *, dealer, start: dt.date, end: dt.date, limit: int | None = None) -> list[dict]:
    """The dealer's referrers (those the actor sees) ranked by referrals won: for each, the
    customers referred in the period (by the day the referred prospect opened), how many of them
    took delivery (prospect won), the conversion with its Wilson 95% interval, and the points the
    won referrals earned. Ties: more referred first, then the referrer's id."""
    referrals = visible_referrals(actor).filter(dealer=dealer, referred_on__range=(start, end))
    grouped = list(referrals.values("referrer_id").annotate(
        referred=Count("id"), won=Count("id", filter=Q(prospect__status=ProspectStatus.WON)))
        .order_by("-won", "-referred", "referrer_id"))
    if limit:
        grouped = grouped[:limit]
    ids = [g["referrer_id"] for g in grouped]
    people = Customer.objects.in_bulk(ids)
    won_prospects: dict[int, list[int]] = {}
    for referrer_id, prospect_id in referrals.filter(referrer_id__in=ids, prospect__status=ProspectStatus.WON) \
            .values_list("referrer_id", "prospect_id"):
        won_prospects.setdefault(referrer_id, []).append(prospect_id)
    points = points_by_prospect([pk for pks in won_prospects.values() for pk in pks])
    low, high = wilson_interval([g["won"] for g in grouped], [g["referred"] for g in grouped])
    rows = []
    for rank, (g, lo, hi) in enumerate(zip(grouped, low.tolist(), high.tolist()), start=1):
        rows.append({"rank": rank, "customer": people[g["referrer_id"]], "referred": g["referred"], "won": g["won"],
                     "conversion": g["won"] / g["referred"], "low": lo, "high": hi,
                     "points": sum(points.get(pk, 0) for pk in won_prospects.get(g["referrer_id"], []))})
    return rows
