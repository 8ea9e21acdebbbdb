"""Owner contacts (caring for owners, 维系) are entered from the card, the today page and the API,
and count as owners visited on the daily report."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.customers.models import Classification
from retain.org.models import AuditEvent
from retain.sales.models import Contact, ContactPurpose
from retain.sales.services import daily_report
from tests.conftest import make_customer


def _owners_visited(consultant) -> int:
    return daily_report.prepare(actor=consultant).figures["contacts"]["owners"]["own_sold"]


@pytest.fixture
def owner(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="老车主",
                         classification=Classification.OWN_SOLD)


def test_owner_contact_from_the_card_counts_on_the_daily_report(org, owner, client):
    consultant = org.staff["consultant"]
    client.force_login(consultant)
    card = client.get(f"/customers/{owner.pk}/").content.decode()
    assert f'hx-get="/sales/customers/{owner.pk}/contact/form/"' in card  # the fold that fetches the form
    form = client.get(f"/sales/customers/{owner.pk}/contact/form/", HTTP_HX_REQUEST="true").content.decode()
    assert f'action="/sales/customers/{owner.pk}/contact/"' in form
    response = client.post(f"/sales/customers/{owner.pk}/contact/",
                           {"kind": "visit", "purpose": "maintenance", "notes": "首保提醒", "result": "约了周六"})
    assert (response.status_code, response["Location"]) == (302, f"/customers/{owner.pk}/")
    assert _owners_visited(consultant) == 1
    assert "首保提醒" in client.get(f"/customers/{owner.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="contact.log", object_id=str(owner.pk)).exists()


def test_owner_contact_from_the_today_page_counts_on_the_daily_report(org, owner, client):
    consultant = org.staff["consultant"]
    client.force_login(consultant)
    today = client.get("/sales/today/").content.decode()
    assert "老车主" in today and f'action="/sales/customers/{owner.pk}/contact/"' in today
    response = client.post(f"/sales/customers/{owner.pk}/contact/",
                           {"kind": "call", "purpose": "maintenance", "next": "today"})
    assert (response.status_code, response["Location"]) == (302, "/sales/today/")
    assert _owners_visited(consultant) == 1
    assert timezone.localdate().isoformat() in client.get("/sales/today/").content.decode()  # last care: today


def test_owner_contact_from_the_api_counts_on_the_daily_report(org, owner, client):
    consultant = org.staff["consultant"]
    client.force_login(consultant)
    response = client.post(f"/api/v1/customers/{owner.pk}/contacts", {"kind": "call", "notes": "保养到期"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["purpose"] == ContactPurpose.MAINTENANCE
    assert _owners_visited(consultant) == 1


def test_bad_owner_contacts_name_the_field_and_write_nothing(org, owner, client):
    client.force_login(org.staff["consultant"])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    api = client.post(f"/api/v1/customers/{owner.pk}/contacts", {"kind": "call", "contacted_on": tomorrow},
                      content_type="application/json")
    assert api.status_code == 422 and "contacted_on" in str(api.json())
    api = client.post(f"/api/v1/customers/{owner.pk}/contacts", {"kind": "call", "result": "长" * 201},
                      content_type="application/json")
    assert api.status_code == 422 and "result" in str(api.json())
    page = client.post(f"/sales/customers/{owner.pk}/contact/", {"kind": "fax", "purpose": "maintenance"},
                       follow=True)
    assert "Kind" in page.content.decode()
    assert not Contact.objects.exists()


def test_owner_contacts_stay_in_scope(org, owner, client):
    client.force_login(org.staff["colleague"])  # another consultant: the owner is out of sight
    assert client.post(f"/sales/customers/{owner.pk}/contact/", {"kind": "call", "purpose": "maintenance"}
                       ).status_code == 404
    assert client.post(f"/api/v1/customers/{owner.pk}/contacts", {"kind": "call"},
                       content_type="application/json").status_code == 404
    client.force_login(org.staff["marketing"])  # sees the owner, may not edit: no form on the card
    assert "/contact/" not in client.get(f"/customers/{owner.pk}/").content.decode()
    assert not Contact.objects.exists()


def test_owners_to_care_for_puts_the_longest_uncared_first(org):
    from retain.sales import services

    consultant = org.staff["consultant"]
    today = timezone.localdate()
    recent, old, never = (make_customer(dealer=org.d1, owner=consultant, name=name,
                                        classification=Classification.OWN_SOLD) for name in ("近", "久", "从未"))
    make_customer(dealer=org.d1, owner=consultant, name="意向", classification=Classification.PROSPECT)
    make_customer(dealer=org.d1, owner=org.staff["colleague"], name="同事的", classification=Classification.OWN_SOLD)
    for customer, days in ((recent, 1), (old, 40)):
        services.log_customer_contact(actor=consultant, customer_id=customer.pk, kind="call",
                                      contacted_on=today - dt.timedelta(days=days))
    services.log_customer_contact(actor=consultant, customer_id=never.pk, kind="message", purpose="promotion")
    listed = list(services.owners_to_care_for(consultant))
    assert [c.name for c in listed] == ["从未", "久", "近"]
    assert listed[1].last_care == today - dt.timedelta(days=40)


def test_the_service_refuses_a_result_longer_than_the_column(org, owner):
    from django.core.exceptions import ValidationError

    from retain.sales import services

    with pytest.raises(ValidationError) as refused:
        services.log_customer_contact(actor=org.staff["consultant"], customer_id=owner.pk, kind="call",
                                      result="长" * 201)
    assert list(refused.value.message_dict) == ["result"]
    assert not Contact.objects.exists()
