"""The blacklist's API and pages: the error shape (422 naming the field, 404 outside the
caller's scope revealing nothing, 403 seen but not allowed), the list's states and filters, the
propose form with the principles, an entry's decisions; GETs write nothing."""

import pytest

from retain.cases.models import BlacklistEntry, EntryStatus
from retain.org.audit import AuditEvent

from .blacklist_factories import active, customer_of, later, proposed


def _post(client, url, data):
    return client.post(url, data=data, content_type="application/json")


def _body(customer, **extra):
    return {"customer_id": customer.pk, "reason": "fraud", "evidence": "伪造维修发票索赔, 发票号 0012345.",
            "expires_on": later(60).isoformat(), **extra}


def test_api_propose_and_decide(org, client):
    customer = customer_of(org)
    client.force_login(org.staff["consultant"])
    answer = _post(client, "/api/v1/blacklist", _body(customer))
    assert answer.status_code == 201, answer.content
    entry = answer.json()
    assert entry["status"] == "proposed" and entry["in_force"] is False
    assert entry["proposed_by"] == org.staff["consultant"].display_name and entry["reason_label"] == "Fraud or false claims"
    # the proposer may not approve (nor may a consultant at all)
    assert _post(client, f"/api/v1/blacklist/{entry['id']}/approve", {}).status_code == 403
    client.force_login(org.staff["sales_manager"])
    approved = _post(client, f"/api/v1/blacklist/{entry['id']}/approve", {"note": "核实"})
    assert approved.status_code == 200 and approved.json()["in_force"] is True
    assert approved.json()["decided_by"] == org.staff["sales_manager"].display_name
    assert client.get(f"/api/v1/blacklist/{entry['id']}").json()["status"] == "active"
    lifted = _post(client, f"/api/v1/blacklist/{entry['id']}/lift", {"reason": "误会已澄清"})
    assert lifted.status_code == 200 and lifted.json()["status"] == "lifted"
    assert lifted.json()["lift_reason"] == "误会已澄清"


@pytest.mark.parametrize("change, field", [
    ({"evidence": ""}, "evidence"),
    ({"evidence": "x" * 2001}, "evidence"),
    ({"reason": "rude"}, "reason"),
    ({"expires_on": "2020-01-01"}, "expires_on"),
    ({"expires_on": "2999-01-01"}, "expires_on"),
    ({"expires_on": 1767225600}, "expires_on"),
    ({"customer_id": "1"}, "customer_id"),
    ({"surplus": 1}, "surplus"),
])
def test_api_bad_input_is_422_naming_the_field(org, client, change, field):
    client.force_login(org.staff["consultant"])
    answer = _post(client, "/api/v1/blacklist", _body(customer_of(org), **change))
    assert answer.status_code == 422
    assert field in {part for item in answer.json()["detail"] for part in item["loc"]}
    assert not BlacklistEntry.objects.exists()


def test_api_missing_fields_are_named(org, client):
    client.force_login(org.staff["consultant"])
    answer = _post(client, "/api/v1/blacklist", {"customer_id": customer_of(org).pk})
    assert answer.status_code == 422
    named = {item["loc"][-1] for item in answer.json()["detail"]}
    assert {"reason", "evidence", "expires_on"} <= named


def test_api_reject_needs_a_note_and_the_proposer_is_refused(org, client):
    entry = proposed(org, customer_of(org, owner=None), by="sales_manager")
    client.force_login(org.staff["sales_manager"])
    own = _post(client, f"/api/v1/blacklist/{entry.pk}/approve", {})
    assert own.status_code == 422 and own.json()["detail"][0]["loc"] == ["body", "approver"]
    client.force_login(org.staff["dealer_gm"])
    assert _post(client, f"/api/v1/blacklist/{entry.pk}/reject", {}).status_code == 422
    blank = _post(client, f"/api/v1/blacklist/{entry.pk}/reject", {"note": " "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "note"]
    assert _post(client, f"/api/v1/blacklist/{entry.pk}/reject", {"note": "证据不足"}).json()["status"] == "rejected"


def test_outside_the_scope_is_404_revealing_nothing(org, client):
    far = customer_of(org, owner="d4_consultant", dealer=org.d4, name="远方客户")
    entry = active(org, customer_of(org, owner="d2_consultant", dealer=org.d2, name="邻店客户"),
                   by="d2_consultant", approver="region_manager")
    client.force_login(org.staff["sales_manager"])
    answers = [
        _post(client, "/api/v1/blacklist", _body(far)),
        client.get(f"/api/v1/blacklist/{entry.pk}"),
        _post(client, f"/api/v1/blacklist/{entry.pk}/lift", {"reason": "x"}),
        client.get(f"/cases/blacklist/{entry.pk}/"),
        client.get(f"/cases/blacklist/propose/{far.pk}/"),
        client.post(f"/cases/blacklist/{entry.pk}/lift/", {"reason": "x"}),
    ]
    assert [a.status_code for a in answers] == [404] * 6
    for answer in answers:
        text = answer.content.decode()
        assert "远方客户" not in text and "邻店客户" not in text and "Dealer 2" not in text
    assert entry.pk not in {e["id"] for e in client.get("/api/v1/blacklist").json()["items"]}
    assert BlacklistEntry.objects.get(pk=entry.pk).status == EntryStatus.ACTIVE


def test_seen_but_not_allowed_is_403(org, client):
    entry = proposed(org, customer_of(org))
    client.force_login(org.staff["marketing"])  # marketing reads the list but does not decide
    assert client.get(f"/api/v1/blacklist/{entry.pk}").status_code == 200
    assert _post(client, f"/api/v1/blacklist/{entry.pk}/approve", {}).status_code == 403
    assert client.post(f"/cases/blacklist/{entry.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(org.staff["region_manager"])  # the region decides but does not propose
    assert _post(client, "/api/v1/blacklist", _body(customer_of(org))).status_code == 403


def test_a_consultant_sees_only_the_entries_they_proposed(org, client):
    mine = proposed(org, customer_of(org))
    theirs = proposed(org, customer_of(org, owner="colleague"), by="colleague")
    client.force_login(org.staff["consultant"])
    assert {e["id"] for e in client.get("/api/v1/blacklist").json()["items"]} == {mine.pk}
    assert client.get(f"/api/v1/blacklist/{theirs.pk}").status_code == 404
    client.force_login(org.staff["marketing"])
    assert {e["id"] for e in client.get("/api/v1/blacklist").json()["items"]} == {mine.pk, theirs.pk}


def test_api_list_filters(org, client):
    in_force = active(org, customer_of(org))
    waiting = proposed(org, customer_of(org), reason="legal")
    client.force_login(org.staff["dealer_gm"])

    def ids(query):
        answer = client.get(f"/api/v1/blacklist?{query}")
        assert answer.status_code == 200, answer.content
        return {e["id"] for e in answer.json()["items"]}

    assert ids("") == {in_force.pk, waiting.pk}
    assert ids("status=proposed") == {waiting.pk}
    assert ids("reason=legal") == {waiting.pk}
    assert ids(f"in_force_on={later(0).isoformat()}") == {in_force.pk}
    assert ids(f"customer_id={in_force.customer_id}") == {in_force.pk}
    assert client.get("/api/v1/blacklist?status=gone").status_code == 422
    assert client.get("/api/v1/blacklist?in_force_on=3000-01-01").status_code == 422


def test_list_page_states_and_keyset(org, client):
    consultant = org.staff["consultant"]
    consultant.first_name, consultant.last_name = "小明", "王"
    consultant.save()
    in_force = active(org, customer_of(org, name="在册客户"))
    waiting = proposed(org, customer_of(org, name="待批客户"))
    ended = active(org, customer_of(org, name="解除客户"))
    from retain.cases.services import blacklist as service

    service.lift(actor=org.staff["dealer_gm"], entry_id=ended.pk, reason="和解")
    client.force_login(org.staff["sales_manager"])
    before = AuditEvent.objects.count()
    pages = {state: client.get(f"/cases/blacklist/?state={state}").content.decode()
             for state in ("in_force", "proposed", "ended", "all")}
    assert "在册客户" in pages["in_force"] and "待批客户" not in pages["in_force"]
    assert "待批客户" in pages["proposed"] and "在册客户" not in pages["proposed"]
    assert "解除客户" in pages["ended"] and "在册客户" not in pages["ended"]
    assert all(name in pages["all"] for name in ("在册客户", "待批客户", "解除客户"))
    assert "王小明" in pages["all"] and ">consultant<" not in pages["all"]  # by name, never the username
    assert AuditEvent.objects.count() == before  # GETs write nothing
    for _ in range(30):
        proposed(org, customer_of(org, name="排队客户"))
    first = client.get("/cases/blacklist/?state=proposed").content.decode()
    assert "after=" in first
    assert in_force.pk and waiting.pk


def test_propose_page_shows_the_principles_and_refuses_without_evidence(org, client):
    customer = customer_of(org, name="张伟")
    client.force_login(org.staff["consultant"])
    page = client.get(f"/cases/blacklist/propose/{customer.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "张伟" in text and "at most 24 months" in text and "nobody approves their own proposal" in text
    refused = client.post(f"/cases/blacklist/propose/{customer.pk}/", {"reason": "abuse", "evidence": "  ",
                                                                        "expires_on": later(30).isoformat()})
    assert refused.status_code == 422 and not BlacklistEntry.objects.exists()
    done = client.post(f"/cases/blacklist/propose/{customer.pk}/", {"reason": "abuse", "evidence": "辱骂员工",
                                                                     "expires_on": later(30).isoformat()})
    assert done.status_code == 302 and BlacklistEntry.objects.get().status == EntryStatus.PROPOSED


def test_entry_page_decisions(org, client):
    entry = proposed(org, customer_of(org, name="赵敏"))
    client.force_login(org.staff["consultant"])
    own = client.get(f"/cases/blacklist/{entry.pk}/").content.decode()
    assert "赵敏" in own and "Approve" not in own
    client.force_login(org.staff["sales_manager"])
    page = client.get(f"/cases/blacklist/{entry.pk}/").content.decode()
    assert "Approve" in page and "Reject" in page
    refused = client.post(f"/cases/blacklist/{entry.pk}/decide/", {"decision": "reject", "note": ""})
    assert refused.status_code == 422 and "Give the reason for the rejection." in refused.content.decode()
    assert client.post(f"/cases/blacklist/{entry.pk}/decide/", {"decision": "approve"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE
    page = client.get(f"/cases/blacklist/{entry.pk}/").content.decode()
    assert "Lift the entry" in page
    assert client.post(f"/cases/blacklist/{entry.pk}/lift/", {"reason": ""}).status_code == 422
    assert client.post(f"/cases/blacklist/{entry.pk}/lift/", {"reason": "已和解"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.LIFTED and entry.lifted_by == org.staff["sales_manager"]


def test_customer_card_shows_an_entry_in_force(org, client):
    customer = customer_of(org, name="周杰")
    client.force_login(org.staff["consultant"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/cases/blacklist/propose/{customer.pk}/" in card
    entry = active(org, customer)
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"On the blacklist until {entry.expires_on.isoformat()}" in card
    assert f"/cases/blacklist/propose/{customer.pk}/" not in card
