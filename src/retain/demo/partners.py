"""The demo's coalition partners: two per dealer (a car wash, 洗车店, and an insurer, 保险公司),
with a year of movements (the partner credits members, members spend at the partner) through the
partners' services, each month's settlement closed by the dealer's general manager, and some
breakage: points a partner issued 27 months before the build expired unspent (the expiry service,
dated the first day the lots were due), so the liability page has breakage to show.

The work is per dealer and month, not per customer (about 130 movements and 54 closed months per
dealer through the services, whatever the scale; ~40 ms each on a loaded machine): members are
drawn from the dealer's customers with a seeded generator. Only the first ``PARTNER_DEALERS``
dealers have partners, so the small demo (8 dealers) has them everywhere and the large one (100)
spends well under a minute on them, not several (a set-based history, like
``loyalty.services.bulk``, would lift the limit)."""

import datetime as dt
import logging
import random
import time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from retain.customers.models import Customer
from retain.loyalty import months
from retain.loyalty.services import expiry, partners
from retain.org.models import Dealer, Role, Staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
log = logging.getLogger(__name__)
#: (name, kind, code, cents the partner pays per point it issues, cents we pay per point spent there)
PARTNERS = [("洗车店", "car_wash", "wash", 4, 3), ("保险公司", "insurer", "insurer", 5, 4)]
ISSUES_PER_MONTH, ACCEPTS_PER_MONTH, OLD_ISSUES = 3, 2, 3


def _moment(rng: random.Random, month: dt.date, last: dt.date) -> dt.datetime:
    end = min(months.next_month(month) - dt.timedelta(days=1), last)
    day = month + dt.timedelta(days=rng.randrange((end - month).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randrange(9, 21), rng.randrange(60)), tzinfo=SHANGHAI)

#: Dealers (the first by id) whose demo has coalition partners (see the module docstring).
PARTNER_DEALERS = 10


def add_partners(today: dt.date, seed: int = 1) -> dict:
    rng, started = random.Random(seed), time.perf_counter()
    this_month = months.first_of(today)
    old, first = months.add_months(this_month, -27), months.add_months(this_month, -12)
    done = {"partners": 0, "issues": 0, "accepts": 0, "settlements": 0, "expired_points": 0, "expired_lots": 0}
    for dealer in Dealer.objects.order_by("pk")[:PARTNER_DEALERS]:
        customers = list(Customer.objects.filter(dealer=dealer).order_by("pk").values_list("pk", flat=True)[:2000])
        if len(customers) < 20:
            continue
        gm = Staff.objects.filter(dealer=dealer, role=Role.DEALER_GM, is_active=True).order_by("pk").first()
        expiring = set()
        for name, kind, code, issue_rate, accept_rate in PARTNERS:
            partner = partners.create_partner(actor=None, dealer_id=dealer.pk, name=name, kind=kind, code=code,
                                              issue_rate_cents=issue_rate, accept_rate_cents=accept_rate,
                                              active_from=old)
            done["partners"] += 1
            serial = 0
            for _n in range(OLD_ISSUES):  # points that will go unspent: breakage
                serial += 1
                customer = rng.choice(customers)
                partners.partner_issue(actor=None, partner_id=partner.pk, customer_id=customer,
                                       points=rng.randrange(100, 600), reference=f"{code}-{serial}",
                                       now=_moment(rng, old, today))
                expiring.add(customer)
                done["issues"] += 1
            credited: list[tuple[int, int]] = []
            for month in months.span(first, this_month):
                moves = []
                for _n in range(ISSUES_PER_MONTH):
                    moves.append(("issue", rng.choice(customers), rng.randrange(50, 1000), _moment(rng, month, today)))
                for _n in range(ACCEPTS_PER_MONTH if credited else 0):
                    customer, points = credited[rng.randrange(len(credited))]
                    moves.append(("accept", customer, max(1, points // 2), _moment(rng, month, today)))
                for direction, customer, points, at in sorted(moves, key=lambda move: move[3]):
                    serial += 1
                    service = partners.partner_issue if direction == "issue" else partners.partner_accept
                    try:
                        service(actor=None, partner_id=partner.pk, customer_id=customer, points=points,
                                reference=f"{code}-{serial}", now=at)
                    except ValidationError:  # spent meanwhile by an earlier acceptance
                        continue
                    done[f"{direction}s"] += 1
                    if direction == "issue":
                        credited.append((customer, points))
            for month in months.span(old, months.add_months(this_month, -1)):
                partners.close_month(actor=gm, partner_id=partner.pk, month=month,
                                     now=dt.datetime.combine(months.next_month(month) + dt.timedelta(days=2),
                                                             dt.time(10), tzinfo=SHANGHAI))
                done["settlements"] += 1
        due = months.add_months(old, 25)  # the old lots ended with the month before: expired on its first day
        for customer in sorted(expiring):
            expired = expiry.expire_member(actor=None, customer_id=customer, day=due,
                                           now=dt.datetime.combine(due, dt.time(0, 5), tzinfo=SHANGHAI))
            done["expired_points"] += expired["points"]
            done["expired_lots"] += expired["lots"]
    log.info("demo partners: %s in %.1f s", done, time.perf_counter() - started)
    return done
