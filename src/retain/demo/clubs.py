"""The demo's referrals and owners' clubs (issue 11, items 5, 6 and 12), written in bulk after
the sales history is loaded.

Referrals: at each dealer, a share of the prospects opened in the last 24 months are "referred"
by owners (customers with a vehicle) of the same dealer, which sets the referred customer's
``referred_by`` and keeps a ``Referral`` linked to the prospect. ``PLANTED_PER_DEALER`` owners are
planted influence centres: each brings ``PLANTED_WON[i]`` won (delivered) prospects and a few
that did not buy; every other referrer brings at most ``OTHERS_MAX`` prospects, so the
ranking must put the planted owners first, in order. The points those referrals earn are the
earning job's (loyalty's rules), not written here.

Clubs: one owners' club per dealer with ``CLUB_MEMBERS`` owners who joined over the last year,
and three past club events (promotion events of the dealer) to which the members were invited,
about ``ATTEND_SHARE`` of them coming.
"""

import datetime as dt

import numpy as np

from retain import bulk
from retain.customers.models import Customer
from retain.loyalty.models import Club, ClubEvent, ClubMembership, Referral
from retain.org.models import Dealer, Role, Staff
from retain.sales.models import Invitation, PromotionEvent, Prospect, ProspectStatus

PLANTED_PER_DEALER = 3
#: Won referrals of the planted influence centres, first to third.
PLANTED_WON = (12, 9, 7)
#: Referrals of each planted centre that did not (yet) buy.
PLANTED_OPEN = 2
#: Share of the other prospects of the period that were referred, and the most any other referrer brings.
OTHER_SHARE = 0.08
OTHERS_MAX = 2
CLUB_MEMBERS = 60
ATTEND_SHARE = 0.45
EVENTS = (("车主自驾游", 150), ("夏季养护讲座", 90), ("亲子试驾日", 30))  # name, days before today


def add_referrals_and_clubs(rng: np.random.Generator, today: dt.date) -> dict:
    planted: dict[int, list[int]] = {}
    counts = {"referrals": 0, "clubs": 0, "members": 0, "events": 0, "invitations": 0}
    start = dt.date(today.year - 2, today.month, 1)
    for dealer in Dealer.objects.order_by("pk"):
        owners = np.array(sorted(Customer.objects.filter(dealer=dealer, vehicles__isnull=False, referred_by=None)
                                 .values_list("pk", flat=True).distinct()), dtype=np.int64)
        if len(owners) < PLANTED_PER_DEALER + 10:
            continue
        rows = list(Prospect.objects.filter(dealer=dealer, first_contact__gte=start, first_contact__lte=today,
                                            customer__referred_by=None)
                    .values_list("pk", "customer_id", "status", "first_contact").order_by("pk"))
        prospects = {pk: (customer, status, day) for pk, customer, status, day in rows}
        seen_customers: set[int] = set()
        won = [pk for pk, (c, s, _d) in prospects.items() if s == ProspectStatus.WON]
        other = [pk for pk, (c, s, _d) in prospects.items() if s != ProspectStatus.WON]
        rng.shuffle(won)
        rng.shuffle(other)
        centres = [int(pk) for pk in rng.choice(owners, PLANTED_PER_DEALER, replace=False)]
        pairs: list[tuple[int, int]] = []  # (prospect, referrer)
        brought: dict[int, int] = {}
        taken = _Taker(prospects, seen_customers, set(centres), pairs, brought)

        for centre, n_won in zip(centres, PLANTED_WON):
            taken(won, n_won, centre)
            taken(other, PLANTED_OPEN, centre)
        others = owners[~np.isin(owners, centres)]
        pool = won + other
        rng.shuffle(pool)
        for pk in pool[: int(len(pool) * OTHER_SHARE)]:
            referrer = int(rng.choice(others))
            if brought.get(referrer, 0) < OTHERS_MAX:
                taken([pk], 1, referrer)
        Referral.objects.bulk_create(
            [Referral(customer_id=prospects[pk][0], referrer_id=referrer, dealer=dealer, prospect_id=pk,
                      referred_on=prospects[pk][2]) for pk, referrer in pairs], batch_size=2_000)
        bulk.update_by_pk(Customer, "referred_by", {prospects[pk][0]: referrer for pk, referrer in pairs})
        planted[dealer.pk] = centres
        counts["referrals"] += len(pairs)
        counts.update(_club(rng, dealer, owners, today, counts))
    return {"planted": planted, **counts}


class _Taker:
    """Hands prospects from a pool to a referrer, each referred customer once, never a referrer."""

    def __init__(self, prospects, seen, centres, pairs, brought):
        self.prospects, self.seen, self.centres, self.pairs, self.brought = prospects, seen, centres, pairs, brought

    def __call__(self, pool: list, n: int, referrer: int) -> None:
        taken = 0
        while pool and taken < n:
            pk = pool.pop()
            customer = self.prospects[pk][0]
            if customer in self.seen or customer == referrer or customer in self.centres:
                continue
            self.seen.add(customer)
            self.pairs.append((pk, referrer))
            self.brought[referrer] = self.brought.get(referrer, 0) + 1
            taken += 1


def _club(rng, dealer, owners, today, counts) -> dict:
    staff = (Staff.objects.filter(dealer=dealer, role=Role.MARKETING).first()
             or Staff.objects.filter(dealer=dealer).order_by("pk").first())
    if staff is None:
        return counts
    club = Club.objects.create(dealer=dealer, name=f"{dealer.name}车主俱乐部", created_by=staff)
    members = [int(pk) for pk in rng.choice(owners, min(CLUB_MEMBERS, len(owners)), replace=False)]
    joined = [today - dt.timedelta(days=int(d)) for d in rng.integers(200, 365, len(members))]
    ClubMembership.objects.bulk_create(ClubMembership(club=club, customer_id=pk, joined_on=day)
                                       for pk, day in zip(members, joined))
    invitations = []
    for name, days_before in EVENTS:
        starts = today - dt.timedelta(days=days_before)
        event = PromotionEvent.objects.create(dealer=dealer, name=name, starts_on=starts, ends_on=starts,
                                              description=club.name, created_by=staff)
        ClubEvent.objects.create(club=club, event=event)
        came = rng.random(len(members)) < ATTEND_SHARE
        invitations += [Invitation(event=event, customer_id=pk, invited_by=staff, invited_on=starts - dt.timedelta(days=14),
                                   attended_on=starts if c else None) for pk, c in zip(members, came)]
    Invitation.objects.bulk_create(invitations, batch_size=2_000)
    return {**counts, "clubs": counts["clubs"] + 1, "members": counts["members"] + len(members),
            "events": counts["events"] + len(EVENTS), "invitations": counts["invitations"] + len(invitations)}
