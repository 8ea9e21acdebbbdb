"""The outbox, a message's page, the card's section, the settings page: what a person sees and does."""

import datetime as dt

import pytest

from retain.channels.models import ChannelSettings, DeliveryAttempt, Message, MessageStatus
from retain.channels.services import queue_message
from retain.org.models import AuditEvent
from tests.channels.conftest import consent
from tests.conftest import make_customer


def _message(customer, **extra):
    values = {"dealer": customer.dealer, "customer": customer, "purpose": "service", "channel": "outbox",
              "language": "zh-hans", "body": "您好，保养到期了。"} | extra
    values.setdefault("key", f"page:{Message.objects.count()}:{values['body']}")
    return Message.objects.create(**values)


def test_outbox_lists_the_scope_newest_first_with_filters(org, client, customer, no_quiet_hours):
    mine = _message(customer, body="我的客户的消息")
    _message(make_customer(dealer=org.d1, owner=org.staff["colleague"]), body="同事客户的消息")
    _message(make_customer(dealer=org.d2), body="别店的消息")
    client.force_login(org.staff["consultant"])
    page = client.get("/channels/outbox/").content.decode()
    assert "我的客户的消息" in page and "同事客户的消息" not in page and "别店的消息" not in page
    client.force_login(org.staff["showroom_manager"])
    page = client.get("/channels/outbox/").content.decode()
    assert "同事客户的消息" in page and "别店的消息" not in page
    _message(customer, body="营销消息", purpose="marketing", channel="webhook", status=MessageStatus.DEAD)
    filtered = client.get("/channels/outbox/", {"status": "dead", "purpose": "marketing", "channel": "webhook"})
    text = filtered.content.decode()
    assert "营销消息" in text and "我的客户的消息" not in text
    by_customer = client.get("/channels/outbox/", {"customer": customer.pk}).content.decode()
    assert "我的客户的消息" in by_customer and "同事客户的消息" not in by_customer
    assert mine.pk


@pytest.mark.parametrize("params", [{"status": "bogus"}, {"purpose": "x"}, {"channel": "fax"}, {"dealer": "abc"},
                                    {"customer": "-1"}, {"customer": str(2**70)}])
def test_outbox_refuses_bad_filters(org, client, customer, params):
    _message(customer)
    client.force_login(org.staff["group_admin"])  # several dealers in sight: the dealer filter is offered
    response = client.get("/channels/outbox/", params)
    assert response.status_code == 422 and "您好" not in response.content.decode()


def test_outbox_pages_by_keyset(org, client, customer):
    for i in range(30):
        _message(customer, body=f"第{i:02d}条")
    client.force_login(org.staff["consultant"])
    first = client.get("/channels/outbox/")
    page = first.context["page"]
    assert len(page.items) == 25 and page.items[0].body == "第29条" and page.next_cursor
    rest = client.get("/channels/outbox/", {"after": page.next_cursor}).context["page"]
    assert [m.body for m in rest.items] == [f"第{i:02d}条" for i in range(4, -1, -1)]
    assert client.get("/channels/outbox/", {"after": "nonsense"}).status_code == 200


def test_mark_sent_from_the_outbox(org, client, customer, no_quiet_hours):
    message = _message(customer)
    client.force_login(org.staff["consultant"])
    response = client.post(f"/channels/messages/{message.pk}/sent/", {"next": "/channels/outbox/"})
    assert response.status_code == 302 and response["Location"] == "/channels/outbox/"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_by == org.staff["consultant"]
    assert message.address == customer.mobile
    assert AuditEvent.objects.filter(action="message.mark_sent", object_id=str(message.pk)).exists()
    again = client.post(f"/channels/messages/{message.pk}/sent/", follow=True)
    assert "only a queued message can be sent" in again.content.decode()


def test_mark_sent_applies_the_rules_again(org, client, customer, no_quiet_hours):
    message = _message(customer, purpose="marketing")
    consent(customer, "marketing", False)
    client.force_login(org.staff["consultant"])
    detail = client.get(f"/channels/messages/{message.pk}/").content.decode()
    assert "Do not send: Consent withdrawn" in detail
    page = client.post(f"/channels/messages/{message.pk}/sent/", follow=True).content.decode()
    assert "Not sent: Consent withdrawn" in page
    message.refresh_from_db()
    assert message.status == MessageStatus.SUPPRESSED and message.suppression_code == "consent_withdrawn"
    assert AuditEvent.objects.filter(action="message.suppress").exists()


def test_mark_sent_waits_for_the_end_of_quiet_hours(org, client, customer):
    ChannelSettings.objects.create(dealer=org.d1, quiet_start=dt.time(0), quiet_end=dt.time(23, 59, 59))
    message = _message(customer)
    client.force_login(org.staff["consultant"])
    page = client.post(f"/channels/messages/{message.pk}/sent/", follow=True).content.decode()
    assert "Quiet hours at Dealer 1 until 23:59" in page
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED


def test_only_outbox_messages_are_sent_by_hand(org, client, customer):
    message = _message(customer, channel="webhook")
    client.force_login(org.staff["consultant"])
    page = client.post(f"/channels/messages/{message.pk}/sent/", follow=True).content.decode()
    assert "Only outbox messages are sent by hand" in page


def test_message_page_shows_tries_errors_and_the_reason(org, client, customer):
    dead = _message(customer, channel="webhook", status=MessageStatus.DEAD, attempts=2, last_error="HTTP 500 boom")
    DeliveryAttempt.objects.create(message=dead, number=1, at=dead.queued_at, outcome="retry", status_code=500,
                                   error="HTTP 500 boom", duration_ms=12)
    suppressed = _message(customer, status=MessageStatus.SUPPRESSED, suppression_code="frequency_cap")
    client.force_login(org.staff["consultant"])
    page = client.get(f"/channels/messages/{dead.pk}/").content.decode()
    assert "HTTP 500 boom" in page and "Delivery attempts" in page and "Try again" in page
    assert "Frequency cap reached" in client.get(f"/channels/messages/{suppressed.pk}/").content.decode()


def test_retry_a_dead_letter(org, client, customer, gateway, run_on_commit):
    gw = gateway("ok")
    dead = _message(customer, channel="webhook", status=MessageStatus.DEAD, attempts=3, purpose="service")
    client.force_login(org.staff["consultant"])
    with run_on_commit():
        client.post(f"/channels/messages/{dead.pk}/retry/")
    dead.refresh_from_db()
    assert dead.status == MessageStatus.SENT and dead.attempts == 1 and len(gw.received) == 1
    assert AuditEvent.objects.filter(action="message.retry").exists()


def test_pages_outside_scope_are_404(org, client, customer):
    other = _message(make_customer(dealer=org.d2))
    colleagues = _message(make_customer(dealer=org.d1, owner=org.staff["colleague"]))
    client.force_login(org.staff["consultant"])
    for message in (other, colleagues):
        assert client.get(f"/channels/messages/{message.pk}/").status_code == 404
        assert client.post(f"/channels/messages/{message.pk}/sent/").status_code == 404
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED
    assert client.get("/channels/messages/99999999/").status_code == 404


def test_region_manager_sees_but_does_not_send(org, client, customer):
    message = _message(customer)
    client.force_login(org.staff["region_manager"])
    assert client.get(f"/channels/messages/{message.pk}/").status_code == 200
    assert client.post(f"/channels/messages/{message.pk}/sent/").status_code == 403


def test_the_card_shows_messages_and_writes_one(org, client, customer, no_quiet_hours):
    queue_message(actor=None, customer=customer, purpose="marketing", template_code="care.birthday", context={},
                  key="card")
    client.force_login(org.staff["consultant"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="messages"' in card and "happy birthday" in card and "Write a message" in card
    response = client.post(f"/channels/customers/{customer.pk}/write/",
                           {"purpose": "service", "channel": "outbox", "subject": "", "body": "车已修好"})
    written = Message.objects.get(body="车已修好")
    assert response.status_code == 302 and response["Location"] == f"/channels/messages/{written.pk}/"
    refused = client.post(f"/channels/customers/{customer.pk}/write/",
                          {"purpose": "service", "channel": "outbox", "body": ""}, follow=True)
    assert "This field is required" in refused.content.decode()
    client.force_login(org.staff["colleague"])
    assert client.post(f"/channels/customers/{customer.pk}/write/",
                       {"purpose": "service", "channel": "outbox", "body": "x"}).status_code == 404


def test_settings_page_saves_and_names_bad_fields(org, client):
    client.force_login(org.staff["dealer_gm"])
    assert client.get("/channels/settings/").status_code == 200
    form = {"default_channel": "outbox", "default_language": "zh-hans", "time_zone": "Asia/Shanghai",
            "quiet_start": "22:00", "quiet_end": "08:00", "cap_days": "7", "marketing_cap": "3", "survey_cap": "1",
            "webhook_url": "https://gateway.example/send", "webhook_secret": "s" * 20, "webhook_timeout": "5",
            "max_attempts": "4", "retry_seconds": "30", "email_from": ""}
    assert client.post("/channels/settings/", form).status_code == 302
    saved = ChannelSettings.objects.get(dealer=org.d1)
    assert (saved.marketing_cap, saved.quiet_start, saved.webhook_secret) == (3, dt.time(22), "s" * 20)
    # The secret is never shown, and an empty field keeps it.
    assert "s" * 20 not in client.get("/channels/settings/").content.decode()
    assert client.post("/channels/settings/", form | {"webhook_secret": ""}).status_code == 302
    assert ChannelSettings.objects.get(dealer=org.d1).webhook_secret == "s" * 20
    row = AuditEvent.objects.filter(action="channel_settings.update").first()
    assert row.after.get("webhook_secret") in ("set", None) and "s" * 20 not in str(row.after)


@pytest.mark.parametrize("change, field, says", [
    ({"time_zone": "Mars/Olympus"}, "time_zone", "is not a time zone"),
    ({"marketing_cap": "-1"}, "marketing_cap", "greater than or equal to 0"),
    ({"cap_days": "400"}, "cap_days", "less than or equal to 365"),
    ({"webhook_url": "ftp://gateway.example/"}, "webhook_url", "Enter a valid URL"),
    ({"webhook_secret": "short"}, "webhook_secret", "at least 16 characters"),
    ({"default_channel": "webhook", "webhook_url": ""}, "default_channel", "Set the gateway"),
    ({"quiet_start": "25:00"}, "quiet_start", "Enter a valid time"),
    ({"max_attempts": "0"}, "max_attempts", "greater than or equal to 1"),
])
def test_settings_refuse_bad_values_and_save_nothing(org, client, change, field, says):
    client.force_login(org.staff["dealer_gm"])
    form = {"default_channel": "outbox", "default_language": "zh-hans", "time_zone": "Asia/Shanghai",
            "quiet_start": "21:00", "quiet_end": "09:00", "cap_days": "7", "marketing_cap": "2", "survey_cap": "2",
            "webhook_url": "", "webhook_secret": "", "webhook_timeout": "10", "max_attempts": "5",
            "retry_seconds": "60", "email_from": ""} | change
    response = client.post("/channels/settings/", form)
    assert response.status_code == 422 and says in response.content.decode()
    assert field in response.context["form"].errors
    assert not ChannelSettings.objects.exists()


def test_the_cards_message_form_is_a_fold(org, client, customer):
    """The card renders no message form; its fold fetches it, for those who may send only."""
    client.force_login(org.staff["consultant"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'hx-get="/channels/customers/{customer.pk}/write/form/"' in card and 'name="body"' not in card
    fragment = client.get(f"/channels/customers/{customer.pk}/write/form/", HTTP_HX_REQUEST="true").content.decode()
    assert f'action="/channels/customers/{customer.pk}/write/"' in fragment and 'name="body"' in fragment
    client.force_login(org.staff["region_manager"])  # sees messages, does not send
    assert 'write/form/' not in client.get(f"/customers/{customer.pk}/").content.decode()
    assert client.get(f"/channels/customers/{customer.pk}/write/form/").status_code == 403
    client.force_login(org.staff["colleague"])
    assert client.get(f"/channels/customers/{customer.pk}/write/form/").status_code == 404
