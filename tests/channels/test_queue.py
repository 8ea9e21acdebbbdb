"""queue_message, the interface other apps call: rendering in the customer's language, presets on
first use, the idempotency key, argument checks, the actor's scope, audit, merge."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from retain.channels.models import ChannelSettings, Message, MessageStatus, Template
from retain.channels.rendering import MissingValues
from retain.channels.services import queue_message, write_message
from retain.customers import services as customer_services
from retain.org.models import AuditEvent
from tests.channels.conftest import consent
from tests.conftest import make_customer


def _queue(customer, **extra):
    values = {"actor": None, "customer": customer, "purpose": "marketing", "template_code": "care.birthday",
              "context": {}} | extra
    return queue_message(**values)


def test_renders_the_dealers_template_in_the_customers_language(org, customer, no_quiet_hours):
    customer.language = "zh-hans"
    customer.save()
    message = _queue(customer, key="zh")
    assert message.language == "zh-hans" and message.body.startswith("李雷")
    assert "Dealer 1" in message.body and message.template.code == "care.birthday"
    # A dealer's own text is used once it has one.
    Template.objects.filter(dealer=org.d1, code="care.birthday", language="zh-hans").update(
        body="{customer_name}，生日快乐！——{dealer_name}")
    assert _queue(customer, key="zh2").body == "李雷，生日快乐！——Dealer 1"


def test_falls_back_to_the_dealers_default_language(org, customer):
    ChannelSettings.objects.create(dealer=org.d1, default_language="zh-hans", quiet_start="00:00", quiet_end="00:00")
    assert customer.language == ""
    assert _queue(customer, key="default").language == "zh-hans"
    customer.language = "en"
    customer.save()
    message = _queue(customer, key="english")
    assert message.language == "en" and message.body.startswith("Dear 李雷")


def test_presets_are_installed_for_a_dealer_on_its_first_message(org, customer, no_quiet_hours):
    assert not Template.objects.filter(dealer=org.d1).exists()
    _queue(customer, key="first")
    assert Template.objects.filter(dealer=org.d1).count() > 0
    assert AuditEvent.objects.filter(action="template.install", actor=None).count() == 1


def test_the_same_key_returns_the_same_message_and_sends_once(org, customer, no_quiet_hours):
    first = _queue(customer, key="care:birthday:2026")
    again = _queue(customer, key="care:birthday:2026", context={})
    assert again.pk == first.pk and Message.objects.count() == 1
    assert AuditEvent.objects.filter(action="message.queue").count() == 1


def test_a_key_used_for_another_customer_is_refused(org, customer, no_quiet_hours):
    _queue(customer, key="shared")
    other = make_customer(dealer=org.d1, name="韩梅梅")
    with pytest.raises(ValidationError) as caught:
        _queue(other, key="shared")
    assert "key" in caught.value.message_dict


def test_queueing_is_audited_with_who_or_what_queued_it(org, customer, no_quiet_hours):
    message = _queue(customer, actor=org.staff["consultant"], key="by-hand", origin="care.task")
    assert message.queued_by == org.staff["consultant"] and message.origin == "care.task"
    row = AuditEvent.objects.get(action="message.queue")
    assert row.actor == org.staff["consultant"] and row.object_id == str(message.pk)
    assert row.after["status"] == "queued" and row.after["purpose"] == "marketing"


@pytest.mark.parametrize("override, field", [
    ({"template_code": "care.nothing"}, "template_code"),
    ({"purpose": "spam"}, "purpose"),
    ({"purpose": "service"}, "purpose"),  # a birthday greeting is marketing
    ({"channel": "fax"}, "channel"),
    ({"context": {"festivl": "中秋"}}, "context"),
])
def test_bad_arguments_are_refused_naming_them(org, customer, no_quiet_hours, override, field):
    with pytest.raises(ValidationError) as caught:
        _queue(customer, **override)
    assert field in caught.value.message_dict
    assert not Message.objects.exists()


def test_a_vehicle_of_another_customer_is_refused(org, customer, no_quiet_hours):
    other = make_customer(dealer=org.d1, name="韩梅梅")
    car = other.vehicles.create(vin="LSVAM4187C2184801", make="大众", model="朗逸")
    with pytest.raises(ValidationError) as caught:
        _queue(customer, purpose="service", template_code="care.accident_condolence", vehicle=car)
    assert "vehicle" in caught.value.message_dict


def test_a_missing_value_writes_nothing(org, customer, no_quiet_hours):
    with pytest.raises(MissingValues):
        _queue(customer, template_code="care.festival")  # no {festival} in the context
    assert not Message.objects.exists()


def test_a_staff_actor_needs_the_customer_in_their_scope(org, customer, no_quiet_hours):
    with pytest.raises(Http404):
        _queue(customer, actor=org.staff["colleague"])
    with pytest.raises(Http404):
        _queue(customer, actor=org.staff["d2_consultant"])
    assert not Message.objects.exists()


def test_write_message_by_hand(org, customer, no_quiet_hours):
    message = write_message(actor=org.staff["consultant"], customer_id=customer.pk, purpose="service",
                            channel="outbox", body="  李先生，您的车已修好，可以来取了。 ")
    assert message.template is None and message.body == "李先生，您的车已修好，可以来取了。"
    assert AuditEvent.objects.filter(action="message.write", object_id=str(message.pk)).exists()


@pytest.mark.parametrize("override, field", [
    ({"body": ""}, "body"), ({"body": "好" * 2001}, "body"), ({"body": "a\x00b"}, "body"),
    ({"subject": "s" * 201}, "subject"), ({"purpose": "x"}, "purpose"), ({"channel": "x"}, "channel"),
])
def test_write_message_refuses_bad_input(org, customer, override, field):
    values = {"purpose": "service", "channel": "outbox", "body": "您好"} | override
    with pytest.raises(ValidationError) as caught:
        write_message(actor=org.staff["consultant"], customer_id=customer.pk, **values)
    assert field in caught.value.message_dict and not Message.objects.exists()


def test_messages_follow_the_customer_when_merged(org, customer, no_quiet_hours):
    duplicate = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="李雷")
    consent(duplicate, "marketing", True)
    message = _queue(duplicate, key="dup")
    customer_services.merge_customers(actor=org.staff["dealer_gm"], survivor_id=customer.pk,
                                      duplicate_id=duplicate.pk)
    message.refresh_from_db()
    assert message.customer_id == customer.pk
    assert AuditEvent.objects.get(action="customer.merge").after["messages"] == 1


def test_suppressed_outbox_message_is_never_offered(org, no_quiet_hours):
    stranger = make_customer(dealer=org.d1, name="韩梅梅")
    assert _queue(stranger).status == MessageStatus.SUPPRESSED
