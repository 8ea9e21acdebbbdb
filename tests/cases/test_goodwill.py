"""Goodwill points from a case: an approved compensation of kind goodwill points is credited to the
member through the ledger once, both records name each other, the caps per case and per member a
month hold, a rejection or a refused approval credits nothing; the ledger's invariants hold after
each test (``retain loyalty verify``)."""

import pytest
from django.core.exceptions import ValidationError

from retain.cases.models import Compensation
from retain.cases.services import cases as case_service
from retain.cases.services import compensation as service
from retain.loyalty import verify
from retain.loyalty.models import Transfer, TransferKind
from retain.loyalty.services import goodwill, ledger
from retain.org.audit import AuditEvent
from tests.conftest import make_customer


@pytest.fixture(autouse=True)
def _verified(db):
    yield
    result = verify.run()
    assert result.ok, result.violation


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五")


def _case(org, customer):
    return case_service.open_case(actor=org.staff["service_advisor"], customer_id=customer.pk, description="返修三次")


def _offer(org, case, points, value_cents=20_000):
    return service.offer(actor=org.staff["service_advisor"], case_id=case.pk, kind="goodwill_points",
                         value_cents=value_cents, points=points, description="赠送积分致歉")


def _balance(customer) -> int:
    programme = ledger.programme_for(customer.dealer_id)
    return ledger.member_accounts(programme, customer.pk, lock=False)["member"].balance


def test_goodwill_approved_as_offered_is_spendable_at_once_and_the_records_name_each_other(org, customer):
    case = _case(org, customer)
    made = _offer(org, case, 800)
    made.refresh_from_db()
    transfer = made.transfer
    assert transfer.kind == TransferKind.GOODWILL and transfer.amount == 800
    assert transfer.source == f"case:{case.pk}:compensation:{made.pk}" and transfer.actor == org.staff["service_advisor"]
    assert _balance(customer) == 800
    assert AuditEvent.objects.get(action="compensation.offer").after["transfer_id"] == transfer.pk
    assert goodwill.credit(actor=None, customer_id=customer.pk, case_id=case.pk, compensation_id=made.pk,
                           points=800) == transfer  # once
    assert Transfer.objects.filter(kind=TransferKind.GOODWILL).count() == 1


def test_goodwill_above_the_value_threshold_is_credited_when_a_manager_approves(org, customer):
    case = _case(org, customer)
    made = _offer(org, case, 1_500, value_cents=80_000)  # ¥800: above the ¥500 threshold
    assert made.status == "pending" and made.transfer is None and _balance(customer) == 0
    service.decide(actor=org.staff["service_manager"], compensation_id=made.pk, approve=True)
    made.refresh_from_db()
    assert made.transfer is not None and _balance(customer) == 1_500
    assert AuditEvent.objects.get(action="compensation.decide").after["transfer_id"] == made.transfer_id


def test_a_rejected_compensation_credits_nothing(org, customer):
    made = _offer(org, _case(org, customer), 1_500, value_cents=80_000)
    service.decide(actor=org.staff["service_manager"], compensation_id=made.pk, approve=False, note="金额过高")
    assert not Transfer.objects.exists() and _balance(customer) == 0


def test_the_cap_per_case_refuses_the_offer_and_writes_nothing(org, customer):
    case = _case(org, customer)
    _offer(org, case, 1_500)
    with pytest.raises(ValidationError) as refused:
        _offer(org, case, 600)  # 2,100 > 2,000 a case
    assert "points" in refused.value.message_dict and "500" in refused.value.message_dict["points"][0]
    assert Compensation.objects.count() == 1 and _balance(customer) == 1_500


def test_the_cap_per_member_a_month_spans_their_cases(org, customer):
    for points in (2_000, 2_000):
        _offer(org, _case(org, customer), points)
    with pytest.raises(ValidationError):
        _offer(org, _case(org, customer), 1_001)  # 5,000 a member a month
    _offer(org, _case(org, customer), 1_000)
    assert _balance(customer) == 5_000


def test_an_approval_past_the_cap_is_refused_and_changes_nothing(org, customer):
    case = _case(org, customer)
    waiting = _offer(org, case, 1_500, value_cents=80_000)  # fits when offered
    _offer(org, case, 1_000)  # approved at once: the case's cap now leaves 1,000
    with pytest.raises(ValidationError) as refused:
        service.decide(actor=org.staff["service_manager"], compensation_id=waiting.pk, approve=True)
    assert "approve" in refused.value.message_dict
    waiting.refresh_from_db()
    assert waiting.status == "pending" and waiting.transfer is None and _balance(customer) == 1_000
    assert not AuditEvent.objects.filter(action="compensation.decide").exists()


def test_the_goodwill_credit_appears_on_the_member_card_linked_to_its_case(org, customer, client):
    case = _case(org, customer)
    _offer(org, case, 800)
    client.force_login(org.staff["service_manager"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    section = card[card.index('id="points"'):]
    section = section[:section.index("</section>")]
    assert ">800<" in section and "+800" in section and f'href="/cases/{case.pk}/"' in section
    client.force_login(org.staff["consultant"])  # the owner sees the points too
    assert 'id="points"' in client.get(f"/customers/{customer.pk}/").content.decode()


def test_the_month_cap_is_the_dealers_local_month(org, customer):
    """Credited at 23:30 on 31 March in Shanghai (15:30 UTC) it counts for March; April starts anew."""
    import datetime as dt
    import zoneinfo

    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    march = dt.datetime(2026, 3, 31, 23, 30, tzinfo=shanghai)
    for number in range(3):
        case = _case(org, customer)
        made = Compensation.objects.create(case=case, kind="goodwill_points", value_cents=0, points=2_000 if number < 2
                                           else 1_000, description="x", status="approved",
                                           offered_by=org.staff["service_advisor"], offered_at=march)
        goodwill.credit(actor=None, customer_id=customer.pk, case_id=case.pk, compensation_id=made.pk,
                        points=made.points, now=march)
    programme = ledger.programme_for(customer.dealer_id)
    assert goodwill.room(programme, customer.pk, _case(org, customer).pk, now=march) == 0
    april = dt.datetime(2026, 4, 1, 0, 30, tzinfo=shanghai)
    assert goodwill.room(programme, customer.pk, _case(org, customer).pk, now=april) == 2_000
