"""A stateful property test of the ledger (hypothesis ``RuleBasedStateMachine``): random sequences
of earning (pending or at once), activation, voids, redemption, reservations posted or released,
adjustments, transfers between members, reversals, expiry and the passing of time, on three
members. After every step the database's invariants hold (``verify.run``) and every member's
spendable, pending and reserved points equal those of a model kept here independently (its own
first-in-first-out lots and its own expiry arithmetic), and the tiers' set-based recount of the
qualifying points equals the card's count per member.

Examples are drawn the same way on every run (the suite's profile is derandomized); a failure
prints the steps, and ``@reproduce_failure`` / ``--hypothesis-seed`` replay it."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from retain.loyalty import balances, verify
from retain.loyalty.models import Membership, Transfer
from retain.loyalty.services import expiry, ledger, pending, points, reservations, tiers
from retain.loyalty.services.ledger import InsufficientPoints
from retain.loyalty.services.reverse import reverse
from tests.conftest import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEMBERS = 3


def last_day(earned: dt.date) -> dt.date:
    """The model's own arithmetic: 24 months on, to the end of that month."""
    year, month = earned.year + (earned.month + 23) // 12, (earned.month + 23) % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


class Model:
    """One member's points as the model sees them: lots [expires, remaining, serial], pending earns, holds."""

    def __init__(self):
        self.lots, self.pending, self.holds, self.serial = [], {}, {}, 0

    def add(self, expires, amount):
        self.serial += 1
        self.lots.append([expires, amount, self.serial])
        return self.lots[-1]

    def take(self, amount) -> list:
        taken = []
        for lot in sorted(self.lots, key=lambda lot: (lot[0], lot[2])):
            part = min(lot[1], amount)
            if part:
                lot[1] -= part
                amount -= part
                taken.append((lot[0], part))
        assert amount == 0
        return taken

    @property
    def balance(self):
        return sum(lot[1] for lot in self.lots)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # each example in a savepoint of the test's transaction, rolled back
        from retain.org.models import Staff

        self.desk = Staff.objects.get(username="service_advisor")
        self.manager = Staff.objects.get(username="service_manager")
        dealer = self.desk.dealer
        self.customers = [make_customer(dealer=dealer, name=f"会员{n}") for n in range(MEMBERS)]
        self.models = [Model() for _ in range(MEMBERS)]
        self.now = dt.datetime(2024, 1, 15, 2, 0, tzinfo=dt.UTC)
        self.spends = []  # (member, transfer id, [(expires, part)]) that may be reversed
        self.earns = []  # (member, transfer id, expires, amount) given at once, reversible

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @property
    def today(self):
        return self.now.astimezone(SHANGHAI).date()

    @rule(member=st.integers(0, MEMBERS - 1), amount=st.integers(1, 500), wait=st.booleans())
    def earn(self, member, amount, wait):
        made = points.earn(actor=self.desk, customer_id=self.customers[member].pk, points=amount, pending=wait,
                           now=self.now)
        if wait:
            self.models[member].pending[made.pk] = (made.available_on, amount, self.today)
        else:
            lot = self.models[member].add(last_day(self.today), amount)
            self.earns.append((member, made.pk, lot, amount))

    @rule(days=st.integers(1, 200))
    def time_passes(self, days):
        self.now += dt.timedelta(days=days)

    @rule()
    def activate_due(self):
        pending.activate_due(actor=None, day=self.today)
        for model in self.models:
            for earn_id, (available_on, amount, earned_on) in list(model.pending.items()):
                if available_on <= self.today:
                    model.add(last_day(earned_on), amount)
                    del model.pending[earn_id]

    @rule(member=st.integers(0, MEMBERS - 1))
    def void_one(self, member):
        model = self.models[member]
        if model.pending:
            earn_id = min(model.pending)
            pending.void(actor=self.desk, transfer_id=earn_id, reason="退货")
            del model.pending[earn_id]

    @rule(member=st.integers(0, MEMBERS - 1), amount=st.integers(1, 800))
    def redeem(self, member, amount):
        model = self.models[member]
        try:
            made = points.redeem(actor=self.desk, customer_id=self.customers[member].pk, points=amount)
        except InsufficientPoints:
            assert amount > model.balance
            return
        assert amount <= model.balance
        self.spends.append((member, made.pk, model.take(amount)))

    @rule(member=st.integers(0, MEMBERS - 1), amount=st.integers(1, 300))
    def reserve(self, member, amount):
        model = self.models[member]
        try:
            made = reservations.reserve(actor=self.desk, customer_id=self.customers[member].pk, points=amount)
        except InsufficientPoints:
            assert amount > model.balance
            return
        model.holds[made.pk] = model.take(amount)

    @rule(member=st.integers(0, MEMBERS - 1), hand_over=st.booleans())
    def settle_reservation(self, member, hand_over):
        model = self.models[member]
        if not model.holds:
            return
        held_id = min(model.holds)
        taken = model.holds.pop(held_id)
        if hand_over:
            made = reservations.post(actor=self.desk, transfer_id=held_id)
            self.spends.append((member, made.pk, taken))
        else:
            reservations.release(actor=self.desk, transfer_id=held_id, reason="取消")
            for expires, part in taken:
                model.add(expires, part)

    @rule(member=st.integers(0, MEMBERS - 1), amount=st.integers(-300, 300).filter(bool))
    def adjust(self, member, amount):
        model = self.models[member]
        try:
            points.adjust(actor=self.manager, customer_id=self.customers[member].pk, points=amount, reason="更正")
        except InsufficientPoints:
            assert -amount > model.balance
            return
        if amount > 0:
            model.add(last_day(dt.datetime.now(SHANGHAI).date()), amount)
        else:
            model.take(-amount)

    @rule(giver=st.integers(0, MEMBERS - 1), taker=st.integers(0, MEMBERS - 1), amount=st.integers(1, 300))
    def move(self, giver, taker, amount):
        if giver == taker:
            return
        try:
            points.transfer(actor=self.manager, customer_id=self.customers[giver].pk,
                            to_customer_id=self.customers[taker].pk, points=amount, reason="家人")
        except InsufficientPoints:
            assert amount > self.models[giver].balance
            return
        for expires, part in self.models[giver].take(amount):
            self.models[taker].add(expires, part)

    @precondition(lambda self: self.spends)
    @rule()
    def reverse_a_spend(self):
        member, transfer_id, taken = self.spends.pop(0)
        reverse(actor=self.manager, transfer_id=transfer_id, reason="兑错")
        for expires, part in taken:
            self.models[member].add(expires, part)

    @precondition(lambda self: self.earns)
    @rule()
    def reverse_an_earn(self):
        member, transfer_id, lot, amount = self.earns.pop(0)
        model = self.models[member]
        try:
            reverse(actor=self.manager, transfer_id=transfer_id, reason="退货")
        except InsufficientPoints:
            assert amount > model.balance
            return
        first = min(lot[1], amount)  # the earn's own lot first (what is left of it), then first in first out
        lot[1] -= first
        model.take(amount - first)

    @rule()
    def expire(self):
        expiry.expire_due(actor=None, day=self.today)
        for model in self.models:
            for lot in model.lots:
                if lot[0] < self.today:
                    lot[1] = 0

    @invariant()
    def ledger_consistent(self):
        result = verify.run()
        assert result.ok, result.violation

    @invariant()
    def members_match_the_model(self):
        for customer, model in zip(self.customers, self.models):
            held = balances.of(customer.pk)
            reserved = sum(part for taken in model.holds.values() for _e, part in taken)
            assert (held["balance"], held["pending"], held["reserved"]) == (
                model.balance, sum(amount for _d, amount, _e in model.pending.values()), reserved)

    @invariant()
    def qualifying_points_counted_alike(self):
        """The tiers' set-based recount (one statement for all members) and the card's count per
        member (an ORM subquery) agree, whatever was voided, reversed or left pending."""
        programme = ledger.programme_for(self.customers[0].dealer_id)
        tiers.count(programme, self.today)
        counted = dict(Membership.objects.filter(programme=programme).values_list("customer_id", "qualifying_points"))
        for customer in self.customers:
            assert counted.get(customer.pk, 0) == balances.qualifying_points(customer.pk, self.now, programme)


def test_random_sequences_keep_every_invariant(org):
    run_state_machine_as_test(LedgerMachine, settings=settings(max_examples=25, stateful_step_count=30,
                                                               deadline=None))


def test_a_refused_step_changes_nothing(org):
    customer = make_customer(dealer=org.d1, name="会员")
    with pytest.raises(ValidationError):
        points.redeem(actor=org.staff["service_advisor"], customer_id=customer.pk, points=1)
    assert not Transfer.objects.exists()
