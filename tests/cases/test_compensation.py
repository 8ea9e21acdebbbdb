"""Compensation on a case: approved as offered up to the dealer's threshold, else waiting for a
manager who did not offer it; each bad input refused with nothing written."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from retain.cases.models import CaseSettings, Compensation
from retain.cases.services import cases as case_service
from retain.cases.services import compensation as service
from retain.org.audit import AuditEvent
from tests.conftest import make_customer


@pytest.fixture
def case(org):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五")
    return case_service.open_case(actor=org.staff["service_advisor"], customer_id=customer.pk, description="x")


def test_up_to_the_threshold_it_is_approved_as_offered_above_it_waits(org, case):
    CaseSettings.objects.create(dealer=org.d1, compensation_approval_cents=50_000)
    advisor = org.staff["service_advisor"]
    small = service.offer(actor=advisor, case_id=case.pk, kind="service", value_cents=50_000, description="免费四轮定位")
    big = service.offer(actor=advisor, case_id=case.pk, kind="voucher", value_cents=50_001, description="保养代金券")
    assert (small.status, big.status) == ("approved", "pending")
    assert AuditEvent.objects.filter(action="compensation.offer").count() == 2
    with pytest.raises(PermissionDenied):  # the advisor may not approve
        service.decide(actor=advisor, compensation_id=big.pk, approve=True)
    manager = org.staff["service_manager"]
    with pytest.raises(ValidationError) as refused:  # rejecting needs a reason
        service.decide(actor=manager, compensation_id=big.pk, approve=False)
    assert "note" in refused.value.message_dict
    decided = service.decide(actor=manager, compensation_id=big.pk, approve=True, note="同意")
    assert decided.status == "approved" and decided.decided_by == manager
    with pytest.raises(ValidationError):  # decided once
        service.decide(actor=manager, compensation_id=big.pk, approve=False, note="改主意")


def test_the_offerer_never_approves_their_own(org, case):
    manager = org.staff["service_manager"]
    own = service.offer(actor=manager, case_id=case.pk, kind="voucher", value_cents=10**7, description="x")
    with pytest.raises(ValidationError) as refused:
        service.decide(actor=manager, compensation_id=own.pk, approve=True)
    assert "approve" in refused.value.message_dict
    assert service.decide(actor=org.staff["dealer_gm"], compensation_id=own.pk, approve=True).status == "approved"


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "cash", "value_cents": 100}, "kind"),
    ({"kind": "voucher", "value_cents": -1}, "value_cents"),
    ({"kind": "voucher", "value_cents": "100"}, "value_cents"),
    ({"kind": "voucher", "value_cents": 10**19}, "value_cents"),
    ({"kind": "goodwill_points", "value_cents": 100}, "points"),
    ({"kind": "voucher", "value_cents": 100, "points": 5}, "points"),
    ({"kind": "voucher", "value_cents": 100, "description": "  "}, "description"),
])
def test_bad_offers_name_their_field_and_write_nothing(org, case, kwargs, field):
    kwargs = {"description": "代金券", **kwargs}
    with pytest.raises(ValidationError) as refused:
        service.offer(actor=org.staff["service_advisor"], case_id=case.pk, **kwargs)
    assert field in refused.value.message_dict
    assert not Compensation.objects.exists() and not AuditEvent.objects.filter(action="compensation.offer").exists()


def test_outside_the_scope_is_404(org, case):
    pending = service.offer(actor=org.staff["service_advisor"], case_id=case.pk, kind="voucher", value_cents=10**7,
                            description="x")
    with pytest.raises(Http404):
        service.offer(actor=org.staff["d2_consultant"], case_id=case.pk, kind="voucher", value_cents=1,
                      description="x")
    with pytest.raises(Http404):
        service.decide(actor=org.staff["d2_consultant"], compensation_id=pending.pk, approve=True)
    with pytest.raises(Http404):
        service.decide(actor=org.staff["service_manager"], compensation_id=10**9, approve=True)


def test_the_page_and_the_api(client, org, case):
    client.force_login(org.staff["service_advisor"])
    page = client.post(f"/cases/{case.pk}/compensation/", {"kind": "voucher", "value": "800.00", "description": "代金券"})
    assert page.status_code == 302
    made = Compensation.objects.get()
    assert made.value_cents == 80_000 and made.status == "pending"  # above ¥500
    assert client.post(f"/cases/{case.pk}/compensation/", {"kind": "voucher", "value": "-1",
                                                           "description": "x"}).status_code == 422
    client.force_login(org.staff["service_manager"])
    assert 'id="compensation"' in client.get(f"/cases/{case.pk}/").content.decode()
    decided = client.post(f"/cases/{case.pk}/compensation/{made.pk}/decide/", {"approve": "yes", "note": "同意"})
    assert decided.status_code == 302 and Compensation.objects.get().status == "approved"
    answer = client.post(f"/api/v1/cases/{case.pk}/compensations", data={
        "kind": "goodwill_points", "value_cents": 1000, "points": 1000, "description": "积分"},
        content_type="application/json")
    assert answer.status_code == 201 and answer.json()["status"] == "approved" and answer.json()["points"] == 1000
    assert client.post(f"/api/v1/cases/{case.pk}/compensations", data={"kind": "voucher", "value_cents": True,
                                                                      "description": "x"},
                       content_type="application/json").status_code == 422
