"""Earning from a dealer's transactions in bulk (set-based SQL): the same ledger as earning one at
a time (pending inside the returns window, lots dated by the record's local day), once per record
however often it runs, one audit row per run; and ``verify`` catches a broken ledger."""

import datetime as dt

import pytest
from django.db import connection

from retain import cli
from retain.customers.models import Transaction
from retain.loyalty import balances, verify
from retain.loyalty.models import Lot, Transfer
from retain.loyalty.services import bulk, pending, points
from retain.org.models import AuditEvent
from tests.conftest import make_customer

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def records(org):
    one, two = make_customer(dealer=org.d1, name="甲"), make_customer(dealer=org.d1, name="乙")
    far = make_customer(dealer=org.d2, name="丙")
    rows = [(one, "service", dt.date(2026, 1, 31), 123_456), (one, "parts", dt.date(2026, 6, 25), 5_000),
            (two, "service", dt.date(2025, 7, 1), 99), (two, "insurance", dt.date(2026, 3, 1), 300_000),
            (far, "service", dt.date(2026, 2, 1), 10_000)]
    for customer, kind, day, cents in rows:
        Transaction.objects.create(customer=customer, dealer=customer.dealer, kind=kind, date=day, amount_cents=cents,
                                   reference="")
    return one, two, far


def test_bulk_earning_matches_the_rules_and_runs_once(org, records):
    one, two, far = records
    done = bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2025, 7, 1), end=AS_OF,
                                       kinds=["service", "parts", "insurance"], as_of=AS_OF)
    # the default rules: a point per yuan of service and parts, per ten yuan of insurance; 99 cents: no point
    assert done == {"transfers": 3, "spendable": 2, "pending": 1, "points": 1234 + 50 + 300, "upgraded": 0}
    assert balances.of(one.pk)["balance"] == 1234 and balances.of(one.pk)["pending"] == 50
    assert balances.of(two.pk)["balance"] == 300 and balances.of(far.pk)["balance"] == 0
    lot = Lot.objects.get(account__customer=one)
    assert (lot.earned_on, lot.expires_on) == (dt.date(2026, 1, 31), dt.date(2028, 1, 31))
    waiting = Transfer.objects.get(credit__customer=one, credit__kind="pending")
    assert waiting.available_on == dt.date(2026, 7, 9) and waiting.source.startswith("txn:")
    assert bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2025, 7, 1), end=AS_OF,
                                       kinds=["service", "parts", "insurance"], as_of=AS_OF)["transfers"] == 0
    assert AuditEvent.objects.filter(action="points.earn_bulk").count() == 2
    pending.activate_due(actor=None, day=dt.date(2026, 7, 9))
    assert Lot.objects.get(account__customer=one, transfer__kind="activate").earned_on == dt.date(2026, 6, 25)
    assert balances.of(one.pk)["balance"] == 1284


def test_a_record_earned_at_the_desk_is_not_earned_again_in_bulk(org, records):
    one, _two, _far = records
    first = Transaction.objects.filter(customer=one).order_by("date").first()
    points.earn(actor=None, customer_id=one.pk, points=1234, pending=False, source=f"txn:{first.pk}")
    done = bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2025, 7, 1), end=AS_OF,
                                       kinds=["service"], as_of=AS_OF)
    assert done["transfers"] == 0 and balances.of(one.pk)["balance"] == 1234


@pytest.mark.parametrize("damage, mend, named", [
    ("UPDATE loyalty_account SET balance = balance + 1 WHERE kind = 'member'",
     "UPDATE loyalty_account SET balance = balance - 1 WHERE kind = 'member'", "the balances add up to 2, not 0"),
    ("UPDATE loyalty_account SET balance = balance + 5 WHERE kind = 'issuance'",
     "UPDATE loyalty_account SET balance = balance - 5 WHERE kind = 'issuance'", "add up to 5"),
    ("UPDATE loyalty_lot SET remaining = remaining - 1", "UPDATE loyalty_lot SET remaining = remaining + 1", "lot"),
])
def test_verify_names_the_first_violation(org, records, damage, mend, named, capsys):
    bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2025, 7, 1), end=AS_OF,
                                kinds=["service", "insurance"], as_of=AS_OF)
    cli.main(["loyalty", "verify"])
    assert "consistent" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute(damage)
    result = verify.run()
    assert not result.ok and named in result.violation
    with pytest.raises(SystemExit) as exited:
        cli.main(["loyalty", "verify"])
    assert exited.value.code == 1 and "VIOLATION" in capsys.readouterr().out
    with connection.cursor() as cursor:  # mend it, for the fixture's own check after the test
        cursor.execute(mend)


@pytest.mark.django_db(transaction=True)  # the shares run on connections of their own: nothing uncommitted
def test_earning_in_shares_side_by_side_gives_what_one_run_gives(org):
    """Two dealers with the same members and records (the default rules, the parts rule's yearly
    cap reached by some, tiers reached by some): one earns in two shares side by side (PostgreSQL;
    one run on SQLite), the other in one run; every member ends the same, the ledger verifies,
    and a second call adds nothing."""
    import random

    rng = random.Random(7)
    members = {org.d1.pk: [], org.d2.pk: []}
    for n in range(40):
        kinds = [(rng.choice(["service", "parts", "insurance", "vehicle_sale"]), dt.date(2026, rng.randint(1, 6),
                  rng.randint(1, 28)), rng.randint(1, 9_000_000)) for _ in range(rng.randint(1, 12))]
        for dealer in (org.d1, org.d2):
            customer = make_customer(dealer=dealer, name=f"会员{n}")
            members[dealer.pk].append(customer)
            for kind, day, cents in kinds:
                Transaction.objects.create(customer=customer, dealer=dealer, kind=kind, date=day, amount_cents=cents,
                                           reference="")
    window = {"start": dt.date(2026, 1, 1), "end": AS_OF, "as_of": AS_OF}
    shared = bulk.earn_in_shares(actor=None, dealer_id=org.d1.pk, **window)
    single = bulk.earn_from_transactions(actor=None, dealer_id=org.d2.pk, **window)
    assert shared == single and single["transfers"] > 150 and single["upgraded"] > 0
    for ours, theirs in zip(members[org.d1.pk], members[org.d2.pk]):
        held, expected = balances.of(ours.pk), balances.of(theirs.pk)
        for key in ("balance", "pending", "tier", "qualifying_points"):
            assert held[key] == expected[key], (key, ours.name)
    parts = AuditEvent.objects.filter(action="points.earn_bulk", dealer_id=org.d1.pk).order_by("pk")
    assert sorted(row.after.get("share", "-") for row in parts) == (
        ["1/2", "2/2"] if connection.vendor == "postgresql" else ["-"])
    assert verify.run().ok
    assert bulk.earn_in_shares(actor=None, dealer_id=org.d1.pk, **window)["transfers"] == 0
