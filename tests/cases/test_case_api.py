"""The cases API: the shapes integrators rely on, its refusals and its bad input."""

import pytest

from retain.cases.models import Case, CaseStep
from tests.conftest import make_customer


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五")


@pytest.fixture
def advisor(client, org):
    client.force_login(org.staff["service_advisor"])
    return client


def _post(client, url, data):
    return client.post(url, data=data, content_type="application/json")


def test_open_with_two_fields_then_work_and_close(advisor, customer):
    made = _post(advisor, "/api/v1/cases", {"customer_id": customer.pk, "description": "交车时漆面有划痕"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "open" and body["owner"] and body["first_contact_due"]
    assert body["channel"] == "api" and body["severity"] == "major" and body["customer_id"] == customer.pk
    case_id = body["id"]
    step = _post(advisor, f"/api/v1/cases/{case_id}/steps", {"step": "listen", "notes": "记录客户诉求"})
    assert step.status_code == 201 and step.json()["step"] == "listen"
    refused = _post(advisor, f"/api/v1/cases/{case_id}/close", {"outcome": "satisfied"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "outcome"
    _post(advisor, f"/api/v1/cases/{case_id}/steps", {"step": "check", "customer_confirmed": True,
                                                      "internally_confirmed": True})
    _post(advisor, f"/api/v1/cases/{case_id}/steps", {"step": "satisfy", "satisfied": True})
    closed = _post(advisor, f"/api/v1/cases/{case_id}/close", {"outcome": "satisfied"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    listed = advisor.get("/api/v1/cases", {"customer": customer.pk}).json()
    assert listed["count"] == 1 and listed["items"][0]["customer_id"] == customer.pk
    assert listed["items"][0]["response_id"] is None
    detail = advisor.get(f"/api/v1/cases/{case_id}").json()
    assert [s["step"] for s in detail["steps"]] == ["listen", "check", "satisfy"]
    assert detail["steps"][1]["out_of_order"] is True


@pytest.mark.parametrize("body, field", [
    ({"description": "x"}, "customer_id"),
    ({"customer_id": "1", "description": "x"}, "customer_id"),
    ({"customer_id": 10**19, "description": "x"}, "customer_id"),
    ({"customer_id": None, "description": "x"}, "customer_id"),
    ({"customer_id": "CUSTOMER", "description": "x", "severity": "apocalyptic"}, "severity"),
    ({"customer_id": "CUSTOMER", "description": "x" * 10_001}, "description"),
    ({"customer_id": "CUSTOMER", "description": "a\x00b"}, "description"),
    ({"customer_id": "CUSTOMER", "description": "x", "unknown": 1}, "unknown"),
])
def test_bad_bodies_are_422_naming_the_field_and_write_nothing(advisor, customer, body, field):
    body = {key: customer.pk if value == "CUSTOMER" else value for key, value in body.items()}
    answer = _post(advisor, "/api/v1/cases", body)
    assert answer.status_code == 422, answer.content
    assert field in str(answer.json()["detail"])
    assert not Case.objects.exists()


def test_steps_refuse_bad_values(advisor, customer):
    case_id = _post(advisor, "/api/v1/cases", {"customer_id": customer.pk, "description": "x"}).json()["id"]
    for body in ({"step": "dance"}, {"step": "satisfy", "satisfied": "yes"}, {"step": "action", "plan_due_on": "5621-01-01"},
                 {"step": "probe", "root_cause": "外星人"}):
        assert _post(advisor, f"/api/v1/cases/{case_id}/steps", body).status_code == 422, body
    assert not CaseStep.objects.exists()
    assert _post(advisor, "/api/v1/cases/10000000000000000000/steps", {"step": "listen"}).status_code in (404, 422)
    assert advisor.get("/api/v1/cases", {"status": "lost"}).status_code == 422


def test_outside_the_scope_is_404_and_the_list_hides_it(client, org):
    elsewhere = make_customer(dealer=org.d2, owner=org.staff["d2_consultant"], name="赵六")
    client.force_login(org.staff["service_advisor"])
    assert _post(client, "/api/v1/cases", {"customer_id": elsewhere.pk, "description": "x"}).status_code == 404
    client.force_login(org.staff["d2_consultant"])
    theirs = _post(client, "/api/v1/cases", {"customer_id": elsewhere.pk, "description": "x"}).json()["id"]
    client.force_login(org.staff["service_manager"])
    assert client.get(f"/api/v1/cases/{theirs}").status_code == 404
    assert client.get("/api/v1/cases").json()["count"] == 0
    client.force_login(org.staff["region_manager"])  # the region sees its dealers' cases, does not work them
    assert client.get(f"/api/v1/cases/{theirs}").status_code == 200
    assert _post(client, f"/api/v1/cases/{theirs}/steps", {"step": "listen"}).status_code == 403
