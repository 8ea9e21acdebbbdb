"""Points for events (``EventKind``), under the programme's rules: ``award`` applies the event's
rule (its fixed points, the member's tier multiplier, the caps per day and per calendar year,
the programme's exclusions) and earns once per ``source``; a member whose qualifying points
reach a higher tier is upgraded at once.

The daily scans (``loyalty.events`` job) award, for the day they are told, all their members at
once (``awards.award_all``: the same points as ``award`` one after the other):

- ``birthday``: members (customers with a points account) born on that day (29 February on
  28 February in other years), once a year (source ``birthday:<customer>:<year>``);
- ``survey_completed``: survey responses submitted (and counted) on that local day by a customer,
  once per response (``survey:<response>``);
- ``profile_completed``: members whose profile is complete (gender, birthday, city and address
  given: what the care calendar and the courtesy car need), once ever (``profile:<customer>``);
- ``referral_delivered``: sales prospects delivered on that day whose customer was referred by
  another customer: the REFERRER earns, once per prospect (``referral:<prospect>``);
- ``club_event_attended``: members who came to an owners' club's event on that day (the sales
  invitation's attendance, recorded through sales' service), once per invitation
  (``club:<invitation>``).

A lookup by ``source`` also says ``source <> ''`` (``exclude(source="")``): SQLite uses the
partial unique index on (kind, source) only when the query names its condition."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from retain.customers.models import Customer
from retain.sales.models import Invitation, Prospect, ProspectStatus
from retain.surveys.models import Response

from ..models import Account, AccountKind, ClubEvent, EarningRule, EventKind, Membership, Transfer, TransferKind
from . import awards, ledger, points, tiers
from .ledger import ledger_write


def _noon(programme, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), ledger.local_zone(programme))


def _excluded(programme, customer: Customer) -> bool:
    return (customer.status != "active" or customer.kind in programme.excluded_customer_kinds
            or customer.classification in programme.excluded_classifications
            or (programme.excluded_tags and customer.tags.filter(name__in=programme.excluded_tags).exists()))


def _earned(programme, customer_id: int, trigger: str, since: dt.datetime, until: dt.datetime) -> int:
    return Transfer.objects.filter(programme=programme, kind=TransferKind.EARN, trigger=trigger,
                                   credit__customer_id=customer_id, created_at__gte=since,
                                   created_at__lt=until).aggregate(n=Sum("amount"))["n"] or 0


def points_for(programme, customer: Customer, event: str, day: dt.date) -> int:
    """What the event earns the member on ``day`` under the rules (0: nothing)."""
    rule = EarningRule.objects.filter(programme=programme, trigger=event, active=True, points__gt=0).first()
    if rule is None or _excluded(programme, customer):
        return 0
    membership = Membership.objects.filter(programme=programme, customer=customer).select_related("tier").first()
    multiplier = membership.tier.multiplier_percent if membership and membership.tier else 100
    amount = rule.points * multiplier // 100
    zone = ledger.local_zone(programme)
    if rule.day_cap:
        start = dt.datetime.combine(day, dt.time(), zone)
        amount = min(amount, rule.day_cap - _earned(programme, customer.pk, event, start, start + dt.timedelta(days=1)))
    if rule.year_cap:
        start, end = (dt.datetime.combine(dt.date(year, 1, 1), dt.time(), zone) for year in (day.year, day.year + 1))
        amount = min(amount, rule.year_cap - _earned(programme, customer.pk, event, start, end))
    return max(0, min(amount, programme.max_points_per_transfer))


@ledger_write
def award(*, actor, customer_id, event: str, source: str, day: dt.date) -> Transfer | None:
    """Earn the event's points for the member (spendable at once, dated ``day``'s local noon),
    once per ``source``: a second call answers the first transfer. None when the rules give
    nothing (no active rule, excluded, capped)."""
    EventKind(event)  # ValueError for an unknown event
    earlier = Transfer.objects.filter(kind=TransferKind.EARN, source=source).exclude(source="").first()
    if earlier is not None:
        return earlier
    customer = Customer.objects.get(pk=int(customer_id))
    programme = ledger.programme_for(customer.dealer_id)
    amount = points_for(programme, customer, event, day)
    if amount < 1:
        return None
    # (an earn qualifies: ``points.earn`` upgrades the member at once)
    return points.earn(actor=actor, customer_id=customer.pk, points=amount, source=source, pending=False,
                       trigger=event, origin="job" if actor is None else "system", now=_noon(programme, day))


def _members():
    return Exists(Account.objects.filter(customer=OuterRef("pk"), kind=AccountKind.MEMBER))


def _run(found, event: str, day: dt.date, source) -> int:
    """Award each found (customer, key) not yet earned, set-based (``awards.award_all``: the
    same points as ``award`` one after the other, in a few statements per programme)."""
    return awards.award_all(event=event, day=day, found=[(customer_id, source(customer_id, key))
                                                         for customer_id, key in found])


def birthdays(day: dt.date) -> int:
    days = Q(birthday__month=day.month, birthday__day=day.day)
    if day.month == 2 and day.day == 28 and not tiers._leap(day.year):
        days |= Q(birthday__month=2, birthday__day=29)
    found = Customer.objects.filter(days, status="active").filter(_members()).order_by("pk")
    return _run(found.values_list("pk", "pk"), EventKind.BIRTHDAY, day,
                lambda customer, _key: f"birthday:{customer}:{day.year}")


def surveys(day: dt.date) -> int:
    found = Response.objects.filter(answered_on=day, submitted_at__isnull=False, counted=True,
                                    customer__isnull=False).order_by("pk")
    return _run(found.values_list("customer_id", "pk"), EventKind.SURVEY_COMPLETED, day,
                lambda _customer, response: f"survey:{response}")


def complete_profiles():
    """Members with a complete profile not yet awarded for it, by id (a queryset of ids)."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    return (Customer.objects.filter(status="active", gender__in=["F", "M"], birthday__isnull=False)
            .exclude(city="").exclude(address="").filter(_members())
            .annotate(key=Concat(Value("profile:"), "pk"))
            .exclude(Exists(Transfer.objects.filter(kind=TransferKind.EARN, source=OuterRef("key"))))
            .order_by("pk").values_list("pk", flat=True))


def profiles(day: dt.date) -> int:
    return _run(((pk, pk) for pk in complete_profiles()), EventKind.PROFILE_COMPLETED, day,
                lambda customer, _key: f"profile:{customer}")


def referrals(day: dt.date) -> int:
    found = Prospect.objects.filter(delivered_on=day, status=ProspectStatus.WON,
                                    customer__referred_by__isnull=False).order_by("pk")
    return _run(found.values_list("customer__referred_by_id", "pk"), EventKind.REFERRAL_DELIVERED, day,
                lambda _referrer, prospect: f"referral:{prospect}")


def clubs(day: dt.date) -> int:
    found = Invitation.objects.filter(attended_on=day, event__in=ClubEvent.objects.values("event")).order_by("pk")
    return _run(found.values_list("customer_id", "pk"), EventKind.CLUB_EVENT_ATTENDED, day,
                lambda _customer, invitation: f"club:{invitation}")


def award_due(day: dt.date) -> dict:
    return {"birthday": birthdays(day), "survey": surveys(day), "profile": profiles(day),
            "referral": referrals(day), "club": clubs(day), "at": timezone.now().isoformat()}
