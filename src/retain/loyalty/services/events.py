"""Points for events (``EventKind``), under the programme's rules: ``awards.award_all`` applies
the event's rule (its fixed points, the member's tier multiplier, the caps per day and per
calendar year, the programme's exclusions) and earns once per ``source``; a member whose
qualifying points reach a higher tier is upgraded at once.

The daily scans (``loyalty.events`` job) award, for the day they are told, all their members at
once (``awards.award_all``):

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

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from retain.customers.models import Customer
from retain.sales.models import Invitation, Prospect, ProspectStatus
from retain.surveys.models import Response

from ..models import Account, AccountKind, ClubEvent, EventKind, Transfer, TransferKind
from . import awards, tiers


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
